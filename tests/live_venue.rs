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
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
    let ready = engine.ready().await;
    let usdt_before = balance(&ready, "USDT");
    assert!(usdt_before.free > d("1000"), "the simulator's test account is funded: {usdt_before:?}");
    let (bid, _) = top(&ready);
    let price = (bid * d("0.97")).round_dp(2);
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
    let snap =
        engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Cancelled)).await;
    let after = balance(&snap, "USDT");
    engine.wait(|s| balance(s, "USDT").locked.is_zero()).await;
    assert_eq!(after.total(), usdt_before.total(), "a cancelled order costs nothing");
    engine.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marketable_limit_fills_at_the_books_price_and_balances_follow() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = start(dir.path(), &sim, KEY, SECRET, trade_only()).await;
    let ready = engine.ready().await;
    let (_, ask) = top(&ready);
    let btc_before = balance(&ready, "BTC").total();
    // Willing to pay 0.5 % over the ask: the exchange fills at the book.
    let limit = (ask * d("1.005")).round_dp(2);
    let id = sent(engine.place(intent(Side::Buy, OrderType::Limit, "0.002", Some(limit))).await);
    let snap = engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Filled)).await;
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
    let snap = engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Filled)).await;
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
