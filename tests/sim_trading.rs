//! The simulator's spot trading surface over loopback, read as a Binance
//! client would (reference §2.2, §2.6, §2.8): signed requests refused as
//! Binance refuses them, orders matched against the simulator's own book at
//! the book's prices, balances locked and released, Binance's answer shapes.
//! The fault knobs, limits and the WebSocket API are in `sim_trading_faults.rs`.
#![allow(clippy::unwrap_used)]

#[path = "sim_trading/client.rs"]
mod client;

use std::collections::BTreeSet;

use client::*;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;
use vigil::sim::account::{WITHDRAW_API_KEY, WITHDRAW_SECRET};

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

/// A limit price `ticks` below the best bid (never marketable).
async fn far_bid(sim: &vigil::sim::SimHandle, ticks: i64) -> String {
    let (bids, _, _) = book(sim, 1).await;
    (bids[0].0 - Decimal::new(ticks, 2)).to_string()
}

#[tokio::test]
async fn signed_requests_are_refused_for_key_signature_timestamp_and_window_like_binance() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let price = far_bid(&sim, 100_000).await;
    let order = format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price={price}");
    let sign = |payload: &str, secret: &str| format!("{payload}&signature={}", hmac_hex(secret, payload));

    let no_key = Client { key: "", ..c.clone() };
    let a = no_key.order(&[("symbol", "BTCUSDT")]).await;
    assert_eq!((a.error(), a.msg()), ((401, -2015), "Invalid API-key, IP, or permissions for action."));
    let wrong = format!("{order}&timestamp={}", now_ms());
    let a = c.raw(Method::POST, "/api/v3/order", &sign(&wrong, WITHDRAW_SECRET)).await;
    assert_eq!((a.error(), a.msg()), ((400, -1022), "Signature for this request is not valid."));
    let stale = format!("{order}&timestamp={}", now_ms() - 6_000);
    let a = c.raw(Method::POST, "/api/v3/order", &sign(&stale, c.secret)).await;
    assert_eq!(
        (a.error(), a.msg()),
        ((400, -1021), "Timestamp for this request is outside of the recvWindow.")
    );
    let wide = format!("{order}&recvWindow=10000&timestamp={}", now_ms() - 6_000);
    assert_eq!(c.raw(Method::POST, "/api/v3/order", &sign(&wide, c.secret)).await.status, 200, "inside 10 s");
    let ahead = format!("{order}&timestamp={}", now_ms() + 3_000);
    let a = c.raw(Method::POST, "/api/v3/order", &sign(&ahead, c.secret)).await;
    assert_eq!(
        (a.error(), a.msg()),
        ((400, -1021), "Timestamp for this request was 1000ms ahead of the server's time.")
    );
    let too_wide = format!("{order}&recvWindow=60001&timestamp={}", now_ms());
    let a = c.raw(Method::POST, "/api/v3/order", &sign(&too_wide, c.secret)).await;
    assert_eq!((a.error(), a.msg()), ((400, -1131), "recvWindow must be less than 60000."));
    let a = c.raw(Method::POST, "/api/v3/order", &sign(&order, c.secret)).await;
    assert_eq!(
        (a.error(), a.msg()),
        ((400, -1102), "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
    );
    let unsigned = format!("{order}&timestamp={}", now_ms());
    assert_eq!(c.raw(Method::POST, "/api/v3/order", &unsigned).await.error(), (400, -1102));

    // Reference §2.3 H2: part in the query string, part in the body, signed as one.
    let query = format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price={price}");
    let body = format!("quantity=0.001&timestamp={}", now_ms());
    let signature = hmac_hex(c.secret, &format!("{query}{body}"));
    let resp = c
        .http
        .post(format!("{}/api/v3/order?{query}", c.base))
        .header("X-MBX-APIKEY", c.key)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("{body}&signature={signature}"))
        .send()
        .await
        .unwrap();
    let a = read(resp).await;
    assert_eq!((a.status, &a.body["status"]), (200, &Value::from("NEW")), "{:?}", a.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_resting_limit_locks_its_quote_is_found_listed_and_cancelled_and_releases_it() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    assert_eq!(c.balance("USDT").await, (d("100000"), d("0")));
    assert_eq!(c.balance("BTC").await, (d("0.15625"), d("0")), "10 000 USDT of BTC at 64 000");
    assert_eq!(c.balance("ETH").await, (d("3.125"), d("0")), "10 000 USDT of ETH at 3 200");
    let price = far_bid(&sim, 100_000).await;
    let placed = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01"),
            ("price", &price),
            ("newClientOrderId", "rest-1"),
        ])
        .await;
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    let b = &placed.body;
    assert_eq!(
        keys(b),
        set(&[
            "symbol",
            "orderId",
            "orderListId",
            "clientOrderId",
            "transactTime",
            "price",
            "origQty",
            "executedQty",
            "origQuoteOrderQty",
            "cummulativeQuoteQty",
            "status",
            "timeInForce",
            "type",
            "side",
            "workingTime",
            "selfTradePreventionMode",
            "fills"
        ]),
        "FULL is LIMIT's default"
    );
    assert_eq!((b["status"].as_str(), b["clientOrderId"].as_str()), (Some("NEW"), Some("rest-1")));
    assert_eq!((dec(&b["origQty"]), dec(&b["executedQty"])), (d("0.01"), d("0")));
    assert_eq!(b["fills"], Value::Array(vec![]));
    let order_id = b["orderId"].as_u64().unwrap();
    let locked = d(&price) * d("0.01");
    assert_eq!(c.balance("USDT").await, (d("100000") - locked, locked));

    let dup = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01"),
            ("price", &price),
            ("newClientOrderId", "rest-1"),
        ])
        .await;
    assert_eq!((dup.error(), dup.msg()), ((400, -2010), "Duplicate order sent."));

    let got = c.get("/api/v3/order", &[("symbol", "BTCUSDT"), ("origClientOrderId", "rest-1")]).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        keys(&got.body),
        set(&[
            "symbol",
            "orderId",
            "orderListId",
            "clientOrderId",
            "price",
            "origQty",
            "executedQty",
            "cummulativeQuoteQty",
            "status",
            "timeInForce",
            "type",
            "side",
            "stopPrice",
            "icebergQty",
            "time",
            "updateTime",
            "isWorking",
            "workingTime",
            "origQuoteOrderQty",
            "selfTradePreventionMode"
        ])
    );
    assert_eq!((got.body["orderId"].as_u64(), &got.body["isWorking"]), (Some(order_id), &Value::Bool(true)));
    let by_id = c.get("/api/v3/order", &[("symbol", "BTCUSDT"), ("orderId", &order_id.to_string())]).await;
    assert_eq!(by_id.body, got.body);
    let missing = c.get("/api/v3/order", &[("symbol", "BTCUSDT"), ("origClientOrderId", "nope")]).await;
    assert_eq!((missing.error(), missing.msg()), ((400, -2013), "Order does not exist."));

    for params in [&[("symbol", "BTCUSDT")][..], &[]] {
        let open = c.get("/api/v3/openOrders", params).await;
        assert_eq!(open.body.as_array().unwrap().len(), 1, "{params:?}");
        assert_eq!(open.body[0]["clientOrderId"], "rest-1");
    }
    let eth_open = c.get("/api/v3/openOrders", &[("symbol", "ETHUSDT")]).await;
    assert_eq!(eth_open.body, Value::Array(vec![]));
    let other = Client::with_key(&sim, WITHDRAW_API_KEY, WITHDRAW_SECRET);
    assert_eq!(other.get("/api/v3/openOrders", &[]).await.body, Value::Array(vec![]), "accounts are apart");

    let cancelled = c
        .cancel(&[("symbol", "BTCUSDT"), ("origClientOrderId", "rest-1"), ("newClientOrderId", "undo-1")])
        .await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    let b = &cancelled.body;
    assert_eq!(
        keys(b),
        set(&[
            "symbol",
            "origClientOrderId",
            "orderId",
            "orderListId",
            "clientOrderId",
            "transactTime",
            "price",
            "origQty",
            "executedQty",
            "origQuoteOrderQty",
            "cummulativeQuoteQty",
            "status",
            "timeInForce",
            "type",
            "side",
            "selfTradePreventionMode"
        ])
    );
    assert_eq!(
        (b["status"].as_str(), b["clientOrderId"].as_str(), b["origClientOrderId"].as_str()),
        (Some("CANCELED"), Some("undo-1"), Some("rest-1"))
    );
    assert_eq!(c.balance("USDT").await, (d("100000"), d("0")), "the lock is released");
    let again = c.cancel(&[("symbol", "BTCUSDT"), ("orderId", &order_id.to_string())]).await;
    assert_eq!((again.error(), again.msg()), ((400, -2011), "Unknown order sent."));
    let got = c.get("/api/v3/order", &[("symbol", "BTCUSDT"), ("origClientOrderId", "rest-1")]).await;
    assert_eq!(
        (got.body["status"].as_str(), &got.body["isWorking"]),
        (Some("CANCELED"), &Value::Bool(false))
    );
    assert_eq!(c.get("/api/v3/openOrders", &[]).await.body, Value::Array(vec![]));

    // Once the order is closed its client id may be used again; without one, one is generated.
    let reused = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01"),
            ("price", &price),
            ("newClientOrderId", "rest-1"),
        ])
        .await;
    assert_eq!(reused.status, 200);
    let gen_a = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.001"),
            ("price", "900000"),
        ])
        .await;
    let gen_b = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.001"),
            ("price", "900000"),
        ])
        .await;
    let (a, b) =
        (gen_a.body["clientOrderId"].as_str().unwrap(), gen_b.body["clientOrderId"].as_str().unwrap());
    assert!(a != b && !a.is_empty(), "{a} {b}");
    assert_eq!(
        keys(&gen_a.body),
        set(&["symbol", "orderId", "orderListId", "clientOrderId", "transactTime"]),
        "ACK is LIMIT_MAKER's default"
    );
    assert_eq!(c.balance("BTC").await, (d("0.15425"), d("0.002")), "a resting sell locks its base");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_marketable_limit_takes_the_book_at_its_prices_and_the_streams_show_it() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let mut trades =
        connect(format!("{}/stream?streams=btcusdt@trade/btcusdt@depth@100ms", sim.ws_url())).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (_, asks, last_id) = book(&sim, 5).await;
    let qty = asks[0].1 + asks[1].1;
    let limit = asks[1].0 + d("5");
    let (qty_s, limit_s) = (qty.to_string(), limit.to_string());
    let placed = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", &qty_s),
            ("price", &limit_s),
        ])
        .await;
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    let b = &placed.body;
    assert_eq!((b["status"].as_str(), dec(&b["executedQty"])), (Some("FILLED"), qty));
    let fills = b["fills"].as_array().unwrap();
    let got: Vec<(Decimal, Decimal)> = fills.iter().map(|f| (dec(&f["price"]), dec(&f["qty"]))).collect();
    assert_eq!(got, asks[..2].to_vec(), "two levels at the book's prices, not the limit");
    let cost: Decimal = got.iter().map(|(p, q)| p * q).sum();
    assert_eq!(dec(&b["cummulativeQuoteQty"]), cost);
    for f in fills {
        assert_eq!(
            (dec(&f["commission"]), f["commissionAsset"].as_str()),
            (dec(&f["qty"]) * d("0.001"), Some("BTC"))
        );
    }
    let commission: Decimal = fills.iter().map(|f| dec(&f["commission"])).sum();
    assert_eq!(c.balance("BTC").await, (d("0.15625") + qty - commission, d("0")));
    assert_eq!(c.balance("USDT").await, (d("100000") - cost, d("0")), "what the limit saved is not locked");

    let ids: Vec<u64> = fills.iter().map(|f| f["tradeId"].as_u64().unwrap()).collect();
    assert_eq!(ids[1], ids[0] + 1);
    let (mut seen, mut diff) = (Vec::new(), None);
    while seen.len() < 2 || diff.is_none() {
        let msg = next_json(&mut trades).await;
        let data = &msg["data"];
        match data["e"].as_str() {
            // Only ours: a market step may have traded before.
            Some("trade") if data["t"].as_u64() >= Some(ids[0]) => {
                seen.push((data["t"].as_u64().unwrap(), dec(&data["p"]), dec(&data["q"]), data["m"].clone()))
            }
            Some("depthUpdate") if diff.is_none() && data["u"].as_u64() > Some(last_id) => {
                diff = Some(data.clone())
            }
            _ => {}
        }
    }
    assert_eq!(seen[0], (ids[0], asks[0].0, asks[0].1, Value::Bool(false)), "public trade, buyer took");
    assert_eq!(seen[1].0, ids[1]);
    let diff = diff.unwrap();
    assert!(diff["U"].as_u64() <= Some(last_id + 1), "update ids stay contiguous: {diff}");
    let removed: Vec<Decimal> =
        diff["a"].as_array().unwrap().iter().filter(|l| dec(&l[1]).is_zero()).map(|l| dec(&l[0])).collect();
    assert!(removed.contains(&asks[0].0) && removed.contains(&asks[1].0), "{diff}");
    let (_, after, _) = book(&sim, 5).await;
    assert!(after[0].0 > asks[1].0, "the levels it took are gone: {after:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn market_orders_by_quantity_and_by_quote_fill_and_charge_commission_in_what_they_receive() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let a =
        c.order(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.002")]).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!((a.body["status"].as_str(), dec(&a.body["executedQty"])), (Some("FILLED"), d("0.002")));
    assert_eq!((a.body["type"].as_str(), dec(&a.body["price"])), (Some("MARKET"), d("0")));
    let q = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quoteOrderQty", "100"),
            ("newOrderRespType", "RESULT"),
        ])
        .await;
    assert_eq!(q.status, 200, "{:?}", q.body);
    let b = &q.body;
    assert!(b.get("fills").is_none(), "RESULT has no fills");
    assert_eq!(b["status"], "FILLED");
    let spent = dec(&b["cummulativeQuoteQty"]);
    assert!(spent <= d("100") && spent > d("99"), "{spent}");
    assert_eq!(dec(&b["origQuoteOrderQty"]), d("100"));
    assert_eq!(dec(&b["origQty"]), dec(&b["executedQty"]));
    let s =
        c.order(&[("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "MARKET"), ("quantity", "0.001")]).await;
    assert_eq!(s.body["status"], "FILLED");
    let f = &s.body["fills"][0];
    assert_eq!(f["commissionAsset"], "USDT");
    assert_eq!(dec(&f["commission"]), (dec(&f["price"]) * dec(&f["qty"]) * d("0.001")).round_dp(8));
    let neither = c.order(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET")]).await;
    assert_eq!(neither.error(), (400, -1102));
    let both = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "1"),
            ("quoteOrderQty", "1"),
        ])
        .await;
    assert_eq!(both.error(), (400, -1128));
    sim.shutdown().await;
}

#[tokio::test]
async fn post_only_refuses_to_take_ioc_expires_the_rest_and_fok_fills_all_or_nothing() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let (_, asks, _) = book(&sim, 3).await;
    let (ask, level_qty) = (asks[0].0.to_string(), asks[0].1);
    let more = (level_qty + asks[1].1).to_string();
    let maker = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.001"),
            ("price", &ask),
        ])
        .await;
    assert_eq!((maker.error(), maker.msg()), ((400, -2010), "Order would immediately match and take."));
    let limit = |tif: &'static str, qty: String, price: String| {
        let c = c.clone();
        async move {
            c.order(&[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", tif),
                ("quantity", &qty),
                ("price", &price),
            ])
            .await
        }
    };
    let fok = limit("FOK", more.clone(), ask.clone()).await;
    assert_eq!((fok.body["status"].as_str(), dec(&fok.body["executedQty"])), (Some("EXPIRED"), d("0")));
    assert_eq!(fok.body["fills"], Value::Array(vec![]));
    assert_eq!(book(&sim, 1).await.1[0], asks[0], "FOK short took nothing");
    let ioc = limit("IOC", more, ask.clone()).await;
    assert_eq!((ioc.body["status"].as_str(), dec(&ioc.body["executedQty"])), (Some("EXPIRED"), level_qty));
    assert_eq!(c.balance("USDT").await.1, d("0"), "nothing of an expired order stays locked");
    let (_, asks, _) = book(&sim, 1).await;
    let fok_whole = limit("FOK", "0.001".into(), asks[0].0.to_string()).await;
    assert_eq!(
        (fok_whole.body["status"].as_str(), dec(&fok_whole.body["executedQty"])),
        (Some("FILLED"), d("0.001"))
    );
    let far = far_bid(&sim, 100_000).await;
    let ioc_none = limit("IOC", "0.001".into(), far).await;
    assert_eq!(
        (ioc_none.body["status"].as_str(), dec(&ioc_none.body["executedQty"])),
        (Some("EXPIRED"), d("0"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn filters_balance_symbol_and_hostile_numbers_get_clean_binance_errors() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let far = far_bid(&sim, 100_000).await;
    let limit = |qty: &'static str, price: String| {
        let c = c.clone();
        async move {
            c.order(&[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", qty),
                ("price", &price),
            ])
            .await
        }
    };
    let a = limit("0.001", format!("{far}5")).await;
    assert_eq!((a.error(), a.msg()), ((400, -1013), "Filter failure: PRICE_FILTER"), "off the 0.01 tick");
    let a = limit("0.000015", far.clone()).await;
    assert_eq!((a.error(), a.msg()), ((400, -1013), "Filter failure: LOT_SIZE"));
    let a = limit("0.00001", far.clone()).await;
    assert_eq!((a.error(), a.msg()), ((400, -1013), "Filter failure: NOTIONAL"), "under 5 USDT");
    let a = limit("2", far.clone()).await;
    assert_eq!(
        (a.error(), a.msg()),
        ((400, -2010), "Account has insufficient balance for requested action.")
    );
    let sell =
        c.order(&[("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "MARKET"), ("quantity", "1")]).await;
    assert_eq!(sell.error(), (400, -2010), "more BTC than held");
    let a = c.order(&[("symbol", "DOGEUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "1")]).await;
    assert_eq!((a.error(), a.msg()), ((400, -1121), "Invalid symbol."));
    let a = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.001"),
            ("price", &far),
            ("newClientOrderId", "no.dots"),
        ])
        .await;
    assert_eq!(
        (a.error(), a.msg()),
        (
            (400, -1100),
            "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'."
        )
    );
    let a = c
        .order(&[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("quantity", "0.001"),
            ("price", &far),
        ])
        .await;
    assert_eq!(a.error(), (400, -1102), "LIMIT needs timeInForce");

    let hostile = [
        ("99999999999999999999", far.clone(), -1013),
        ("0.001", "12345678901234567890.12345678901234567890".into(), -1111),
        ("0.001", "99999999999999999999".into(), -1013),
        ("-1", far.clone(), -1100),
        ("0.001", "-64000".into(), -1100),
        ("1e3", far.clone(), -1100),
        ("0", far.clone(), -1013),
        ("0.001", "0".into(), -1013),
        ("0.001", "NaN".into(), -1100),
    ];
    for (qty, price, code) in hostile {
        let a = limit(qty, price.clone()).await;
        assert_eq!(a.error(), (400, code), "{qty} @ {price}: {:?}", a.body);
    }
    for quote in ["99999999999999999999.9999999", "79228162514264337593543950335"] {
        let a = c
            .order(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quoteOrderQty", quote)])
            .await;
        assert!(a.status == 400 && a.body["code"].as_i64().is_some(), "{quote}: {:?}", a.body);
    }
    let a = c.get("/api/v3/myTrades", &[("symbol", "BTCUSDT"), ("fromId", "-5")]).await;
    assert_eq!(a.error(), (400, -1100));
    let a = c.get("/api/v3/myTrades", &[("symbol", "BTCUSDT"), ("limit", "99999999999999999999999")]).await;
    assert_eq!(a.error(), (400, -1100));
    let a = c.cancel(&[("symbol", "BTCUSDT"), ("orderId", "18446744073709551616")]).await;
    assert_eq!(a.error(), (400, -1100));
    assert_eq!(c.balance("USDT").await, (d("100000"), d("0")), "nothing happened, nothing broke");
    sim.shutdown().await;
}

#[tokio::test]
async fn my_trades_are_paged_by_from_id_and_filtered_by_order() {
    let sim = quiet_sim().await;
    let c = Client::new(&sim);
    let mut order_ids = Vec::new();
    let mut trade_ids = Vec::new();
    for _ in 0..3 {
        let a = c
            .order(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.001")])
            .await;
        order_ids.push(a.body["orderId"].as_u64().unwrap());
        trade_ids.extend(a.body["fills"].as_array().unwrap().iter().map(|f| f["tradeId"].as_u64().unwrap()));
    }
    let all = c.get("/api/v3/myTrades", &[("symbol", "BTCUSDT")]).await;
    assert_eq!(all.status, 200);
    let ids: Vec<u64> = all.body.as_array().unwrap().iter().map(|t| t["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, trade_ids);
    let t = &all.body[0];
    assert_eq!(
        keys(t),
        set(&[
            "symbol",
            "id",
            "orderId",
            "orderListId",
            "price",
            "qty",
            "quoteQty",
            "commission",
            "commissionAsset",
            "time",
            "isBuyer",
            "isMaker",
            "isBestMatch"
        ])
    );
    assert_eq!(
        (t["symbol"].as_str(), &t["isBuyer"], &t["isMaker"]),
        (Some("BTCUSDT"), &Value::Bool(true), &Value::Bool(false))
    );
    assert_eq!(dec(&t["quoteQty"]), dec(&t["price"]) * dec(&t["qty"]));
    let from = trade_ids[1].to_string();
    let paged = c.get("/api/v3/myTrades", &[("symbol", "BTCUSDT"), ("fromId", &from), ("limit", "1")]).await;
    assert_eq!(paged.body.as_array().unwrap().len(), 1);
    assert_eq!(paged.body[0]["id"].as_u64(), Some(trade_ids[1]));
    let rest = c.get("/api/v3/myTrades", &[("symbol", "BTCUSDT"), ("fromId", &from)]).await;
    assert_eq!(rest.body.as_array().unwrap().len(), trade_ids.len() - 1);
    let latest = c.get("/api/v3/myTrades", &[("symbol", "BTCUSDT"), ("limit", "1")]).await;
    assert_eq!(latest.body[0]["id"].as_u64(), trade_ids.last().copied(), "without fromId: the latest");
    let of_order =
        c.get("/api/v3/myTrades", &[("symbol", "BTCUSDT"), ("orderId", &order_ids[2].to_string())]).await;
    assert!(of_order.body.as_array().unwrap().iter().all(|t| t["orderId"].as_u64() == Some(order_ids[2])));
    assert_eq!(c.get("/api/v3/myTrades", &[("symbol", "ETHUSDT")]).await.body, Value::Array(vec![]));
    assert_eq!(c.get("/api/v3/myTrades", &[]).await.error(), (400, -1102), "symbol is required");

    let account = c.get("/api/v3/account", &[]).await.body;
    for field in [
        "makerCommission",
        "takerCommission",
        "canTrade",
        "canWithdraw",
        "canDeposit",
        "updateTime",
        "accountType",
        "permissions",
        "uid",
    ] {
        assert!(account.get(field).is_some(), "{field}");
    }
    assert_eq!(
        (dec(&account["commissionRates"]["maker"]), dec(&account["commissionRates"]["taker"])),
        (d("0.001"), d("0.001"))
    );
    assert_eq!((&account["canTrade"], &account["canWithdraw"]), (&Value::Bool(true), &Value::Bool(false)));
    let other =
        Client::with_key(&sim, WITHDRAW_API_KEY, WITHDRAW_SECRET).get("/api/v3/account", &[]).await.body;
    assert_eq!(other["canWithdraw"], Value::Bool(true));
    sim.shutdown().await;
}
