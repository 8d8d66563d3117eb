//! The WebSocket API at `/ws-api/v3` (reference §2.10), for the user data
//! stream: `userDataStream.subscribe.signature` (signed like any WebSocket API
//! request: params sorted by name), `userDataStream.unsubscribe`, `time` and
//! `ping`. After a subscription the connection receives that account's
//! `executionReport` and `outboundAccountPosition` events wrapped as
//! `{"subscriptionId":N,"event":{...}}`. Ping frames every `ping_interval`; a
//! client silent for three periods is dropped, as Binance does.

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
    // (subscription id, account index) once subscribed.
    let mut subscription: Option<(u64, usize)> = None;
    let mut next_subscription: u64 = 0;
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
                    let reply = request(&app, &text, &mut subscription, &mut next_subscription);
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
                    let Some((id, acct)) = subscription else { continue };
                    if event.0 != acct || app.faults.take_lost_user_event() {
                        continue;
                    }
                    let wrapped = json!({"subscriptionId": id, "event": event.1});
                    if sink.send(Message::Text(Utf8Bytes::from(wrapped.to_string()))).await.is_err() {
                        return;
                    }
                }
                // A lost event is what reconciliation exists for; keep serving.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// Answers one request.
fn request(app: &AppState, text: &str, subscription: &mut Option<(u64, usize)>, next: &mut u64) -> Value {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return error(&Value::Null, 400, -1102, "Invalid JSON request.");
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
    let limits = json!([{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000, "count": 2}]);
    let ok = |result: Value| json!({"id": id, "status": 200, "result": result, "rateLimits": limits});
    match method {
        "userDataStream.subscribe.signature" => match authenticate_ws(app, &params) {
            Ok(acct) => {
                let sub = *next;
                *next = next.saturating_add(1);
                *subscription = Some((sub, acct));
                ok(json!({"subscriptionId": sub}))
            }
            Err(err) => {
                let (status, code, msg) = err.parts();
                error(&id, status, code, &msg)
            }
        },
        "userDataStream.unsubscribe" => {
            *subscription = None;
            ok(json!({}))
        }
        "time" => ok(json!({"serverTime": app.now_ms()})),
        "ping" => ok(json!({})),
        _ => error(&id, 400, -1100, "Unknown method."),
    }
}

fn error(id: &Value, status: u16, code: i32, msg: &str) -> Value {
    json!({"id": id, "status": status, "error": {"code": code, "msg": msg}})
}
