//! Order flows inside the actor: intent → gate → pending or accepted →
//! paper broker → fills. Gate evaluation and the balance reservation happen in
//! one call on `&mut self`, so no other intent can slip in between.

use rust_decimal::Decimal;
use serde_json::json;

use super::api::{CancelAllReport, CheckLine, CheckVerdict, CommandError, SubmitOutcome, checks_pass};
use super::ledger::Booked;
use super::state::EngineState;
use crate::domain::{
    Approval, Fill, Order, OrderId, OrderIntent, OrderStatus, OrderType, Origin, TimeInForce,
};
use crate::store::{Actor, AuditKind};

/// The event line written when the autonomous budget runs out (alerts look for it).
pub const BUDGET_SPENT_NOTE: &str = "confirm mode: the autonomous budget is spent";

/// How an expiry's reason starts (the screen, the audit log and the answer
/// to a late "yes" all say the same).
const EXPIRED: &str = "expired unanswered";

/// Who the audit log names for an intent.
pub fn actor_of(origin: &Origin) -> Actor {
    match origin {
        Origin::Manual => Actor::Person,
        Origin::Strategy(name) => Actor::Strategy(name.clone()),
        Origin::External => Actor::Engine,
    }
}

impl EngineState {
    /// The gate's verdicts on `intent` as `submit` would size it (or, `replacing` an open
    /// order, as an amend would check it), without acting on them.
    pub fn preview(&self, intent: OrderIntent, replacing: Option<OrderId>) -> Vec<CheckLine> {
        self.gate_replacing(&self.sized(intent), replacing)
    }

    /// Runs the gate on `intent`; pending in confirm mode, sent in autonomous mode.
    pub fn submit(&mut self, intent: OrderIntent, hold: bool) -> SubmitOutcome {
        let intent = self.sized(intent);
        let actor = actor_of(&intent.origin);
        let checks = self.gate(&intent);
        self.audit(AuditKind::Intent, actor, json!({ "intent": intent, "checks": checks }));
        if self.controls.storage_failed() {
            // The intent could not be recorded, and the engine has just halted:
            // answer with the checks as they stand now (the kill switch fails).
            return SubmitOutcome::Refused { checks: self.gate(&intent) };
        }
        if !checks_pass(&checks) {
            self.note("refused", format!("{} refused: {}", describe(&intent), first_failure(&checks)));
            return SubmitOutcome::Refused { checks };
        }
        let order = self.ledger.create(intent, self.now());
        let id = order.id;
        // `hold`: a person asked to confirm it themselves (a one-shot command), whatever the mode.
        let approval = if hold { Approval::Confirm } else { self.controls.approval() };
        match approval {
            Approval::Confirm => self.hold_for_confirmation(order, checks),
            Approval::Autonomous => self.accept_and_route(id, checks, Actor::Engine),
        }
    }

    /// An order that waits for a person's confirmation (or rejection, or expiry).
    fn hold_for_confirmation(
        &mut self,
        order: crate::domain::Order,
        checks: Vec<CheckLine>,
    ) -> SubmitOutcome {
        let id = order.id;
        self.note("pending", format!("#{id} {} awaits confirmation", describe(&order.intent)));
        self.persist_order(&order);
        self.ledger.await_confirmation(id, checks.clone());
        SubmitOutcome::Pending { id, checks }
    }

    /// A person confirms a pending order. An order older than the proposal
    /// TTL has expired; otherwise the gate runs again (the market and balances
    /// may have moved since it was proposed) before anything is reserved.
    pub fn confirm(&mut self, id: OrderId) -> Result<SubmitOutcome, CommandError> {
        let Some(order) = self.ledger.get(id).filter(|_| self.ledger.is_pending(id)) else {
            return Err(self.not_pending(id));
        };
        let intent = order.intent.clone();
        if self.now().saturating_sub(order.created_ms) >= self.config.proposals.ttl_ms {
            self.expire(id);
            return Err(self.not_pending(id));
        }
        let replacing = self.ledger.replacing(id);
        let checks = self.gate_replacing(&intent, replacing);
        if !checks_pass(&checks) {
            let reason = first_failure(&checks);
            self.audit(
                AuditKind::Rejected,
                Actor::Engine,
                json!({ "order": id, "reason": reason, "checks": checks }),
            );
            self.ledger.forget_replacing(id);
            self.close(id, OrderStatus::Rejected, Some(reason));
            return Ok(SubmitOutcome::Refused { checks });
        }
        self.audit(AuditKind::Confirmed, Actor::Person, json!({ "order": id }));
        if replacing.is_some() {
            return Ok(self.carry_out_amend(id, checks, Actor::Person));
        }
        Ok(self.accept_and_route(id, checks, Actor::Person))
    }

    /// A person rejects a pending order.
    pub fn reject(&mut self, id: OrderId) -> Result<(), CommandError> {
        if !self.ledger.is_pending(id) {
            return Err(self.not_pending(id));
        }
        self.reject_pending(id, Actor::Person, "rejected by the operator");
        Ok(())
    }

    /// Why `id` cannot be decided: it expired unanswered, or it is not pending.
    fn not_pending(&self, id: OrderId) -> CommandError {
        let expired =
            self.ledger.get(id).and_then(|o| o.reason.as_deref()).is_some_and(|r| r.starts_with(EXPIRED));
        if expired {
            CommandError::Expired { id, ttl_secs: self.config.proposals.ttl_ms / 1_000 }
        } else {
            CommandError::NoSuchPending(id)
        }
    }

    /// Closes a pending order for `actor`, audited with `reason`: a person's
    /// "no" (one by one, by cancel-all or by the kill switch), an expiry, a
    /// restart or a breaker. When a person says no to a strategy's proposal,
    /// that strategy's same side and price is muted for `reject_mute_ms`, so
    /// the "no" is not asked again at the next book update.
    pub(super) fn reject_pending(&mut self, id: OrderId, actor: Actor, reason: &str) {
        let Some(order) = self.ledger.get(id).filter(|_| self.ledger.is_pending(id)) else { return };
        if let (Actor::Person, Origin::Strategy(name)) = (&actor, &order.intent.origin) {
            let (name, intent) = (name.clone(), order.intent.clone());
            self.strategies.mute(&name, &intent, self.now());
        }
        self.audit(AuditKind::Rejected, actor, json!({ "order": id, "reason": reason }));
        self.ledger.forget_replacing(id);
        self.close(id, OrderStatus::Rejected, Some(reason.to_owned()));
    }

    /// Rejects a pending order whose time to be answered is up.
    pub(super) fn expire(&mut self, id: OrderId) {
        let reason = format!("{EXPIRED} after {} s", self.config.proposals.ttl_ms / 1_000);
        self.reject_pending(id, Actor::Engine, &reason);
    }

    /// Cancels an open order (cancels always go through, even when halted).
    pub fn cancel(&mut self, id: OrderId, actor: Actor, why: &str) -> Result<(), CommandError> {
        if self.ledger.is_pending(id) {
            self.reject_pending(id, actor, why);
            return Ok(());
        }
        if !self.ledger.is_open(id) {
            return Err(CommandError::NoSuchOrder(id));
        }
        self.audit(AuditKind::Cancel, actor.clone(), json!({ "order": id, "why": why }));
        if self.live.is_some() {
            // Closed when the exchange confirms; until then it may still fill.
            self.cancel_live(id);
            return Ok(());
        }
        self.broker.cancel(id);
        self.close(id, OrderStatus::Cancelled, Some(format!("cancelled by {actor}: {why}")));
        Ok(())
    }

    /// Cancels every open order and rejects every pending one, for `actor`.
    pub fn cancel_all(&mut self, actor: &Actor, why: &str) -> CancelAllReport {
        let open: Vec<OrderId> = self.ledger.open_orders().map(|o| o.id).collect();
        let pending: Vec<OrderId> = self.ledger.pending_orders().map(|o| o.id).collect();
        for id in &open {
            // Fails only for orders that are not open, which were filtered out.
            let _ = self.cancel(*id, actor.clone(), why);
        }
        for id in &pending {
            self.reject_pending(*id, actor.clone(), why);
        }
        self.drop_amends_in_flight(why);
        CancelAllReport { cancelled: open.len(), rejected: pending.len() }
    }

    /// Reserves, marks submitted, sends to the paper broker and books any fills.
    pub(super) fn accept_and_route(
        &mut self,
        id: OrderId,
        checks: Vec<CheckLine>,
        actor: Actor,
    ) -> SubmitOutcome {
        let Some(intent) = self.ledger.get(id).map(|o| o.intent.clone()) else {
            return SubmitOutcome::Refused { checks };
        };
        let reserved = match self.reservation(&intent) {
            Some((asset, amount)) => self.portfolio.reserve(id, &asset, amount).map_err(|e| e.to_string()),
            None => Err("the order cannot be valued against the current book".to_owned()),
        };
        if let Err(reason) = reserved {
            self.audit(AuditKind::Rejected, Actor::Engine, json!({ "order": id, "reason": reason }));
            self.close(id, OrderStatus::Rejected, Some(reason));
            return SubmitOutcome::Refused { checks };
        }
        let now = self.now();
        self.ledger.record_submission(&intent, now);
        let sending = match (self.live.is_some(), intent.stop.is_some()) {
            (true, _) => OrderStatus::Submitting,
            (false, true) => OrderStatus::AwaitingTrigger,
            (false, false) => OrderStatus::Submitted,
        };
        let Some(order) = self.ledger.mark_submitted(id, sending, now) else {
            return SubmitOutcome::Refused { checks };
        };
        self.persist_order_and_portfolio(&order);
        if self.controls.storage_failed() {
            // It could not be recorded, so it must not reach the broker.
            self.close(id, OrderStatus::Rejected, Some("storage failure: not sent".to_owned()));
            return SubmitOutcome::Refused { checks };
        }
        self.note("sent", format!("#{id} {} sent ({actor})", describe(&order.intent)));
        let venue = self.config.venue;
        self.audit(
            AuditKind::Submitted,
            actor,
            json!({ "order": id, "client_id": order.client_id, "venue": venue }),
        );
        self.route(id);
        // Charge what the order really costs: a market order's filled quote
        // (the book walk), a limit order's price × quantity.
        let notional = match self.ledger.get(id) {
            Some(o) if o.intent.order_type == OrderType::Market => o.filled_quote,
            _ => self.notional_estimate(&intent).unwrap_or(Decimal::MAX),
        };
        match self.controls.charge(notional, self.now(), &mut self.persist) {
            Ok(true) => self.note("mode", BUDGET_SPENT_NOTE),
            Ok(false) => {}
            Err(err) => self.storage_failed("autonomy budget", &err.to_string()),
        }
        SubmitOutcome::Sent { id, checks }
    }

    /// Hands a submitted order to its venue: the live venue's request loop,
    /// or the paper broker, booking what fills now.
    fn route(&mut self, id: OrderId) {
        if self.live.is_some() {
            self.route_live(id);
            return;
        }
        let Some(order) = self.ledger.get(id).cloned() else { return };
        if order.status == OrderStatus::AwaitingTrigger && self.broker.hold(&order) {
            return;
        }
        self.work_paper(&order);
    }

    /// The paper broker works `order` as a limit (or market) order against
    /// the current book, booking what fills now.
    fn work_paper(&mut self, order: &Order) {
        let id = order.id;
        let quote = self.config.quote_asset.clone();
        let Some(book) = self.markets.get(&order.intent.symbol).and_then(|m| m.book.clone()) else {
            self.close(id, OrderStatus::Rejected, Some("no order book for the symbol".to_owned()));
            return;
        };
        let (fills, done) = self.broker.submit(order, &book, &quote, self.now());
        for fill in fills {
            // A fill that could not be booked ends the order: the rest of the walk is void.
            if !self.ledger.is_open(id) {
                break;
            }
            self.book_paper_fill(fill);
        }
        if done {
            self.finish_if_open(id);
        }
    }

    /// Stop-limit orders whose trigger a public trade reached: each becomes
    /// the limit order it carries and works against the book from now on.
    pub fn trigger_paper(&mut self, ids: Vec<OrderId>) {
        for id in ids {
            let now = self.now();
            let Some(order) = self.ledger.update_open(id, Some(OrderStatus::Submitted), None, now) else {
                continue;
            };
            self.persist_order(&order);
            let stop = order.intent.stop.map(|s| s.price).unwrap_or_default();
            self.audit(
                AuditKind::Note,
                Actor::Engine,
                json!({ "order": id, "text": "triggered", "stop": stop }),
            );
            self.note("triggered", format!("#{id} triggered at stop {stop}: now working as a limit order"));
            self.work_paper(&order);
        }
    }

    /// Books fills the broker produced from market movement.
    pub fn book_fills(&mut self, fills: Vec<(OrderId, Fill)>) {
        for (_, fill) in fills {
            self.book_paper_fill(fill);
        }
    }

    /// Books a paper fill. One whose numbers overflow is not booked: the
    /// order is cancelled with that reason (a paper fill is the engine's own
    /// simulation, so nothing happened anywhere else).
    fn book_paper_fill(&mut self, fill: Fill) {
        let id = fill.order_id;
        if let Err(reason) = self.book_fill(fill) {
            self.broker.cancel(id);
            if self.ledger.is_open(id) {
                self.audit(AuditKind::Cancel, Actor::Engine, json!({ "order": id, "why": reason }));
                self.close(id, OrderStatus::Cancelled, Some(format!("fill not booked: {reason}")));
            }
        }
    }

    /// Applies one fill to the order and the portfolio, durably and
    /// atomically; an error (unknown symbol or order, overflow) books nothing.
    pub(super) fn book_fill(&mut self, fill: Fill) -> Result<(), String> {
        let Some(instrument) = self.instrument(&fill.symbol).cloned() else {
            return Err(format!("{} is not traded here", fill.symbol));
        };
        let booked = self
            .portfolio
            .plan_fill(&fill, &instrument.base_asset, &instrument.quote_asset)
            .map_err(|e| e.to_string())
            .and_then(|plan| {
                let booked = self.ledger.apply_fill(&fill, plan.realized).map_err(|e| e.to_string())?;
                Ok((plan, booked))
            });
        let (plan, Booked { order, streak_changed }) = booked?;
        let realized = plan.realized;
        self.portfolio.commit(plan);
        if order.status == OrderStatus::Filled {
            self.portfolio.release(order.id);
        }
        self.persist_fill(&fill, &order);
        if streak_changed {
            self.persist_loss_streak(self.ledger.loss_streak());
        }
        self.audit(AuditKind::Fill, Actor::Engine, json!({ "fill": fill, "realized_pnl": realized }));
        self.note(
            "fill",
            format!(
                "#{} {} {} {} @ {} ({:?})",
                order.id, fill.side, fill.qty, fill.symbol, fill.price, fill.liquidity
            ),
        );
        Ok(())
    }

    /// A market order (or an exhausted book), an IOC, a FOK or a post-only
    /// order that would have taken ends: whatever did not fill is cancelled.
    fn finish_if_open(&mut self, id: OrderId) {
        let Some(order) = self.ledger.get(id).filter(|o| o.status.is_open()) else { return };
        let (filled, qty) = (order.filled_qty, order.intent.qty);
        let i = &order.intent;
        let reason = match (i.order_type, i.tif) {
            (OrderType::Limit, _) if i.post_only => {
                "post-only would have taken liquidity: nothing sent to the book".to_owned()
            }
            (OrderType::Limit, TimeInForce::Fok) => {
                format!("fill or kill: {qty} was not there at once; nothing filled")
            }
            (OrderType::Limit, TimeInForce::Ioc) => {
                format!("immediate or cancel: filled {filled} of {qty}, the rest expired")
            }
            _ => format!("book exhausted: filled {filled} of {qty}"),
        };
        self.close(id, OrderStatus::Cancelled, Some(reason));
    }

    /// Moves an order to a terminal state, releasing its reservation, durably.
    pub(super) fn close(&mut self, id: OrderId, status: OrderStatus, reason: Option<String>) {
        let Some(Booked { order, streak_changed }) =
            self.ledger.close(id, status, reason.clone(), self.now())
        else {
            return;
        };
        self.portfolio.release(id);
        self.persist_order_and_portfolio(&order);
        if streak_changed {
            self.persist_loss_streak(self.ledger.loss_streak());
        }
        self.note(
            &status.to_string(),
            format!("#{id} {status}{}", reason.map(|r| format!(": {r}")).unwrap_or_default()),
        );
    }

    /// Notional of an intent: limit price × qty, or the mark × qty for market
    /// orders; `None` if it cannot be valued or overflows.
    pub fn notional_estimate(&self, intent: &OrderIntent) -> Option<Decimal> {
        let price = match (intent.order_type, intent.price) {
            (OrderType::Limit, Some(price)) => price,
            _ => self.markets.get(&intent.symbol).and_then(|m| m.mark())?,
        };
        price.checked_mul(intent.qty)
    }
}

impl EngineState {
    /// A market order by quote amount gets the base quantity the book offers
    /// for it now, which every check then reads (zero if the book cannot fill
    /// it: `quantity_step` then says so). Other intents are unchanged.
    fn sized(&self, mut intent: OrderIntent) -> OrderIntent {
        let Some(quote) = intent.quote_qty.filter(|_| intent.order_type == OrderType::Market) else {
            return intent;
        };
        let step = self.instrument(&intent.symbol).map(|i| i.step_size);
        let book = self.markets.get(&intent.symbol).and_then(|m| m.book.as_ref());
        intent.qty = match (step, book) {
            (Some(step), Some(book)) => {
                crate::risk::qty_for_quote(intent.side, quote, step, &book.bids, &book.asks)
                    .unwrap_or_default()
            }
            _ => Decimal::ZERO,
        };
        intent
    }
}

/// "buy 0.01 BTCUSDT limit 64000" for the event tail ("… limit IOC 64000",
/// "… limit post-only 64000").
pub fn describe(intent: &OrderIntent) -> String {
    match intent.price {
        Some(p) if intent.order_type == OrderType::Limit => {
            let kind = match (intent.post_only, intent.tif) {
                (true, _) => " post-only",
                (false, TimeInForce::Gtc) => "",
                (false, TimeInForce::Ioc) => " IOC",
                (false, TimeInForce::Fok) => " FOK",
            };
            match intent.stop {
                Some(stop) => format!(
                    "{} {} {} {}{kind} stop {} limit {}",
                    intent.side, intent.qty, intent.symbol, stop.kind, stop.price, p
                ),
                None => format!("{} {} {} limit{kind} {}", intent.side, intent.qty, intent.symbol, p),
            }
        }
        _ => match intent.quote_qty {
            Some(quote) => {
                format!("{} {} {} market for {quote} quote", intent.side, intent.qty, intent.symbol)
            }
            None => format!("{} {} {} market", intent.side, intent.qty, intent.symbol),
        },
    }
}

/// The first failing check as "id: detail".
pub fn first_failure(checks: &[CheckLine]) -> String {
    checks
        .iter()
        .find(|c| c.verdict == CheckVerdict::Fail)
        .map(|c| format!("{}: {}", c.id, c.detail))
        .unwrap_or_default()
}
