//! The one entry point the engine and the CLI share: [`spawn`] a feed task,
//! read [`MarketEvent`]s from its handle, drop the handle to stop it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::domain::Symbol;
use crate::market::MarketEvent;
use crate::market::config::FeedConfig;
use crate::market::rest::{RestClient, RestError};
use crate::market::session::Runner;
use crate::market::transport::{TransportError, UrlKind, check_url};

/// Why a feed could not start.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error("a feed needs at least one symbol")]
    NoSymbols,
    #[error("invalid feed setting: {0}")]
    Config(String),
}

/// Changes to the watched set a feed can queue before it has read them;
/// more is refused ([`FeedControl::send`]) rather than held without bound.
const CONTROL_CAPACITY: usize = 64;

/// A change to the set of symbols a running feed follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedCommand {
    /// Subscribe the symbol's streams and sync its book from a depth snapshot.
    Watch(Symbol),
    /// Unsubscribe the symbol's streams and forget its book.
    Unwatch(Symbol),
}

/// Why a [`FeedCommand`] was not queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("the market data feed has stopped")]
    Stopped,
    #[error("the market data feed has {CONTROL_CAPACITY} watchlist changes queued; try again in a moment")]
    Busy,
}

/// Changes a running feed's symbols; cloneable, held by the engine.
#[derive(Debug, Clone)]
pub struct FeedControl {
    tx: mpsc::Sender<FeedCommand>,
}

impl FeedControl {
    /// Queues `command` without waiting (the engine's actor never awaits the feed).
    pub fn send(&self, command: FeedCommand) -> Result<(), ControlError> {
        self.tx.try_send(command).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => ControlError::Busy,
            mpsc::error::TrySendError::Closed(_) => ControlError::Stopped,
        })
    }
}

/// Counters the feed keeps while running; read with [`FeedHandle::counters`].
#[derive(Debug, Default)]
pub(crate) struct FeedStats {
    pub frames: AtomicU64,
    pub malformed: AtomicU64,
    pub unknown: AtomicU64,
    pub binary: AtomicU64,
    pub reconnects: AtomicU64,
    pub resyncs: AtomicU64,
}

impl FeedStats {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A copy of the feed's counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedCounters {
    /// Text frames received.
    pub frames: u64,
    /// Frames skipped because they were not valid JSON or had impossible values.
    pub malformed: u64,
    /// Valid JSON this client does not consume (other streams, other symbols, control replies).
    pub unknown: u64,
    /// Binary frames (Binance sends none on this endpoint), skipped.
    pub binary: u64,
    /// Reconnect attempts (each failed connect or ended connection counts one).
    pub reconnects: u64,
    /// Book resyncs caused by sequence gaps.
    pub resyncs: u64,
}

/// A running feed. Dropping it stops the task.
pub struct FeedHandle {
    events: mpsc::Receiver<MarketEvent>,
    control: FeedControl,
    stats: Arc<FeedStats>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FeedHandle {
    /// The next event, or `None` once the feed has stopped.
    pub async fn recv(&mut self) -> Option<MarketEvent> {
        self.events.recv().await
    }

    /// The event channel itself, for `select!` loops.
    pub fn events(&mut self) -> &mut mpsc::Receiver<MarketEvent> {
        &mut self.events
    }

    /// A sender of watchlist changes to this feed.
    pub fn control(&self) -> FeedControl {
        self.control.clone()
    }

    /// Current counters.
    pub fn counters(&self) -> FeedCounters {
        let s = &self.stats;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        FeedCounters {
            frames: get(&s.frames),
            malformed: get(&s.malformed),
            unknown: get(&s.unknown),
            binary: get(&s.binary),
            reconnects: get(&s.reconnects),
            resyncs: get(&s.resyncs),
        }
    }

    /// Asks the task to stop and waits until it has.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FeedHandle {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Checks `config` (transport policy on both URLs, symbols, depth) and starts
/// the feed on the current tokio runtime.
///
/// # Panics
/// Outside a tokio runtime, like [`tokio::spawn`].
pub fn spawn(config: FeedConfig) -> Result<FeedHandle, FeedError> {
    check_url(&config.ws_url, UrlKind::WebSocket)?;
    let rest = RestClient::routed(&config.rest_url, config.https_proxy.as_ref())?;
    if config.symbols.is_empty() {
        return Err(FeedError::NoSymbols);
    }
    if config.depth == 0 || !(1..=5000).contains(&config.snapshot_limit) {
        return Err(FeedError::Config(format!(
            "depth must be >= 1 and snapshot limit 1..=5000 (got {} and {})",
            config.depth, config.snapshot_limit
        )));
    }
    if config.max_book_levels < config.depth {
        return Err(FeedError::Config(format!(
            "book levels kept ({}) must be at least the depth published ({})",
            config.max_book_levels, config.depth
        )));
    }
    let (tx, events) = mpsc::channel(config.channel_capacity.max(1));
    let (stop_tx, stop_rx) = oneshot::channel();
    let (control_tx, control_rx) = mpsc::channel(CONTROL_CAPACITY);
    let stats = Arc::new(FeedStats::default());
    let runner = Runner::new(config, rest, tx, control_rx, Arc::clone(&stats));
    let task = tokio::spawn(runner.run(stop_rx));
    let control = FeedControl { tx: control_tx };
    Ok(FeedHandle { events, control, stats, stop: Some(stop_tx), task: Some(task) })
}
