//! Durability for the engine: every state change it acknowledges is written
//! (and flushed) through the store before the actor moves on, and every
//! decision is appended to the HMAC-chained audit log.
//!
//! If storage fails, the engine halts trading rather than run on state it
//! cannot record: a trade the operator cannot account for is worse than none.

use std::collections::BTreeMap;

use serde_json::json;

use super::state::EngineState;
use crate::domain::{Approval, TradingState};
use crate::domain::{Balance, Fill, Order, OrderId, Position};
use crate::store::{Actor, AuditKind, AuditLog, FillStep, Store};

/// The store and audit log the engine writes through.
pub struct Persistence {
    store: Store,
    audit: AuditLog,
    /// Fills stored so far per order: the next fill's sequence number.
    fill_counts: BTreeMap<OrderId, u64>,
    /// A write failed in this session: memory and disk may disagree until a
    /// restart reconciles them from disk.
    failed: bool,
}

impl Persistence {
    /// Wraps an opened store and the audit log sharing its database.
    pub fn new(store: Store, audit: AuditLog, fill_counts: BTreeMap<OrderId, u64>) -> Self {
        Self { store, audit, fill_counts, failed: false }
    }
}

impl EngineState {
    /// Appends an audit entry (durable before this returns).
    pub fn audit(&mut self, kind: AuditKind, actor: Actor, body: serde_json::Value) {
        if let Err(err) = self.persist.audit.append(kind, actor, body) {
            self.storage_failed("audit log", &err.to_string());
        }
    }

    /// Stores an order's current state.
    pub fn persist_order(&mut self, order: &Order) {
        if let Err(err) = self.persist.store.put_order(order) {
            self.storage_failed("order", &err.to_string());
        }
    }

    /// Stores an order and the balances its reservation moved. (Two writes; a
    /// crash between them is healed at boot, where locked funds are re-derived
    /// from the open orders.)
    pub fn persist_order_and_portfolio(&mut self, order: &Order) {
        self.persist_order(order);
        self.persist_balances();
    }

    /// Stores every balance (one atomic write).
    pub fn persist_balances(&mut self) {
        let balances: Vec<(String, Balance)> =
            self.portfolio.balances().iter().map(|(a, b)| (a.clone(), b.clone())).collect();
        if let Err(err) = self.persist.store.put_balances(&balances) {
            self.storage_failed("balances", &err.to_string());
        }
    }

    /// Stores a fill with its order, balances and position as one atomic step.
    pub fn persist_fill(&mut self, fill: &Fill, order: &Order) {
        let seq = self.persist.fill_counts.get(&order.id).copied().unwrap_or(0) + 1;
        let position = self
            .portfolio
            .position(&fill.symbol)
            .cloned()
            .unwrap_or_else(|| Position::flat(fill.symbol.clone()));
        let step = FillStep {
            fill_seq: seq,
            fill: fill.clone(),
            order: order.clone(),
            balances: self.portfolio.balances().iter().map(|(a, b)| (a.clone(), b.clone())).collect(),
            position,
            daily_pnl: None,
        };
        match self.persist.store.apply_fill(&step) {
            Ok(_) => {
                self.persist.fill_counts.insert(order.id, seq);
            }
            Err(err) => self.storage_failed("fill", &err.to_string()),
        }
    }

    /// Stores the slow-moving facts: equity peak, day start, losing streak.
    pub fn persist_meta(&mut self) {
        let (streak, last_loss) = self.portfolio.loss_streak();
        let results = [
            self.persist.store.set_equity_peak(self.peak_equity),
            self.persist
                .store
                .put_value("day_start", &json!({ "day": self.day_start.0, "equity": self.day_start.1 })),
            self.persist
                .store
                .put_value("loss_streak", &json!({ "count": streak, "last_loss_ms": last_loss })),
        ];
        if let Some(Err(err)) = results.into_iter().find(Result::is_err) {
            self.storage_failed("engine metadata", &err.to_string());
        }
    }

    /// Stores the kill switch and trading state, so a restart never silently
    /// releases a halt the operator (or a breaker) engaged.
    pub fn persist_trading_state(&mut self) {
        let value = json!({ "kill_switch": self.kill_switch, "trading_state": self.trading_state });
        if let Err(err) = self.persist.store.put_value("trading_state", &value) {
            self.storage_failed("trading state", &err.to_string());
        }
    }

    /// True once a write has failed in this session. Nothing is routed or
    /// filled after that, and the halt cannot be released: only a restart,
    /// which rebuilds state from disk, clears it.
    pub fn storage_failed_this_session(&self) -> bool {
        self.persist.failed
    }

    /// Storage refused a write: halt everything and say so loudly. Does not
    /// write anything itself (that would fail the same way).
    fn storage_failed(&mut self, what: &str, err: &str) {
        tracing::error!(what, err, "storage failure; trading halted");
        self.persist.failed = true;
        self.kill_switch = true;
        self.trading_state = TradingState::Halted;
        self.approval = Approval::Confirm;
        self.autonomy = None;
        self.note("storage", format!("STORAGE FAILURE writing {what}: {err}; trading halted, restart vigil"));
    }
}
