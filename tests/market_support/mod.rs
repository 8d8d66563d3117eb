//! A scripted Binance-shaped exchange for market tests: an axum app on
//! 127.0.0.1:0 with a WebSocket `/stream` route that plays one script per
//! connection, `GET /api/v3/depth` serving queued snapshot bodies, and
//! `GET /api/v3/exchangeInfo` describing every symbol asked for with one
//! set of filters (permissive unless a test sets its own).
//!
//! Scripts can wait for the N-th snapshot to be served or for the test to
//! open a numbered gate, so every scenario is deterministic without sleeps.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_decimal::Decimal;
use serde_json::json;
use tokio::sync::watch;
use vigil::market::{BookUpdate, FeedHandle, Level, MarketEvent};

/// One thing the server does on a connection.
#[derive(Debug, Clone)]
pub enum Step {
    Text(String),
    Binary(Vec<u8>),
    /// Send a ping and wait for the matching pong.
    Ping(&'static [u8]),
    /// Wait until this many snapshots were served in total.
    AwaitSnapshots(usize),
    /// Wait until the test opens this gate.
    Gate(u32),
    /// Close the TCP connection abruptly (no close frame).
    Drop,
}

#[derive(Default)]
struct Script {
    connections: VecDeque<Vec<Step>>,
    snapshots: VecDeque<String>,
    ws_queries: Vec<String>,
    depth_queries: Vec<HashMap<String, String>>,
    pongs: Vec<Vec<u8>>,
    filters: Filters,
}

/// The PRICE_FILTER and LOT_SIZE every symbol gets; "0" disables a bound, as on Binance.
#[derive(Debug, Clone)]
pub struct Filters {
    pub tick: &'static str,
    pub min_price: &'static str,
    pub max_price: &'static str,
    pub step: &'static str,
    pub max_qty: &'static str,
}

impl Default for Filters {
    /// 8 decimals for both, no range: what Binance writes, nothing refused.
    fn default() -> Self {
        Filters { tick: "0.00000001", min_price: "0", max_price: "0", step: "0.00000001", max_qty: "0" }
    }
}

struct Shared {
    script: Mutex<Script>,
    served: watch::Sender<usize>,
    gates: watch::Sender<u32>,
}

/// The running server.
pub struct Server {
    shared: Arc<Shared>,
    pub ws_url: String,
    pub rest_url: String,
}

impl Server {
    /// Starts a server that will play `connections` (one script per WS
    /// connection, in order) and serve `snapshots` (in order).
    pub async fn start(connections: Vec<Vec<Step>>, snapshots: Vec<String>) -> Server {
        let shared = Arc::new(Shared {
            script: Mutex::new(Script {
                connections: connections.into(),
                snapshots: snapshots.into(),
                ..Script::default()
            }),
            served: watch::channel(0).0,
            gates: watch::channel(0).0,
        });
        let app = Router::new()
            .route("/stream", get(ws_route))
            .route("/api/v3/depth", get(depth_route))
            .route("/api/v3/exchangeInfo", get(exchange_info_route))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server { shared, ws_url: format!("ws://{addr}"), rest_url: format!("http://{addr}") }
    }

    /// Lets scripts waiting on gate `n` (and lower) continue.
    pub fn open_gate(&self, n: u32) {
        self.shared.gates.send_modify(|g| *g = (*g).max(n));
    }

    pub fn ws_queries(&self) -> Vec<String> {
        self.shared.script.lock().unwrap().ws_queries.clone()
    }

    pub fn depth_queries(&self) -> Vec<HashMap<String, String>> {
        self.shared.script.lock().unwrap().depth_queries.clone()
    }

    /// The filters `exchangeInfo` answers with from now on.
    pub fn set_filters(&self, filters: Filters) {
        self.shared.script.lock().unwrap().filters = filters;
    }

    pub fn pongs(&self) -> Vec<Vec<u8>> {
        self.shared.script.lock().unwrap().pongs.clone()
    }

    pub fn snapshots_served(&self) -> usize {
        *self.shared.served.borrow()
    }
}

async fn ws_route(
    ws: WebSocketUpgrade,
    RawQuery(q): RawQuery,
    State(shared): State<Arc<Shared>>,
) -> Response {
    let steps = {
        let mut s = shared.script.lock().unwrap();
        s.ws_queries.push(q.unwrap_or_default());
        s.connections.pop_front().unwrap_or_default()
    };
    ws.on_upgrade(move |socket| play(socket, steps, shared))
}

async fn play(mut socket: WebSocket, steps: Vec<Step>, shared: Arc<Shared>) {
    for step in steps {
        match step {
            Step::Text(t) => {
                if socket.send(Message::Text(t.into())).await.is_err() {
                    return;
                }
            }
            Step::Binary(b) => {
                if socket.send(Message::Binary(b.into())).await.is_err() {
                    return;
                }
            }
            Step::Ping(payload) => {
                if socket.send(Message::Ping(payload.to_vec().into())).await.is_err() {
                    return;
                }
                while let Some(Ok(msg)) = socket.recv().await {
                    if let Message::Pong(p) = msg {
                        shared.script.lock().unwrap().pongs.push(p.to_vec());
                        break;
                    }
                }
            }
            Step::AwaitSnapshots(n) => {
                let mut rx = shared.served.subscribe();
                let _ = rx.wait_for(|&served| served >= n).await;
            }
            Step::Gate(n) => {
                let mut rx = shared.gates.subscribe();
                let _ = rx.wait_for(|&g| g >= n).await;
            }
            Step::Drop => return,
        }
    }
    // Script done: stay connected, reading (and so answering pings), until the client leaves.
    while let Some(Ok(_)) = socket.recv().await {}
}

async fn depth_route(
    Query(q): Query<HashMap<String, String>>,
    State(shared): State<Arc<Shared>>,
) -> Response {
    let body = {
        let mut s = shared.script.lock().unwrap();
        s.depth_queries.push(q);
        s.snapshots.pop_front()
    };
    match body {
        Some(body) => {
            shared.served.send_modify(|n| *n += 1);
            ([("content-type", "application/json")], body).into_response()
        }
        None => (StatusCode::SERVICE_UNAVAILABLE, r#"{"code":-1003,"msg":"no snapshot scripted"}"#)
            .into_response(),
    }
}

async fn exchange_info_route(
    Query(q): Query<HashMap<String, String>>,
    State(shared): State<Arc<Shared>>,
) -> Response {
    let f = shared.script.lock().unwrap().filters.clone();
    let names: Vec<String> = q.get("symbols").and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    let symbols: Vec<serde_json::Value> = names
        .iter()
        .map(|name| {
            json!({"symbol": name, "status": "TRADING", "baseAsset": "BASE", "quoteAsset": "QUOTE", "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": f.min_price, "maxPrice": f.max_price, "tickSize": f.tick},
                {"filterType": "LOT_SIZE", "minQty": "0", "maxQty": f.max_qty, "stepSize": f.step}]})
        })
        .collect();
    axum::Json(json!({"symbols": symbols})).into_response()
}

// ---- frame builders (Binance's key order: "stream" before "data") ----

fn combined(stream: &str, data: serde_json::Value) -> String {
    format!(r#"{{"stream":{},"data":{}}}"#, serde_json::to_string(stream).unwrap(), data)
}

fn pairs(levels: &[(&str, &str)]) -> serde_json::Value {
    levels.iter().map(|(p, q)| json!([p, q])).collect()
}

/// A diff-depth frame for `sym` covering update ids `first..=last`.
pub fn depth(sym: &str, first: u64, last: u64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> Step {
    let data = json!({"e":"depthUpdate","E":1_700_000_000_000_i64 + last as i64,"s":sym,"U":first,"u":last,
        "b":pairs(bids),"a":pairs(asks)});
    Step::Text(combined(&format!("{}@depth@100ms", sym.to_lowercase()), data))
}

/// A trade frame (`m` = buyer is maker).
pub fn trade(sym: &str, px: &str, qty: &str, buyer_is_maker: bool, ts: i64) -> Step {
    let data = json!({"e":"trade","E":ts,"s":sym,"t":1,"p":px,"q":qty,"T":ts,"m":buyer_is_maker,"M":true});
    Step::Text(combined(&format!("{}@trade", sym.to_lowercase()), data))
}

/// A bookTicker frame (no `e` on spot).
pub fn book_ticker(sym: &str, u: u64) -> Step {
    let data = json!({"u":u,"s":sym,"b":"1.0","B":"1","a":"2.0","A":"1"});
    Step::Text(combined(&format!("{}@bookTicker", sym.to_lowercase()), data))
}

/// The combined-stream serverShutdown event.
pub fn server_shutdown() -> Step {
    Step::Text(combined("!serverShutdown", json!({"e":"serverShutdown","E":1_770_123_456_789_i64})))
}

/// A REST snapshot body.
pub fn snapshot(last_update_id: u64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> String {
    json!({"lastUpdateId": last_update_id, "bids": pairs(bids), "asks": pairs(asks)}).to_string()
}

// ---- the independent reference book ----

/// A plain price → qty model per side, written separately from vigil's book.
#[derive(Debug, Default, Clone)]
pub struct RefBook {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
}

impl RefBook {
    pub fn set(&mut self, bids: &[(&str, &str)], asks: &[(&str, &str)]) {
        for (side, levels) in [(&mut self.bids, bids), (&mut self.asks, asks)] {
            for (p, q) in levels {
                let (p, q): (Decimal, Decimal) = (p.parse().unwrap(), q.parse().unwrap());
                if q.is_zero() {
                    side.remove(&p);
                } else {
                    side.insert(p, q);
                }
            }
        }
    }

    /// Asserts a book update shows exactly this book's top `n` levels.
    pub fn assert_top(&self, update: &BookUpdate, n: usize) {
        let bids: Vec<Level> =
            self.bids.iter().rev().take(n).map(|(&price, &qty)| Level { price, qty }).collect();
        let asks: Vec<Level> = self.asks.iter().take(n).map(|(&price, &qty)| Level { price, qty }).collect();
        assert_eq!(update.bids, bids, "bids at seq {}", update.seq);
        assert_eq!(update.asks, asks, "asks at seq {}", update.seq);
    }
}

// ---- reading the feed ----

/// The first event matching `pred`: from `seen` if already received, else
/// receiving (and appending to `seen`) until one matches; panics after 10 s.
pub async fn until(
    feed: &mut FeedHandle,
    seen: &mut Vec<MarketEvent>,
    mut pred: impl FnMut(&MarketEvent) -> bool,
) -> MarketEvent {
    if let Some(ev) = seen.iter().find(|e| pred(e)) {
        return ev.clone();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ev = tokio::time::timeout_at(deadline, feed.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out; events so far: {seen:#?}"))
            .unwrap_or_else(|| panic!("feed ended; events so far: {seen:#?}"));
        seen.push(ev.clone());
        if pred(&ev) {
            return ev;
        }
    }
}

/// True for a book update at `seq`.
pub fn is_book(seq: u64) -> impl FnMut(&MarketEvent) -> bool {
    move |e| matches!(e, MarketEvent::Book(b) if b.seq == seq)
}
