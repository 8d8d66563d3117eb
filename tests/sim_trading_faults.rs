//! The simulator's user data stream on the WebSocket API (reference §2.10),
//! its rate limits and headers (§2.8), and every fault knob doing what it says.
#![allow(clippy::unwrap_used)]

#[path = "sim_trading/client.rs"]
mod client;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use client::*;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use vigil::sim::account::{TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET, WITHDRAW_SECRET};

/// A resting buy far under the market, by client id.
async fn resting(c: &Client, sim: &vigil::sim::SimHandle, client_id: &str) -> Answer {
    let (bids, _, _) = book(sim, 1).await;
    let price = (bids[0].0 - d("1000")).to_string();
    c.order(&[
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.001"),
        ("price", &price),
        ("newClientOrderId", client_id),
    ])
    .await
}

async fn exists(c: &Client, client_id: &str) -> bool {
    c.get("/api/v3/order", &[("symbol", "BTCUSDT"), ("origClientOrderId", client_id)]).await.status == 200
}

/// Every field of an `executionReport` the brief and Binance's docs list.
const EXECUTION_FIELDS: [&str; 35] = [
    "e", "E", "s", "c", "S", "o", "f", "q", "p", "P", "F", "g", "C", "x", "X", "r", "i", "l", "z", "L", "n",
    "N", "T", "t", "v", "I", "w", "m", "M", "O", "Z", "Y", "Q", "W", "V",
];

fn fields(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test]
async fn the_user_data_stream_reports_every_change_of_a_rest_order_in_binance_shapes() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let mut ws = connect(sim.ws_api_url()).await;
    let bad = ws_call(
        &mut ws,
        "1",
        "userDataStream.subscribe.signature",
        subscribe_params(TRADE_ONLY_API_KEY, WITHDRAW_SECRET, now_ms()),
    )
    .await;
    assert_eq!((&bad["status"], &bad["error"]["code"]), (&json!(400), &json!(-1022)), "{bad}");
    let stale = ws_call(
        &mut ws,
        "2",
        "userDataStream.subscribe.signature",
        subscribe_params(TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET, now_ms() - 60_000),
    )
    .await;
    assert_eq!(stale["error"]["code"], -1021);
    let time = ws_call(&mut ws, "3", "time", json!({})).await;
    assert!((time["result"]["serverTime"].as_i64().unwrap() - now_ms()).abs() < 1000);
    assert_eq!(time["rateLimits"][0]["rateLimitType"], "REQUEST_WEIGHT");
    assert_eq!(ws_call(&mut ws, "4", "ping", json!({})).await["result"], json!({}));
    let unknown = ws_call(&mut ws, "5", "order.teleport", json!({})).await;
    assert_eq!(unknown["status"], 400);
    let sub = ws_call(
        &mut ws,
        "6",
        "userDataStream.subscribe.signature",
        subscribe_params(TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET, now_ms()),
    )
    .await;
    assert_eq!((&sub["status"], &sub["result"]), (&json!(200), &json!({"subscriptionId": 0})), "{sub}");

    let placed = resting(&c, &sim, "ud-1").await;
    let order_id = placed.body["orderId"].clone();
    let new = next_event(&mut ws).await;
    assert_eq!(fields(&new), EXECUTION_FIELDS.into_iter().collect(), "{new}");
    assert_eq!(
        (&new["e"], &new["x"], &new["X"], &new["c"], &new["C"], &new["i"], &new["t"], &new["N"]),
        (
            &json!("executionReport"),
            &json!("NEW"),
            &json!("NEW"),
            &json!("ud-1"),
            &json!(""),
            &order_id,
            &json!(-1),
            &Value::Null
        )
    );
    let position = next_event(&mut ws).await;
    assert_eq!(position["e"], "outboundAccountPosition");
    let usdt = position["B"].as_array().unwrap().iter().find(|b| b["a"] == "USDT").unwrap();
    assert_eq!((dec(&usdt["f"]) + dec(&usdt["l"]), dec(&usdt["l"]) > d("0")), (d("100000"), true));

    c.cancel(&[("symbol", "BTCUSDT"), ("origClientOrderId", "ud-1"), ("newClientOrderId", "undo-ud-1")])
        .await;
    let cancel = next_event(&mut ws).await;
    assert_eq!(
        (&cancel["x"], &cancel["X"], &cancel["c"], &cancel["C"]),
        (&json!("CANCELED"), &json!("CANCELED"), &json!("undo-ud-1"), &json!("ud-1")),
        "Binance: the cancel's id in c, the order's in C"
    );
    assert_eq!(next_event(&mut ws).await["e"], "outboundAccountPosition");

    let bought =
        c.order(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.001")]).await;
    let fill = &bought.body["fills"][0];
    assert_eq!(next_event(&mut ws).await["x"], "NEW");
    let trade = next_event(&mut ws).await;
    assert_eq!(
        (&trade["x"], &trade["X"], &trade["t"], &trade["m"], &trade["N"]),
        (&json!("TRADE"), &json!("FILLED"), &fill["tradeId"], &json!(false), &json!("BTC"))
    );
    assert_eq!(
        (dec(&trade["l"]), dec(&trade["L"]), dec(&trade["n"])),
        (d("0.001"), dec(&fill["price"]), d("0.000001"))
    );
    assert_eq!(dec(&trade["Z"]), dec(&trade["Y"]));
    let position = next_event(&mut ws).await;
    let assets: BTreeSet<&str> =
        position["B"].as_array().unwrap().iter().map(|b| b["a"].as_str().unwrap()).collect();
    assert_eq!(assets, BTreeSet::from(["BTC", "USDT"]));

    // Filled while resting, as maker at its own price.
    let placed = resting(&c, &sim, "ud-2").await;
    let price = placed.body["price"].clone();
    next_event(&mut ws).await;
    next_event(&mut ws).await;
    assert!(sim.force_fill(TRADE_ONLY_API_KEY, "ud-2"));
    assert!(!sim.force_fill(TRADE_ONLY_API_KEY, "ud-2"), "only an open order");
    let maker = next_event(&mut ws).await;
    assert_eq!(
        (&maker["x"], &maker["X"], &maker["m"], &maker["L"]),
        (&json!("TRADE"), &json!("FILLED"), &json!(true), &price)
    );
    let trades = c
        .get("/api/v3/myTrades", &[("symbol", "BTCUSDT"), ("orderId", &placed.body["orderId"].to_string())])
        .await;
    assert_eq!((&trades.body[0]["isMaker"], &trades.body[0]["id"]), (&json!(true), &maker["t"]));

    let unsub = ws_call(&mut ws, "7", "userDataStream.unsubscribe", json!({"subscriptionId": 0})).await;
    assert_eq!(unsub["status"], 200);
    let gone = ws_call(&mut ws, "8", "userDataStream.unsubscribe", json!({"subscriptionId": 0})).await;
    assert_eq!(gone["status"], 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn every_rest_answer_carries_weight_orders_carry_counts_and_limits_answer_429() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let time = public(&sim, "/api/v3/time").await;
    let info = public(&sim, "/api/v3/exchangeInfo").await;
    assert_eq!(
        (time.header("X-MBX-USED-WEIGHT-1M"), info.header("X-MBX-USED-WEIGHT-1M")),
        (Some(1), Some(21))
    );
    let limits = &info.body["rateLimits"];
    assert!(
        limits.as_array().unwrap().iter().any(|l| l["rateLimitType"] == "ORDERS" && l["interval"] == "DAY")
    );
    assert_eq!(info.body["symbols"][0]["quoteOrderQtyMarketAllowed"], true);
    let refused = c
        .order(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.000001")])
        .await;
    assert_eq!(refused.error(), (400, -1013));
    assert_eq!(
        (
            refused.header("X-MBX-USED-WEIGHT-1M"),
            refused.header("X-MBX-ORDER-COUNT-10S"),
            refused.header("X-MBX-ORDER-COUNT-1D")
        ),
        (Some(22), Some(1), Some(1))
    );
    let account = c.get("/api/v3/account", &[]).await;
    assert_eq!(
        (account.header("X-MBX-USED-WEIGHT-1M"), account.header("X-MBX-ORDER-COUNT-10S")),
        (Some(42), None)
    );

    for i in 2..=100 {
        let a = c
            .order(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.000001")])
            .await;
        assert_eq!(a.header("X-MBX-ORDER-COUNT-10S"), Some(i));
    }
    let over = c
        .order(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.000001")])
        .await;
    assert_eq!(over.error(), (429, -1015));
    assert_eq!(over.msg(), "Too many new orders; current limit is 100 orders per 10 SECOND.");
    assert!((1..=10).contains(&over.header("Retry-After").unwrap()));
    assert_eq!(c.get("/api/v3/openOrders", &[]).await.status, 200, "other requests still pass");

    // 250 weight each: the 24th depth of 5000 levels goes past 6000.
    let mut last = public(&sim, "/api/v3/depth?symbol=BTCUSDT&limit=5000").await;
    while last.status == 200 {
        last = public(&sim, "/api/v3/depth?symbol=BTCUSDT&limit=5000").await;
    }
    assert_eq!(last.error(), (429, -1003));
    assert!(last.header("Retry-After").is_some_and(|s| (1..=60).contains(&s)));
    assert!(last.header("X-MBX-USED-WEIGHT-1M").unwrap() > 6000);
    while public(&sim, "/api/v3/time").await.status == 200 {}
    let ws_refused = ws_call(&mut connect(sim.ws_api_url()).await, "t", "time", json!({})).await;
    assert_eq!((&ws_refused["status"], &ws_refused["error"]["code"]), (&json!(429), &json!(-1003)));
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_knobs_delay_drop_5xx_timeout_429_418_each_as_documented() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let faults = sim.faults();

    faults.delay_orders(Duration::from_millis(300));
    let start = Instant::now();
    assert_eq!(resting(&c, &sim, "slow").await.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    faults.delay_orders(Duration::ZERO);

    faults.drop_responses_after_execution(1);
    let (bids, _, _) = book(&sim, 1).await;
    let price = (bids[0].0 - d("1000")).to_string();
    let payload = format!(
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price={price}&newClientOrderId=lost&timestamp={}",
        now_ms()
    );
    let body = format!("{payload}&signature={}", hmac_hex(c.secret, &payload));
    let sent =
        c.http.post(format!("{}/api/v3/order", c.base)).header("X-MBX-APIKEY", c.key).body(body).send().await;
    let read = match sent {
        Ok(resp) => resp.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(read.is_err(), "the client sees a transport error");
    assert!(exists(&c, "lost").await, "and yet the order exists");
    assert_eq!(resting(&c, &sim, "after-lost").await.status, 200, "one-shot");

    faults.server_errors(2);
    for _ in 0..2 {
        assert_eq!(resting(&c, &sim, "five-hundred").await.status, 503);
    }
    assert!(!exists(&c, "five-hundred").await, "not executed");
    faults.server_errors_with(1, 500);
    assert_eq!(resting(&c, &sim, "five-hundred").await.status, 500);
    assert!(!exists(&c, "five-hundred").await, "not executed");
    assert_eq!(resting(&c, &sim, "five-hundred").await.status, 200);

    faults.timeout_next_order(true);
    let a = resting(&c, &sim, "timeout-done").await;
    assert_eq!(a.error(), (503, -1007));
    assert_eq!(
        a.msg(),
        "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
    );
    assert!(exists(&c, "timeout-done").await);
    faults.timeout_next_order(false);
    assert_eq!(resting(&c, &sim, "timeout-lost").await.error(), (503, -1007));
    assert!(!exists(&c, "timeout-lost").await);

    faults.rate_limit(2, 7);
    for _ in 0..2 {
        let a = c.get("/api/v3/openOrders", &[]).await;
        assert_eq!((a.error(), a.header("Retry-After")), ((429, -1003), Some(7)));
    }
    assert_eq!(c.get("/api/v3/openOrders", &[]).await.status, 200);
    faults.ban_next(120);
    let a = c.get("/api/v3/openOrders", &[]).await;
    assert_eq!((a.error(), a.header("Retry-After")), ((418, -1003), Some(120)));
    sim.shutdown().await;
}

#[tokio::test]
async fn the_clock_offset_moves_server_time_and_provokes_minus_1021() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    sim.faults().set_clock_offset_ms(-10_000);
    let server = public(&sim, "/api/v3/time").await.body["serverTime"].as_i64().unwrap();
    assert!((now_ms() - 10_000 - server).abs() < 500, "{server}");
    let a = c.get("/api/v3/account", &[]).await;
    assert_eq!(
        (a.error(), a.msg()),
        ((400, -1021), "Timestamp for this request was 1000ms ahead of the server's time.")
    );
    sim.faults().set_clock_offset_ms(10_000);
    assert_eq!(c.get("/api/v3/account", &[]).await.error(), (400, -1021), "behind by more than recvWindow");
    sim.faults().set_clock_offset_ms(0);
    assert_eq!(c.get("/api/v3/account", &[]).await.status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn user_connections_are_dropped_on_demand_events_can_be_lost_and_shutdown_is_announced() {
    let sim = sim_with(Duration::from_millis(100)).await;
    let c = Client::new(&sim);
    let mut ws = user_stream(&sim).await;
    sim.faults().drop_user_streams();
    let end = tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the connection was closed");

    let mut ws = user_stream(&sim).await;
    sim.faults().lose_user_events(2);
    resting(&c, &sim, "lost-events").await;
    c.cancel(&[("symbol", "BTCUSDT"), ("origClientOrderId", "lost-events")]).await;
    let first = next_event(&mut ws).await;
    assert_eq!(first["x"], "CANCELED", "NEW and its balances were lost: {first}");

    // A client that never answers pings is dropped after three periods.
    let mut silent = user_stream(&sim).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let dropped = tokio::time::timeout(WAIT, async {
        loop {
            match silent.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert_eq!(dropped.ok(), Some(true));

    let mut listening = user_stream(&sim).await;
    let stop = tokio::spawn(sim.shutdown());
    let notice = next_json(&mut listening).await;
    assert_eq!(notice["event"]["e"], "serverShutdown", "{notice}");
    stop.await.unwrap();
    let _ = ws;
}
