//! Limit orders' time in force and post-only, on paper (the real engine and
//! paper broker over a scripted book) and live (the simulator's matching):
//! the same intent means the same thing on both venues.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;

use fixture::{T0, buy, d, loose_limits, start_with};
use vigil::domain::{OrderStatus, OrderType, Side, StopKind, StopTrigger, TimeInForce};
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

fn trade(price: i64) -> vigil::market::MarketEvent {
    vigil::market::MarketEvent::Trade(vigil::market::Trade {
        symbol: fixture::btc(),
        price: rust_decimal::Decimal::from(price),
        qty: d("0.01"),
        side: Side::Buy,
        ts_ms: T0,
    })
}

fn stop_limit(side: Side, kind: StopKind, qty: &str, stop: &str, price: &str) -> vigil::domain::OrderIntent {
    vigil::domain::OrderIntent {
        stop: Some(StopTrigger { kind, price: d(stop) }),
        ..fixture::intent(side, OrderType::Limit, qty, Some(price))
    }
}

fn status_of(snap: &vigil::engine::Snapshot, id: vigil::domain::OrderId) -> vigil::domain::Order {
    snap.orders.iter().find(|o| o.id == id).cloned().unwrap()
}

/// Sends a trade and waits until the engine has seen it (its last price).
async fn trade_at(h: &fixture::Harness, price: i64) {
    h.market(trade(price)).await;
    let price = rust_decimal::Decimal::from(price);
    h.wait(|s| s.markets.iter().any(|m| m.last_price == Some(price))).await;
}

#[tokio::test]
async fn buy_stops_wait_for_their_trigger_then_work_as_limit_orders() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path()).await;
    // Stop-loss buy: triggers at or above 64010, then takes the ask at 64001.
    let loss = id_of(h.place(stop_limit(Side::Buy, StopKind::StopLoss, "0.002", "64010", "64020")).await);
    // Take-profit buy: triggers at or below 63990, then rests at 63995.
    let profit = id_of(h.place(stop_limit(Side::Buy, StopKind::TakeProfit, "0.002", "63990", "63995")).await);
    let snap =
        h.wait(|s| s.orders.iter().filter(|o| o.status == OrderStatus::AwaitingTrigger).count() == 2).await;
    assert_eq!(status_of(&snap, loss).filled_qty, d("0"));
    let usdt = snap.balances.iter().find(|(a, _)| a == "USDT").unwrap().1.clone();
    assert!(usdt.locked > d("0"), "an untriggered stop holds its reservation: {usdt:?}");
    trade_at(&h, 64005).await;
    trade_at(&h, 63995).await;
    let snap = h.handle.snapshot();
    assert_eq!(status_of(&snap, loss).status, OrderStatus::AwaitingTrigger, "64005 is below its stop");
    assert_eq!(status_of(&snap, profit).status, OrderStatus::AwaitingTrigger, "63995 is above its stop");
    trade_at(&h, 64010).await;
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == loss && o.status == OrderStatus::Filled)).await;
    let order = status_of(&snap, loss);
    assert_eq!((order.filled_qty, order.avg_fill_price()), (d("0.002"), Some(d("64001"))));
    assert_eq!(status_of(&snap, profit).status, OrderStatus::AwaitingTrigger);
    // A trade at 63990 triggers it; the same trade went through its limit: filled as maker at 63995.
    trade_at(&h, 63990).await;
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == profit && o.status == OrderStatus::Filled)).await;
    assert_eq!(status_of(&snap, profit).avg_fill_price(), Some(d("63995")));
    assert!(snap.log.iter().any(|l| l.text.contains("triggered at stop 64010")), "the trigger is told");
    h.stop().await;
}

#[tokio::test]
async fn sell_stops_wait_for_their_trigger_then_work_as_limit_orders() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path()).await;
    id_of(h.place(buy(OrderType::Market, "0.004", None)).await);
    h.wait(|s| s.positions.iter().any(|p| p.qty == d("0.004"))).await;
    // Stop-loss sell: triggers at or below 63990, then takes the bid at 63999.
    let loss = id_of(h.place(stop_limit(Side::Sell, StopKind::StopLoss, "0.002", "63990", "63980")).await);
    // Take-profit sell: triggers at or above 64010, then rests at 64010.
    let profit =
        id_of(h.place(stop_limit(Side::Sell, StopKind::TakeProfit, "0.002", "64010", "64010")).await);
    trade_at(&h, 63995).await;
    let snap = h.handle.snapshot();
    assert_eq!(
        (status_of(&snap, loss).status, status_of(&snap, loss).filled_qty),
        (OrderStatus::AwaitingTrigger, d("0"))
    );
    trade_at(&h, 63990).await;
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == loss && o.status == OrderStatus::Filled)).await;
    assert_eq!(status_of(&snap, loss).avg_fill_price(), Some(d("63999")));
    assert_eq!(status_of(&snap, profit).status, OrderStatus::AwaitingTrigger);
    trade_at(&h, 64010).await;
    let snap =
        h.wait(|s| s.orders.iter().any(|o| o.id == profit && o.status == OrderStatus::Submitted)).await;
    assert_eq!(status_of(&snap, profit).filled_qty, d("0"), "triggered, resting at 64010");
    trade_at(&h, 64011).await;
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == profit && o.status == OrderStatus::Filled)).await;
    assert_eq!(status_of(&snap, profit).avg_fill_price(), Some(d("64010")));
    h.stop().await;
}

#[tokio::test]
async fn a_stop_that_would_trigger_at_once_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let h = paper(dir.path()).await;
    trade_at(&h, 64003).await;
    let checks = h.preview(stop_limit(Side::Buy, StopKind::StopLoss, "0.002", "64002", "64020")).await;
    let band = checks.iter().find(|c| c.id == "price_band").unwrap();
    assert_eq!(band.verdict, CheckVerdict::Fail);
    assert_eq!(
        band.detail,
        "stop-limit buy with stop 64002 would trigger immediately: the last trade 64003 is already at or \
         above it; put the stop above the market"
    );
    let checks = h.preview(stop_limit(Side::Buy, StopKind::TakeProfit, "0.002", "64004", "64004")).await;
    let band = checks.iter().find(|c| c.id == "price_band").unwrap();
    assert_eq!(band.verdict, CheckVerdict::Fail, "{band:?}");
    assert!(band.detail.contains("already at or below it"), "{band:?}");
    // A stop off its tick is PRICE_FILTER's business.
    let checks = h.preview(stop_limit(Side::Buy, StopKind::StopLoss, "0.002", "64010.001", "64020")).await;
    let tick = checks.iter().find(|c| c.id == "price_tick").unwrap();
    assert_eq!(tick.verdict, CheckVerdict::Fail, "{tick:?}");
    assert!(tick.detail.starts_with("stop price 64010.001"), "{tick:?}");
    let checks = h.preview(stop_limit(Side::Buy, StopKind::StopLoss, "0.002", "64010", "64020")).await;
    assert!(checks.iter().all(|c| c.verdict != CheckVerdict::Fail), "{checks:?}");
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
    use vigil::domain::{OrderStatus, OrderType, Side, StopKind, StopTrigger, TimeInForce};
    use vigil::engine::{Command, SubmitOutcome};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stop_limit_waits_at_the_exchange_and_works_once_its_trigger_trades() {
        let sim = sim(20).await;
        let dir = tempfile::tempdir().unwrap();
        let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
        let ready = engine.ready().await;
        let asks = ready.markets[0].book.clone().unwrap().asks;
        // Stop-loss buy: triggers once a trade reaches the third ask, then buys up to the sixth.
        let stop = vigil::domain::OrderIntent {
            stop: Some(StopTrigger { kind: StopKind::StopLoss, price: asks[2].price }),
            ..intent(Side::Buy, OrderType::Limit, "0.001", Some(asks[5].price))
        };
        let SubmitOutcome::Sent { id, .. } = engine.place(stop).await else { panic!("not sent") };
        let snap = engine
            .wait(|s| {
                s.orders
                    .iter()
                    .any(|o| o.id == id && o.venue_order_id.is_some() && o.status != OrderStatus::Submitting)
            })
            .await;
        let waiting = snap.orders.iter().find(|o| o.id == id).unwrap();
        assert_eq!(waiting.status, OrderStatus::AwaitingTrigger, "the exchange holds it untriggered");
        assert_eq!(waiting.filled_qty, d("0"));
        // A buy through the first three asks trades at the stop: the stop triggers and takes.
        let through = asks[0].qty + asks[1].qty + asks[2].qty;
        let ioc = vigil::domain::OrderIntent {
            tif: TimeInForce::Ioc,
            ..intent(Side::Buy, OrderType::Limit, &through.to_string(), Some(asks[2].price))
        };
        let SubmitOutcome::Sent { .. } = engine.place(ioc).await else { panic!("not sent") };
        let snap =
            engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Filled)).await;
        let order = snap.orders.iter().find(|o| o.id == id).unwrap();
        assert_eq!(order.filled_qty, d("0.001"));
        assert!(order.avg_fill_price().unwrap() >= asks[2].price, "it bought after its trigger: {order:?}");
        engine.stop().await;
        sim.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_amend_cancels_at_the_exchange_then_places_the_replacement() {
        let sim = sim(20).await;
        let dir = tempfile::tempdir().unwrap();
        let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
        let ready = engine.ready().await;
        let (bid, _) = top(&ready);
        let price = (bid * d("0.99")).round_dp(2);
        let SubmitOutcome::Sent { id, .. } =
            engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await
        else {
            panic!("not sent")
        };
        engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Submitted)).await;
        let new_price = (bid * d("0.98")).round_dp(2);
        let amend =
            |reply| Command::Amend { id, price: Some(new_price), qty: Some(d("0.02")), hold: false, reply };
        let SubmitOutcome::Pending { id: new, .. } = engine.handle.request(amend).await.unwrap() else {
            panic!("confirm mode")
        };
        let confirmed = engine.handle.request(|reply| Command::Confirm { id: new, reply }).await.unwrap();
        assert!(matches!(confirmed, SubmitOutcome::Sent { id, .. } if id == new), "{confirmed:?}");
        let snap = engine
            .wait(|s| {
                s.orders
                    .iter()
                    .any(|o| o.id == new && o.status == OrderStatus::Submitted && o.venue_order_id.is_some())
            })
            .await;
        let (old, replacement) = (
            snap.orders.iter().find(|o| o.id == id).unwrap(),
            snap.orders.iter().find(|o| o.id == new).unwrap(),
        );
        assert_eq!(old.status, OrderStatus::Cancelled);
        assert_eq!((replacement.intent.price, replacement.intent.qty), (Some(new_price), d("0.02")));
        engine.stop().await;
        sim.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_amend_of_an_order_the_exchange_filled_meanwhile_is_not_sent() {
        let sim = sim(20).await;
        let dir = tempfile::tempdir().unwrap();
        let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
        let ready = engine.ready().await;
        let (bid, _) = top(&ready);
        let price = (bid * d("0.99")).round_dp(2);
        let SubmitOutcome::Sent { id, .. } =
            engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await
        else {
            panic!("not sent")
        };
        let snap =
            engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Submitted)).await;
        let client_id = snap.orders.iter().find(|o| o.id == id).unwrap().client_id.clone();
        let amend = |reply| Command::Amend { id, price: Some(price - d("1")), qty: None, hold: false, reply };
        let SubmitOutcome::Pending { id: new, .. } = engine.handle.request(amend).await.unwrap() else {
            panic!("confirm mode")
        };
        assert!(sim.force_fill(KEY, &client_id), "the exchange fills it before the person says yes");
        engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Filled)).await;
        let confirmed = engine.handle.request(|reply| Command::Confirm { id: new, reply }).await.unwrap();
        assert!(matches!(confirmed, SubmitOutcome::Refused { .. }), "{confirmed:?}");
        let snap =
            engine.wait(|s| s.orders.iter().any(|o| o.id == new && o.status == OrderStatus::Rejected)).await;
        let replacement = snap.orders.iter().find(|o| o.id == new).unwrap();
        assert_eq!(
            replacement.reason.as_deref(),
            Some(format!("not sent: #{id} filled before it could be cancelled").as_str())
        );
        assert_eq!(replacement.venue_order_id, None, "never sent");
        engine.stop().await;
        sim.shutdown().await;
    }
    /// The race the previous test cannot show: the exchange fills the
    /// original while the amend's cancel is on its way, and the fill's
    /// user-data events are lost, so the engine learns of it only from the
    /// cancel's refusal. The replacement must not be sent (it would double the
    /// position), and the original must end filled, from reconciliation.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_amend_whose_cancel_meets_a_fill_in_flight_is_not_sent() {
        let sim = sim(20).await;
        let dir = tempfile::tempdir().unwrap();
        let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
        let ready = engine.ready().await;
        let (bid, _) = top(&ready);
        let price = (bid * d("0.99")).round_dp(2);
        let SubmitOutcome::Sent { id, .. } =
            engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await
        else {
            panic!("not sent")
        };
        let snap =
            engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Submitted)).await;
        let client_id = snap.orders.iter().find(|o| o.id == id).unwrap().client_id.clone();
        let amend = |reply| Command::Amend { id, price: Some(price - d("1")), qty: None, hold: false, reply };
        let SubmitOutcome::Pending { id: new, .. } = engine.handle.request(amend).await.unwrap() else {
            panic!("confirm mode")
        };
        // The fill happens at the exchange, and neither its execution report
        // nor its balance update reaches the engine.
        sim.faults().lose_user_events(2);
        assert!(sim.force_fill(KEY, &client_id));
        let before = engine.handle.snapshot();
        assert_eq!(
            before.orders.iter().find(|o| o.id == id).unwrap().status,
            OrderStatus::Submitted,
            "the engine must not know of the fill yet, or this is the previous test"
        );
        // The person says yes: the cancel goes out and meets the fill.
        engine.handle.request(|reply| Command::Confirm { id: new, reply }).await.unwrap();
        let snap = engine
            .wait(|s| {
                s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Filled)
                    && s.orders.iter().any(|o| o.id == new && o.status == OrderStatus::Rejected)
            })
            .await;
        let replacement = snap.orders.iter().find(|o| o.id == new).unwrap();
        assert_eq!(replacement.venue_order_id, None, "never sent: {replacement:?}");
        let original = snap.orders.iter().find(|o| o.id == id).unwrap();
        assert_eq!(original.filled_qty, d("0.01"), "{original:?}");
        assert_eq!(
            snap.orders.iter().filter(|o| o.status == OrderStatus::Submitted).count(),
            0,
            "nothing left resting: {:?}",
            snap.orders
        );
        engine.stop().await;
        sim.shutdown().await;
    }

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
