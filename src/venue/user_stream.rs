//! Fills and balances from the user data stream on the WebSocket API
//! (reference §2.10). The listenKey endpoints were retired on 2026-02-20, so
//! this is the only way Binance reports an account's executions as they
//! happen: one connection to the WebSocket API, one
//! `userDataStream.subscribe.signature` request signed like any WebSocket API
//! request (sorted params), then events wrapped as
//! `{"subscriptionId":N,"event":{...}}` on the same connection.
//!
//! One [`UserStream`] is one connection; reconnecting, re-subscribing and
//! reconciling after a reconnect are the live venue's job. Ping frames are
//! answered as they are read. Nothing here logs a message body: requests
//! carry the API key.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::client::{RECV_WINDOW_MS, SignedClient, printable};
use super::endpoints::WS_API_METHODS;
use super::sign::SecretError;
use super::wire::{AccountPosition, ExecutionReport};
use crate::market::proxy::connect_websocket;
use crate::market::transport::{TransportError, UrlKind, check_url};

/// How long connecting, and then the subscription's answer, may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest message accepted: user data events are a few hundred bytes.
const MAX_MESSAGE_BYTES: usize = 1 << 20;
/// Binance pings every 20 s: a connection silent for this long is half-open
/// (a NAT dropped it, the network changed) and fills would stop unseen.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Something the account did, as the exchange reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEvent {
    /// An order changed: accepted, traded, cancelled, expired or rejected.
    Execution(Box<ExecutionReport>),
    /// Balances of the assets that changed.
    Balances(AccountPosition),
    /// The exchange ended the subscription (`eventStreamTerminated`) or
    /// announced a disconnect (`serverShutdown`): reconnect.
    Ending(String),
}

/// Why the stream could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum UserStreamError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("cannot connect to the WebSocket API: {0}")]
    Connect(String),
    #[error("the WebSocket API refused the user data subscription: Binance error {code}: {msg}")]
    Refused { code: i64, msg: String },
    #[error("the user data connection ended: {0}")]
    Closed(String),
}

type Socket = crate::market::proxy::WebSocket;

/// One subscribed user data connection.
pub struct UserStream {
    socket: Socket,
    /// Events the stream could not read, counted and skipped.
    pub malformed: u64,
}

#[derive(Deserialize)]
struct Answer {
    id: Option<Value>,
    status: Option<u16>,
    #[serde(default)]
    error: Option<ApiError>,
}

#[derive(Deserialize)]
struct ApiError {
    code: i64,
    msg: String,
}

#[derive(Deserialize)]
struct Wrapped {
    event: Value,
}

impl UserStream {
    /// Connects to `url` (the WebSocket API) and subscribes to the account of
    /// `client`'s key. Returns once the exchange has confirmed the subscription.
    pub async fn connect(url: &str, client: &SignedClient) -> Result<Self, UserStreamError> {
        check_url(url, UrlKind::WebSocket)?;
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_MESSAGE_BYTES));
        let connecting = connect_websocket(url, Some(config), client.proxy());
        let socket = tokio::time::timeout(HANDSHAKE_TIMEOUT, connecting)
            .await
            .map_err(|_| UserStreamError::Connect(format!("{url}: timed out")))?
            .map_err(|e| UserStreamError::Connect(format!("{url}: {e}")))?;
        let mut stream = Self { socket, malformed: 0 };
        stream.subscribe(client).await?;
        Ok(stream)
    }

    async fn subscribe(&mut self, client: &SignedClient) -> Result<(), UserStreamError> {
        let now = client.exchange_now();
        let timestamp = now.to_string();
        let window = RECV_WINDOW_MS.to_string();
        let api_key = client.api_key().expose_secret();
        let params =
            [("apiKey", api_key), ("recvWindow", window.as_str()), ("timestamp", timestamp.as_str())];
        let signature = client.signer().ws_api_signature(&params)?;
        let request = json!({
            "id": "vigil-subscribe",
            "method": WS_API_METHODS[0],
            "params": {
                "apiKey": api_key,
                "recvWindow": RECV_WINDOW_MS,
                "timestamp": now,
                "signature": signature,
            },
        });
        self.socket
            .send(Message::text(request.to_string()))
            .await
            .map_err(|e| UserStreamError::Closed(e.to_string()))?;
        let answered = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
            loop {
                let Some(text) = self.next_text().await? else {
                    return Err(UserStreamError::Closed("closed before answering the subscription".into()));
                };
                let Ok(answer) = serde_json::from_str::<Answer>(&text) else { continue };
                if answer.id.as_ref().and_then(Value::as_str) != Some("vigil-subscribe") {
                    continue;
                }
                return match (answer.status, answer.error) {
                    (Some(200), _) => Ok(()),
                    (_, Some(e)) => Err(UserStreamError::Refused { code: e.code, msg: printable(&e.msg) }),
                    (status, None) => Err(UserStreamError::Refused {
                        code: 0,
                        msg: format!("status {}", status.map_or("missing".to_owned(), |s| s.to_string())),
                    }),
                };
            }
        });
        answered
            .await
            .map_err(|_| UserStreamError::Closed("the subscription was not answered in time".into()))?
    }

    /// The next event. Frames that are not events (answers, unknown event
    /// types) are skipped; unreadable events are counted in `malformed`.
    pub async fn next(&mut self) -> Result<UserEvent, UserStreamError> {
        loop {
            let Some(text) = self.next_text().await? else {
                return Err(UserStreamError::Closed("closed by the server".into()));
            };
            if let Some(event) = self.parse(&text) {
                return Ok(event);
            }
        }
    }

    fn parse(&mut self, text: &str) -> Option<UserEvent> {
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            self.malformed = self.malformed.saturating_add(1);
            return None;
        };
        if value.get("event").is_none() {
            // An answer to a request, or the `serverShutdown` notice.
            let kind = value.get("e").or_else(|| value.get("event_type")).and_then(Value::as_str);
            return (kind == Some("serverShutdown")).then(|| UserEvent::Ending("server shutdown".into()));
        }
        let Ok(Wrapped { event }) = serde_json::from_value::<Wrapped>(value) else {
            self.malformed = self.malformed.saturating_add(1);
            return None;
        };
        let kind = event.get("e").and_then(Value::as_str).unwrap_or_default().to_owned();
        let parsed = match kind.as_str() {
            "executionReport" => {
                serde_json::from_value(event).map(|r| UserEvent::Execution(Box::new(r))).ok()
            }
            "outboundAccountPosition" => serde_json::from_value(event).map(UserEvent::Balances).ok(),
            "eventStreamTerminated" => Some(UserEvent::Ending("the exchange ended the subscription".into())),
            "serverShutdown" => Some(UserEvent::Ending("server shutdown".into())),
            // balanceUpdate (deposits) and others: the next reconciliation reads balances.
            _ => return None,
        };
        if parsed.is_none() {
            self.malformed = self.malformed.saturating_add(1);
        }
        parsed
    }

    /// The next text frame, answering pings on the way; `None` when closed.
    async fn next_text(&mut self) -> Result<Option<String>, UserStreamError> {
        loop {
            let Ok(frame) = tokio::time::timeout(IDLE_TIMEOUT, self.socket.next()).await else {
                return Err(UserStreamError::Closed(format!(
                    "nothing heard for {} s",
                    IDLE_TIMEOUT.as_secs()
                )));
            };
            let Some(frame) = frame else { return Ok(None) };
            match frame.map_err(|e| UserStreamError::Closed(e.to_string()))? {
                Message::Text(text) => return Ok(Some(text.as_str().to_owned())),
                Message::Ping(data) => self
                    .socket
                    .send(Message::Pong(data))
                    .await
                    .map_err(|e| UserStreamError::Closed(e.to_string()))?,
                Message::Close(_) => return Ok(None),
                Message::Binary(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
