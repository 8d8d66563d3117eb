//! One test per check id: it passes in a healthy world, fails exactly past its
//! boundary (the inclusive/exclusive rule is stated per test), names the
//! numbers in its detail, and skips where it does not apply.
#![allow(clippy::unwrap_used)]

mod risk_support;

use risk_support::*;
use vigil::domain::FeedState;
use vigil::domain::{Approval, OrderStatus, Side, SymbolStatus, TradingState, Venue};
use vigil::risk::{BudgetLeft, CheckId, KeyPermissions, LiveArming, Verdict};

use Side::{Buy, Sell};
use Verdict::{Fail, Pass, Skip, Warn};

#[test]
fn kill_switch() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::KillSwitch;
    assert_check(&w.check(&limit(Buy, "1", "100"), &l, id), Pass, &["active"]);
    w.kill_switch = true;
    assert_check(&w.check(&limit(Sell, "1", "100"), &l, id), Fail, &["kill switch is engaged"]);
    w.kill_switch = false;
    w.trading_state = TradingState::Halted;
    assert_check(&w.check(&limit(Sell, "1", "100"), &l, id), Fail, &["halted"]);
    // Reducing: a sell of at most the free base passes (2 BTC free: 2 passes, 2.001 fails).
    w.trading_state = TradingState::Reducing;
    assert_check(&w.check(&limit(Sell, "2", "100"), &l, id), Pass, &["reducing", "2 BTC"]);
    assert_check(&w.check(&limit(Sell, "2.001", "100"), &l, id), Fail, &["2.001 BTC", "2 BTC free"]);
    assert_check(&w.check(&limit(Buy, "0.5", "100"), &l, id), Fail, &["reducing", "buy of 0.5 BTC"]);
}

#[test]
fn venue_armed() {
    let l = limits();
    let id = CheckId::VenueArmed;
    let buy = limit(Buy, "1", "100");
    assert_check(&World::new().check(&buy, &l, id), Pass, &["paper"]);
    let mut w = World::live();
    assert_check(&w.check(&buy, &l, id), Pass, &["unlocked", "verified"]);
    w.live = LiveArming { keystore_unlocked: false, key_verified: true, reconciling: false, test_key: false };
    assert_check(&w.check(&buy, &l, id), Fail, &["keystore is locked"]);
    w.live = LiveArming { keystore_unlocked: true, key_verified: false, reconciling: true, test_key: false };
    assert_check(&w.check(&buy, &l, id), Fail, &["not verified", "reconciling"]);
}

#[test]
fn autonomy_budget() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::AutonomyBudget;
    let buy = limit(Buy, "1", "100"); // notional 100
    assert_check(&w.check(&buy, &l, id), Skip, &["confirm mode"]);
    w.approval = Approval::Autonomous;
    assert_check(&w.check(&buy, &l, id), Fail, &["no budget"]);
    // Inclusive: notional equal to what is left passes; 0.01 more fails.
    w.autonomy = Some(BudgetLeft { orders: 3, notional: d("100") });
    assert_check(&w.check(&buy, &l, id), Pass, &["2 orders", "0 USDT left"]);
    w.autonomy = Some(BudgetLeft { orders: 3, notional: d("99.99") });
    assert_check(&w.check(&buy, &l, id), Fail, &["notional 100", "99.99 USDT left"]);
    w.autonomy = Some(BudgetLeft { orders: 0, notional: d("5000") });
    assert_check(&w.check(&buy, &l, id), Fail, &["0 orders left"]);
    // A market order is valued by walking the asks: 1 at 100.1.
    w.autonomy = Some(BudgetLeft { orders: 1, notional: d("100.09") });
    assert_check(&w.check(&market(Buy, "1"), &l, id), Fail, &["100.1", "100.09"]);
}

#[test]
fn symbol_allowed() {
    let (mut w, mut l) = (World::new(), limits());
    let id = CheckId::SymbolAllowed;
    let buy = limit(Buy, "1", "100");
    assert_check(&w.check(&buy, &l, id), Pass, &["BTCUSDT", "TRADING"]);
    l.symbol_allowlist = vec![sym("ETHUSDT")];
    assert_check(&w.check(&buy, &l, id), Fail, &["BTCUSDT is not in the allowlist (ETHUSDT)"]);
    let l = limits();
    w.instrument.as_mut().unwrap().status = SymbolStatus::Halt;
    assert_check(&w.check(&buy, &l, id), Fail, &["BTCUSDT is HALT"]);
    w.instrument.as_mut().unwrap().symbol = sym("ETHUSDT");
    assert_check(&w.check(&buy, &l, id), Fail, &["ETHUSDT, not BTCUSDT"]);
    w.instrument = None;
    assert_check(&w.check(&buy, &l, id), Fail, &["not listed"]);
}

#[test]
fn market_data_fresh() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::MarketDataFresh;
    let buy = limit(Buy, "1", "100");
    assert_check(&w.check(&buy, &l, id), Pass, &["100 ms ago", "3000 ms"]);
    // Inclusive: exactly stale_after_ms old passes, 1 ms more fails.
    w.feed.last_update_ms = Some(NOW - 3_000);
    assert_check(&w.check(&buy, &l, id), Pass, &["3000 ms ago"]);
    w.feed.last_update_ms = Some(NOW - 3_001);
    assert_check(&w.check(&buy, &l, id), Fail, &["3001 ms old", "stale after 3000 ms"]);
    w.feed.last_update_ms = None;
    assert_check(&w.check(&buy, &l, id), Fail, &["no market data"]);
    w.feed.last_update_ms = Some(NOW);
    w.feed.state = FeedState::Resyncing;
    assert_check(&w.check(&buy, &l, id), Fail, &["resyncing"]);
}

#[test]
fn price_tick() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::PriceTick;
    assert_check(&w.check(&limit(Buy, "1", "100.01"), &l, id), Pass, &["100.01", "tick size 0.01"]);
    // price % tick must be exactly zero in Decimal.
    assert_check(
        &w.check(&limit(Buy, "1", "100.005"), &l, id),
        Fail,
        &["100.005", "tick size 0.01", "100.000", "100.010"],
    );
    // Min/max are inclusive.
    w.instrument.as_mut().unwrap().min_price = d("50");
    w.instrument.as_mut().unwrap().max_price = d("150");
    assert_check(&w.check(&limit(Buy, "1", "50"), &l, id), Pass, &[]);
    assert_check(&w.check(&limit(Buy, "1", "49.99"), &l, id), Fail, &["49.99", "minimum 50"]);
    assert_check(&w.check(&limit(Buy, "1", "150"), &l, id), Pass, &[]);
    assert_check(&w.check(&limit(Buy, "1", "150.01"), &l, id), Fail, &["150.01", "maximum 150"]);
    // A zero value disables its rule (Binance semantics).
    w.instrument.as_mut().unwrap().tick_size = d("0");
    w.instrument.as_mut().unwrap().max_price = d("0");
    assert_check(&w.check(&limit(Buy, "1", "1234.56789"), &l, id), Pass, &[]);
    w.instrument.as_mut().unwrap().tick_size = d("-0.01");
    assert_check(&w.check(&limit(Buy, "1", "100"), &l, id), Fail, &["malformed"]);
    assert_check(&w.check(&market(Buy, "1"), &l, id), Skip, &["market order"]);
    w.instrument = None;
    assert_check(&w.check(&limit(Buy, "1", "100"), &l, id), Fail, &["no exchange info for BTCUSDT"]);
}

#[test]
fn quantity_step() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::QuantityStep;
    assert_check(&w.check(&limit(Buy, "1.001", "100"), &l, id), Pass, &["1.001", "step size 0.001"]);
    assert_check(&w.check(&limit(Buy, "1.0005", "100"), &l, id), Fail, &["1.0005", "step size 0.001"]);
    assert_check(&w.check(&limit(Buy, "0.001", "100"), &l, id), Pass, &[]);
    assert_check(&w.check(&limit(Buy, "0.0009", "100"), &l, id), Fail, &["0.0009", "minimum 0.001"]);
    assert_check(&w.check(&limit(Buy, "1000", "100"), &l, id), Pass, &[]);
    assert_check(&w.check(&limit(Buy, "1000.001", "100"), &l, id), Fail, &["1000.001", "maximum 1000"]);
    assert_check(&w.check(&limit(Buy, "-1", "100"), &l, id), Fail, &["-1 must be positive"]);
    assert_check(&w.check(&market(Sell, "0.0015"), &l, id), Fail, &["0.0015"]);
    w.instrument.as_mut().unwrap().step_size = d("0");
    assert_check(&w.check(&limit(Buy, "1.0005", "100"), &l, id), Pass, &[]);
}

#[test]
fn min_notional() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::MinNotional;
    // Inclusive: 0.1 × 100 = 10 equals the minimum 10 and passes; 9.9 fails.
    assert_check(&w.check(&limit(Buy, "0.1", "100"), &l, id), Pass, &["notional 10 USDT", "minimum 10"]);
    assert_check(&w.check(&limit(Buy, "0.099", "100"), &l, id), Fail, &["9.9", "minimum 10 USDT"]);
    // Market: valued by the bid walk, 0.1 × 99.9 = 9.99.
    assert_check(&w.check(&market(Sell, "0.1"), &l, id), Fail, &["9.99"]);
    assert_check(&w.check(&market(Sell, "1000"), &l, id), Fail, &["cannot value", "holds only 56"]);
    w.instrument.as_mut().unwrap().min_notional = d("0");
    assert_check(&w.check(&limit(Buy, "0.001", "100"), &l, id), Pass, &["no minimum notional"]);
}

#[test]
fn price_band() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::PriceBand;
    // Limit: inclusive ±5% of mid 100.
    assert_check(&w.check(&limit(Buy, "1", "105"), &l, id), Pass, &["5.00% above mid 100", "band ±5%"]);
    assert_check(&w.check(&limit(Buy, "1", "105.01"), &l, id), Fail, &["105.01 is 5.01% above mid 100"]);
    assert_check(&w.check(&limit(Sell, "1", "95"), &l, id), Pass, &["5.00% below"]);
    assert_check(&w.check(&limit(Sell, "1", "94.99"), &l, id), Fail, &["5.01% below mid 100"]);
    // Market: average fill of the ask walk within 0.5% of mid (inclusive).
    // 2 BTC: 1 @ 100.1 + 1 @ 100.9 = 201, average 100.5, 0.50% above mid.
    assert_check(
        &w.check(&market(Buy, "2"), &l, id),
        Pass,
        &["walks 2 levels to 100.9", "0.50% above", "0.5%"],
    );
    // 3 BTC: + 1 @ 101 = 302, average 100.67, 0.67% above.
    assert_check(
        &w.check(&market(Buy, "3"), &l, id),
        Fail,
        &["average 100.66666667 is 0.67% above mid 100", "max slippage 0.5%"],
    );
    assert_check(&w.check(&market(Buy, "60"), &l, id), Fail, &["ask side", "holds only 52", "needs 60"]);
    w.asks.clear();
    assert_check(&w.check(&limit(Buy, "1", "100"), &l, id), Fail, &["no mid price"]);
}

#[test]
fn max_order_notional() {
    let (w, mut l) = (World::new(), limits());
    let id = CheckId::MaxOrderNotional;
    // Inclusive: notional equal to the maximum passes, 0.01 below it fails.
    l.max_order_notional = d("100");
    assert_check(&w.check(&limit(Buy, "1", "100"), &l, id), Pass, &["100", "maximum 100 USDT"]);
    l.max_order_notional = d("99.99");
    assert_check(&w.check(&limit(Buy, "1", "100"), &l, id), Fail, &["notional 100 USDT", "maximum 99.99"]);
    // Market: the walk's notional (1 @ 100.1).
    l.max_order_notional = d("100.1");
    assert_check(&w.check(&market(Buy, "1"), &l, id), Pass, &["100.1"]);
    assert_check(&w.check(&limit(Buy, "1", "-1"), &l, id), Fail, &["not positive"]);
}

#[test]
fn balance_available() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::BalanceAvailable;
    let buy = limit(Buy, "1", "100"); // needs 100 × 1.001 = 100.1
    // Inclusive: exactly enough free quote passes; locked never counts.
    w.set_balance("USDT", "100.1", "5000");
    assert_check(&w.check(&buy, &l, id), Pass, &["needs 100.1 USDT", "0.10% fee", "100.1 USDT free"]);
    w.set_balance("USDT", "100.09", "5000");
    assert_check(&w.check(&buy, &l, id), Fail, &["needs 100.1", "100.09 USDT free", "5000 locked"]);
    // The venue's own fee rate wins over the configured one.
    w.fee_rate = Some(d("0.0001"));
    assert_check(&w.check(&buy, &l, id), Pass, &["needs 100.01 USDT"]);
    // Market buy: the ask walk's notional, 2 BTC = 201 (+0.01% fee = 201.0201).
    w.set_balance("USDT", "201.0200", "0");
    assert_check(&w.check(&market(Buy, "2"), &l, id), Fail, &["201.0201"]);
    // Sell: free base ≥ qty, no shorting.
    w.set_balance("BTC", "2", "1");
    assert_check(&w.check(&limit(Sell, "2", "100"), &l, id), Pass, &["2 BTC free"]);
    assert_check(
        &w.check(&limit(Sell, "2.001", "100"), &l, id),
        Fail,
        &["2.001 BTC", "1 locked", "cannot sell more"],
    );
    w.balances.clear();
    assert_check(&w.check(&limit(Sell, "0.001", "100"), &l, id), Fail, &["0 BTC free"]);
    w.instrument = None;
    assert_check(&w.check(&buy, &l, id), Fail, &["no exchange info"]);
}

#[test]
fn max_position() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::MaxPosition;
    // 40 held + 5 in an open buy + 5 this order = 50 × 100 = 5000: equal to max, passes.
    w.positions[0].qty = d("40");
    w.orders.push(order(1, limit(Buy, "5", "90"), OrderStatus::Submitted));
    w.orders.push(order(2, limit(Buy, "7", "90"), OrderStatus::Cancelled));
    assert_check(
        &w.check(&limit(Buy, "5", "100"), &l, id),
        Pass,
        &["position 50", "40 held", "5 in open buys", "5000"],
    );
    assert_check(&w.check(&limit(Buy, "5.001", "100"), &l, id), Fail, &["50.001", "5000.1 USDT", "max 5000"]);
    assert_check(&w.check(&limit(Sell, "1", "100"), &l, id), Pass, &["shrinks"]);
}

#[test]
fn concentration() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::Concentration;
    // 2 BTC held + 48 bought = 50 × 100 = 5000 of equity 10000: 50%, equal to max, passes.
    w.equity = d("10000");
    assert_check(&w.check(&limit(Buy, "48", "100"), &l, id), Pass, &["50.00% of equity", "5000", "max 50%"]);
    assert_check(&w.check(&limit(Buy, "48.01", "100"), &l, id), Fail, &["50.01% of equity", "5001"]);
    assert_check(&w.check(&limit(Sell, "1", "100"), &l, id), Pass, &["lowers"]);
    w.equity = d("0");
    assert_check(&w.check(&limit(Buy, "1", "100"), &l, id), Fail, &["equity is 0"]);
}

#[test]
fn max_open_orders() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::MaxOpenOrders;
    // Max 10 open including this one: 9 open passes, 10 fails. Closed orders do not count.
    for i in 0..9 {
        w.orders.push(order(i, limit(Buy, "0.01", "90"), OrderStatus::Submitted));
    }
    w.orders.push(order(99, limit(Buy, "0.01", "90"), OrderStatus::Filled));
    assert_check(
        &w.check(&limit(Buy, "1", "100"), &l, id),
        Pass,
        &["9 orders are open, max 10", "number 10"],
    );
    w.orders.push(order(9, limit(Buy, "0.01", "90"), OrderStatus::Submitted));
    assert_check(&w.check(&limit(Buy, "1", "100"), &l, id), Fail, &["10 orders are open, max 10"]);
}

#[test]
fn duplicate_order() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::DuplicateOrder;
    let buy = limit(Buy, "1", "100");
    assert_check(&w.check(&buy, &l, id), Pass, &["no identical buy 1 BTCUSDT @ 100", "5000 ms"]);
    // Exclusive window: sent 4999 ms ago is a duplicate, exactly 5000 ms ago is not.
    w.submissions.push(sent(Buy, "1", Some("100"), 5_000));
    assert_check(&w.check(&buy, &l, id), Pass, &[]);
    w.submissions.push(sent(Buy, "1.000", Some("100.00"), 4_999));
    assert_check(&w.check(&buy, &l, id), Fail, &["sent 4999 ms ago", "5000 ms dedupe window"]);
    // A different price or side is not a duplicate.
    assert_check(&w.check(&limit(Buy, "1", "100.01"), &l, id), Pass, &[]);
    assert_check(&w.check(&limit(Sell, "1", "100"), &l, id), Pass, &[]);
    // An identical open order is a duplicate whatever its age; a cancelled one is not.
    w.submissions.clear();
    w.orders.push(order(6, limit(Buy, "1", "100"), OrderStatus::Cancelled));
    assert_check(&w.check(&buy, &l, id), Pass, &[]);
    w.orders.push(order(7, limit(Buy, "1", "100"), OrderStatus::PartiallyFilled));
    assert_check(&w.check(&buy, &l, id), Fail, &["already open as order 7"]);
    // Market orders compare without a price.
    w.submissions.push(sent(Sell, "0.5", None, 10));
    assert_check(&w.check(&market(Sell, "0.5"), &l, id), Fail, &["market sell 0.5 BTCUSDT", "10 ms ago"]);
}

#[test]
fn order_rate() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::OrderRate;
    let buy = limit(Buy, "1", "100");
    // Max 20 per 60 s including this one: 19 sent passes, 20 fails. Spread them 11 s+ back
    // so the 10 s limit is not what decides.
    for i in 0..19 {
        w.submissions.push(sent(Buy, "0.01", Some("90"), 11_000 + i * 2_000));
    }
    w.submissions.push(sent(Buy, "0.01", Some("90"), 60_000)); // left the window exactly now
    assert_check(&w.check(&buy, &l, id), Pass, &["19 orders in the last 60 s (max 20)"]);
    w.submissions.push(sent(Buy, "0.01", Some("90"), 59_000));
    assert_check(
        &w.check(&buy, &l, id),
        Fail,
        &["20 orders sent in the last 60 s, max 20", "next slot in 1000 ms"],
    );
    // Max 5 per 10 s: 4 recent pass, 5 fail.
    w.submissions.clear();
    for i in 0..4 {
        w.submissions.push(sent(Buy, "0.01", Some("90"), 1_000 * i));
    }
    assert_check(&w.check(&buy, &l, id), Pass, &["4 in the last 10 s (max 5)"]);
    w.submissions.push(sent(Buy, "0.01", Some("90"), 9_999));
    assert_check(
        &w.check(&buy, &l, id),
        Fail,
        &["5 orders sent in the last 10 s, max 5", "next slot in 1 ms"],
    );
}

#[test]
fn daily_loss_limit() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::DailyLossLimit;
    let buy = limit(Buy, "1", "100");
    w.realized_pnl_today = d("-100");
    w.unrealized_pnl = d("-59.99");
    assert_check(&w.check(&buy, &l, id), Pass, &["-159.99", "realized -100", "unrealized -59.99", "200"]);
    // Warn from 80% of the limit (a loss of 160).
    w.unrealized_pnl = d("-60");
    assert_check(&w.check(&buy, &l, id), Warn, &["-160", "80%"]);
    // Inclusive: a loss equal to the limit trips it.
    w.unrealized_pnl = d("-99.99");
    assert_check(&w.check(&buy, &l, id), Warn, &["-199.99"]);
    w.unrealized_pnl = d("-100");
    assert_check(
        &w.check(&buy, &l, id),
        Fail,
        &["today's PnL -200", "daily loss limit of 200", "limit reached"],
    );
    // A sell of what is held still passes, with a warning.
    assert_check(&w.check(&limit(Sell, "1", "100"), &l, id), Warn, &["-200", "reduces exposure"]);
}

#[test]
fn drawdown_breaker() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::DrawdownBreaker;
    let buy = limit(Buy, "1", "100");
    w.peak_equity = d("10000");
    w.equity = d("9200.01");
    assert_check(
        &w.check(&buy, &l, id),
        Pass,
        &["equity 9200.01", "8.00% below peak 10000", "breaker at 10%"],
    );
    w.equity = d("9200");
    assert_check(&w.check(&buy, &l, id), Warn, &["8.00%"]);
    // Inclusive: a drawdown equal to the limit trips it.
    w.equity = d("9000.01");
    assert_check(&w.check(&buy, &l, id), Warn, &["9000.01"]);
    w.equity = d("9000");
    assert_check(&w.check(&buy, &l, id), Fail, &["equity 9000 is 10.00% below peak 10000", "breaker at 10%"]);
    assert_check(&w.check(&limit(Sell, "1", "100"), &l, id), Warn, &["reduces exposure"]);
    w.equity = d("12000");
    assert_check(&w.check(&buy, &l, id), Pass, &["0.00% below"]);
    w.peak_equity = d("0");
    assert_check(&w.check(&buy, &l, id), Pass, &["no peak equity"]);
}

#[test]
fn loss_streak_cooldown() {
    let (mut w, l) = (World::new(), limits());
    let id = CheckId::LossStreakCooldown;
    let buy = limit(Buy, "1", "100");
    w.losing_streak = 3;
    w.last_loss_ms = Some(NOW);
    assert_check(&w.check(&buy, &l, id), Pass, &["3 losing trades", "after 4"]);
    // Exclusive: within 1 800 000 ms of the last loss fails; exactly that long after passes.
    w.losing_streak = 4;
    w.last_loss_ms = Some(NOW - 1_799_999);
    assert_check(&w.check(&buy, &l, id), Fail, &["4 losing trades", "limit 4", "1 ms of 1800000 ms left"]);
    assert_check(&w.check(&limit(Sell, "1", "100"), &l, id), Warn, &["reduces exposure"]);
    w.last_loss_ms = Some(NOW - 1_800_000);
    assert_check(&w.check(&buy, &l, id), Pass, &["cooldown is over"]);
    w.last_loss_ms = None;
    assert_check(&w.check(&buy, &l, id), Fail, &["1800000 ms of 1800000 ms left"]);
}

#[test]
fn clock_skew() {
    let l = limits();
    let id = CheckId::ClockSkew;
    let buy = limit(Buy, "1", "100");
    assert_check(&World::new().check(&buy, &l, id), Skip, &["paper"]);
    let mut w = World::live();
    // Inclusive: |skew| equal to the maximum passes.
    w.clock_skew_ms = Some(1_000);
    assert_check(&w.check(&buy, &l, id), Pass, &["1000 ms ahead of", "max 1000 ms"]);
    w.clock_skew_ms = Some(-1_001);
    assert_check(&w.check(&buy, &l, id), Fail, &["1001 ms behind", "max 1000 ms"]);
    w.clock_skew_ms = None;
    assert_check(&w.check(&buy, &l, id), Fail, &["not been synced"]);
}

#[test]
fn key_permissions() {
    let l = limits();
    let id = CheckId::KeyPermissions;
    let buy = limit(Buy, "1", "100");
    assert_check(&World::new().check(&buy, &l, id), Skip, &["paper"]);
    let mut w = World::live();
    assert_check(&w.check(&buy, &l, id), Pass, &["trade-only"]);
    let trade = KeyPermissions { can_trade: true, ..KeyPermissions::default() };
    w.key_permissions = Some(KeyPermissions { can_withdraw: true, ..trade });
    assert_check(&w.check(&buy, &l, id), Fail, &["can withdraw"]);
    w.key_permissions = Some(KeyPermissions { can_transfer: true, ..trade });
    assert_check(&w.check(&buy, &l, id), Fail, &["transfer"]);
    w.key_permissions = Some(KeyPermissions { can_leverage: true, ..trade });
    assert_check(&w.check(&buy, &l, id), Warn, &["margin/futures"]);
    w.key_permissions = Some(KeyPermissions::default());
    assert_check(&w.check(&buy, &l, id), Fail, &["cannot trade"]);
    w.key_permissions = None;
    assert_check(&w.check(&buy, &l, id), Fail, &["unknown"]);
}

#[test]
fn a_live_venue_runs_the_live_checks_and_paper_skips_them() {
    let l = limits();
    let buy = limit(Buy, "1", "100");
    let paper = World::new().gate(&buy, &l);
    assert!(paper.passed(), "{:?}", paper.failures().collect::<Vec<_>>());
    let live = World::live().gate(&buy, &l);
    assert!(live.passed(), "{:?}", live.failures().collect::<Vec<_>>());
    assert_eq!(live.get(CheckId::ClockSkew).unwrap().verdict, Pass);
    assert!(!World { venue: Venue::Live, ..World::new() }.gate(&buy, &l).passed());
}
