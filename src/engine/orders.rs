//! Order flows inside the actor: intent → gate → pending or accepted →
//! paper broker → fills. Gate evaluation and the balance reservation happen in
//! one call on `&mut self`, so no other intent can slip in between.

use rust_decimal::Decimal;
use serde_json::json;

use super::api::{CheckLine, CommandError, SubmitOutcome, checks_pass};
use super::state::EngineState;
use crate::domain::{
    Approval, Fill, Order, OrderId, OrderIntent, OrderStatus, OrderType, Origin, TradingState,
};
use crate::risk::Submission;
use crate::store::{Actor, AuditKind};

/// Who the audit log names for an intent.
pub fn actor_of(origin: &Origin) -> Actor {
    match origin {
        Origin::Manual => Actor::Person,
        Origin::Strategy(name) => Actor::Strategy(name.clone()),
    }
}

impl EngineState {
    /// Runs the gate on `intent`; pending in confirm mode, sent in autonomous mode.
    pub fn submit(&mut self, intent: OrderIntent) -> SubmitOutcome {
        let actor = actor_of(&intent.origin);
        let checks = self.gate(&intent);
        self.audit(AuditKind::Intent, actor, json!({ "intent": intent, "checks": checks }));
        if self.storage_failed_this_session() {
            // The intent could not be recorded, and the engine has just halted:
            // answer with the checks as they stand now (the kill switch fails).
            return SubmitOutcome::Refused { checks: self.gate(&intent) };
        }
        if !checks_pass(&checks) {
            self.note("refused", format!("{} refused: {}", describe(&intent), first_failure(&checks)));
            return SubmitOutcome::Refused { checks };
        }
        let now = self.now();
        let id = OrderId(self.next_id);
        self.next_id += 1;
        let order = Order {
            id,
            client_id: format!("vigil-{}", id.0),
            intent,
            status: OrderStatus::PendingConfirmation,
            filled_qty: Decimal::ZERO,
            filled_quote: Decimal::ZERO,
            created_ms: now,
            updated_ms: now,
            reason: None,
        };
        match self.approval {
            Approval::Confirm => {
                self.note("pending", format!("#{id} {} awaits confirmation", describe(&order.intent)));
                self.persist_order(&order);
                self.orders.insert(id, order);
                self.pending_checks.insert(id, checks.clone());
                SubmitOutcome::Pending { id, checks }
            }
            Approval::Autonomous => {
                self.orders.insert(id, order);
                self.accept_and_route(id, checks, Actor::Engine)
            }
        }
    }

    /// A person confirms a pending order. The gate runs again (the market and
    /// balances may have moved since it was proposed) before anything is reserved.
    pub fn confirm(&mut self, id: OrderId) -> Result<SubmitOutcome, CommandError> {
        let intent = match self.orders.get(&id) {
            Some(o) if o.status == OrderStatus::PendingConfirmation => o.intent.clone(),
            _ => return Err(CommandError::NoSuchPending(id)),
        };
        let checks = self.gate(&intent);
        self.pending_checks.remove(&id);
        if !checks_pass(&checks) {
            let reason = first_failure(&checks);
            self.audit(
                AuditKind::Rejected,
                Actor::Engine,
                json!({ "order": id, "reason": reason, "checks": checks }),
            );
            self.close(id, OrderStatus::Rejected, Some(reason));
            return Ok(SubmitOutcome::Refused { checks });
        }
        self.audit(AuditKind::Confirmed, Actor::Person, json!({ "order": id }));
        Ok(self.accept_and_route(id, checks, Actor::Person))
    }

    /// A person rejects a pending order.
    pub fn reject(&mut self, id: OrderId) -> Result<(), CommandError> {
        match self.orders.get(&id) {
            Some(o) if o.status == OrderStatus::PendingConfirmation => {}
            _ => return Err(CommandError::NoSuchPending(id)),
        }
        self.pending_checks.remove(&id);
        self.audit(AuditKind::Rejected, Actor::Person, json!({ "order": id }));
        self.close(id, OrderStatus::Rejected, Some("rejected by the operator".to_owned()));
        Ok(())
    }

    /// Closes a pending order left over from a previous run.
    pub fn expire_pending(&mut self, id: OrderId) {
        self.audit(
            AuditKind::Rejected,
            Actor::Engine,
            json!({ "order": id, "reason": "expired at restart" }),
        );
        self.close(id, OrderStatus::Rejected, Some("expired at restart: propose it again".to_owned()));
    }

    /// Cancels an open order (cancels always go through, even when halted).
    pub fn cancel(&mut self, id: OrderId, actor: Actor) -> Result<(), CommandError> {
        match self.orders.get(&id) {
            Some(o) if o.status.is_open() => {}
            Some(o) if o.status == OrderStatus::PendingConfirmation => return self.reject(id),
            _ => return Err(CommandError::NoSuchOrder(id)),
        }
        self.broker.cancel(id);
        let reason = format!("cancelled by {actor}");
        self.audit(AuditKind::Cancel, actor, json!({ "order": id }));
        self.close(id, OrderStatus::Cancelled, Some(reason));
        Ok(())
    }

    /// Cancels every open order and drops every pending one. Returns how many.
    pub fn cancel_all(&mut self, actor: &Actor) -> usize {
        let ids: Vec<OrderId> = self
            .orders
            .values()
            .filter(|o| o.status.is_open() || o.status == OrderStatus::PendingConfirmation)
            .map(|o| o.id)
            .collect();
        for id in &ids {
            // Both arms only fail for orders that are not open/pending, which were filtered out.
            let _ = self.cancel(*id, actor.clone());
        }
        ids.len()
    }

    /// Engages (cancel everything, halt, back to confirm) or releases the kill
    /// switch; releasing also lifts a breaker's halt or reduce-only state.
    pub fn set_kill_switch(&mut self, engaged: bool, actor: Actor, why: &str) {
        self.kill_switch = engaged;
        if engaged {
            self.approval = Approval::Confirm;
            self.autonomy = None;
            self.trading_state = TradingState::Halted;
            // Durable before anything is cancelled: a crash mid-way must restart halted.
            self.persist_trading_state();
            let n = self.cancel_all(&actor);
            self.note("kill", format!("KILL SWITCH engaged by {actor} ({why}); {n} orders cancelled"));
        } else {
            self.trading_state = TradingState::Active;
            self.note("kill", format!("kill switch released by {actor}"));
        }
        self.persist_trading_state();
        self.audit(AuditKind::KillSwitch, actor, json!({ "engaged": engaged, "why": why }));
    }

    /// Reserves, marks accepted, sends to the paper broker and books any fills.
    fn accept_and_route(&mut self, id: OrderId, checks: Vec<CheckLine>, actor: Actor) -> SubmitOutcome {
        let Some(intent) = self.orders.get(&id).map(|o| o.intent.clone()) else {
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
        self.submissions.push_back(Submission {
            symbol: intent.symbol.clone(),
            side: intent.side,
            qty: intent.qty,
            price: intent.price,
            ts_ms: now,
        });
        while self.submissions.front().is_some_and(|s| now - s.ts_ms > 3_600_000) {
            self.submissions.pop_front();
        }
        let Some(order) = self.orders.get_mut(&id) else { return SubmitOutcome::Refused { checks } };
        order.status = OrderStatus::Submitted;
        order.updated_ms = now;
        let order = order.clone();
        self.persist_order_and_portfolio(&order);
        if self.storage_failed_this_session() {
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
        self.route(&order);
        // Charge what the order really costs: a market order's filled quote
        // (the book walk), a limit order's price × quantity.
        let notional = match self.orders.get(&id) {
            Some(o) if o.intent.order_type == OrderType::Market => o.filled_quote,
            _ => self.notional_estimate(&order.intent),
        };
        if let Some(budget) = self.autonomy.as_mut().filter(|_| self.approval == Approval::Autonomous) {
            budget.orders_used += 1;
            budget.notional_used += notional;
        }
        let spent =
            self.autonomy.is_some_and(|b| b.orders_used >= b.max_orders || b.notional_used >= b.max_notional);
        if spent && self.approval == Approval::Autonomous {
            self.disable_autonomous(Actor::Engine, "autonomous budget spent");
        }
        SubmitOutcome::Sent { id, checks }
    }

    /// Hands an accepted order to the paper broker and books what fills now.
    fn route(&mut self, order: &Order) {
        let quote = self.config.quote_asset.clone();
        let Some(book) = self.markets.get(&order.intent.symbol).and_then(|m| m.book.clone()) else {
            self.close(order.id, OrderStatus::Rejected, Some("no order book for the symbol".to_owned()));
            return;
        };
        let (fills, done) = self.broker.submit(order, &book, &quote, self.now());
        for fill in fills {
            self.book_fill(fill);
        }
        if done {
            self.finish_if_open(order.id);
        }
    }

    /// Books fills the broker produced from market movement.
    pub fn book_fills(&mut self, fills: Vec<(OrderId, Fill)>) {
        for (_, fill) in fills {
            self.book_fill(fill);
        }
    }

    /// Applies one fill to the order and the portfolio, durably and atomically.
    fn book_fill(&mut self, fill: Fill) {
        let Some(instrument) = self.instrument(&fill.symbol).cloned() else { return };
        let Some(order) = self.orders.get_mut(&fill.order_id) else { return };
        order.filled_qty += fill.qty;
        order.filled_quote += fill.price * fill.qty;
        order.updated_ms = fill.ts_ms;
        order.status =
            if order.remaining_qty().is_zero() { OrderStatus::Filled } else { OrderStatus::PartiallyFilled };
        let order = order.clone();
        let realized = self.portfolio.apply_fill(&fill, &instrument.base_asset, &instrument.quote_asset);
        if order.status == OrderStatus::Filled {
            self.portfolio.release(order.id);
        }
        self.persist_fill(&fill, &order);
        self.audit(AuditKind::Fill, Actor::Engine, json!({ "fill": fill, "realized_pnl": realized }));
        self.note(
            "fill",
            format!(
                "#{} {} {} {} @ {} ({:?})",
                order.id, fill.side, fill.qty, fill.symbol, fill.price, fill.liquidity
            ),
        );
        self.remember_fill(fill);
    }

    /// A market order (or an exhausted book) ends: whatever did not fill is cancelled.
    fn finish_if_open(&mut self, id: OrderId) {
        let Some(order) = self.orders.get(&id) else { return };
        if order.status.is_open() {
            let reason = format!("book exhausted: filled {} of {}", order.filled_qty, order.intent.qty);
            self.close(id, OrderStatus::Cancelled, Some(reason));
        }
    }

    /// Moves an order to a terminal state, releasing its reservation, durably.
    fn close(&mut self, id: OrderId, status: OrderStatus, reason: Option<String>) {
        let now = self.now();
        let Some(order) = self.orders.get_mut(&id) else { return };
        order.status = status;
        order.reason = reason.clone();
        order.updated_ms = now;
        let order = order.clone();
        self.portfolio.release(id);
        self.persist_order_and_portfolio(&order);
        self.note(
            &status.to_string(),
            format!("#{id} {status}{}", reason.map(|r| format!(": {r}")).unwrap_or_default()),
        );
        self.prune_closed();
    }

    /// Notional of an intent: limit price × qty, or the book-walk estimate for market orders.
    pub fn notional_estimate(&self, intent: &OrderIntent) -> Decimal {
        match (intent.order_type, intent.price) {
            (OrderType::Limit, Some(price)) => price * intent.qty,
            _ => self.markets.get(&intent.symbol).and_then(|m| m.mark()).unwrap_or_default() * intent.qty,
        }
    }
}

/// "buy 0.01 BTCUSDT limit 64000" for the event tail.
pub fn describe(intent: &OrderIntent) -> String {
    match intent.price {
        Some(p) if intent.order_type == OrderType::Limit => {
            format!("{} {} {} limit {}", intent.side, intent.qty, intent.symbol, p)
        }
        _ => format!("{} {} {} market", intent.side, intent.qty, intent.symbol),
    }
}

/// The first failing check as "id: detail".
pub fn first_failure(checks: &[CheckLine]) -> String {
    checks
        .iter()
        .find(|c| c.verdict == super::api::CheckVerdict::Fail)
        .map(|c| format!("{}: {}", c.id, c.detail))
        .unwrap_or_default()
}
