//! The feed task's outer loop: connect, run one connection until it ends,
//! back off (jittered, capped), reconnect. Status changes become events.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::clock::{Clock, SystemClock};
use crate::domain::Symbol;
use crate::market::config::FeedConfig;
use crate::market::connection::Connection;
use crate::market::feed::{FeedCommand, FeedStats};
use crate::market::proxy::connect_websocket;
use crate::market::rest::RestClient;
use crate::market::{FeedState, FeedStatus, MarketEvent};

/// How long a WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes of one market-data message (and frame). Binance's largest, a
/// depth diff of a busy second, is tens of KB; tungstenite's default (64 MiB)
/// would let one hostile message take that much memory before it is parsed.
const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// The consumer went away: nothing left to do.
#[derive(Debug)]
pub(crate) struct Closed;

/// Sends events and status changes to the consumer.
#[derive(Clone)]
pub(crate) struct Outbox {
    feed: String,
    tx: mpsc::Sender<MarketEvent>,
}

impl Outbox {
    pub(crate) async fn event(&self, ev: MarketEvent) -> Result<(), Closed> {
        self.tx.send(ev).await.map_err(|_| Closed)
    }

    pub(crate) async fn status(
        &self,
        symbol: Option<&Symbol>,
        state: FeedState,
        detail: String,
    ) -> Result<(), Closed> {
        tracing::info!(feed = %self.feed, symbol = ?symbol.map(Symbol::as_str), state = state.as_str(), %detail);
        let status = FeedStatus {
            feed: self.feed.clone(),
            symbol: symbol.cloned(),
            state,
            detail,
            ts_ms: SystemClock.now_ms(),
        };
        self.event(MarketEvent::Status(status)).await
    }
}

/// The feed task.
pub(crate) struct Runner {
    config: Arc<FeedConfig>,
    rest: RestClient,
    out: Outbox,
    stats: Arc<FeedStats>,
    /// Watchlist changes from the engine, read by the live connection (or
    /// between connections, so the next URL already carries them).
    commands: mpsc::Receiver<FeedCommand>,
    /// The symbols followed now: the config's, then as changed at runtime.
    watched: Vec<Symbol>,
}

/// Applies a watchlist change to the list the next connection is built from.
pub(crate) fn apply_to_list(watched: &mut Vec<Symbol>, command: &FeedCommand) {
    match command {
        FeedCommand::Watch(symbol) if !watched.contains(symbol) => watched.push(symbol.clone()),
        FeedCommand::Watch(_) => {}
        FeedCommand::Unwatch(symbol) => watched.retain(|s| s != symbol),
    }
}

impl Runner {
    pub(crate) fn new(
        config: FeedConfig,
        rest: RestClient,
        tx: mpsc::Sender<MarketEvent>,
        commands: mpsc::Receiver<FeedCommand>,
        stats: Arc<FeedStats>,
    ) -> Self {
        let out = Outbox { feed: config.name.clone(), tx };
        let watched = config.symbols.clone();
        Self { config: Arc::new(config), rest, out, stats, commands, watched }
    }

    /// Runs until `stop` fires, the handle is dropped, or the consumer is gone.
    pub(crate) async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        tokio::select! {
            _ = &mut stop => {}
            _ = self.reconnect_loop() => {}
        }
    }

    async fn reconnect_loop(&mut self) -> Result<(), Closed> {
        let mut attempt: u32 = 0;
        let connecting = format!("connecting to {}", self.config.ws_url);
        self.out.status(None, FeedState::Connecting, connecting).await?;
        loop {
            let url = self.config.stream_url_for(&self.watched);
            let connected = tokio::time::timeout(
                CONNECT_TIMEOUT,
                connect_websocket(&url, Some(message_limits()), self.config.https_proxy.as_ref()),
            )
            .await;
            let (detail, pause) = match connected {
                Ok(Ok(ws)) => {
                    self.out
                        .status(None, FeedState::Connected, format!("connected to {}", self.config.ws_url))
                        .await?;
                    let conn = Connection::new(
                        Arc::clone(&self.config),
                        self.rest.clone(),
                        self.out.clone(),
                        &self.watched,
                    );
                    let ended = conn.run(ws, &self.stats, &mut self.commands, &mut self.watched).await?;
                    if ended.healthy {
                        attempt = 0;
                    }
                    let pause =
                        if ended.immediate { Duration::ZERO } else { self.config.backoff.delay(attempt) };
                    (ended.reason, pause)
                }
                Ok(Err(e)) => (
                    format!("connect to {} failed: {e}", self.config.ws_url),
                    self.config.backoff.delay(attempt),
                ),
                Err(_) => (
                    format!("connect to {} timed out", self.config.ws_url),
                    self.config.backoff.delay(attempt),
                ),
            };
            attempt = attempt.saturating_add(1);
            FeedStats::bump(&self.stats.reconnects);
            let detail = if pause.is_zero() {
                format!("{detail}; reconnecting now")
            } else {
                format!("{detail}; reconnecting in {} ms", pause.as_millis())
            };
            self.out.status(None, FeedState::Reconnecting, detail).await?;
            self.pause(pause).await;
        }
    }

    /// Sleeps `pause`, applying watchlist changes that arrive meanwhile.
    async fn pause(&mut self, pause: Duration) {
        let wake = tokio::time::sleep(pause);
        tokio::pin!(wake);
        loop {
            tokio::select! {
                () = &mut wake => return,
                Some(command) = self.commands.recv() => apply_to_list(&mut self.watched, &command),
            }
        }
    }
}

/// The WebSocket limits of a market-data connection: [`MAX_MESSAGE_BYTES`].
fn message_limits() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES))
}
