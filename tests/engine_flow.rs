//! The engine end to end at the library level: a real store and audit log in a
//! temp dir, market events pushed through the same channel a feed uses, and
//! commands through `EngineHandle` exactly as the TUI and CLI send them.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use rust_decimal::Decimal;
use vigil::domain::{Approval, OrderIntent, OrderStatus, OrderType, Origin, Side, TradingState};
use vigil::engine::{CheckVerdict, Command, CommandError, SubmitOutcome};
use vigil::market::{BookUpdate, Level, MarketEvent, Trade};
use vigil::risk::Limits;
use vigil::store::{AuditKey, Store};
use vigil::strategy::{self, StrategiesConfig};

#[path = "support/engine_fixture.rs"]
mod fixture;

use fixture::{btc, d};

use fixture::{T0, buy, loose_limits, start, start_quiet};

fn book(mid: i64) -> MarketEvent {
    fixture::book(mid, 5, "2", T0)
}

#[tokio::test]
async fn confirm_mode_sends_nothing_until_a_person_confirms() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    let SubmitOutcome::Pending { id, checks } = h.submit(buy(OrderType::Market, "0.01", None)).await else {
        panic!("confirm mode must hold the order")
    };
    assert_eq!(checks.len(), 21);
    let snap = h.wait(|s| s.pending.len() == 1).await;
    assert!(snap.fills.is_empty() && snap.orders.is_empty());
    assert_eq!(
        snap.balances,
        vec![("USDT".into(), vigil::domain::Balance { free: d("10000"), locked: d("0") })]
    );

    let sent = h.handle.request(|reply| Command::Confirm { id, reply }).await.unwrap();
    assert!(matches!(sent, SubmitOutcome::Sent { .. }), "{sent:?}");
    let snap = h.wait(|s| !s.fills.is_empty()).await;
    assert_eq!(snap.fills[0].price, d("64001"));
    assert!(snap.pending.is_empty());
    assert_eq!(snap.orders[0].status, OrderStatus::Filled);
    h.stop().await;
}

#[tokio::test]
async fn a_failing_check_refuses_and_reserves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    // 1 BTC at 64000 is far above max_order_notional (1000) and the balance.
    let outcome = h.submit(buy(OrderType::Limit, "1", Some("64000"))).await;
    let SubmitOutcome::Refused { checks } = outcome else { panic!("must be refused: {outcome:?}") };
    let failed: Vec<_> =
        checks.iter().filter(|c| c.verdict == CheckVerdict::Fail).map(|c| c.id.as_str()).collect();
    assert!(failed.contains(&"max_order_notional") && failed.contains(&"balance_available"), "{failed:?}");
    let snap = h.wait(|s| s.version > 0).await;
    assert!(snap.pending.is_empty() && snap.orders.is_empty());
    h.stop().await;
}

#[tokio::test]
async fn strategy_proposals_wait_in_the_inbox_in_confirm_mode() {
    let dir = tempfile::tempdir().unwrap();
    let grid = strategy::build("grid", &StrategiesConfig::default()).unwrap();
    let h = start(dir.path(), loose_limits(), vec![grid]).await;
    h.market(book(64_000)).await;
    let snap = h.wait(|s| !s.pending.is_empty()).await;
    assert!(snap.pending.iter().all(|p| p.order.intent.origin == Origin::Strategy("grid".into())));
    assert!(snap.orders.is_empty() && snap.fills.is_empty(), "nothing sent without a person");
    h.stop().await;
}

#[tokio::test]
async fn autonomous_mode_sends_within_budget_then_falls_back_to_confirm() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    h.arm(2, "5000").await;
    for qty in ["0.001", "0.002"] {
        let outcome = h.submit(buy(OrderType::Market, qty, None)).await;
        assert!(matches!(outcome, SubmitOutcome::Sent { .. }), "{outcome:?}");
    }
    let snap = h.wait(|s| s.controls.approval() == Approval::Confirm).await;
    assert_eq!(snap.fills.len(), 2);
    let third = h.submit(buy(OrderType::Market, "0.003", None)).await;
    assert!(matches!(third, SubmitOutcome::Pending { .. }), "budget spent: back to confirm, got {third:?}");
    h.stop().await;
}

#[tokio::test]
async fn kill_switch_cancels_everything_and_halts() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    h.arm(10, "5000").await;
    for price in ["63000", "62900"] {
        let outcome = h.submit(buy(OrderType::Limit, "0.01", Some(price))).await;
        assert!(matches!(outcome, SubmitOutcome::Sent { .. }), "{outcome:?}");
    }
    let pending = h.submit(OrderIntent {
        origin: Origin::Strategy("grid".into()),
        ..buy(OrderType::Limit, "0.01", Some("62800"))
    });
    assert!(matches!(pending.await, SubmitOutcome::Sent { .. }));
    h.wait(|s| s.orders.iter().filter(|o| o.status.is_open()).count() == 3).await;

    h.handle.request(|reply| Command::KillSwitch { engaged: true, reply }).await.unwrap();
    let snap = h.wait(|s| s.controls.kill_switch()).await;
    assert!(snap.orders.iter().all(|o| o.status == OrderStatus::Cancelled), "{:?}", snap.orders);
    assert_eq!(snap.controls.trading_state(), TradingState::Halted);
    assert_eq!(snap.controls.approval(), Approval::Confirm);
    assert_eq!(snap.balances[0].1.locked, d("0"), "every reservation released");

    let refused = h.submit(buy(OrderType::Limit, "0.01", Some("63000"))).await;
    let SubmitOutcome::Refused { checks } = refused else { panic!("halted must refuse") };
    assert_eq!(checks[0].id, "kill_switch");
    assert_eq!(checks[0].verdict, CheckVerdict::Fail);
    h.stop().await;
}

#[tokio::test]
async fn drawdown_breaker_halts_and_drops_autonomy() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits { max_drawdown_pct: d("1"), daily_loss_limit: d("100000"), ..loose_limits() };
    let h = start(dir.path(), limits, vec![]).await;
    h.arm(10, "5000").await;
    let outcome = h.submit(buy(OrderType::Market, "0.015", None)).await;
    assert!(matches!(outcome, SubmitOutcome::Sent { .. }), "{outcome:?}");
    h.market(book(50_000)).await; // 0.015 BTC loses 210 USDT: > 1% of 10000
    let snap = h.wait(|s| s.controls.kill_switch()).await;
    assert_eq!(snap.controls.trading_state(), TradingState::Halted);
    assert_eq!(snap.controls.approval(), Approval::Confirm);
    assert!(snap.log.iter().any(|l| l.text.contains("drawdown")), "{:?}", snap.log);
    h.stop().await;
}

#[tokio::test]
async fn concurrent_intents_never_overspend_or_exceed_open_orders() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_open_orders: 10,
        max_position_notional: d("1000000"),
        max_concentration_pct: d("100"),
        ..loose_limits()
    };
    let h = start(dir.path(), limits, vec![]).await;
    h.arm(1000, "1000000").await;
    // 40 resting buys of ~996 USDT each (inside the ±5% band), all at once: balance (10000) allows 10, open orders allow 10.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let handle = h.handle.clone();
        let price = format!("{}", 63000 + i);
        let intent = buy(OrderType::Limit, "0.0158", Some(&price));
        tasks.push(tokio::spawn(async move {
            handle.request(|reply| Command::Submit { intent, hold: false, reply }).await
        }));
    }
    let mut sent = Vec::new();
    for t in tasks {
        if let SubmitOutcome::Sent { id, .. } = t.await.unwrap().unwrap() {
            sent.push(id);
        }
    }
    let snap = h.wait(|s| s.version > 0).await;
    let open: Vec<_> = snap.orders.iter().filter(|o| o.status.is_open()).collect();
    assert_eq!(sent.len(), 10, "exactly the ten that fit in balance and max_open_orders");
    assert_eq!(open.len(), sent.len());
    let usdt = &snap.balances.iter().find(|(a, _)| a == "USDT").unwrap().1;
    assert!(usdt.free >= Decimal::ZERO && usdt.total() == d("10000"), "{usdt:?}");
    let mut ids = sent.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), sent.len(), "no duplicate ids");
    h.stop().await;
}

#[tokio::test]
async fn restart_restores_orders_balances_and_reservations() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    h.arm(10, "5000").await;
    assert!(matches!(h.submit(buy(OrderType::Market, "0.01", None)).await, SubmitOutcome::Sent { .. }));
    assert!(matches!(
        h.submit(buy(OrderType::Limit, "0.01", Some("63000"))).await,
        SubmitOutcome::Sent { .. }
    ));
    let before = h.wait(|s| s.fills.len() == 1).await;
    h.clock.advance(1_000);
    h.stop().await;

    let h = start(dir.path(), loose_limits(), vec![]).await;
    let after = h.wait(|s| s.version > 0).await;
    assert_eq!(after.controls.approval(), Approval::Confirm, "autonomous is never restored");
    assert_eq!(after.balances, before.balances);
    assert_eq!(after.positions, before.positions);
    let open: Vec<_> = after.orders.iter().filter(|o| o.status.is_open()).map(|o| o.id).collect();
    assert_eq!(open.len(), 1);
    // The resting order still fills after the restart.
    h.market(MarketEvent::Trade(Trade {
        symbol: btc(),
        price: d("62990"),
        qty: d("1"),
        side: Side::Sell,
        ts_ms: T0,
    }))
    .await;
    let snap = h.wait(|s| s.fills.len() == 2).await;
    assert_eq!(snap.balances.iter().find(|(a, _)| a == "USDT").unwrap().1.locked, d("0"));
    h.stop().await;
    let state = dir.path().join("state");
    let store = Store::open(&state).unwrap();
    let key = AuditKey::load_install_key(&state).unwrap();
    let report = vigil::store::AuditReader::new(store.backend().as_ref()).verify(&key).unwrap();
    assert!(report.is_ok(), "{report:?}");
}

#[tokio::test]
async fn a_restart_before_books_sync_does_not_trip_the_breaker() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    h.arm(10, "5000").await;
    assert!(matches!(h.submit(buy(OrderType::Market, "0.015", None)).await, SubmitOutcome::Sent { .. }));
    h.wait(|s| s.fills.len() == 1).await;
    h.stop().await;

    // Holding ~960 USDT of BTC and no book yet: unmarked, equity would read ~10% low.
    let h = start_quiet(dir.path(), Limits { max_drawdown_pct: d("5"), ..loose_limits() }, vec![]).await;
    tokio::time::sleep(Duration::from_millis(700)).await; // several housekeeping ticks
    let snap = h.handle.snapshot();
    assert!(!snap.controls.kill_switch(), "breaker tripped on unmarked holdings: {:?}", snap.log);
    assert_eq!(snap.controls.trading_state(), TradingState::Active);
    h.stop().await;
}

#[tokio::test]
async fn an_engaged_kill_switch_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    h.handle.request(|reply| Command::KillSwitch { engaged: true, reply }).await.unwrap();
    h.wait(|s| s.controls.kill_switch()).await;
    h.stop().await;

    let h = start(dir.path(), loose_limits(), vec![]).await;
    let snap = h.wait(|s| s.version > 0).await;
    assert!(snap.controls.kill_switch(), "a restart must not release the kill switch");
    assert_eq!(snap.controls.trading_state(), TradingState::Halted);
    let SubmitOutcome::Refused { checks } = h.submit(buy(OrderType::Limit, "0.01", Some("63000"))).await
    else {
        panic!("halted after restart must refuse");
    };
    assert_eq!(checks[0].id, "kill_switch");

    // Releasing it is durable too.
    h.handle.request(|reply| Command::KillSwitch { engaged: false, reply }).await.unwrap();
    h.wait(|s| !s.controls.kill_switch()).await;
    h.stop().await;
    let h = start(dir.path(), loose_limits(), vec![]).await;
    let snap = h.wait(|s| s.version > 0).await;
    assert!(!snap.controls.kill_switch());
    assert_eq!(snap.controls.trading_state(), TradingState::Active);
    h.stop().await;
}

#[tokio::test]
async fn pending_confirmations_left_by_a_crash_expire_at_restart() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    let outcome = h.submit(buy(OrderType::Limit, "0.01", Some("63000"))).await;
    let SubmitOutcome::Pending { id, .. } = outcome else { panic!("confirm mode must hold: {outcome:?}") };
    // A crash leaves it pending on disk (a clean stop rejects it itself).
    h.crash().await;

    let h = start(dir.path(), loose_limits(), vec![]).await;
    let snap = h.wait(|s| s.version > 0).await;
    let order = snap.orders.iter().find(|o| o.id == id).expect("the order is still listed");
    assert_eq!(order.status, OrderStatus::Rejected);
    assert!(order.reason.as_deref().is_some_and(|r| r.contains("expired at restart")), "{order:?}");
    assert_eq!(snap.balances.iter().find(|(a, _)| a == "USDT").unwrap().1.locked, d("0"));
    let confirmed = h.handle.request(|reply| Command::Confirm { id, reply }).await;
    assert_eq!(confirmed, Err(CommandError::NoSuchPending(id)), "an expired order cannot be confirmed");
    h.stop().await;
}

#[tokio::test]
async fn a_reduce_only_breaker_survives_a_restart_until_released() {
    let dir = tempfile::tempdir().unwrap();
    let limits = || Limits {
        max_drawdown_pct: d("1"),
        daily_loss_limit: d("100000"),
        breaker_action: vigil::risk::BreakerAction::Reducing,
        ..loose_limits()
    };
    let h = start(dir.path(), limits(), vec![]).await;
    h.arm(10, "5000").await;
    assert!(matches!(h.submit(buy(OrderType::Market, "0.015", None)).await, SubmitOutcome::Sent { .. }));
    h.market(book(50_000)).await; // a drawdown > 1 %
    h.wait(|s| s.controls.trading_state() == TradingState::Reducing).await;
    h.stop().await;

    let h = start(dir.path(), limits(), vec![]).await;
    let snap = h.handle.snapshot();
    assert_eq!(snap.controls.trading_state(), TradingState::Reducing, "reduce-only must survive a restart");
    assert!(!snap.controls.kill_switch());
    // Releasing (what `K` offers while reduce-only) lifts it.
    h.handle.request(|reply| Command::KillSwitch { engaged: false, reply }).await.unwrap();
    let snap = h.wait(|s| s.controls.trading_state() == TradingState::Active).await;
    assert!(!snap.controls.kill_switch());
    h.stop().await;
}

#[tokio::test]
async fn the_autonomy_budget_charges_what_a_market_order_really_cost() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    h.arm(10, "5000").await;
    // A thin book: 0.01 BTC at each of 64001, 64002, 64003.
    let thin = |p: i64| Level { price: Decimal::from(p), qty: d("0.01") };
    h.market(MarketEvent::Book(BookUpdate {
        symbol: btc(),
        seq: 2,
        bids: (1..=3).map(|i| thin(64_000 - i)).collect(),
        asks: (1..=3).map(|i| thin(64_000 + i)).collect(),
        ts_ms: T0,
    }))
    .await;
    h.wait(|s| s.markets.iter().any(|m| m.book.as_ref().is_some_and(|b| b.asks[0].qty == d("0.01")))).await;
    // 0.015 BTC walks two levels: 640.01 + 320.01, more than best ask × qty (960.015).
    let outcome = h.submit(buy(OrderType::Market, "0.015", None)).await;
    assert!(matches!(outcome, SubmitOutcome::Sent { .. }), "{outcome:?}");
    let snap = h.wait(|s| s.fills.len() == 2).await;
    let budget = snap.controls.budget().expect("autonomy still armed");
    assert_eq!(budget.notional_used, d("960.02"));
    assert_eq!(budget.orders_used, 1);
    h.stop().await;
}
