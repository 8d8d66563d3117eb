//! Amend (cancel-replace) of an open limit order's price and/or quantity.
//!
//! The replacement is a new order built from the original's intent. It goes
//! through every check as if the original were already cancelled (so an
//! amend of a large order may reuse the original's reservation), and in
//! confirm mode it waits for a person's "yes" exactly like a new order. A
//! failing check or a "no" leaves the original untouched. Carried out, the
//! original is cancelled and the replacement placed, audited as one amend
//! naming both ids: on paper in one actor step; on the live venue the cancel
//! goes first and the replacement is sent only once the exchange confirms
//! it — if the original filled meanwhile, the replacement is never sent.

use rust_decimal::Decimal;
use serde_json::json;

use super::api::{CheckLine, CommandError, SubmitOutcome, checks_pass};
use super::orders::{describe, first_failure};
use super::state::EngineState;
use crate::domain::{Approval, OrderId, OrderIntent, OrderStatus, OrderType};
use crate::store::{Actor, AuditKind};

impl EngineState {
    /// A person amends open order `id`: a new price, a new quantity (the
    /// replacement's whole quantity; by default what is left of the
    /// original), or both. `hold` keeps it for a person's confirmation even
    /// in autonomous mode.
    pub fn amend(
        &mut self,
        id: OrderId,
        price: Option<Decimal>,
        qty: Option<Decimal>,
        hold: bool,
    ) -> Result<SubmitOutcome, CommandError> {
        let intent = self.replacement(id, price, qty)?;
        let checks = self.gate_replacing(&intent, Some(id));
        let body = json!({ "amend": id, "intent": intent, "checks": checks });
        self.audit(AuditKind::Intent, Actor::Person, body);
        if self.controls.storage_failed() {
            return Ok(SubmitOutcome::Refused { checks: self.gate_replacing(&intent, Some(id)) });
        }
        if !checks_pass(&checks) {
            let text = format!("amend of #{id} refused: {}; #{id} is unchanged", first_failure(&checks));
            self.note("refused", text);
            return Ok(SubmitOutcome::Refused { checks });
        }
        let order = self.ledger.create(intent, self.now());
        let new = order.id;
        self.ledger.set_replacing(new, id);
        // `hold`: a person asked to confirm it themselves (a one-shot command), whatever the mode.
        let approval = if hold { Approval::Confirm } else { self.controls.approval() };
        match approval {
            Approval::Confirm => {
                let text = format!("#{new} ({}) amends #{id}, awaits confirmation", describe(&order.intent));
                self.note("pending", text);
                self.persist_order(&order);
                self.ledger.await_confirmation(new, checks.clone());
                Ok(SubmitOutcome::Pending { id: new, checks })
            }
            Approval::Autonomous => Ok(self.carry_out_amend(new, checks, Actor::Person)),
        }
    }

    /// The replacement's intent, or why `id` cannot be amended.
    fn replacement(
        &self,
        id: OrderId,
        price: Option<Decimal>,
        qty: Option<Decimal>,
    ) -> Result<OrderIntent, CommandError> {
        let refuse = |why: String| Err(CommandError::Refused(why));
        if self.ledger.is_pending(id) {
            return refuse(format!("#{id} awaits confirmation: reject it and propose the order you want"));
        }
        let Some(original) = self.ledger.get(id).filter(|o| o.status.is_open()) else {
            return Err(CommandError::NoSuchOrder(id));
        };
        if price.is_none() && qty.is_none() {
            return refuse("nothing to amend: give a new price, a new quantity or both".to_owned());
        }
        if original.intent.order_type != OrderType::Limit {
            return refuse(format!("#{id} is a market order: nothing rests to amend"));
        }
        if matches!(original.status, OrderStatus::Submitting | OrderStatus::Unknown) {
            return refuse(format!(
                "#{id} is {}: the exchange has not confirmed it yet; amend it once it has",
                original.status
            ));
        }
        if self.ledger.being_amended(id) {
            return refuse(format!("#{id} is already being amended"));
        }
        Ok(OrderIntent {
            price: price.or(original.intent.price),
            qty: qty.unwrap_or_else(|| original.remaining_qty()),
            ..original.intent.clone()
        })
    }

    /// Carries out an accepted amend (at once in autonomous mode, on the
    /// person's "yes" in confirm mode): cancels the original and places the
    /// replacement `new`.
    pub(super) fn carry_out_amend(
        &mut self,
        new: OrderId,
        checks: Vec<CheckLine>,
        actor: Actor,
    ) -> SubmitOutcome {
        let Some(original) = self.ledger.replacing(new) else { return SubmitOutcome::Refused { checks } };
        if !self.ledger.is_open(original) {
            let filled = self.ledger.get(original).map(|o| o.filled_qty).unwrap_or_default();
            self.drop_amend(new, original, filled);
            return SubmitOutcome::Refused { checks };
        }
        let body = json!({ "order": original, "why": "amended", "amend": { "original": original, "replacement": new } });
        self.audit(AuditKind::Cancel, actor.clone(), body);
        if self.live.is_some() {
            let filled = self.ledger.get(original).map(|o| o.filled_qty).unwrap_or_default();
            self.ledger.set_in_flight(new, filled);
            self.cancel_live(original);
            self.note(
                "amend",
                format!("#{new} replaces #{original}: sent once the exchange confirms the cancel"),
            );
            return SubmitOutcome::Sent { id: new, checks };
        }
        self.ledger.forget_replacing(new);
        self.broker.cancel(original);
        self.close(original, OrderStatus::Cancelled, Some(format!("amended: replaced by #{new}")));
        self.accept_and_route(new, checks, actor)
    }

    /// The amend of `original` by `new` cannot be carried out: `original`
    /// ended (or filled) first. `new` is closed unsent, saying why.
    fn drop_amend(&mut self, new: OrderId, original: OrderId, filled_before: Decimal) {
        self.ledger.forget_replacing(new);
        let reason = match self.ledger.get(original) {
            Some(o) if o.status == OrderStatus::Filled => {
                format!("not sent: #{original} filled before it could be cancelled")
            }
            Some(o) if o.filled_qty > filled_before => format!(
                "not sent: #{original} filled {} more before it could be cancelled ({})",
                o.filled_qty.saturating_sub(filled_before),
                o.status
            ),
            Some(o) => format!("not sent: #{original} ended ({}) before it could be amended", o.status),
            None => format!("not sent: #{original} is gone"),
        };
        self.note("amend", format!("#{new}: {reason}"));
        let body = json!({ "order": new, "amends": original, "reason": reason });
        self.audit(AuditKind::Rejected, Actor::Engine, body);
        self.close(new, OrderStatus::Rejected, Some(reason));
    }

    /// Live amends whose original has ended: a cancel the exchange confirmed
    /// sends the replacement (unless the original filled anything meanwhile);
    /// an original that filled or ended otherwise drops it, saying why.
    pub(super) fn resolve_amends(&mut self) {
        for (new, original, filled_before) in self.ledger.in_flight() {
            let Some(order) = self.ledger.get(original).cloned() else { continue };
            if order.status.is_open() {
                continue;
            }
            let cancelled = order.status == OrderStatus::Cancelled && order.filled_qty <= filled_before;
            if !cancelled || self.controls.kill_switch() {
                self.drop_amend(new, original, filled_before);
                continue;
            }
            self.ledger.forget_replacing(new);
            // Checked when the amend was accepted; the exchange has since freed the original's funds.
            let outcome = self.accept_and_route(new, Vec::new(), Actor::Person);
            if matches!(outcome, SubmitOutcome::Refused { .. }) {
                self.note(
                    "amend",
                    format!("#{new} (amend of #{original}) was not sent: #{original} is cancelled"),
                );
            }
        }
    }

    /// Drops every amend still waiting for its cancel (cancel-all, kill switch).
    pub(super) fn drop_amends_in_flight(&mut self, why: &str) {
        for (new, original, _) in self.ledger.in_flight() {
            self.ledger.forget_replacing(new);
            let reason = format!("amend of #{original} dropped: {why}");
            self.audit(AuditKind::Rejected, Actor::Person, json!({ "order": new, "reason": reason }));
            self.close(new, OrderStatus::Rejected, Some(reason));
        }
    }
}
