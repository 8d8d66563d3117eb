//! Durability for the engine: every state change it acknowledges is written
//! (and flushed) through the store before the actor moves on, and every
//! decision is appended to the HMAC-chained audit log.
//!
//! If storage fails, the engine halts trading rather than run on state it
//! cannot record: a trade the operator cannot account for is worse than none.

use std::collections::BTreeMap;

use serde_json::json;

use super::controls::{Cause, ControlsRecorder, Transition};
use super::ledger::LossStreak;
use super::state::EngineState;
use crate::domain::{Balance, Fill, Order, OrderId, Position};
use crate::store::{Actor, AuditKind, AuditLog, FillStep, Store};

/// The store key of the controls' durable record.
pub const CONTROLS_KEY: &str = "controls";
/// Where versions before `Controls` stored the kill switch and trading state;
/// read at boot when no `controls` record exists yet.
pub const LEGACY_CONTROLS_KEY: &str = "trading_state";
/// The store key of the loss streak.
pub const LOSS_STREAK_KEY: &str = "loss_streak";

/// The store and audit log the engine writes through.
pub struct Persistence {
    store: Store,
    audit: AuditLog,
    /// Fills stored so far per order: the next fill's sequence number.
    fill_counts: BTreeMap<OrderId, u64>,
}

impl Persistence {
    /// Wraps an opened store and the audit log sharing its database.
    pub fn new(store: Store, audit: AuditLog, fill_counts: BTreeMap<OrderId, u64>) -> Self {
        Self { store, audit, fill_counts }
    }
}

impl Persistence {
    /// A named value and the audit entry saying why it changed, as one
    /// atomic, flushed write.
    pub(super) fn record_value(
        &mut self,
        key: &str,
        value: &serde_json::Value,
        actor: Actor,
        body: serde_json::Value,
    ) -> Result<(), String> {
        let batch = self.store.value_batch(key, value).map_err(|e| e.to_string())?;
        self.audit.append_with(AuditKind::Note, actor, body, batch).map(|_| ()).map_err(|e| e.to_string())
    }

    /// The audit log, to read (appending goes through [`EngineState::audit`]).
    pub(super) fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// Every stored order.
    pub(super) fn stored_orders(&self) -> Result<Vec<crate::domain::Order>, String> {
        self.store.orders().map_err(|e| e.to_string())
    }

    /// A named value removed (flushed).
    pub(super) fn remove_value(&self, key: &str) -> Result<(), String> {
        self.store.remove_value(key).map_err(|e| e.to_string())
    }

    /// A named value on its own (flushed).
    pub(super) fn put_value(&self, key: &str, value: &serde_json::Value) -> Result<(), String> {
        self.store.put_value(key, value).map_err(|e| e.to_string())
    }
}

impl ControlsRecorder for Persistence {
    /// The durable record and the audit entry in one atomic batch, flushed
    /// before the change takes effect: the record never says "released"
    /// without the entry that says who released it.
    fn record(&mut self, transition: &Transition) -> Result<(), String> {
        let batch = self
            .store
            .value_batch(CONTROLS_KEY, &transition.durable)
            .map_err(|e| format!("controls: {e}"))?;
        self.audit
            .append_with(transition.kind, transition.cause.actor.clone(), transition.body.clone(), batch)
            .map(|_| ())
            .map_err(|e| format!("audit log: {e}"))
    }
}

impl EngineState {
    /// Hands the audit log's signed head to the witness, if one is configured.
    pub fn witness_audit_head(&self) {
        self.persist.audit.witness_now();
    }

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
        let seq = self.persist.fill_counts.get(&order.id).copied().unwrap_or(0).saturating_add(1);
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
        };
        match self.persist.store.apply_fill(&step) {
            Ok(_) => {
                self.persist.fill_counts.insert(order.id, seq);
            }
            Err(err) => self.storage_failed("fill", &err.to_string()),
        }
    }

    /// Stores the loss streak (it changes when a sell order ends).
    pub fn persist_loss_streak(&mut self, streak: LossStreak) {
        let value = json!({ "count": streak.count, "last_loss_ms": streak.last_loss_ms });
        if let Err(err) = self.persist.store.put_value(LOSS_STREAK_KEY, &value) {
            self.storage_failed("loss streak", &err.to_string());
        }
    }

    /// Stores the equity marks: peak and day start.
    pub fn persist_marks(&mut self) {
        let (day, equity) = self.marks.day_start;
        let results = [
            self.persist.store.set_equity_peak(self.marks.peak),
            self.persist.store.put_value("day_start", &json!({ "day": day, "equity": equity })),
        ];
        if let Some(Err(err)) = results.into_iter().find(Result::is_err) {
            self.storage_failed("equity marks", &err.to_string());
        }
    }

    /// Storage refused a write: halt everything and say so loudly. Does not
    /// write anything itself (that would fail the same way).
    pub(super) fn storage_failed(&mut self, what: &str, err: &str) {
        tracing::error!(what, err, "storage failure; trading halted");
        let cause = Cause::new(Actor::Engine, format!("storage failure writing {what}: {err}"), self.now());
        self.controls.fail_storage(cause);
        self.note("storage", format!("STORAGE FAILURE writing {what}: {err}; trading halted, restart vigil"));
    }
}
