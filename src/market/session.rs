//! The feed task's outer loop: connect, run one connection until it ends,
//! back off (jittered, capped), reconnect. Status changes become events.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::clock::{Clock, SystemClock};
use crate::domain::Symbol;
use crate::market::config::FeedConfig;
use crate::market::connection::Connection;
use crate::market::feed::FeedStats;
use crate::market::rest::RestClient;
use crate::market::{FeedState, FeedStatus, MarketEvent};

/// How long a WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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
}

impl Runner {
    pub(crate) fn new(
        config: FeedConfig,
        rest: RestClient,
        tx: mpsc::Sender<MarketEvent>,
        stats: Arc<FeedStats>,
    ) -> Self {
        let out = Outbox { feed: config.name.clone(), tx };
        Self { config: Arc::new(config), rest, out, stats }
    }

    /// Runs until `stop` fires, the handle is dropped, or the consumer is gone.
    pub(crate) async fn run(self, mut stop: oneshot::Receiver<()>) {
        tokio::select! {
            _ = &mut stop => {}
            _ = self.reconnect_loop() => {}
        }
    }

    async fn reconnect_loop(&self) -> Result<(), Closed> {
        let url = self.config.stream_url();
        let mut attempt: u32 = 0;
        let connecting = format!("connecting to {}", self.config.ws_url);
        self.out.status(None, FeedState::Connecting, connecting).await?;
        loop {
            let connected =
                tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(&url)).await;
            let (detail, pause) = match connected {
                Ok(Ok((ws, _))) => {
                    self.out
                        .status(None, FeedState::Connected, format!("connected to {}", self.config.ws_url))
                        .await?;
                    let conn = Connection::new(Arc::clone(&self.config), self.rest.clone(), self.out.clone());
                    let ended = conn.run(ws, &self.stats).await?;
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
            tokio::time::sleep(pause).await;
        }
    }
}
