//! WebSocket market streams: raw `/ws/<stream>` and combined `/stream?streams=a/b`,
//! live SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS/SET_PROPERTY/GET_PROPERTY control
//! messages (reference §1.4), periodic pings with a pong deadline, and a
//! `serverShutdown` event before the server closes.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::Instant;

use super::hub::Hub;
use super::server::AppState;
use super::wire::{Outbound, ShutdownMsg, StreamPayload};

/// Most queued messages written before one flush.
const MAX_BATCH: usize = 512;
/// Binance's limit on streams per connection.
const MAX_STREAMS: usize = 1024;
/// Close code for a policy violation (bad stream name, missed pongs).
const CLOSE_POLICY: u16 = 1008;
/// Close code for server going away.
const CLOSE_AWAY: u16 = 1001;
/// How long a closing connection waits for the client's close reply.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// `?streams=a/b/c` on `/stream`.
#[derive(Debug, Deserialize)]
pub(crate) struct StreamsQuery {
    streams: Option<String>,
}

/// `GET /ws/{stream}`: one raw stream.
pub(crate) async fn raw_one(
    State(app): State<AppState>,
    Path(stream): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(app, ws, vec![stream], false)
}

/// `GET /ws`: a raw connection that subscribes with control messages.
pub(crate) async fn raw_bare(State(app): State<AppState>, ws: WebSocketUpgrade) -> Response {
    upgrade(app, ws, Vec::new(), false)
}

/// `GET /stream?streams=...`: combined streams, each message wrapped with its stream name.
pub(crate) async fn combined(
    State(app): State<AppState>,
    Query(q): Query<StreamsQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    let names =
        q.streams.unwrap_or_default().split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    upgrade(app, ws, names, true)
}

fn upgrade(app: AppState, ws: WebSocketUpgrade, names: Vec<String>, combined: bool) -> Response {
    ws.on_upgrade(move |socket| Connection::run(app, socket, names, combined))
}

/// One client's subscriptions; dropping it withdraws the hub interest it registered.
struct Subscriptions {
    hub: Arc<Hub>,
    on: Vec<bool>,
}

impl Subscriptions {
    fn new(hub: Arc<Hub>) -> Self {
        let on = vec![false; hub.stream_count()];
        Self { hub, on }
    }

    fn set(&mut self, id: usize, subscribe: bool) {
        if let Some(slot) = self.on.get_mut(id)
            && *slot != subscribe
        {
            *slot = subscribe;
            self.hub.set_interest(id, subscribe);
        }
    }

    fn contains(&self, id: usize) -> bool {
        self.on.get(id).copied().unwrap_or(false)
    }

    fn count(&self) -> usize {
        self.on.iter().filter(|b| **b).count()
    }

    fn names(&self) -> Vec<String> {
        (0..self.on.len())
            .filter(|id| self.on[*id])
            .filter_map(|id| self.hub.stream_name(id))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        for id in 0..self.on.len() {
            self.set(id, false);
        }
    }
}

/// A control message (reference §1.4).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    method: Method,
    #[serde(default)]
    params: Vec<Value>,
    #[serde(default)]
    id: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Method {
    Subscribe,
    Unsubscribe,
    ListSubscriptions,
    SetProperty,
    GetProperty,
}

struct Connection {
    app: AppState,
    sink: SplitSink<WebSocket, Message>,
    subs: Subscriptions,
    combined: bool,
    dropped: u64,
}

impl Connection {
    async fn run(app: AppState, socket: WebSocket, names: Vec<String>, combined: bool) {
        let (sink, mut incoming) = socket.split();
        let mut rx = app.hub.subscribe();
        let subs = Subscriptions::new(app.hub.clone());
        let mut shutdown = app.shutdown.clone();
        let mut conn = Self { app, sink, subs, combined, dropped: 0 };
        for name in &names {
            match conn.app.hub.stream_id(name) {
                Some(id) if names.len() <= MAX_STREAMS => conn.subs.set(id, true),
                _ => {
                    let reason = format!("Invalid stream name: {name}");
                    return conn.close(CLOSE_POLICY, &reason, &mut incoming).await;
                }
            }
        }
        let period = conn.app.ping_interval;
        let mut ping = tokio::time::interval_at(Instant::now() + period, period);
        let mut last_pong = Instant::now();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.changed() => return conn.server_shutdown(&mut incoming).await,
                msg = incoming.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        if conn.control(&text).await.is_err() { return; }
                    }
                    Some(Ok(Message::Pong(_))) => last_pong = Instant::now(),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if last_pong.elapsed() > period * 3 {
                        return conn.close(CLOSE_POLICY, "Pong timeout", &mut incoming).await;
                    }
                    if conn.sink.send(Message::Ping(Bytes::new())).await.is_err() { return; }
                }
                recv = rx.recv() => match recv {
                    Ok(out) => {
                        if conn.forward(out, &mut rx).await.is_err() { return; }
                    }
                    Err(RecvError::Lagged(n)) => conn.lagged(n),
                    Err(RecvError::Closed) => return,
                },
            }
        }
    }

    /// Writes `first` and whatever else is already queued, then flushes once.
    async fn forward(
        &mut self,
        first: Arc<Outbound>,
        rx: &mut tokio::sync::broadcast::Receiver<Arc<Outbound>>,
    ) -> Result<(), axum::Error> {
        self.feed(&first).await?;
        for _ in 0..MAX_BATCH {
            match rx.try_recv() {
                Ok(out) => self.feed(&out).await?,
                Err(TryRecvError::Lagged(n)) => self.lagged(n),
                Err(_) => break,
            }
        }
        self.sink.flush().await
    }

    async fn feed(&mut self, out: &Outbound) -> Result<(), axum::Error> {
        if !self.subs.contains(out.id) {
            return Ok(());
        }
        match out.text(self.combined) {
            Some(text) => self.sink.feed(Message::Text(text)).await,
            None => Ok(()),
        }
    }

    /// A slow reader lost messages; a depth gap shows up in U/u and the client resyncs.
    fn lagged(&mut self, n: u64) {
        self.dropped += n;
        tracing::warn!(lost = n, total = self.dropped, "sim: slow websocket client lost messages");
    }

    async fn control(&mut self, text: &str) -> Result<(), axum::Error> {
        let reply = match serde_json::from_str::<Control>(text) {
            Ok(c) => self.apply(c),
            Err(err) if err.is_syntax() || err.is_eof() => {
                json!({"code": 3, "msg": format!("Invalid JSON: {err}")})
            }
            Err(err) => json!({"code": 2, "msg": format!("Invalid request: {err}")}),
        };
        self.sink.send(Message::Text(Utf8Bytes::from(reply.to_string()))).await
    }

    fn apply(&mut self, c: Control) -> Value {
        let id = c.id;
        let invalid = |msg: String| json!({"code": 2, "msg": format!("Invalid request: {msg}"), "id": id});
        match c.method {
            Method::Subscribe | Method::Unsubscribe => {
                let on = matches!(c.method, Method::Subscribe);
                let mut ids = Vec::with_capacity(c.params.len());
                for p in &c.params {
                    match p.as_str().and_then(|n| self.app.hub.stream_id(n)) {
                        Some(sid) => ids.push(sid),
                        None => return invalid(format!("invalid stream name {p}")),
                    }
                }
                if on && self.subs.count() + ids.len() > MAX_STREAMS {
                    return invalid("too many streams".into());
                }
                ids.into_iter().for_each(|sid| self.subs.set(sid, on));
                json!({"result": null, "id": id})
            }
            Method::ListSubscriptions => json!({"result": self.subs.names(), "id": id}),
            Method::SetProperty => match c.params.as_slice() {
                [Value::String(p), Value::Bool(v)] if p == "combined" => {
                    self.combined = *v;
                    json!({"result": null, "id": id})
                }
                [Value::String(p), _] if p == "combined" => {
                    json!({"code": 1, "msg": "Invalid value type: expected Boolean", "id": id})
                }
                [Value::String(_), _] => json!({"code": 0, "msg": "Unknown property", "id": id}),
                _ => invalid("property name must be a string".into()),
            },
            Method::GetProperty => match c.params.as_slice() {
                [Value::String(p)] if p == "combined" => json!({"result": self.combined, "id": id}),
                [Value::String(_)] => json!({"code": 0, "msg": "Unknown property", "id": id}),
                _ => invalid("property name must be a string".into()),
            },
        }
    }

    async fn server_shutdown(mut self, incoming: &mut SplitStream<WebSocket>) {
        let now = self.app.hub.now_ms();
        let event = StreamPayload::Shutdown(ShutdownMsg { event: "serverShutdown", event_time: now });
        if let Some(text) = Outbound::new(usize::MAX, "!serverShutdown".into(), event).text(self.combined) {
            let _ = self.sink.send(Message::Text(text)).await;
        }
        self.close(CLOSE_AWAY, "Server shutdown", incoming).await;
    }

    /// Sends a close frame, then reads until the client's reply so the socket is not
    /// torn down with unread data (which would reset it and lose the close frame).
    async fn close(mut self, code: u16, reason: &str, incoming: &mut SplitStream<WebSocket>) {
        // RFC 6455 caps a close reason at 123 bytes.
        let mut end = reason.len().min(123);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let frame = CloseFrame { code, reason: Utf8Bytes::from(&reason[..end]) };
        if self.sink.send(Message::Close(Some(frame))).await.is_err() {
            return;
        }
        let drain = async {
            while let Some(Ok(msg)) = incoming.next().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
    }
}
