//! Limit orders' time in force and post-only, on paper (the real engine and
//! paper broker over a scripted book) and live (the simulator's matching):
//! the same intent means the same thing on both venues.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;

use fixture::{T0, buy, d, loose_limits, start_with};
use vigil::domain::{OrderStatus, OrderType, TimeInForce};
use vigil::engine::{CheckVerdict, SubmitOutcome};

fn limit(qty: &str, price: &str, tif: TimeInForce, post_only: bool) -> vigil::domain::OrderIntent {
    vigil::domain::OrderIntent { tif, post_only, ..buy(OrderType::Limit, qty, Some(price)) }
}

fn id_of(outcome: SubmitOutcome) -> vigil::domain::OrderId {
    match outcome {
        SubmitOutcome::Sent { id, .. } => id,
        other => panic!("not sent: {other:?}"),
    }
}

/// A paper engine over asks 64001..64005 and bids 63999..63995, 0.002 BTC each.
async fn paper(dir: &std::path::Path) -> fixture::Harness {
    start_with(dir, loose_limits(), vec![], |_| {}, fixture::book(64_000, 5, "0.002", T0)).await
}

#[tokio::test]
async fn ioc_takes_what_crosses_and_cancels_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path()).await;
    let id = id_of(h.place(limit("0.005", "64002", TimeInForce::Ioc, false)).await);
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Cancelled)).await;
    let order = snap.orders.iter().find(|o| o.id == id).unwrap();
    assert_eq!(order.filled_qty, d("0.004"), "two levels of 0.002 within the limit");
    assert_eq!(order.reason.as_deref(), Some("immediate or cancel: filled 0.004 of 0.005, the rest expired"));
    h.stop().await;
}

#[tokio::test]
async fn fok_fills_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path()).await;
    let short = id_of(h.place(limit("0.005", "64002", TimeInForce::Fok, false)).await);
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == short && o.status == OrderStatus::Cancelled)).await;
    let order = snap.orders.iter().find(|o| o.id == short).unwrap();
    assert_eq!(order.filled_qty, d("0"));
    assert!(order.reason.as_deref().unwrap().starts_with("fill or kill"), "{order:?}");
    let whole = id_of(h.place(limit("0.003", "64002", TimeInForce::Fok, false)).await);
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == whole && o.status == OrderStatus::Filled)).await;
    assert_eq!(snap.orders.iter().find(|o| o.id == whole).unwrap().filled_qty, d("0.003"));
    h.stop().await;
}

#[tokio::test]
async fn post_only_rests_inside_the_spread_and_is_refused_where_it_would_take() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path()).await;
    let crossing = limit("0.01", "64001", TimeInForce::Gtc, true);
    let checks = h.preview(crossing).await;
    let band = checks.iter().find(|c| c.id == "price_band").unwrap();
    assert_eq!(band.verdict, CheckVerdict::Fail);
    assert!(band.detail.starts_with("post-only buy at 64001 would take the best ask 64001"), "{band:?}");
    let id = id_of(h.place(limit("0.01", "64000", TimeInForce::Gtc, true)).await);
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Submitted)).await;
    assert_eq!(snap.orders.iter().find(|o| o.id == id).unwrap().filled_qty, d("0"), "it took nothing");
    assert!(snap.log.iter().any(|l| l.text.contains("limit post-only 64000")), "described as post-only");
    h.stop().await;
}

#[path = "support/live_fixture.rs"]
mod live_fixture;

#[tokio::test]
async fn a_market_buy_by_quote_amount_spends_at_most_that_amount() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path()).await;
    let order = vigil::domain::OrderIntent { quote_qty: Some(d("200")), ..buy(OrderType::Market, "0", None) };
    let id = id_of(h.place(order).await);
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Filled)).await;
    let order = snap.orders.iter().find(|o| o.id == id).unwrap();
    // 0.002 at 64001 (128.002) and what 71.998 buys at 64002, down to the step: 0.00112 (71.68224).
    assert_eq!(order.filled_qty, d("0.00312"));
    assert_eq!(order.filled_quote, d("199.68424"));
    assert!(
        snap.log.iter().any(|l| l.text.contains("market for 200 quote")),
        "described by its quote amount"
    );
    h.stop().await;
}

mod live {
    use super::live_fixture::{d, intent, sim, start, top, trade_only};
    use vigil::domain::{OrderStatus, OrderType, Side, TimeInForce};
    use vigil::engine::SubmitOutcome;
    use vigil::sim::account::{TRADE_ONLY_API_KEY as KEY, TRADE_ONLY_SECRET as SECRET};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ioc_and_post_only_reach_the_exchange_as_such() {
        let sim = sim(20).await;
        let dir = tempfile::tempdir().unwrap();
        let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
        engine.ready().await;
        let ask = engine.held_ask(&sim).await;
        // IOC for more than the best ask holds, at that price: part fills, the rest expires.
        let ioc = vigil::domain::OrderIntent {
            tif: TimeInForce::Ioc,
            ..intent(Side::Buy, OrderType::Limit, &(ask.qty + d("0.01")).to_string(), Some(ask.price))
        };
        let SubmitOutcome::Sent { id, .. } = engine.place(ioc).await else { panic!("not sent") };
        let snap =
            engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Cancelled)).await;
        let order = snap.orders.iter().find(|o| o.id == id).unwrap();
        assert_eq!(order.filled_qty, ask.qty, "{order:?}");
        assert_eq!(order.reason.as_deref(), Some("expired at the exchange"));
        // Post-only inside the spread: accepted as LIMIT_MAKER and resting.
        let (bid, _) = top(&snap);
        let post = vigil::domain::OrderIntent {
            post_only: true,
            ..intent(Side::Buy, OrderType::Limit, "0.01", Some((bid * d("0.99")).round_dp(2)))
        };
        let SubmitOutcome::Sent { id, .. } = engine.place(post).await else { panic!("not sent") };
        engine
            .wait(|s| {
                s.orders
                    .iter()
                    .any(|o| o.id == id && o.status == OrderStatus::Submitted && o.venue_order_id.is_some())
            })
            .await;
        engine.stop().await;
        sim.shutdown().await;
    }
}
