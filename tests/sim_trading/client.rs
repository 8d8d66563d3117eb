//! A minimal Binance client for the simulator tests, written from the
//! reference (§2.2, §2.10) and independent of vigil's own venue code: signed
//! REST over reqwest, the WebSocket API and market streams over
//! tokio-tungstenite, answers read back as plain JSON.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use reqwest::header::HeaderMap;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use vigil::sim::account::{TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET};
use vigil::sim::{SimConfig, SimHandle, SymbolSpec};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub const WAIT: Duration = Duration::from_secs(5);

/// A simulator listing BTCUSDT and ETHUSDT that barely moves (one step a
/// second), so a test reads the book and trades against it before it changes.
pub async fn quiet_sim() -> SimHandle {
    sim_with(SimConfig::default().ping_interval).await
}

pub async fn sim_with(ping_interval: Duration) -> SimHandle {
    let symbols = ["BTCUSDT", "ETHUSDT"]
        .iter()
        .map(|s| SymbolSpec::preset(&vigil::domain::Symbol::new(s).unwrap()).unwrap())
        .collect();
    vigil::sim::start(SimConfig { seed: 11, rate_per_sec: 1, symbols, ping_interval, ..SimConfig::default() })
        .await
        .unwrap()
}

pub fn hmac_hex(secret: &str, payload: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A JSON string field as a decimal.
pub fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap()
}

/// One answer: status, headers, body as JSON (`Null` if it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<u32> {
        self.headers.get(name)?.to_str().ok()?.parse().ok()
    }

    /// `(status, code)` of an error answer.
    pub fn error(&self) -> (u16, i64) {
        (self.status, self.body["code"].as_i64().unwrap_or(0))
    }

    pub fn msg(&self) -> &str {
        self.body["msg"].as_str().unwrap_or_default()
    }
}

/// One API key's signed REST calls.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub key: &'static str,
    pub secret: &'static str,
}

impl Client {
    pub fn new(sim: &SimHandle) -> Self {
        Self::with_key(sim, TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET)
    }

    pub fn with_key(sim: &SimHandle, key: &'static str, secret: &'static str) -> Self {
        Self { http: reqwest::Client::new(), base: sim.rest_url(), key, secret }
    }

    /// `params` plus `timestamp`, signed: POST and DELETE send them as a form
    /// body, GET as the query string (both are Binance's documented ways).
    pub async fn signed(&self, method: Method, path: &str, params: &[(&str, &str)]) -> Answer {
        let mut payload: String =
            params.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
        if !payload.is_empty() {
            payload.push('&');
        }
        payload.push_str(&format!("timestamp={}", now_ms()));
        let signed = format!("{payload}&signature={}", hmac_hex(self.secret, &payload));
        self.raw(method, path, &signed).await
    }

    /// Sends an already signed `params` string the way `signed` would.
    pub async fn raw(&self, method: Method, path: &str, params: &str) -> Answer {
        let url = format!("{}{path}", self.base);
        let req = if method == Method::GET {
            self.http.get(format!("{url}?{params}"))
        } else {
            self.http
                .request(method, url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(params.to_owned())
        };
        let resp = req.header("X-MBX-APIKEY", self.key).send().await.unwrap();
        read(resp).await
    }

    pub async fn order(&self, params: &[(&str, &str)]) -> Answer {
        self.signed(Method::POST, "/api/v3/order", params).await
    }

    pub async fn cancel(&self, params: &[(&str, &str)]) -> Answer {
        self.signed(Method::DELETE, "/api/v3/order", params).await
    }

    pub async fn get(&self, path: &str, params: &[(&str, &str)]) -> Answer {
        self.signed(Method::GET, path, params).await
    }

    /// `(free, locked)` of `asset`.
    pub async fn balance(&self, asset: &str) -> (Decimal, Decimal) {
        let account = self.get("/api/v3/account", &[]).await;
        assert_eq!(account.status, 200, "{:?}", account.body);
        let b = account.body["balances"].as_array().unwrap().iter().find(|b| b["asset"] == asset).unwrap();
        (dec(&b["free"]), dec(&b["locked"]))
    }
}

fn urlencode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

pub async fn read(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null) }
}

/// A public GET.
pub async fn public(sim: &SimHandle, path_and_query: &str) -> Answer {
    read(reqwest::get(format!("{}{path_and_query}", sim.rest_url())).await.unwrap()).await
}

/// Best `n` levels per side of BTCUSDT: `(bids, asks, lastUpdateId)`.
pub async fn book(sim: &SimHandle, n: usize) -> (Vec<(Decimal, Decimal)>, Vec<(Decimal, Decimal)>, u64) {
    let snap = public(sim, &format!("/api/v3/depth?symbol=BTCUSDT&limit={n}")).await.body;
    let side = |v: &Value| v.as_array().unwrap().iter().map(|l| (dec(&l[0]), dec(&l[1]))).collect();
    (side(&snap["bids"]), side(&snap["asks"]), snap["lastUpdateId"].as_u64().unwrap())
}

pub async fn connect(url: String) -> Ws {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// Next text frame as JSON, skipping pings; panics after [`WAIT`].
pub async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap() {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// Sends a WebSocket API request and returns its answer (events in between are skipped).
pub async fn ws_call(ws: &mut Ws, id: &str, method: &str, params: Value) -> Value {
    let req = json!({"id": id, "method": method, "params": params});
    ws.send(Message::Text(req.to_string().into())).await.unwrap();
    loop {
        let msg = next_json(ws).await;
        if msg["id"] == id {
            return msg;
        }
    }
}

/// `userDataStream.subscribe.signature` params signed with the WS-API rule (sorted by name).
pub fn subscribe_params(key: &str, secret: &str, timestamp: i64) -> Value {
    let payload = format!("apiKey={key}&timestamp={timestamp}");
    json!({"apiKey": key, "timestamp": timestamp, "signature": hmac_hex(secret, &payload)})
}

/// A WebSocket API connection subscribed to the trade-only account's user data.
pub async fn user_stream(sim: &SimHandle) -> Ws {
    let mut ws = connect(sim.ws_api_url()).await;
    let answer = ws_call(
        &mut ws,
        "sub",
        "userDataStream.subscribe.signature",
        subscribe_params(TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET, now_ms()),
    )
    .await;
    assert_eq!(answer["status"], 200, "{answer}");
    ws
}

/// The next user data event (unwrapped), skipping answers.
pub async fn next_event(ws: &mut Ws) -> Value {
    loop {
        let msg = next_json(ws).await;
        if let Some(event) = msg.get("event") {
            return event.clone();
        }
    }
}
