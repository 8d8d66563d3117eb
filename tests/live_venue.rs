//! The live venue end to end, in process: the real engine, signed REST and the
//! WebSocket API's user data stream against the embedded simulator on
//! loopback. Every order here is matched by the simulator's own book.
#![allow(clippy::unwrap_used)]

#[path = "support/live_fixture.rs"]
mod live_fixture;

use live_fixture::{btc, d, intent, sim, start, top, trade_only};
use rust_decimal::Decimal;
use vigil::domain::{OrderStatus, OrderType, Side};
use vigil::engine::{Command, SubmitOutcome};
use vigil::sim::account::{TRADE_ONLY_API_KEY as KEY, TRADE_ONLY_SECRET as SECRET};

/// The simulator, a temp dir and a live engine on it with the trade-only
/// key, reconciled and with a synced book.
struct Rig {
    sim: vigil::sim::SimHandle,
    dir: tempfile::TempDir,
    engine: live_fixture::LiveEngine,
    ready: std::sync::Arc<vigil::engine::Snapshot>,
}

async fn rig() -> Rig {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
    let ready = engine.ready().await;
    Rig { sim, dir, engine, ready }
}

/// A limit price 3 % under the best bid: the order rests.
fn resting(ready: &vigil::engine::Snapshot) -> Decimal {
    (top(ready).0 * d("0.97")).round_dp(2)
}

/// Waits until order `id` shows `status`.
async fn has_status(
    engine: &live_fixture::LiveEngine,
    id: vigil::domain::OrderId,
    status: OrderStatus,
) -> std::sync::Arc<vigil::engine::Snapshot> {
    engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == status)).await
}

fn sent(outcome: SubmitOutcome) -> vigil::domain::OrderId {
    match outcome {
        SubmitOutcome::Sent { id, .. } => id,
        other => panic!("not sent: {other:?}"),
    }
}

fn balance(s: &vigil::engine::Snapshot, asset: &str) -> vigil::domain::Balance {
    s.balances.iter().find(|(a, _)| a == asset).map(|(_, b)| b.clone()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resting_limit_is_acknowledged_locks_funds_and_cancels_at_the_exchange() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    let usdt_before = balance(&ready, "USDT");
    assert!(usdt_before.free > d("1000"), "the simulator's test account is funded: {usdt_before:?}");
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    let snap = engine
        .wait(|s| {
            s.orders
                .iter()
                .any(|o| o.id == id && o.status == OrderStatus::Submitted && o.venue_order_id.is_some())
        })
        .await;
    let order = snap.orders.iter().find(|o| o.id == id).unwrap();
    assert!(order.client_id.starts_with("vigil-"), "{}", order.client_id);
    // The exchange locked the order's quote; so does vigil.
    let locked = price * d("0.01");
    engine.wait(|s| balance(s, "USDT").locked >= locked).await;

    engine.handle.request(|reply| Command::Cancel { id, reply }).await.unwrap();
    let snap = has_status(&engine, id, OrderStatus::Cancelled).await;
    let after = balance(&snap, "USDT");
    engine.wait(|s| balance(s, "USDT").locked.is_zero()).await;
    assert_eq!(after.total(), usdt_before.total(), "a cancelled order costs nothing");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marketable_limit_fills_at_the_books_price_and_balances_follow() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    let (_, ask) = top(&ready);
    let btc_before = balance(&ready, "BTC").total();
    // Willing to pay 0.5 % over the ask: the exchange fills at the book.
    let limit = (ask * d("1.005")).round_dp(2);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.002", Some(limit))).await);
    let snap = has_status(&engine, id, OrderStatus::Filled).await;
    let order = snap.orders.iter().find(|o| o.id == id).unwrap();
    let avg = order.avg_fill_price().unwrap();
    assert!(avg < limit, "filled at the book ({avg}), not at the limit {limit}");
    let fills: Vec<_> = snap.fills.iter().filter(|f| f.order_id == id).collect();
    assert!(!fills.is_empty() && fills.iter().all(|f| f.trade_id.is_some()), "{fills:?}");
    // The commission is taken in BTC on a buy: the account holds less than 0.002 more.
    let snap = engine.wait(|s| balance(s, "BTC").total() > btc_before).await;
    let gained = balance(&snap, "BTC").total() - btc_before;
    let fee: Decimal = fills.iter().map(|f| f.fee).sum();
    assert_eq!(gained, d("0.002") - fee, "balances are the exchange's");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_buy_fills_and_is_booked_once_per_trade() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
    engine.ready().await;
    let id = sent(engine.place(intent(Side::Buy, OrderType::Market, "0.003", None)).await);
    let snap = has_status(&engine, id, OrderStatus::Filled).await;
    let order = snap.orders.iter().find(|o| o.id == id).unwrap();
    assert_eq!(order.filled_qty, d("0.003"));
    // The answer and the user data stream both report each trade: booked once.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let snap = engine.handle.snapshot();
    let qty: Decimal = snap.fills.iter().filter(|f| f.order_id == id).map(|f| f.qty).sum();
    assert_eq!(qty, d("0.003"), "{:?}", snap.fills);
    let position = snap.positions.iter().find(|p| p.symbol == btc()).unwrap();
    assert!(position.qty > Decimal::ZERO && position.qty < d("0.003"), "{position:?}");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_that_takes_part_of_the_book_is_partially_filled_and_rests() {
    let Rig { sim, dir: _dir, engine, .. } = rig().await;
    let ask = engine.held_ask(&sim).await;
    // More than the best ask holds, limited to that price: part fills, the rest rests.
    let qty = (ask.qty + d("0.01")).to_string();
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, &qty, Some(ask.price))).await);
    let snap = has_status(&engine, id, OrderStatus::PartiallyFilled).await;
    let order = snap.orders.iter().find(|o| o.id == id).unwrap();
    assert!(order.filled_qty > Decimal::ZERO && order.filled_qty < order.intent.qty, "{order:?}");
    assert_eq!(order.avg_fill_price(), Some(ask.price));
    engine.handle.request(|reply| Command::Cancel { id, reply }).await.unwrap();
    has_status(&engine, id, OrderStatus::Cancelled).await;
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lost_after_execution_leaves_exactly_one_order_found_by_its_client_id() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    sim.faults().drop_responses_after_execution(1);
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    // The answer broke off: unknown, or already known from the user data stream.
    let snap = engine
        .wait(|s| {
            s.orders
                .iter()
                .any(|o| o.id == id && o.status == OrderStatus::Submitted && o.venue_order_id.is_some())
                && s.log.iter().any(|l| l.text.contains("never resending"))
        })
        .await;
    // One order at the exchange, with vigil's client id: never a second.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let client_id = snap.orders.iter().find(|o| o.id == id).unwrap().client_id.clone();
    let open = sim_open_orders(&sim).await;
    assert_eq!(open.iter().filter(|o| o["clientOrderId"] == client_id.as_str()).count(), 1, "{open:?}");
    assert_eq!(open.len(), 1, "{open:?}");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_with_minus_1007_that_never_executed_is_closed_after_the_recv_window() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    sim.faults().timeout_next_order(false);
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    let snap = has_status(&engine, id, OrderStatus::Unknown).await;
    // Unknown keeps its reservation and counts as open.
    assert!(balance(&snap, "USDT").locked >= price * d("0.01"));
    let snap = engine
        .wait_secs(20, |s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Rejected))
        .await;
    let order = snap.orders.iter().find(|o| o.id == id).unwrap();
    assert!(order.reason.as_deref().unwrap_or_default().contains("never reached the exchange"), "{order:?}");
    assert!(sim_open_orders(&sim).await.is_empty());
    engine.wait(|s| balance(s, "USDT").locked.is_zero()).await;
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_submissions_and_order_rate_says_why() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    sim.faults().rate_limit(1, 3);
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    let snap = has_status(&engine, id, OrderStatus::Rejected).await;
    assert!(snap.live.as_ref().unwrap().paused.is_some());
    let again = intent(Side::Buy, OrderType::Limit, "0.01", Some(price - d("1")));
    let outcome = engine
        .handle
        .request(|reply| Command::Submit { intent: again.clone(), hold: false, reply })
        .await
        .unwrap();
    let SubmitOutcome::Refused { checks } = outcome else { panic!("not refused: {outcome:?}") };
    let rate = checks.iter().find(|c| c.id == "order_rate").unwrap();
    assert!(rate.detail.contains("paused") && rate.detail.contains("429"), "{rate:?}");
    // After Retry-After, orders go out again.
    tokio::time::sleep(std::time::Duration::from_millis(3_300)).await;
    let id = sent(engine.place(again).await);
    has_status(&engine, id, OrderStatus::Submitted).await;
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minus_1021_resyncs_the_clock_and_sends_the_same_order_once_more() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    // The exchange's clock jumps 6 s ahead of what vigil measured: vigil's
    // next timestamp is 6 s old there, beyond the 5 s recvWindow (-1021).
    sim.faults().set_clock_offset_ms(6_000);
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    let snap = engine
        .wait(|s| {
            s.orders
                .iter()
                .any(|o| o.id == id && o.status == OrderStatus::Submitted && o.venue_order_id.is_some())
        })
        .await;
    let skew = snap.live.as_ref().unwrap().skew_ms.unwrap();
    assert!((-7_000..=-5_000).contains(&skew), "the resync measured the new offset: {skew}");
    assert_eq!(sim_open_orders(&sim).await.len(), 1, "sent once more, not twice");
    // Beyond max_clock_skew_ms (1000 by default) the gate now refuses.
    let again = intent(Side::Buy, OrderType::Limit, "0.01", Some(price - d("1")));
    let outcome =
        engine.handle.request(|reply| Command::Submit { intent: again, hold: false, reply }).await.unwrap();
    let SubmitOutcome::Refused { checks } = outcome else { panic!("not refused: {outcome:?}") };
    let clock = checks.iter().find(|c| c.id == "clock_skew").unwrap();
    assert!(clock.detail.contains("behind the exchange"), "{clock:?}");
    engine.stop().await;
    sim.shutdown().await;
}

/// The test account's open orders, read from the simulator as a client would.
async fn sim_open_orders(sim: &vigil::sim::SimHandle) -> Vec<serde_json::Value> {
    use std::sync::Arc;
    let signer = Arc::new(vigil::venue::Signer::new(secrecy::SecretString::from(SECRET)));
    let client = vigil::venue::SignedClient::new(
        &sim.rest_url(),
        None,
        secrecy::SecretString::from(KEY),
        signer,
        Arc::new(vigil::clock::SystemClock),
    )
    .unwrap();
    client.sync_clock().await.unwrap();
    let orders = client.open_orders(&btc()).await.unwrap();
    orders
        .into_iter()
        .map(|o| serde_json::json!({"clientOrderId": o.client_order_id, "orderId": o.order_id}))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_filled_while_vigil_was_stopped_is_booked_at_the_next_start() {
    let Rig { sim, dir, engine, ready } = rig().await;
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    let snap = has_status(&engine, id, OrderStatus::Submitted).await;
    let client_id = snap.orders.iter().find(|o| o.id == id).unwrap().client_id.clone();
    engine.stop().await;

    assert!(sim.force_fill(KEY, &client_id), "the exchange fills it while vigil is away");
    let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
    let snap = has_status(&engine, id, OrderStatus::Filled).await;
    let fills: Vec<_> = snap.fills.iter().filter(|f| f.order_id == id).collect();
    assert_eq!(fills.len(), 1, "{fills:?}");
    assert_eq!((fills[0].price, fills[0].qty), (price, d("0.01")));
    assert!(snap.log.iter().any(|l| l.text.contains("booked late")), "the difference is shown");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_data_connection_dropped_mid_fill_is_reconciled_without_double_counting() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    let price = resting(&ready);
    let a = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    let b = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.02", Some(price - d("1")))).await);
    let snap =
        engine.wait(|s| s.orders.iter().filter(|o| o.status == OrderStatus::Submitted).count() == 2).await;
    let client = |id| snap.orders.iter().find(|o| o.id == id).unwrap().client_id.clone();
    let (ca, cb) = (client(a), client(b));
    // One fill reaches the stream; the connection drops; the other fills
    // while it is down.
    assert!(sim.force_fill(KEY, &ca));
    has_status(&engine, a, OrderStatus::Filled).await;
    sim.faults().drop_user_streams();
    assert!(sim.force_fill(KEY, &cb));
    let snap = engine
        .wait_secs(15, |s| {
            s.orders.iter().any(|o| o.id == b && o.status == OrderStatus::Filled)
                && s.live.as_ref().is_some_and(|l| l.stream_up && !l.reconciling)
        })
        .await;
    let qty = |id| snap.fills.iter().filter(|f| f.order_id == id).map(|f| f.qty).sum::<Decimal>();
    assert_eq!((qty(a), qty(b)), (d("0.01"), d("0.02")), "each fill booked once: {:?}", snap.fills);
    let position = snap.positions.iter().find(|p| p.symbol == btc()).unwrap();
    assert_eq!(position.qty, d("0.03") - d("0.00003"), "bought 0.03 minus the 0.1 % fee in BTC");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_can_withdraw_is_refused_by_the_gate_and_nothing_is_sent() {
    use vigil::sim::account::{WITHDRAW_API_KEY, WITHDRAW_SECRET};
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let key = vigil::engine::LiveKey {
        verified: false,
        permissions: Some(vigil::risk::KeyPermissions {
            can_trade: true,
            can_withdraw: true,
            ..Default::default()
        }),
        ..trade_only()
    };
    let engine = start(dir.path(), &sim, WITHDRAW_API_KEY, WITHDRAW_SECRET, key).await;
    let ready = engine.ready().await;
    let price = resting(&ready);
    let order = intent(Side::Buy, OrderType::Limit, "0.01", Some(price));
    let outcome =
        engine.handle.request(|reply| Command::Submit { intent: order, hold: false, reply }).await.unwrap();
    let SubmitOutcome::Refused { checks } = outcome else { panic!("not refused: {outcome:?}") };
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.verdict == vigil::engine::CheckVerdict::Fail)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(failed, ["venue_armed", "key_permissions"], "{checks:#?}");
    engine.stop().await;
    let signer = std::sync::Arc::new(vigil::venue::Signer::new(secrecy::SecretString::from(WITHDRAW_SECRET)));
    let client = vigil::venue::SignedClient::new(
        &sim.rest_url(),
        None,
        secrecy::SecretString::from(WITHDRAW_API_KEY),
        signer,
        std::sync::Arc::new(vigil::clock::SystemClock),
    )
    .unwrap();
    client.sync_clock().await.unwrap();
    assert!(client.open_orders(&btc()).await.unwrap().is_empty(), "nothing reached the exchange");
    assert!(client.my_trades(&btc(), None).await.unwrap().is_empty());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_placed_outside_vigil_is_listed_as_external_and_counted() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = start_with_limits(dir.path(), &sim, 1).await;
    let ready = engine.ready().await;
    let price = resting(&ready);
    // Another program on the same account.
    let signer = std::sync::Arc::new(vigil::venue::Signer::new(secrecy::SecretString::from(SECRET)));
    let other = vigil::venue::SignedClient::new(
        &sim.rest_url(),
        None,
        secrecy::SecretString::from(KEY),
        signer,
        std::sync::Arc::new(vigil::clock::SystemClock),
    )
    .unwrap();
    other.sync_clock().await.unwrap();
    let new = vigil::venue::NewOrder {
        symbol: btc(),
        side: Side::Buy,
        kind: vigil::venue::OrderKind::Limit { price, qty: d("0.01"), tif: vigil::venue::TimeInForce::Gtc },
        client_id: "someone-else-1".into(),
    };
    other.place(&new).await.unwrap();
    let snap = engine.wait(|s| s.live.as_ref().is_some_and(|l| l.external_orders.len() == 1)).await;
    let external = &snap.live.as_ref().unwrap().external_orders[0];
    assert_eq!(external.client_id, "someone-else-1");
    // Its size and price, from the stream's event: counted at what it is.
    assert_eq!((external.intent.qty, external.intent.price), (d("0.01"), Some(price)));
    // With max_open_orders = 1 the external order already uses the slot.
    let order = intent(Side::Buy, OrderType::Limit, "0.01", Some(price - d("1")));
    let outcome =
        engine.handle.request(|reply| Command::Submit { intent: order, hold: false, reply }).await.unwrap();
    let SubmitOutcome::Refused { checks } = outcome else { panic!("not refused: {outcome:?}") };
    let open = checks.iter().find(|c| c.id == "max_open_orders").unwrap();
    assert!(open.detail.starts_with("1 orders are open"), "{open:?}");
    engine.stop().await;
    sim.shutdown().await;
}

async fn start_with_limits(
    dir: &std::path::Path,
    sim: &vigil::sim::SimHandle,
    max_open: u32,
) -> live_fixture::LiveEngine {
    live_fixture::start_with(dir, sim, KEY, SECRET, trade_only(), |c| c.limits.max_open_orders = max_open)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_lost_on_the_stream_behind_a_later_booked_trade_is_found_by_the_orders_own_trades() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    let (_, ask) = top(&ready);
    let price = resting(&ready);
    let a = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    let snap = has_status(&engine, a, OrderStatus::Submitted).await;
    let client_a = snap.orders.iter().find(|o| o.id == a).unwrap().client_id.clone();
    // A fills, and both its events are lost; then B trades and is booked from
    // its own answer, moving the trade cursor past A's trade.
    sim.faults().lose_user_events(2);
    assert!(sim.force_fill(KEY, &client_a));
    let b = sent(
        engine.place(intent(Side::Buy, OrderType::Limit, "0.001", Some((ask * d("1.01")).round_dp(2)))).await,
    );
    has_status(&engine, b, OrderStatus::Filled).await;
    assert!(engine.handle.snapshot().orders.iter().any(|o| o.id == a && o.status == OrderStatus::Submitted));
    // The next reconciliation (after a reconnect) must still find A's fill.
    sim.faults().drop_user_streams();
    let snap =
        engine.wait_secs(15, |s| s.orders.iter().any(|o| o.id == a && o.status == OrderStatus::Filled)).await;
    let qty: Decimal = snap.fills.iter().filter(|f| f.order_id == a).map(|f| f.qty).sum();
    assert_eq!(qty, d("0.01"));
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_working_order_the_exchange_once_says_it_does_not_know_stays_open() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    has_status(&engine, id, OrderStatus::Submitted).await;
    // A reconnect's reconciliation gets a transient -2013 for the order.
    sim.faults().forget_orders(1);
    sim.faults().drop_user_streams();
    engine.wait(|s| s.live.as_ref().is_some_and(|l| !l.stream_up)).await;
    let snap = engine.wait(|s| s.live.as_ref().is_some_and(|l| l.stream_up && !l.reconciling)).await;
    let order = snap.orders.iter().find(|o| o.id == id).unwrap();
    assert_eq!(order.status, OrderStatus::Submitted, "the open-orders list says it works: {order:?}");
    assert!(balance(&snap, "USDT").locked >= price * d("0.01"), "its funds stay reserved");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_429_nothing_more_is_sent_until_retry_after_has_passed() {
    let Rig { sim, dir: _dir, engine, ready } = rig().await;
    // An unknown order is queried every 2 s: the first query meets the 429.
    sim.faults().timeout_next_order(false);
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    has_status(&engine, id, OrderStatus::Unknown).await;
    sim.faults().rate_limit(1000, 4);
    engine.wait(|s| s.live.as_ref().is_some_and(|l| l.paused.is_some())).await;
    let served = sim.faults().limits_served();
    // A cancel asked for during the pause is held, not sent.
    engine.handle.request(|reply| Command::Cancel { id, reply }).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(3_000)).await;
    assert_eq!(sim.faults().limits_served(), served, "no request went out during the pause");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_with_an_order_in_flight_is_resolved_by_its_client_id_at_the_next_start() {
    let Rig { sim, dir, engine, ready } = rig().await;
    sim.faults().delay_orders(std::time::Duration::from_millis(1_500));
    // Its stream events are lost too, so vigil only knows it sent it.
    sim.faults().lose_user_events(2);
    let price = resting(&ready);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.01", Some(price))).await);
    // Stored `submitting`; the exchange has the order, its answer is on its
    // way (delayed): the process dies.
    while sim_open_orders(&sim).await.is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        engine.handle.snapshot().orders.iter().any(|o| o.id == id && o.status == OrderStatus::Submitting)
    );
    engine.crash().await;
    sim.faults().delay_orders(std::time::Duration::ZERO);
    tokio::time::sleep(std::time::Duration::from_millis(2_000)).await;
    let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
    // Found by its client id (it has the exchange's id), never sent again,
    // and — the stop was unclean — cancelled by the halt the restart is in.
    let snap = engine
        .wait_secs(15, |s| {
            s.orders
                .iter()
                .any(|o| o.id == id && o.status == OrderStatus::Cancelled && o.venue_order_id.is_some())
        })
        .await;
    assert_eq!(snap.controls.trading_state(), vigil::domain::TradingState::Halted);
    assert_eq!(snap.orders.iter().filter(|o| o.status.is_open()).count(), 0);
    assert!(sim_open_orders(&sim).await.is_empty(), "found and cancelled, never sent again");
    engine.stop().await;
    sim.shutdown().await;
}
