//! The state the engine actor owns. Nothing outside the actor task ever
//! touches it; front ends see [`Snapshot`]s built from it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::api::{AutonomyBudget, CheckLine, LogLine, PendingOrder, Snapshot};
use super::markets::Markets;
use super::persist::Persistence;
use crate::clock::Clock;
use crate::domain::{
    Approval, Fill, Instrument, Order, OrderId, OrderStatus, Symbol, TimestampMs, TradingState, Venue,
};
use crate::exec::{FeeSchedule, PaperBroker, Portfolio};
use crate::risk::{Limits, Submission};
use crate::strategy::Strategy;

/// Fills kept for the screen; all of them are in the store.
const RECENT_FILLS: usize = 200;
/// Closed orders kept for the screen.
const RECENT_CLOSED: usize = 100;
/// Lines of the event tail.
const LOG_LINES: usize = 200;

/// Verifies a fresh TOTP code (with replay protection) when a keystore is
/// unlocked; arming autonomous mode requires it.
pub type TotpCheck = Box<dyn FnMut(&str) -> bool + Send>;

/// Static facts the engine runs with.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub venue: Venue,
    pub feed_name: String,
    pub quote_asset: String,
    pub instruments: Vec<Instrument>,
    pub limits: Limits,
    pub fees: FeeSchedule,
    /// Balances a fresh paper account starts with (ignored once state exists).
    pub initial_balances: Vec<(String, Decimal)>,
}

/// Everything the engine owns.
pub struct EngineState {
    pub config: EngineConfig,
    pub clock: Arc<dyn Clock>,
    pub persist: Persistence,
    pub totp: Option<TotpCheck>,
    pub strategies: Vec<Box<dyn Strategy>>,
    pub markets: Markets,
    pub portfolio: Portfolio,
    pub broker: PaperBroker,
    pub orders: BTreeMap<OrderId, Order>,
    pub pending_checks: BTreeMap<OrderId, Vec<CheckLine>>,
    pub fills: VecDeque<Fill>,
    pub next_id: u64,
    pub approval: Approval,
    pub trading_state: TradingState,
    pub kill_switch: bool,
    pub autonomy: Option<AutonomyBudget>,
    /// Orders sent in the last hour, for the duplicate and rate checks.
    pub submissions: VecDeque<Submission>,
    pub peak_equity: Decimal,
    /// (UTC day number, equity at the start of that day).
    pub day_start: (i64, Decimal),
    pub log: VecDeque<LogLine>,
    pub snapshot_version: u64,
    /// The limits in force as display pairs (computed once; limits do not change at runtime).
    pub limits_view: Vec<(String, String)>,
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

impl EngineState {
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

    /// Equity only when every held asset has a mark price. Right after a
    /// (re)start the books are not synced yet; equity would read low and trip
    /// the drawdown breaker on nothing.
    pub fn marked_equity(&self) -> Option<Decimal> {
        let quote = &self.config.quote_asset;
        let unmarked = self.portfolio.balances().iter().any(|(asset, b)| {
            asset != quote && !b.total().is_zero() && self.markets.mark_asset(asset, quote).is_none()
        });
        (!unmarked).then(|| self.equity())
    }

    /// Profit or loss since the start of the UTC day (realized and unrealized).
    pub fn pnl_today(&self) -> Decimal {
        self.equity() - self.day_start.1
    }

    /// Open orders (accepted, submitted, partially filled).
    pub fn open_orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values().filter(|o| o.status.is_open())
    }

    /// Adds a line to the event tail.
    pub fn note(&mut self, kind: &str, text: impl Into<String>) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(LogLine { ts_ms: self.now(), kind: kind.to_owned(), text: text.into() });
    }

    /// Remembers a fill for the screen.
    pub fn remember_fill(&mut self, fill: Fill) {
        if self.fills.len() == RECENT_FILLS {
            self.fills.pop_back();
        }
        self.fills.push_front(fill);
    }

    /// Forgets the oldest closed orders beyond what the screen shows (they stay in the store).
    pub fn prune_closed(&mut self) {
        let closed: Vec<OrderId> =
            self.orders.values().filter(|o| o.status.is_terminal()).map(|o| o.id).collect();
        if closed.len() > RECENT_CLOSED {
            for id in &closed[..closed.len() - RECENT_CLOSED] {
                self.orders.remove(id);
            }
        }
    }

    /// Builds the read model front ends render.
    pub fn snapshot(&mut self) -> Snapshot {
        self.snapshot_version += 1;
        let mut orders: Vec<Order> =
            self.orders.values().filter(|o| o.status != OrderStatus::PendingConfirmation).cloned().collect();
        orders.sort_by_key(|o| (!o.status.is_open(), std::cmp::Reverse(o.updated_ms)));
        let pending = self
            .orders
            .values()
            .filter(|o| o.status == OrderStatus::PendingConfirmation)
            .map(|o| PendingOrder {
                order: o.clone(),
                checks: self.pending_checks.get(&o.id).cloned().unwrap_or_default(),
            })
            .collect();
        Snapshot {
            version: self.snapshot_version,
            venue: Some(self.config.venue),
            approval: Some(self.approval),
            trading_state: Some(self.trading_state),
            kill_switch: self.kill_switch,
            autonomy: self.autonomy,
            feed_name: self.config.feed_name.clone(),
            feed_state: self.markets.feed_state,
            feed_detail: self.markets.feed_detail.clone(),
            feed_latency_ms: self.markets.latency_ms,
            quote_asset: self.config.quote_asset.clone(),
            markets: self.markets.views(),
            balances: self.portfolio.balances().iter().map(|(a, b)| (a.clone(), b.clone())).collect(),
            positions: self.portfolio.positions().values().filter(|p| !p.qty.is_zero()).cloned().collect(),
            orders,
            fills: self.fills.iter().cloned().collect(),
            pending,
            equity: self.equity(),
            pnl_today: self.pnl_today(),
            log: self.log.iter().cloned().collect(),
            limits: self.limits_view.clone(),
        }
    }
}
