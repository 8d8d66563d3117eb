//! The gate as a whole: every check, once, in table order, whatever fails;
//! reservations agree with `balance_available`; breakers evaluate without an
//! order; and random input never panics it.
#![allow(clippy::unwrap_used)]

mod risk_support;

use std::collections::HashSet;

use proptest::prelude::*;
use risk_support::*;
use vigil::domain::{
    Approval, Balance, Decimal, Instrument, OrderIntent, OrderStatus, OrderType, Origin, Position, Side,
    SymbolStatus, TradingState, Venue,
};
use vigil::domain::{FeedState, Level};
use vigil::risk::{
    BreakerAction, BudgetLeft, CheckId, FeedView, KeyPermissions, LiveArming, Reservation, Verdict,
    breaker_status, reservation,
};

const TABLE: [&str; 21] = [
    "kill_switch",
    "venue_armed",
    "autonomy_budget",
    "symbol_allowed",
    "market_data_fresh",
    "price_tick",
    "quantity_step",
    "min_notional",
    "price_band",
    "max_order_notional",
    "balance_available",
    "max_position",
    "concentration",
    "max_open_orders",
    "duplicate_order",
    "order_rate",
    "daily_loss_limit",
    "drawdown_breaker",
    "loss_streak_cooldown",
    "clock_skew",
    "key_permissions",
];

fn ids(result: &vigil::risk::GateResult) -> Vec<&'static str> {
    result.checks.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn the_gate_returns_all_21_ids_in_table_order_without_duplicates() {
    let result = World::new().gate(&limit(Side::Buy, "1", "100"), &limits());
    assert_eq!(ids(&result), TABLE);
    assert_eq!(result.checks.iter().map(|c| c.id).collect::<HashSet<_>>().len(), 21);
    assert_eq!(CheckId::ALL.map(CheckId::as_str), TABLE);
    assert!(result.passed());
    assert_eq!(result.failures().count(), 0);
}

#[test]
fn every_check_runs_even_when_the_first_ones_fail() {
    let mut w = World::new();
    w.kill_switch = true;
    w.venue = Venue::Live;
    w.approval = Approval::Autonomous;
    w.instrument = None;
    w.feed = FeedView { state: FeedState::Stale, last_update_ms: None };
    w.bids.clear();
    w.asks.clear();
    let result = w.gate(&limit(Side::Buy, "1", "100"), &limits());
    assert_eq!(ids(&result), TABLE);
    assert!(!result.passed());
    let failed: Vec<_> = result.failures().map(|c| c.id.as_str()).collect();
    for id in ["kill_switch", "venue_armed", "autonomy_budget", "symbol_allowed", "market_data_fresh"] {
        assert!(failed.contains(&id), "{id} should fail: {failed:?}");
    }
    // Later checks still report their own reasons.
    for id in ["price_tick", "balance_available", "price_band", "clock_skew", "key_permissions"] {
        assert!(failed.contains(&id), "{id} should fail: {failed:?}");
    }
}

#[test]
fn warnings_do_not_block_and_are_listed() {
    let mut w = World::new();
    w.realized_pnl_today = d("-170");
    let result = w.gate(&limit(Side::Buy, "1", "100"), &limits());
    assert!(result.passed());
    let warned: Vec<_> = result.warnings().map(|c| c.id).collect();
    assert_eq!(warned, [CheckId::DailyLossLimit]);
}

#[test]
fn ids_and_verdicts_serialize_as_their_stable_names() {
    for id in CheckId::ALL {
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{}\"", id.as_str()));
        let back: CheckId = serde_json::from_str(&format!("\"{id}\"")).unwrap();
        assert_eq!(back, id);
    }
    assert_eq!(serde_json::to_string(&Verdict::Skip).unwrap(), "\"skip\"");
}

#[test]
fn reservation_locks_what_balance_available_checked() {
    let (mut w, l) = (World::new(), limits());
    // Limit buy: 1 × 100 × 1.001.
    let buy = limit(Side::Buy, "1", "100");
    let r = reservation(&buy, &w.snap(), &l).unwrap();
    assert_eq!(r, Reservation { asset: "USDT".into(), amount: d("100.1") });
    // With exactly that much free, the check passes; one cent less, it fails.
    w.set_balance("USDT", "100.1", "0");
    assert_eq!(w.check(&buy, &l, CheckId::BalanceAvailable).verdict, Verdict::Pass);
    w.set_balance("USDT", "100.09", "0");
    assert_eq!(w.check(&buy, &l, CheckId::BalanceAvailable).verdict, Verdict::Fail);
    // Market buy: the ask walk (1 @ 100.1 + 1 @ 100.9) with the venue's fee rate.
    w.fee_rate = Some(d("0.002"));
    let r = reservation(&market(Side::Buy, "2"), &w.snap(), &l).unwrap();
    assert_eq!(r.amount, d("201.402"));
    // Sells lock the base quantity.
    let r = reservation(&limit(Side::Sell, "0.5", "100"), &w.snap(), &l).unwrap();
    assert_eq!(r, Reservation { asset: "BTC".into(), amount: d("0.5") });
    // Nothing to reserve when the order cannot be valued or the assets are unknown.
    assert_eq!(reservation(&market(Side::Buy, "500"), &w.snap(), &l), None);
    w.instrument = None;
    assert_eq!(reservation(&buy, &w.snap(), &l), None);
}

#[test]
fn breaker_status_trips_on_the_same_boundaries_as_the_checks() {
    let (mut w, mut l) = (World::new(), limits());
    assert_eq!(breaker_status(&w.snap(), &l), None);
    w.peak_equity = d("10000");
    w.equity = d("9000.01");
    assert_eq!(breaker_status(&w.snap(), &l), None);
    w.equity = d("9000");
    let trip = breaker_status(&w.snap(), &l).unwrap();
    assert_eq!(trip.cause, CheckId::DrawdownBreaker);
    assert_eq!(trip.target, TradingState::Halted);
    assert!(trip.detail.contains("10.00% below peak 10000"), "{}", trip.detail);
    l.breaker_action = BreakerAction::Reducing;
    w.equity = d("10000");
    w.unrealized_pnl = d("-200");
    let trip = breaker_status(&w.snap(), &l).unwrap();
    assert_eq!(trip.cause, CheckId::DailyLossLimit);
    assert_eq!(trip.target, TradingState::Reducing);
    assert!(trip.detail.contains("-200"), "{}", trip.detail);
}

// ---- property: random input never panics the gate -------------------------------------------

fn dec() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        4 => (-1_000_000_000i64..1_000_000_000, 0u32..=8).prop_map(|(m, s)| Decimal::new(m, s)),
        2 => (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => Just(Decimal::ZERO),
        1 => Just(Decimal::MAX),
        1 => Just(Decimal::MIN),
    ]
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn ts() -> impl Strategy<Value = i64> {
    prop_oneof![NOW - 120_000..NOW + 1_000, Just(i64::MIN), Just(i64::MAX)]
}

fn intent() -> impl Strategy<Value = OrderIntent> {
    (prop_oneof![Just("BTCUSDT"), Just("ETHUSDT")], side(), any::<bool>(), dec(), proptest::option::of(dec()))
        .prop_map(|(s, side, is_limit, qty, price)| OrderIntent {
            symbol: sym(s),
            side,
            order_type: if is_limit { OrderType::Limit } else { OrderType::Market },
            qty,
            price,
            origin: Origin::Manual,
            tif: vigil::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
        })
}

fn instrument() -> impl Strategy<Value = Instrument> {
    (prop::array::uniform7(dec()), 0usize..4).prop_map(|(v, status)| Instrument {
        status: [SymbolStatus::Trading, SymbolStatus::Halt, SymbolStatus::Break, SymbolStatus::Other][status],
        tick_size: v[0],
        min_price: v[1],
        max_price: v[2],
        step_size: v[3],
        min_qty: v[4],
        max_qty: v[5],
        min_notional: v[6],
        ..btcusdt()
    })
}

fn levels() -> impl Strategy<Value = Vec<Level>> {
    prop::collection::vec((dec(), dec()).prop_map(|(price, qty)| Level { price, qty }), 0..25)
}

fn world() -> impl Strategy<Value = World> {
    let flags = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), 0usize..3);
    let feed = (0usize..6, proptest::option::of(ts()));
    let book = (levels(), levels(), proptest::option::of(instrument()));
    let money = (prop::array::uniform8(dec()), proptest::option::of((any::<u32>(), dec())));
    let flow = (
        prop::collection::vec((intent(), 0usize..6, dec()), 0..12),
        prop::collection::vec((side(), dec(), proptest::option::of(dec()), ts()), 0..40),
    );
    let misc = (
        0u32..8,
        proptest::option::of(ts()),
        proptest::option::of(any::<i64>()),
        proptest::option::of((any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>())),
        proptest::option::of(dec()),
    );
    (flags, feed, book, money, flow, misc).prop_map(|(flags, feed, book, money, flow, misc)| {
        let (live, autonomous, kill, unlocked, reconciling, state) = flags;
        let statuses = [
            OrderStatus::PendingConfirmation,
            OrderStatus::Submitted,
            OrderStatus::PartiallyFilled,
            OrderStatus::Filled,
            OrderStatus::Cancelled,
            OrderStatus::Rejected,
        ];
        let feeds = [
            FeedState::Connecting,
            FeedState::Connected,
            FeedState::Synced,
            FeedState::Reconnecting,
            FeedState::Resyncing,
            FeedState::Stale,
        ];
        let (m, budget) = money;
        World {
            venue: if live { Venue::Live } else { Venue::Paper },
            approval: if autonomous { Approval::Autonomous } else { Approval::Confirm },
            trading_state: [TradingState::Active, TradingState::Reducing, TradingState::Halted][state],
            kill_switch: kill,
            live: LiveArming {
                keystore_unlocked: unlocked,
                key_verified: unlocked,
                reconciling,
                test_key: false,
            },
            autonomy: budget.map(|(orders, notional)| BudgetLeft { orders, notional }),
            instrument: book.2,
            feed: FeedView { state: feeds[feed.0], last_update_ms: feed.1 },
            bids: book.0,
            asks: book.1,
            balances: vec![
                ("USDT".into(), Balance { free: m[0], locked: m[1] }),
                ("BTC".into(), Balance { free: m[2], locked: m[3] }),
            ],
            positions: vec![Position {
                symbol: sym("BTCUSDT"),
                qty: m[4],
                avg_cost: m[5],
                realized_pnl: m[6],
            }],
            orders: flow
                .0
                .into_iter()
                .enumerate()
                .map(|(i, (intent, s, filled))| {
                    let mut o = order(i as u64, intent, statuses[s]);
                    o.filled_qty = filled;
                    o
                })
                .collect(),
            submissions: flow
                .1
                .into_iter()
                .map(|(side, qty, price, ts_ms)| vigil::risk::Submission {
                    symbol: sym("BTCUSDT"),
                    side,
                    qty,
                    price,
                    ts_ms,
                })
                .collect(),
            equity: m[7],
            peak_equity: m[5],
            realized_pnl_today: m[6],
            unrealized_pnl: m[1],
            losing_streak: misc.0,
            last_loss_ms: misc.1,
            clock_skew_ms: misc.2,
            key_permissions: misc.3.map(|(t, w, x, l)| KeyPermissions {
                can_trade: t,
                can_withdraw: w,
                can_transfer: x,
                can_leverage: l,
            }),
            exchange: None,
            fee_rate: misc.4,
        }
    })
}

/// 512 cases in CI; `VIGIL_SOAK_CASES=100000` for a long soak.
fn cases() -> u32 {
    std::env::var("VIGIL_SOAK_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_input_never_panics_and_yields_21_results(w in world(), i in intent(), now in ts()) {
        let l = limits();
        let result = vigil::risk::evaluate(&i, &w.snap(), &l, now);
        prop_assert_eq!(ids(&result), TABLE);
        prop_assert!(result.checks.iter().all(|c| !c.detail.is_empty()));
        let reserved = reservation(&i, &w.snap(), &l);
        let _ = breaker_status(&w.snap(), &l);
        // An order that passed can always be reserved, and a passed buy fits the free quote.
        if result.passed() {
            let r = reserved.unwrap();
            let free = w.snap().balance(&r.asset).free;
            prop_assert!(r.amount <= free, "reserved {} of {} but only {} free", r.amount, r.asset, free);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// In a healthy world, `balance_available` passes exactly when the reservation fits the free balance.
    #[test]
    fn balance_check_and_reservation_agree(
        side in side(),
        is_limit in any::<bool>(),
        qty in (1i64..5_000_000).prop_map(|m| Decimal::new(m, 4)),
        price in (9_000i64..11_000).prop_map(|m| Decimal::new(m, 2)),
        free_quote in (0i64..2_000_000).prop_map(|m| Decimal::new(m, 2)),
        free_base in (0i64..50_000).prop_map(|m| Decimal::new(m, 4)),
    ) {
        let mut w = World::new();
        w.set_balance("USDT", &free_quote.to_string(), "0");
        w.set_balance("BTC", &free_base.to_string(), "0");
        let intent = if is_limit { limit(side, &qty.to_string(), &price.to_string()) } else { market(side, &qty.to_string()) };
        let l = limits();
        let check = w.check(&intent, &l, CheckId::BalanceAvailable);
        match reservation(&intent, &w.snap(), &l) {
            Some(r) => {
                let free = w.snap().balance(&r.asset).free;
                prop_assert_eq!(check.verdict == Verdict::Pass, r.amount <= free, "{}", check.detail);
            }
            None => prop_assert_eq!(check.verdict, Verdict::Fail),
        }
    }
}
