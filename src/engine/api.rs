//! The engine's only door: commands in, a read-model snapshot and events out.
//!
//! The TUI and the CLI both hold an [`EngineHandle`]. Neither touches trading
//! state directly: the engine actor owns it, so gate evaluation and balance
//! reservation happen in one step with no races.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::controls::Controls;
use super::state::OnShutdown;
use crate::domain::{
    Balance, FeedState, Fill, Instrument, Order, OrderId, OrderIntent, Position, Symbol, SymbolCatalog,
    TimestampMs, Venue,
};
use crate::market::{BookUpdate, Candles, Print, Ticker24h};
use crate::store::AuditEntry;

/// A check's verdict, as shown on screen and written to the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckVerdict {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One pre-trade check's outcome in display form: stable id, verdict, and a
/// sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    pub id: String,
    pub verdict: CheckVerdict,
    pub detail: String,
}

/// True when no check failed: the order may be sent (after confirmation in confirm mode).
pub fn checks_pass(checks: &[CheckLine]) -> bool {
    checks.iter().all(|c| c.verdict != CheckVerdict::Fail)
}

/// Budget granted when autonomous mode is armed; spent by each autonomous order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutonomyBudget {
    pub max_orders: u32,
    pub max_notional: Decimal,
    pub orders_used: u32,
    pub notional_used: Decimal,
}

/// An order waiting for a person's decision, with every check's verdict as
/// it was proposed (they are evaluated again when it is approved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOrder {
    pub order: Order,
    pub checks: Vec<CheckLine>,
    /// When it expires unanswered (`[strategies] proposal_ttl_ms` after it was proposed).
    pub expires_ms: TimestampMs,
}

/// What the screen needs to know about one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketView {
    pub symbol: Symbol,
    pub state: FeedState,
    pub last_price: Option<Decimal>,
    /// Price at the start of the session, for the change column.
    pub open_price: Option<Decimal>,
    /// Recent trade prices (oldest first), capped, for sparklines and the chart.
    pub history: Vec<(TimestampMs, Decimal)>,
    pub book: Option<BookUpdate>,
    pub last_update_ms: Option<TimestampMs>,
    /// The instrument's price step (`PRICE_FILTER.tickSize`, normalized): the screen prints
    /// this symbol's prices at its decimals. `None` for a symbol the engine has no filters for.
    #[serde(default)]
    pub tick_size: Option<Decimal>,
    /// The instrument's quantity step (`LOT_SIZE.stepSize`, normalized): quantities print at
    /// its decimals.
    #[serde(default)]
    pub step_size: Option<Decimal>,
    /// The instrument's assets (`BTC`, `USDT`), so amounts of an asset print at its precision.
    #[serde(default)]
    pub base_asset: String,
    #[serde(default)]
    pub quote_asset: String,
    /// Book data older than this is stale (the gate's `stale_after_ms`): the screen marks this
    /// symbol's prices STALE by the same rule `market_data_fresh` refuses orders by.
    #[serde(default)]
    pub stale_after_ms: u64,
    /// Candles per timeframe, backfilled from REST and kept live by the kline
    /// streams; the history is behind `Arc`s, so cloning a snapshot is cheap.
    #[serde(default)]
    pub candles: Candles,
    /// The exchange's rolling 24 h statistics, once the ticker stream has spoken.
    #[serde(default)]
    pub ticker: Option<Ticker24h>,
    /// The last trades (oldest first), capped, with size and aggressor side.
    #[serde(default)]
    pub tape: Arc<VecDeque<Print>>,
}

impl MarketView {
    /// Not synced, or no book update within `stale_after_ms`: the gate's
    /// `market_data_fresh` rule, which the screen and `vigil status` show.
    pub fn is_stale(&self, now_ms: TimestampMs) -> bool {
        let old = self.last_update_ms.is_none_or(|at| {
            now_ms.saturating_sub(at) > i64::try_from(self.stale_after_ms).unwrap_or(i64::MAX)
        });
        !self.state.is_synced() || old
    }
}

/// A line of the event/audit tail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Increases by one per line, so a follower knows what it has printed.
    pub seq: u64,
    pub ts_ms: TimestampMs,
    pub kind: String,
    pub text: String,
}

/// Everything a front end renders, published by the engine after each change.
/// Cheap to read: the UI borrows the latest one per frame and never waits.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// Increases with every published change.
    pub version: u64,
    /// The engine's clock when this was built (countdowns are measured from it).
    pub now_ms: TimestampMs,
    pub venue: Option<Venue>,
    /// Approval mode and budget, trading state and its cause, kill switch.
    pub controls: Controls,
    /// What a clean stop does with open orders.
    pub on_shutdown: OnShutdown,
    /// Names of the strategies the engine runs.
    pub strategies: Vec<String>,
    pub feed_name: String,
    pub feed_state: Option<FeedState>,
    pub feed_detail: String,
    /// Exchange event time to local receipt, last seen.
    pub feed_latency_ms: Option<i64>,
    pub quote_asset: String,
    pub markets: Vec<MarketView>,
    pub balances: Vec<(String, Balance)>,
    pub positions: Vec<Position>,
    /// Open orders first, then recently closed ones.
    pub orders: Vec<Order>,
    /// Most recent first.
    pub fills: Vec<Fill>,
    pub pending: Vec<PendingOrder>,
    pub equity: Decimal,
    pub pnl_today: Decimal,
    pub log: Vec<LogLine>,
    /// Risk limits in force as (name, value) display pairs, shown before arming autonomous mode.
    #[serde(default)]
    pub limits: Vec<(String, String)>,
    /// What the venue trades with, in words ("key main on https://api.binance.com").
    #[serde(default)]
    pub venue_label: String,
    /// The live venue's connection to the account; `None` on paper.
    #[serde(default)]
    pub live: Option<LiveStatus>,
    /// The traded instruments' exchange filters (tick and step sizes for the
    /// ticket's price nudges and size presets).
    #[serde(default)]
    pub instruments: Vec<Instrument>,
    /// The fee rate a buy's reservation adds on top of its notional, so a
    /// "100 %" size preset asks for what the balance check will allow.
    #[serde(default)]
    pub fee_rate: Decimal,
    /// When the feed entered its current state (engine clock), so the header
    /// can say "reconnecting (12s)".
    #[serde(default)]
    pub feed_since_ms: Option<TimestampMs>,
    /// Strategies held back for now (resting after a refusal, or muted by a
    /// person's rejection).
    #[serde(default)]
    pub quiet_strategies: Vec<String>,
    /// Every symbol the venue trades, for the symbol search. Shared, never
    /// copied: publishing a snapshot clones the pointer. Not serialized (it
    /// is the venue's listing, not the engine's state).
    #[serde(skip)]
    pub symbols: Arc<SymbolCatalog>,
    /// When the engine started (engine clock): `now_ms - started_ms` is its uptime.
    #[serde(default)]
    pub started_ms: TimestampMs,
}

/// The live venue as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LiveStatus {
    /// The user data stream is subscribed (fills are being seen).
    pub stream_up: bool,
    /// Orders are refused until reconciliation has been applied.
    pub reconciling: bool,
    /// Local minus exchange clock, ms.
    pub skew_ms: Option<i64>,
    /// Why submissions are paused, while the exchange asks for a pause.
    pub paused: Option<String>,
    /// Open orders at the exchange that vigil did not place.
    pub external_orders: Vec<Order>,
    /// Why the key is not trusted to trade (every order is refused), when it is not.
    #[serde(default)]
    pub key_refused: Option<String>,
}

/// Answer to [`Command::Submit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    /// A check failed; nothing was reserved or sent.
    Refused { checks: Vec<CheckLine> },
    /// Confirm mode: waiting for [`Command::Confirm`] or [`Command::Reject`].
    Pending { id: OrderId, checks: Vec<CheckLine> },
    /// Autonomous mode (or after confirmation): routed to the broker.
    Sent { id: OrderId, checks: Vec<CheckLine> },
}

/// What [`Command::CancelAll`] did: open orders cancelled and pending ones
/// rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAllReport {
    pub cancelled: usize,
    pub rejected: usize,
}

/// Why a command could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CommandError {
    #[error("no pending order {0}")]
    NoSuchPending(OrderId),
    #[error("order {id} expired unanswered after {ttl_secs} s: nothing was sent; let it be proposed again")]
    Expired { id: OrderId, ttl_secs: i64 },
    #[error("no open order {0}")]
    NoSuchOrder(OrderId),
    #[error("{0}")]
    Refused(String),
    #[error("the engine has stopped")]
    EngineStopped,
    /// The engine's audit log could not be read (a storage failure).
    #[error("cannot read the audit log: {0}")]
    Audit(String),
}

/// A reply channel for commands whose caller wants the result (the CLI);
/// the TUI passes `None` and watches the snapshot instead.
pub type Reply<T> = Option<oneshot::Sender<Result<T, CommandError>>>;

/// Commands into the engine. They cross the engine's socket as they are
/// (serde): the reply channel stays behind and the server installs its own.
#[derive(Debug, Serialize, Deserialize)]
pub enum Command {
    /// Evaluate the gate for `intent` without reserving anything (the ticket's live checks).
    Preview {
        request: u64,
        intent: OrderIntent,
        /// The open order an amend would replace: the intent is then checked as its
        /// replacement (see [`Command::Amend`]).
        replacing: Option<OrderId>,
    },
    /// Gate, then pending (confirm mode) or send (autonomous mode).
    Submit {
        intent: OrderIntent,
        /// Wait for a person's confirmation even in autonomous mode: a
        /// one-shot `vigil order place` shows the checks and asks, whatever
        /// mode the running engine is in.
        #[serde(default)]
        hold: bool,
        #[serde(skip)]
        reply: Reply<SubmitOutcome>,
    },
    /// A person approves a pending order; the gate runs again before sending.
    Confirm {
        id: OrderId,
        #[serde(skip)]
        reply: Reply<SubmitOutcome>,
    },
    /// A person amends an open limit order (cancel-replace): a new price, a
    /// new quantity (the replacement's whole quantity; by default what is
    /// left), or both. Checked like a new order; pending in confirm mode.
    Amend {
        id: OrderId,
        price: Option<Decimal>,
        qty: Option<Decimal>,
        /// As for [`Command::Submit`].
        #[serde(default)]
        hold: bool,
        #[serde(skip)]
        reply: Reply<SubmitOutcome>,
    },
    /// A person rejects a pending order.
    Reject {
        id: OrderId,
        #[serde(skip)]
        reply: Reply<()>,
    },
    Cancel {
        id: OrderId,
        #[serde(skip)]
        reply: Reply<()>,
    },
    /// Cancel every open order and reject every pending one.
    CancelAll {
        #[serde(skip)]
        reply: Reply<CancelAllReport>,
    },
    /// Engage (halt, cancel everything) or release the kill switch (which also
    /// lifts a breaker's halt or reduce-only state).
    KillSwitch {
        engaged: bool,
        #[serde(skip)]
        reply: Reply<()>,
    },
    /// Arm autonomous mode with a budget; `totp` is required when a keystore is unlocked.
    EnableAutonomous {
        max_orders: u32,
        max_notional: Decimal,
        totp: Option<String>,
        #[serde(skip)]
        reply: Reply<()>,
    },
    /// Back to confirm-each-order.
    DisableAutonomous {
        #[serde(skip)]
        reply: Reply<()>,
    },
    /// Add a symbol of the venue's catalog to the watchlist: its filters
    /// loaded, its streams subscribed, its book synced. Audited and stored.
    WatchSymbol {
        symbol: Symbol,
        #[serde(skip)]
        reply: Reply<()>,
    },
    /// Remove a symbol from the watchlist; refused, in words, while it has
    /// open or pending orders, a position, or a strategy. Audited and stored.
    UnwatchSymbol {
        symbol: Symbol,
        #[serde(skip)]
        reply: Reply<()>,
    },
    /// A front end asks to operate the engine over its socket (`vigil attach`):
    /// with a keystore unlocked, `code` must be a fresh TOTP code, checked by
    /// the engine like any other. Audited either way.
    Attach {
        code: Option<OneTimeCode>,
        client: String,
        #[serde(skip)]
        reply: Reply<()>,
    },
    /// Up to `max` audit entries after entry `after` (oldest first); an empty
    /// page is the end. One-shot `vigil audit show` pages through them.
    AuditPage {
        after: u64,
        max: u32,
        #[serde(skip)]
        reply: Reply<Vec<AuditEntry>>,
    },
    /// Every order stored on this data dir, as `vigil order list` prints them
    /// (a snapshot carries only the open and the most recent closed ones).
    OrderHistory {
        #[serde(skip)]
        reply: Reply<Vec<Order>>,
    },
    /// Checks the engine's audit chain and its anchor (`vigil audit verify`
    /// while an engine runs).
    AuditVerify {
        #[serde(skip)]
        reply: Reply<AuditCheck>,
    },
    /// Stop the engine, applying `[engine] on_shutdown` to open orders.
    Shutdown,
}

/// An authenticator code on its way to the engine: it crosses the socket as
/// a plain string, but never shows in `Debug` output (a logged command or
/// frame must not carry it, even spent).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OneTimeCode(pub String);

impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCode(***)")
    }
}

/// The outcome of [`Command::AuditVerify`], in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheck {
    /// Entries that checked out (all of them when `problem` is `None`).
    pub entries: u64,
    /// The last good entry's tag, shortened.
    pub head: String,
    /// The first problem found, if any.
    pub problem: Option<String>,
}

/// Events out of the engine, for things a snapshot does not carry well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// The answer to a [`Command::Preview`].
    Preview { request: u64, checks: Vec<CheckLine> },
    /// Something a person should see once (a toast/status line).
    Notice { text: String, warning: bool },
}

/// The handle front ends hold. Cloneable; every clone talks to the same engine.
#[derive(Debug, Clone)]
pub struct EngineHandle {
    commands: mpsc::UnboundedSender<Command>,
    snapshots: watch::Receiver<Arc<Snapshot>>,
    events: broadcast::Sender<Event>,
    failure: Arc<OnceLock<String>>,
}

/// The engine's ends of the channels behind an [`EngineHandle`].
#[derive(Debug)]
pub struct EngineEnds {
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub snapshots: watch::Sender<Arc<Snapshot>>,
    pub events: broadcast::Sender<Event>,
    /// Why the engine task died, set once by whoever watches it (the task's
    /// supervisor) before the other ends are dropped, so a front end that sees
    /// the snapshots end can say why.
    pub failure: Arc<OnceLock<String>>,
}

impl EngineHandle {
    /// Creates a connected handle and engine ends. Tests use this to fake an engine.
    pub fn channel() -> (Self, EngineEnds) {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (snap_tx, snap_rx) = watch::channel(Arc::new(Snapshot::default()));
        let (ev_tx, _) = broadcast::channel(256);
        let failure = Arc::new(OnceLock::new());
        let handle =
            Self { commands: cmd_tx, snapshots: snap_rx, events: ev_tx.clone(), failure: failure.clone() };
        (handle, EngineEnds { commands: cmd_rx, snapshots: snap_tx, events: ev_tx, failure })
    }

    /// Why the engine task died (a panic's message), if it did. `None` while it
    /// runs and after a clean stop.
    pub fn failure(&self) -> Option<&str> {
        self.failure.get().map(String::as_str)
    }

    /// Sends a command without waiting. Fails only if the engine has stopped.
    pub fn send(&self, command: Command) -> Result<(), CommandError> {
        self.commands.send(command).map_err(|_| CommandError::EngineStopped)
    }

    /// The latest snapshot (never waits).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// A receiver that wakes when a new snapshot is published.
    pub fn watch(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.snapshots.clone()
    }

    /// A receiver of engine events from now on.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Sends a command built around a reply channel and waits for the answer.
    pub async fn request<T>(&self, build: impl FnOnce(Reply<T>) -> Command) -> Result<T, CommandError> {
        let (tx, rx) = oneshot::channel();
        self.send(build(Some(tx)))?;
        rx.await.map_err(|_| CommandError::EngineStopped)?
    }
}
