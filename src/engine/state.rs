//! The state the engine actor owns. Nothing outside the actor task ever
//! touches it; front ends see [`Snapshot`]s built from it.
//!
//! Each rule has one owner: [`Controls`] (approval, budget, trading state,
//! kill switch, storage failure), [`OrderLedger`] (orders, approvals, fills,
//! ids, the loss streak), [`Portfolio`] (balances, holds, positions),
//! [`Markets`] (books and feed health) and [`StrategyRunner`] (strategies and
//! their mutes). `EngineState` wires them to the gate, the broker and the
//! store; the flows that do so are in `orders.rs`, `reactions.rs` and
//! `modes.rs`.

use std::collections::VecDeque;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::api::{LogLine, Snapshot};
use super::controls::Controls;
use super::ledger::OrderLedger;
use super::live::LiveLink;
use super::markets::Markets;
use super::persist::Persistence;
use super::strategies::StrategyRunner;
use super::watchlist::WatchlistSetup;
use crate::clock::Clock;
use crate::domain::{Instrument, Symbol, SymbolCatalog, TimestampMs, Venue};
use crate::exec::{FeeSchedule, PaperBroker, Portfolio};
use crate::risk::Limits;

/// Lines of the event tail.
const LOG_LINES: usize = 200;

/// Verifies a fresh TOTP code (with replay protection) when a keystore is
/// unlocked; arming autonomous mode requires it.
pub type TotpCheck = Box<dyn FnMut(&str) -> bool + Send>;

/// What the engine does with open orders when it stops cleanly
/// (`[engine] on_shutdown`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnShutdown {
    /// Open orders stay open and are restored at the next start (on paper
    /// they do not fill while vigil is stopped).
    #[default]
    Leave,
    /// Every open order is cancelled and every pending one rejected before
    /// the engine stops.
    Cancel,
}

/// How long a proposal waits for a person, and how long a rejected one
/// stays quiet (`[strategies] proposal_ttl_ms`, `reject_mute_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalPolicy {
    pub ttl_ms: i64,
    pub reject_mute_ms: i64,
}

impl Default for ProposalPolicy {
    fn default() -> Self {
        Self { ttl_ms: 30_000, reject_mute_ms: 300_000 }
    }
}

/// Static facts the engine runs with.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub venue: Venue,
    /// What the venue trades with, shown beside the venue badge.
    pub venue_label: String,
    pub feed_name: String,
    pub quote_asset: String,
    pub instruments: Vec<Instrument>,
    pub limits: Limits,
    pub fees: FeeSchedule,
    /// Balances a fresh paper account starts with (ignored once state exists).
    pub initial_balances: Vec<(String, Decimal)>,
    pub proposals: ProposalPolicy,
    pub on_shutdown: OnShutdown,
}

/// The equity marks the breakers measure from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EquityMarks {
    /// Highest fully marked equity seen (the drawdown breaker).
    pub peak: Decimal,
    /// (UTC day number, equity at the start of that day) (the daily loss limit).
    pub day_start: (i64, Decimal),
}

/// The event tail shown on screen (the last 200 lines), each line numbered so
/// a follower (the headless log) never repeats one and can tell when it fell
/// behind and lines scrolled away unseen.
#[derive(Debug, Default)]
pub struct EventLog {
    lines: VecDeque<LogLine>,
    next_seq: u64,
}

impl EventLog {
    fn push(&mut self, ts_ms: TimestampMs, kind: &str, text: String) {
        if self.lines.len() == LOG_LINES {
            self.lines.pop_front();
        }
        self.next_seq = self.next_seq.saturating_add(1);
        self.lines.push_back(LogLine { seq: self.next_seq, ts_ms, kind: kind.to_owned(), text });
    }
}

/// Everything the engine owns.
pub struct EngineState {
    pub(super) config: EngineConfig,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) persist: Persistence,
    pub(super) totp: Option<TotpCheck>,
    pub(super) strategies: StrategyRunner,
    pub(super) markets: Markets,
    pub(super) portfolio: Portfolio,
    pub(super) broker: PaperBroker,
    pub(super) controls: Controls,
    pub(super) ledger: OrderLedger,
    pub(super) marks: EquityMarks,
    /// The live venue's state, when orders go to an exchange.
    pub(super) live: Option<Box<LiveLink>>,
    /// The catalog and the feed, when the watchlist may change at runtime.
    pub(super) watchlist: Option<WatchlistSetup>,
    /// What the symbol search offers (empty when the session has no catalog).
    catalog: Arc<SymbolCatalog>,
    log: EventLog,
    snapshot_version: u64,
    /// The limits in force as display pairs (computed once; limits do not change at runtime).
    limits_view: Vec<(String, String)>,
    /// When this engine started (engine clock), for the uptime `vigil status` reports.
    started_ms: TimestampMs,
    /// Wrong attach codes in a row (`vigil attach` is locked out after a few).
    pub(super) attach_guard: super::access::AttachGuard,
}

/// `name = value` pairs of the limits, for the screen ("max_order_notional", "1000").
pub fn limits_view(limits: &Limits) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(limits) else { return Vec::new() };
    fields
        .into_iter()
        .map(|(name, value)| {
            let shown = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            (name, shown)
        })
        .collect()
}

/// The parts [`EngineState::new`] assembles.
pub(super) struct Parts {
    pub config: EngineConfig,
    pub clock: Arc<dyn Clock>,
    pub persist: Persistence,
    pub totp: Option<TotpCheck>,
    pub strategies: StrategyRunner,
    pub portfolio: Portfolio,
    pub controls: Controls,
    pub ledger: OrderLedger,
    pub marks: EquityMarks,
    pub live: Option<Box<LiveLink>>,
    pub watchlist: Option<WatchlistSetup>,
}

impl EngineState {
    pub(super) fn new(parts: Parts) -> Self {
        let Parts {
            config,
            clock,
            persist,
            totp,
            strategies,
            portfolio,
            controls,
            ledger,
            marks,
            live,
            watchlist,
        } = parts;
        let catalog = watchlist.as_ref().map(|w| Arc::clone(&w.catalog)).unwrap_or_default();
        let symbols: Vec<Symbol> = config.instruments.iter().map(|i| i.symbol.clone()).collect();
        let started_ms = clock.now_ms();
        Self {
            started_ms,
            attach_guard: super::access::AttachGuard::default(),
            broker: PaperBroker::new(config.fees),
            markets: Markets::new(&symbols),
            limits_view: limits_view(&config.limits),
            log: EventLog::default(),
            snapshot_version: 0,
            config,
            clock,
            persist,
            totp,
            strategies,
            portfolio,
            controls,
            ledger,
            marks,
            live,
            watchlist,
            catalog,
        }
    }

    /// Now, from the engine's clock.
    pub fn now(&self) -> TimestampMs {
        self.clock.now_ms()
    }

    /// The instrument for `symbol`, if the engine trades it.
    pub fn instrument(&self, symbol: &Symbol) -> Option<&Instrument> {
        self.config.instruments.iter().find(|i| &i.symbol == symbol)
    }

    /// Equity in the quote asset, every holding marked at its mid.
    pub fn equity(&self) -> Decimal {
        let quote = &self.config.quote_asset;
        self.portfolio.equity(quote, |asset| self.markets.mark_asset(asset, quote))
    }

    /// Equity only when every held asset has a mark price (and, live, once
    /// the account's balances have been read). Right after a (re)start the
    /// books are not synced yet; equity would read low and trip the drawdown
    /// breaker on nothing.
    pub fn marked_equity(&self) -> Option<Decimal> {
        if self.live.as_ref().is_some_and(|l| !l.balances_known()) {
            // The live account has not been read yet: nothing to mark.
            return None;
        }
        let quote = &self.config.quote_asset;
        let unmarked = self.portfolio.balances().iter().any(|(asset, b)| {
            asset != quote && !b.total().is_zero() && self.markets.mark_asset(asset, quote).is_none()
        });
        (!unmarked).then(|| self.equity())
    }

    /// Profit or loss since the start of the UTC day (realized and unrealized).
    pub fn pnl_today(&self) -> Decimal {
        self.equity().saturating_sub(self.marks.day_start.1)
    }

    /// Adds a line to the event tail.
    pub fn note(&mut self, kind: &str, text: impl Into<String>) {
        let now = self.now();
        self.log.push(now, kind, text.into());
    }

    /// Builds the read model front ends render.
    pub fn snapshot(&mut self) -> Snapshot {
        self.snapshot_version = self.snapshot_version.saturating_add(1);
        Snapshot {
            version: self.snapshot_version,
            now_ms: self.now(),
            venue: Some(self.config.venue),
            controls: self.controls.clone(),
            on_shutdown: self.config.on_shutdown,
            strategies: self.strategies.names(),
            feed_name: self.config.feed_name.clone(),
            feed_state: self.markets.feed_state,
            feed_detail: self.markets.feed_detail.clone(),
            feed_latency_ms: self.markets.latency_ms,
            quote_asset: self.config.quote_asset.clone(),
            markets: self.markets.views(&self.config.instruments, self.config.limits.stale_after_ms),
            balances: self.portfolio.balances().iter().map(|(a, b)| (a.clone(), b.clone())).collect(),
            positions: self.portfolio.positions().values().filter(|p| !p.qty.is_zero()).cloned().collect(),
            orders: self.ledger.orders_view(),
            fills: self.ledger.recent_fills().cloned().collect(),
            pending: self.ledger.pending_view(self.config.proposals.ttl_ms),
            equity: self.equity(),
            pnl_today: self.pnl_today(),
            log: self.log.lines.iter().cloned().collect(),
            limits: self.limits_view.clone(),
            venue_label: self.config.venue_label.clone(),
            live: self.live_status(),
            instruments: self.config.instruments.clone(),
            fee_rate: self.effective_fee_rate(),
            feed_since_ms: self.markets.feed_since_ms,
            quiet_strategies: self.strategies.quiet(self.now()),
            symbols: Arc::clone(&self.catalog),
            started_ms: self.started_ms,
        }
    }
}
