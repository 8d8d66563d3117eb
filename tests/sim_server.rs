//! The simulator over real loopback sockets: a client syncs a local book from the
//! REST snapshot plus the WS diff stream by Binance's documented procedure, and the
//! REST/WS shapes are read back as plain JSON (independent of the server's types).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use vigil::sim::{SimConfig, SimHandle};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
const WAIT: Duration = Duration::from_secs(5);

async fn sim(rate: u32) -> SimHandle {
    vigil::sim::start(SimConfig { seed: 3, rate_per_sec: rate, ..SimConfig::default() }).await.unwrap()
}

async fn connect(url: String) -> Ws {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// Next text frame as JSON, skipping pings.
async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap() {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

async fn get(url: String) -> (u16, Value) {
    let resp = reqwest::get(url).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

type Side = BTreeMap<Decimal, Decimal>;

fn side(levels: &Value) -> Side {
    levels.as_array().unwrap().iter().map(|l| (dec(&l[0]), dec(&l[1]))).collect()
}

#[derive(Debug)]
struct Book {
    id: u64,
    bids: Side,
    asks: Side,
}

impl Book {
    fn from_snapshot(s: &Value) -> Self {
        Self { id: s["lastUpdateId"].as_u64().unwrap(), bids: side(&s["bids"]), asks: side(&s["asks"]) }
    }

    /// Binance's update procedure; panics on a gap (the sim must never produce one).
    fn apply(&mut self, ev: &Value) {
        let (first, last) = (ev["U"].as_u64().unwrap(), ev["u"].as_u64().unwrap());
        if last <= self.id {
            return;
        }
        assert!(first <= self.id + 1, "gap: book at {}, event {first}..{last}", self.id);
        for (key, book) in [("b", &mut self.bids), ("a", &mut self.asks)] {
            for (p, q) in side(&ev[key]) {
                if q.is_zero() {
                    book.remove(&p);
                } else {
                    book.insert(p, q);
                }
            }
        }
        self.id = last;
    }
}

fn touched(ev: &Value) -> BTreeSet<Decimal> {
    side(&ev["b"]).into_keys().chain(side(&ev["a"]).into_keys()).collect()
}

#[tokio::test]
async fn snapshot_and_diff_stream_sync_by_the_binance_procedure() {
    let h = sim(400).await;
    let rest = h.rest_url();
    let mut ws = connect(format!("{}/stream?streams=btcusdt@depth@100ms", h.ws_url())).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        loop {
            let msg = next_json(&mut ws).await;
            assert_eq!(msg["stream"], "btcusdt@depth@100ms");
            assert_eq!((&msg["data"]["e"], &msg["data"]["s"]), (&json!("depthUpdate"), &json!("BTCUSDT")));
            assert!(msg["data"]["E"].as_i64().unwrap() > 1_600_000_000_000);
            if tx.send(msg["data"].clone()).is_err() {
                break;
            }
        }
    });
    let next = async |rx: &mut mpsc::UnboundedReceiver<Value>| {
        tokio::time::timeout(WAIT, rx.recv()).await.unwrap().unwrap()
    };

    // 1-2: buffer events, note the first U.
    let mut buffer = vec![next(&mut rx).await];
    let first_u = buffer[0]["U"].as_u64().unwrap();
    // 3-4: a snapshot not older than the first event.
    let snapshot = loop {
        let (status, s) = get(format!("{rest}/api/v3/depth?symbol=BTCUSDT&limit=5000")).await;
        assert_eq!(status, 200);
        if s["lastUpdateId"].as_u64().unwrap() >= first_u {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut book = Book::from_snapshot(&snapshot);
    // 5: drop what the snapshot already has; the first kept event straddles it.
    while buffer.last().unwrap()["u"].as_u64().unwrap() <= book.id {
        buffer.push(next(&mut rx).await);
    }
    buffer.retain(|ev| ev["u"].as_u64().unwrap() > book.id);
    let (u0, u1) = (buffer[0]["U"].as_u64().unwrap(), buffer[0]["u"].as_u64().unwrap());
    assert!(u0 <= book.id + 1 && book.id < u1, "first event {u0}..{u1} must straddle {}", book.id);
    // 6-7: apply buffered and live events; each U must be the previous u + 1.
    for ev in &buffer {
        book.apply(ev);
    }
    for _ in 0..5 {
        let ev = next(&mut rx).await;
        assert_eq!(ev["U"].as_u64().unwrap(), book.id + 1, "contiguous diffs");
        book.apply(&ev);
    }
    // The synced book agrees with a later snapshot on every level the straddling diff
    // did not touch (and on all levels when the snapshot id is a diff boundary).
    let later = Book::from_snapshot(&get(format!("{rest}/api/v3/depth?symbol=BTCUSDT&limit=5000")).await.1);
    let mut skip = BTreeSet::new();
    while book.id < later.id {
        let ev = next(&mut rx).await;
        assert_eq!(ev["U"].as_u64().unwrap(), book.id + 1, "contiguous diffs");
        book.apply(&ev);
        skip = if book.id == later.id { BTreeSet::new() } else { touched(&ev) };
    }
    let strip =
        |s: &Side| s.iter().filter(|(p, _)| !skip.contains(*p)).map(|(p, q)| (*p, *q)).collect::<Side>();
    assert_eq!(strip(&book.bids), strip(&later.bids));
    assert_eq!(strip(&book.asks), strip(&later.asks));
    assert!(book.bids.keys().next_back() < book.asks.keys().next());
    drop(rx);
    reader.abort();
    h.shutdown().await;
}

#[tokio::test]
async fn trade_and_book_ticker_payloads_have_the_documented_fields() {
    let h = sim(400).await;
    let mut raw = connect(format!("{}/ws/ethusdt@trade", h.ws_url())).await;
    let t = next_json(&mut raw).await;
    assert_eq!((&t["e"], &t["s"], &t["M"]), (&json!("trade"), &json!("ETHUSDT"), &json!(true)));
    assert!(t["t"].is_u64() && t["E"].is_i64() && t["T"].is_i64() && t["m"].is_boolean());
    let (p, q) = (dec(&t["p"]), dec(&t["q"]));
    assert!((p % Decimal::new(1, 2)).is_zero() && (q % Decimal::new(1, 4)).is_zero() && q > Decimal::ZERO);
    assert_eq!(t["p"].as_str().unwrap().split('.').nth(1).unwrap().len(), 8, "8 decimals like Binance");

    let mut comb = connect(format!("{}/stream?streams=solusdt@bookTicker/solusdt@trade", h.ws_url())).await;
    let mut seen = BTreeSet::new();
    while seen.len() < 2 {
        let m = next_json(&mut comb).await;
        let stream = m["stream"].as_str().unwrap().to_owned();
        let d = &m["data"];
        if stream == "solusdt@bookTicker" {
            assert!(d.get("e").is_none(), "spot bookTicker has no event type");
            assert!(d["u"].is_u64() && d["s"] == "SOLUSDT");
            assert!(
                dec(&d["b"]) < dec(&d["a"]) && dec(&d["B"]) > Decimal::ZERO && dec(&d["A"]) > Decimal::ZERO
            );
        } else {
            assert_eq!(stream, "solusdt@trade");
            assert_eq!(d["s"], "SOLUSDT");
        }
        seen.insert(stream);
    }
    h.shutdown().await;
}

#[tokio::test]
async fn control_messages_unknown_streams_pings_and_shutdown() {
    let h = vigil::sim::start(SimConfig {
        rate_per_sec: 400,
        ping_interval: Duration::from_millis(150),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    // Unknown stream names close the connection with a reason.
    let mut bad = connect(format!("{}/stream?streams=btcusdt@trade/nope@trade", h.ws_url())).await;
    match tokio::time::timeout(WAIT, bad.next()).await.unwrap().unwrap().unwrap() {
        Message::Close(Some(f)) => {
            assert_eq!(u16::from(f.code), 1008);
            assert!(f.reason.as_str().contains("nope@trade"), "{}", f.reason);
        }
        other => panic!("expected close, got {other:?}"),
    }

    let mut ws = connect(format!("{}/ws", h.ws_url())).await;
    ws.send(Message::text(r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@depth"],"id":1}"#))
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await, json!({"result": null, "id": 1}));
    ws.send(Message::text(r#"{"method":"UNSUBSCRIBE","params":["btcusdt@depth"],"id":"x"}"#)).await.unwrap();
    ws.send(Message::text(r#"{"method":"LIST_SUBSCRIPTIONS","id":3}"#)).await.unwrap();
    ws.send(Message::text(r#"{"method":"SUBSCRIBE","params":["btcusdt@nope"],"id":4}"#)).await.unwrap();
    ws.send(Message::text("not json")).await.unwrap();
    let mut replies = Vec::new();
    let mut pinged = false;
    while replies.len() < 4 || !pinged {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap() {
            Message::Ping(_) => pinged = true,
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v.get("e").is_none() {
                    replies.push(v);
                } else {
                    assert_eq!(v["e"], "trade", "only subscribed streams arrive");
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(replies[0], json!({"result": null, "id": "x"}));
    assert_eq!(replies[1], json!({"result": ["btcusdt@trade"], "id": 3}));
    assert_eq!((&replies[2]["code"], &replies[2]["id"]), (&json!(2), &json!(4)));
    assert_eq!(replies[3]["code"], 3);

    // Shutdown: a serverShutdown event, then a close frame.
    let closing = tokio::spawn(h.shutdown());
    let mut got_event = false;
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Text(t))) if t.as_str().contains("serverShutdown") => got_event = true,
            Some(Ok(Message::Close(f))) => {
                assert_eq!(f.map(|f| u16::from(f.code)), Some(1001));
                break;
            }
            Some(Ok(_)) => {}
            other => panic!("expected close, got {other:?}"),
        }
    }
    assert!(got_event);
    closing.await.unwrap();
}

#[tokio::test]
async fn rest_exchange_info_time_ticker_and_errors() {
    let h = sim(400).await;
    let rest = h.rest_url();
    let (status, info) = get(format!("{rest}/api/v3/exchangeInfo")).await;
    assert_eq!(status, 200);
    assert_eq!(info["timezone"], "UTC");
    let symbols = info["symbols"].as_array().unwrap();
    assert_eq!(symbols.len(), 3);
    let btc = symbols.iter().find(|s| s["symbol"] == "BTCUSDT").unwrap();
    assert_eq!(
        (&btc["status"], &btc["baseAsset"], &btc["quoteAsset"]),
        (&json!("TRADING"), &json!("BTC"), &json!("USDT"))
    );
    let filter =
        |t: &str| btc["filters"].as_array().unwrap().iter().find(|f| f["filterType"] == t).unwrap().clone();
    assert_eq!(dec(&filter("PRICE_FILTER")["tickSize"]), Decimal::new(1, 2));
    assert!(dec(&filter("PRICE_FILTER")["maxPrice"]) > dec(&filter("PRICE_FILTER")["minPrice"]));
    assert_eq!(dec(&filter("LOT_SIZE")["stepSize"]), Decimal::new(1, 5));
    assert!(dec(&filter("LOT_SIZE")["minQty"]) > Decimal::ZERO);
    assert_eq!(dec(&filter("NOTIONAL")["minNotional"]), Decimal::from(5));

    let (_, one) = get(format!("{rest}/api/v3/exchangeInfo?symbol=ETHUSDT")).await;
    assert_eq!(one["symbols"].as_array().unwrap().len(), 1);
    let (_, two) = get(format!("{rest}/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22SOLUSDT%22%5D")).await;
    assert_eq!(two["symbols"][1]["symbol"], "SOLUSDT");

    let before = chrono::Utc::now().timestamp_millis();
    let (_, t) = get(format!("{rest}/api/v3/time")).await;
    let server = t["serverTime"].as_i64().unwrap();
    assert!((server - before).abs() < 2_000, "server time {server} vs {before}");

    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, tk) = get(format!("{rest}/api/v3/ticker/24hr?symbol=BTCUSDT")).await;
    assert_eq!(status, 200);
    assert!(tk["count"].as_u64().unwrap() > 0);
    assert!(dec(&tk["lowPrice"]) <= dec(&tk["lastPrice"]) && dec(&tk["lastPrice"]) <= dec(&tk["highPrice"]));
    assert!(dec(&tk["bidPrice"]) < dec(&tk["askPrice"]));
    let (_, all) = get(format!("{rest}/api/v3/ticker/24hr")).await;
    assert_eq!(all.as_array().unwrap().len(), 3);

    let invalid = json!({"code": -1121, "msg": "Invalid symbol."});
    for path in [
        "/api/v3/depth?symbol=DOGEUSDT",
        "/api/v3/depth?symbol=bad/sym",
        "/api/v3/exchangeInfo?symbol=DOGEUSDT",
        "/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22NOPE%22%5D",
        "/api/v3/ticker/24hr?symbol=DOGEUSDT",
    ] {
        assert_eq!(get(format!("{rest}{path}")).await, (400, invalid.clone()), "{path}");
    }
    assert_eq!(get(format!("{rest}/api/v3/depth")).await.1["code"], -1102);
    assert_eq!(get(format!("{rest}/api/v3/depth?symbol=BTCUSDT&limit=x")).await.1["code"], -1100);
    assert_eq!(
        get(format!("{rest}/api/v3/exchangeInfo?symbol=BTCUSDT&symbols=%5B%5D")).await.1["code"],
        -1128
    );
    let (_, small) = get(format!("{rest}/api/v3/depth?symbol=BTCUSDT&limit=5")).await;
    assert_eq!(small["bids"].as_array().unwrap().len(), 5);
    h.shutdown().await;
}

/// HMAC-SHA256 hex, computed here rather than with vigil's signer so the two
/// sides of the test do not share an implementation.
fn hmac_hex(secret: &str, payload: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn signed_api_restrictions_check_key_signature_and_timestamp_like_binance() {
    use vigil::sim::account::{TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET, WITHDRAW_API_KEY, WITHDRAW_SECRET};
    let h = sim(10).await;
    let url = format!("{}/sapi/v1/account/apiRestrictions", h.rest_url());
    let http = reqwest::Client::new();
    let call = |key: Option<&'static str>, query: String| {
        let mut req = http.get(format!("{url}?{query}"));
        if let Some(key) = key {
            req = req.header("X-MBX-APIKEY", key);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };
    let signed = |secret: &str, ts: i64| {
        let payload = format!("recvWindow=5000&timestamp={ts}");
        format!("{payload}&signature={}", hmac_hex(secret, &payload))
    };
    let now = chrono::Utc::now().timestamp_millis();

    let (status, body) = call(Some(TRADE_ONLY_API_KEY), signed(TRADE_ONLY_SECRET, now)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["enableSpotAndMarginTrading"], &body["enableWithdrawals"], &body["ipRestrict"]),
        (&json!(true), &json!(false), &json!(false))
    );
    let query = signed(WITHDRAW_SECRET, now);
    let (head, hex) = query.rsplit_once('=').unwrap();
    let upper_hex = format!("{head}={}", hex.to_uppercase());
    let (status, body) = call(Some(WITHDRAW_API_KEY), upper_hex).await;
    assert_eq!((status, &body["enableWithdrawals"]), (200, &json!(true)), "hex in either case: {body}");

    let invalid_key = json!({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."});
    assert_eq!(call(None, signed(TRADE_ONLY_SECRET, now)).await, (401, invalid_key.clone()));
    assert_eq!(call(Some("unknownKey"), signed(TRADE_ONLY_SECRET, now)).await, (401, invalid_key));
    let bad_sig = json!({"code": -1022, "msg": "Signature for this request is not valid."});
    assert_eq!(call(Some(TRADE_ONLY_API_KEY), signed(WITHDRAW_SECRET, now)).await, (400, bad_sig.clone()));
    let tampered = signed(TRADE_ONLY_SECRET, now).replace("recvWindow=5000", "recvWindow=60000");
    assert_eq!(call(Some(TRADE_ONLY_API_KEY), tampered).await, (400, bad_sig));
    let (status, body) = call(Some(TRADE_ONLY_API_KEY), signed(TRADE_ONLY_SECRET, now - 10_000)).await;
    assert_eq!((status, &body["code"]), (400, &json!(-1021)), "stale: {body}");
    let (status, body) = call(Some(TRADE_ONLY_API_KEY), signed(TRADE_ONLY_SECRET, now + 5_000)).await;
    assert_eq!((status, &body["code"]), (400, &json!(-1021)), "from the future: {body}");
    let (status, body) = call(Some(TRADE_ONLY_API_KEY), format!("recvWindow=5000&timestamp={now}")).await;
    assert_eq!((status, &body["code"]), (400, &json!(-1102)), "unsigned: {body}");
    h.shutdown().await;
}
