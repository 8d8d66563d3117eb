//! The WebSocket API at `/ws-api/v3` (reference §2.10), for the user data
//! stream: `userDataStream.subscribe.signature` (signed like any WebSocket API
//! request: params sorted by name), `userDataStream.unsubscribe`, `time` and
//! `ping`. After a subscription the connection receives that account's
//! `executionReport` and `outboundAccountPosition` events wrapped as
//! `{"subscriptionId":N,"event":{...}}`; a connection may hold several
//! subscriptions (ids count up per connection, as on Binance). Requests are
//! charged to the same request-weight window as REST and every answer reports
//! it in `rateLimits`. Ping frames every `ping_interval`; a client silent for
//! three periods is dropped, as Binance does; a `serverShutdown` event and a
//! close frame precede the server's shutdown.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::account::authenticate_ws;
use super::server::AppState;
use super::usage::WEIGHT_PER_MINUTE;

/// The largest request accepted.
const MAX_REQUEST_BYTES: usize = 64 << 10;

/// `GET /ws-api/v3` (upgrade).
pub(crate) async fn upgrade(State(app): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_REQUEST_BYTES).on_upgrade(move |socket| run(app, socket))
}

async fn run(app: AppState, socket: WebSocket) {
    let (mut sink, mut incoming) = socket.split();
    let mut events = app.hub.user_events();
    let mut kicked = app.faults.kicked();
    let mut shutdown = app.shutdown.clone();
    let period = app.ping_interval;
    let mut ping = tokio::time::interval_at(Instant::now() + period, period);
    let mut last_pong = Instant::now();
    let mut subs = Subscriptions::default();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => {
                let notice = json!({"event": {"e": "serverShutdown", "E": app.now_ms()}});
                let _ = sink.send(Message::Text(Utf8Bytes::from(notice.to_string()))).await;
                let _ = sink.send(Message::Close(None)).await;
                return;
            }
            _ = kicked.recv() => {
                let _ = sink.send(Message::Close(None)).await;
                return;
            }
            msg = incoming.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    let reply = request(&app, &text, &mut subs);
                    if sink.send(Message::Text(Utf8Bytes::from(reply.to_string()))).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Pong(_))) => last_pong = Instant::now(),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if last_pong.elapsed() > period * 3 {
                    let _ = sink.send(Message::Close(None)).await;
                    return;
                }
                if sink.send(Message::Ping(Bytes::new())).await.is_err() {
                    return;
                }
            }
            event = events.recv() => match event {
                Ok(event) => {
                    let ids: Vec<u64> = subs.of_account(event.0).collect();
                    if ids.is_empty() || app.faults.take_lost_user_event() {
                        continue;
                    }
                    for id in ids {
                        let wrapped = json!({"subscriptionId": id, "event": event.1});
                        if sink.send(Message::Text(Utf8Bytes::from(wrapped.to_string()))).await.is_err() {
                            return;
                        }
                    }
                }
                // A lost event is what reconciliation exists for; keep serving.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// One connection's user data subscriptions: (subscription id, account).
#[derive(Debug, Default)]
struct Subscriptions {
    list: Vec<(u64, usize)>,
    next: u64,
}

impl Subscriptions {
    fn add(&mut self, acct: usize) -> u64 {
        let id = self.next;
        self.next = self.next.saturating_add(1);
        self.list.push((id, acct));
        id
    }

    /// Ends subscription `id`, or every one; false if `id` is not open.
    fn remove(&mut self, id: Option<u64>) -> bool {
        let before = self.list.len();
        self.list.retain(|(sub, _)| id.is_some_and(|id| id != *sub));
        id.is_none() || self.list.len() < before
    }

    fn of_account(&self, acct: usize) -> impl Iterator<Item = u64> + '_ {
        self.list.iter().filter(move |(_, a)| *a == acct).map(|(id, _)| *id)
    }
}

/// Request weights of the methods served (Binance's).
fn method_weight(method: &str) -> u32 {
    match method {
        "userDataStream.subscribe.signature" => 2,
        _ => 1,
    }
}

/// Answers one request.
fn request(app: &AppState, text: &str, subs: &mut Subscriptions) -> Value {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return error(&Value::Null, 400, -1102, "Invalid JSON request.", None);
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let method = req.get("method").and_then(Value::as_str).unwrap_or_default();
    let params: Vec<(String, String)> = req
        .get("params")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect()
        })
        .unwrap_or_default();
    let counts = match app.usage.charge(app.now_ms(), method_weight(method), None) {
        Ok(counts) => counts,
        Err(refusal) => {
            let limits = rate_limits(refusal.counts.weight_1m);
            return error(&id, 429, refusal.code, &refusal.msg, Some(limits));
        }
    };
    let limits = rate_limits(counts.weight_1m);
    let ok = |result: Value| json!({"id": id, "status": 200, "result": result, "rateLimits": limits});
    match method {
        "userDataStream.subscribe.signature" => match authenticate_ws(app, &params) {
            Ok(acct) => ok(json!({"subscriptionId": subs.add(acct)})),
            Err(err) => {
                let (status, code, msg) = err.parts();
                error(&id, status, code, &msg, Some(limits.clone()))
            }
        },
        "userDataStream.unsubscribe" => {
            let which = params.iter().find(|(k, _)| k == "subscriptionId").map(|(_, v)| v.parse::<u64>());
            match which {
                Some(Err(_)) => error(
                    &id,
                    400,
                    -1100,
                    "Illegal characters found in parameter 'subscriptionId'; legal range is '^[0-9]{1,20}$'.",
                    Some(limits.clone()),
                ),
                Some(Ok(sub)) if !subs.remove(Some(sub)) => {
                    error(&id, 400, -2035, "User Data Stream subscription not active.", Some(limits.clone()))
                }
                Some(Ok(_)) => ok(json!({})),
                None => {
                    subs.remove(None);
                    ok(json!({}))
                }
            }
        }
        "time" => ok(json!({"serverTime": app.now_ms()})),
        "ping" => ok(json!({})),
        _ => error(
            &id,
            400,
            -1100,
            "Illegal characters found in parameter 'method'; legal range is 'userDataStream.subscribe.signature, userDataStream.unsubscribe, time, ping'.",
            Some(limits.clone()),
        ),
    }
}

fn rate_limits(weight_1m: u32) -> Value {
    json!([{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
            "limit": WEIGHT_PER_MINUTE, "count": weight_1m}])
}

fn error(id: &Value, status: u16, code: i32, msg: &str, limits: Option<Value>) -> Value {
    let mut value = json!({"id": id, "status": status, "error": {"code": code, "msg": msg}});
    if let (Some(limits), Some(obj)) = (limits, value.as_object_mut()) {
        obj.insert("rateLimits".into(), limits);
    }
    value
}
