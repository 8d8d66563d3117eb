//! Amend (cancel-replace) on paper: the real engine and paper broker over a
//! scripted book. The replacement is checked like a new order, as if the
//! original were cancelled; a refusal or a "no" leaves the original as it was.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;

use fixture::{T0, audit_entries, buy, d, loose_limits, start_with};
use vigil::domain::{Order, OrderId, OrderStatus, OrderType};
use vigil::engine::{CheckVerdict, Command, Snapshot, SubmitOutcome};
use vigil::risk::Limits;

/// A paper engine over asks 64001..64005 and bids 63999..63995, 0.002 BTC each.
async fn paper(dir: &std::path::Path, limits: Limits) -> fixture::Harness {
    start_with(dir, limits, vec![], |_| {}, fixture::book(64_000, 5, "0.002", T0)).await
}

fn sent(outcome: SubmitOutcome) -> OrderId {
    match outcome {
        SubmitOutcome::Sent { id, .. } => id,
        other => panic!("not sent: {other:?}"),
    }
}

fn order(snap: &Snapshot, id: OrderId) -> Order {
    snap.orders.iter().find(|o| o.id == id).cloned().unwrap()
}

fn usdt_locked(snap: &Snapshot) -> rust_decimal::Decimal {
    snap.balances.iter().find(|(a, _)| a == "USDT").map(|(_, b)| b.locked).unwrap()
}

async fn amend(h: &fixture::Harness, id: OrderId, price: Option<&str>, qty: Option<&str>) -> SubmitOutcome {
    let (price, qty) = (price.map(d), qty.map(d));
    h.handle.request(|reply| Command::Amend { id, price, qty, hold: false, reply }).await.unwrap()
}

async fn confirm(h: &fixture::Harness, id: OrderId) -> SubmitOutcome {
    h.handle.request(|reply| Command::Confirm { id, reply }).await.unwrap()
}

#[tokio::test]
async fn an_amend_waits_for_confirmation_then_replaces_price_and_quantity() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path(), loose_limits()).await;
    let original = sent(h.place(buy(OrderType::Limit, "0.002", Some("63990"))).await);
    let SubmitOutcome::Pending { id: new, checks } = amend(&h, original, Some("63992"), Some("0.003")).await
    else {
        panic!("confirm mode: the amend waits for a yes")
    };
    assert!(checks.iter().all(|c| c.verdict != CheckVerdict::Fail), "{checks:?}");
    let snap = h.handle.snapshot();
    assert_eq!(order(&snap, original).status, OrderStatus::Submitted, "untouched until confirmed");
    assert!(snap.pending.iter().any(|p| p.order.id == new));
    assert_eq!(sent(confirm(&h, new).await), new);
    let snap =
        h.wait(|s| s.orders.iter().any(|o| o.id == original && o.status == OrderStatus::Cancelled)).await;
    let (old, replacement) = (order(&snap, original), order(&snap, new));
    assert_eq!(old.reason.as_deref(), Some(format!("amended: replaced by #{new}").as_str()));
    assert_eq!(replacement.status, OrderStatus::Submitted);
    assert_eq!((replacement.intent.price, replacement.intent.qty), (Some(d("63992")), d("0.003")));
    // Only the replacement holds anything now: 0.003 × 63992 + 0.1 %.
    assert_eq!(usdt_locked(&snap), d("192.167976"));
    h.stop().await;
    let amend_entry =
        audit_entries(dir.path()).into_iter().find(|e| e.body.get("amend").is_some_and(|a| a.is_object()));
    let body = amend_entry.expect("one amend entry names both ids").body;
    assert_eq!(body["amend"]["original"], original.0);
    assert_eq!(body["amend"]["replacement"], new.0);
}

#[tokio::test]
async fn an_amend_of_a_large_order_reuses_its_reservation() {
    let dir = tempfile::tempdir().unwrap();
    let big = rust_decimal::Decimal::from(1_000_000);
    let limits = Limits {
        max_order_notional: big,
        max_position_notional: big,
        max_concentration_pct: d("100"),
        ..loose_limits()
    };
    let h = paper(dir.path(), limits).await;
    // 0.15 × 63000 + 0.1 % = 9459.45 of the 10000 USDT.
    let original = sent(h.place(buy(OrderType::Limit, "0.15", Some("63000"))).await);
    let snap = h.handle.snapshot();
    assert_eq!(usdt_locked(&snap), d("9459.45"));
    // 9474.465 needed: more than what is free, less than free + the original's hold.
    let fresh = h.preview(buy(OrderType::Limit, "0.15", Some("63100"))).await;
    let balance = fresh.iter().find(|c| c.id == "balance_available").unwrap();
    assert_eq!(balance.verdict, CheckVerdict::Fail, "as a new order it does not fit: {balance:?}");
    let SubmitOutcome::Pending { id: new, checks } = amend(&h, original, Some("63100"), None).await else {
        panic!("pending")
    };
    let balance = checks.iter().find(|c| c.id == "balance_available").unwrap();
    assert_eq!(balance.verdict, CheckVerdict::Pass, "{balance:?}");
    sent(confirm(&h, new).await);
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == new && o.status == OrderStatus::Submitted)).await;
    assert_eq!(order(&snap, original).status, OrderStatus::Cancelled);
    assert_eq!(usdt_locked(&snap), d("9474.465"));
    h.stop().await;
}

#[tokio::test]
async fn a_refused_amend_leaves_the_original_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path(), loose_limits()).await;
    let original = sent(h.place(buy(OrderType::Limit, "0.002", Some("63990"))).await);
    let before = h.handle.snapshot();
    let SubmitOutcome::Refused { checks } = amend(&h, original, Some("50000"), None).await else {
        panic!("outside the band")
    };
    let band = checks.iter().find(|c| c.id == "price_band").unwrap();
    assert_eq!(band.verdict, CheckVerdict::Fail);
    let snap = h.handle.snapshot();
    assert_eq!(order(&snap, original), order(&before, original));
    assert_eq!(snap.orders.len(), before.orders.len(), "no replacement was created");
    assert_eq!(usdt_locked(&snap), usdt_locked(&before));
    // Saying no to a pending amend leaves it as it was too.
    let SubmitOutcome::Pending { id: new, .. } = amend(&h, original, Some("63991"), None).await else {
        panic!("pending")
    };
    h.handle.request(|reply| Command::Reject { id: new, reply }).await.unwrap();
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == new && o.status == OrderStatus::Rejected)).await;
    assert_eq!(order(&snap, original).status, OrderStatus::Submitted);
    assert_eq!(order(&snap, original).intent.price, Some(d("63990")));
    // Nothing to change, or a market order, is refused outright.
    let nothing = h
        .handle
        .request(|reply| Command::Amend { id: original, price: None, qty: None, hold: false, reply })
        .await;
    assert!(nothing.unwrap_err().to_string().starts_with("nothing to amend"));
    h.stop().await;
}

#[tokio::test]
async fn an_amend_of_an_order_that_filled_meanwhile_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path(), loose_limits()).await;
    let original = sent(h.place(buy(OrderType::Limit, "0.002", Some("63990"))).await);
    let SubmitOutcome::Pending { id: new, .. } = amend(&h, original, Some("63985"), None).await else {
        panic!("pending")
    };
    // The market trades through the original before the person says yes.
    h.market(vigil::market::MarketEvent::Trade(vigil::market::Trade {
        symbol: fixture::btc(),
        price: d("63980"),
        qty: d("0.01"),
        side: vigil::domain::Side::Sell,
        ts_ms: T0,
    }))
    .await;
    h.wait(|s| s.orders.iter().any(|o| o.id == original && o.status == OrderStatus::Filled)).await;
    assert!(matches!(confirm(&h, new).await, SubmitOutcome::Refused { .. }));
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == new && o.status == OrderStatus::Rejected)).await;
    let replacement = order(&snap, new);
    assert_eq!(
        replacement.reason.as_deref(),
        Some(format!("not sent: #{original} filled before it could be cancelled").as_str())
    );
    assert_eq!(replacement.filled_qty, d("0"));
    h.stop().await;
}
