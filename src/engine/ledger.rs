//! The order ledger: every order the engine knows, the ones waiting for a
//! person, recent fills, order ids, the orders sent lately (for the rate and
//! duplicate checks) and the loss streak. Private fields: the engine asks the
//! ledger, it does not reach into its maps.
//!
//! The loss streak counts losing *trades*: one per sell order that ended
//! (filled, cancelled or rejected after fills) with a realized loss. A market
//! sell that walks four book levels is four fills and one trade.

use std::collections::{BTreeMap, VecDeque};

use rust_decimal::Decimal;

use super::api::{CheckLine, PendingOrder};
use crate::domain::{Fill, Order, OrderId, OrderIntent, OrderStatus, Origin, Side, TimestampMs};
use crate::risk::Submission;

/// Fills kept for the screen; all of them are in the store.
const RECENT_FILLS: usize = 200;
/// Closed orders kept for the screen.
const RECENT_CLOSED: usize = 100;
/// Sent orders remembered for the rate and duplicate checks.
const SUBMISSIONS_KEPT_MS: i64 = 3_600_000;

/// Consecutive losing trades, and when the last one ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LossStreak {
    pub count: u32,
    pub last_loss_ms: Option<TimestampMs>,
}

/// A fill that cannot be booked: the order is unknown, closed, or the
/// numbers overflow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("no open order {0} for the fill")]
    NotOpen(OrderId),
    #[error("order {0}: filled amounts overflow")]
    Overflow(OrderId),
}

/// What [`OrderLedger::close`] and [`OrderLedger::apply_fill`] report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    /// The order after the change.
    pub order: Order,
    /// True when the loss streak changed (it must be stored).
    pub streak_changed: bool,
}

/// Orders, pending approvals, fills, ids and the loss streak.
#[derive(Debug, Default)]
pub struct OrderLedger {
    orders: BTreeMap<OrderId, Order>,
    /// The checks a pending order was proposed with, shown to the person.
    pending_checks: BTreeMap<OrderId, Vec<CheckLine>>,
    /// Amends not carried out yet: replacement → the order it replaces.
    replacing: BTreeMap<OrderId, OrderId>,
    /// Replacements whose original's cancel is at the exchange: no longer
    /// anyone's to confirm or reject, sent once the cancel is confirmed.
    /// With what the original had filled when its cancel was sent.
    in_flight: BTreeMap<OrderId, Decimal>,
    /// Most recent first.
    fills: VecDeque<Fill>,
    next_id: u64,
    /// Goes before the order id in every `newClientOrderId`: random per data
    /// dir, so ids stay unique at the exchange even when a data dir starts
    /// over (a query by client id must never find an older order).
    client_prefix: String,
    submissions: VecDeque<Submission>,
    streak: LossStreak,
}

impl OrderLedger {
    /// A ledger holding what the store had: `orders` (open ones and recent
    /// closed ones), `fills` (most recent first), the next id and the streak.
    pub fn restore(
        orders: impl IntoIterator<Item = Order>,
        fills: impl IntoIterator<Item = Fill>,
        next_id: u64,
        streak: LossStreak,
        client_prefix: String,
    ) -> Self {
        Self {
            orders: orders.into_iter().map(|o| (o.id, o)).collect(),
            fills: fills.into_iter().take(RECENT_FILLS).collect(),
            next_id,
            streak,
            client_prefix,
            ..Self::default()
        }
    }

    /// A new order awaiting its decision, with a fresh id.
    pub fn create(&mut self, intent: OrderIntent, now: TimestampMs) -> Order {
        let id = OrderId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        let order = Order {
            id,
            client_id: format!("{}{}", self.client_prefix, id.0),
            venue_order_id: None,
            intent,
            status: OrderStatus::PendingConfirmation,
            filled_qty: Decimal::ZERO,
            filled_quote: Decimal::ZERO,
            realized_pnl: Decimal::ZERO,
            created_ms: now,
            updated_ms: now,
            reason: None,
        };
        self.orders.insert(id, order.clone());
        order
    }

    /// Puts a created order in the inbox with the checks it was proposed with.
    pub fn await_confirmation(&mut self, id: OrderId, checks: Vec<CheckLine>) {
        if self.is_pending(id) {
            self.pending_checks.insert(id, checks);
        }
    }

    /// Records that `replacement` (pending or about to be sent) replaces `original`.
    pub fn set_replacing(&mut self, replacement: OrderId, original: OrderId) {
        self.replacing.insert(replacement, original);
    }

    /// The order `replacement` is to replace, while that amend is not carried out.
    pub fn replacing(&self, replacement: OrderId) -> Option<OrderId> {
        self.replacing.get(&replacement).copied()
    }

    /// The amend of `replacement` is carried out or dropped.
    pub fn forget_replacing(&mut self, replacement: OrderId) -> Option<OrderId> {
        self.in_flight.remove(&replacement);
        self.replacing.remove(&replacement)
    }

    /// `replacement` now waits for its original's cancel at the exchange.
    pub fn set_in_flight(&mut self, replacement: OrderId, original_filled: Decimal) {
        self.pending_checks.remove(&replacement);
        self.in_flight.insert(replacement, original_filled);
    }

    /// Amends waiting for their original's cancel: (replacement, original,
    /// what the original had filled when its cancel was sent).
    pub fn in_flight(&self) -> Vec<(OrderId, OrderId, Decimal)> {
        self.in_flight.iter().filter_map(|(r, f)| Some((*r, *self.replacing.get(r)?, *f))).collect()
    }

    /// True while an amend of `original` is being carried out or awaits confirmation.
    pub fn being_amended(&self, original: OrderId) -> bool {
        self.replacing
            .iter()
            .any(|(r, o)| *o == original && self.orders.get(r).is_some_and(|r| !r.status.is_terminal()))
    }

    /// The order, if the ledger still holds it.
    pub fn get(&self, id: OrderId) -> Option<&Order> {
        self.orders.get(&id)
    }

    /// True while `id` waits for a person's decision.
    pub fn is_pending(&self, id: OrderId) -> bool {
        self.orders.get(&id).is_some_and(|o| o.status == OrderStatus::PendingConfirmation)
            && !self.in_flight.contains_key(&id)
    }

    /// True while `id` can still trade.
    pub fn is_open(&self, id: OrderId) -> bool {
        self.orders.get(&id).is_some_and(|o| o.status.is_open())
    }

    /// Orders that can still trade.
    pub fn open_orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values().filter(|o| o.status.is_open())
    }

    /// Orders waiting for a person's decision, oldest first.
    pub fn pending_orders(&self) -> impl Iterator<Item = &Order> {
        self.orders
            .values()
            .filter(|o| o.status == OrderStatus::PendingConfirmation && !self.in_flight.contains_key(&o.id))
    }

    /// Pending orders proposed at or before `cutoff_ms` (they have expired).
    pub fn proposed_before(&self, cutoff_ms: TimestampMs) -> Vec<OrderId> {
        self.pending_orders().filter(|o| o.created_ms <= cutoff_ms).map(|o| o.id).collect()
    }

    /// What `origin` has open or awaiting confirmation: (side, limit price).
    pub fn working(&self, origin: &Origin) -> Vec<(Side, Option<Decimal>)> {
        self.orders
            .values()
            .filter(|o| &o.intent.origin == origin)
            .filter(|o| o.status.is_open() || o.status == OrderStatus::PendingConfirmation)
            .map(|o| (o.intent.side, o.intent.price))
            .collect()
    }

    /// A confirmed or autonomous order leaves for the venue: `Submitted` on
    /// paper, `Submitting` on the live venue until the exchange answers.
    pub fn mark_submitted(&mut self, id: OrderId, status: OrderStatus, now: TimestampMs) -> Option<Order> {
        let order = self.orders.get_mut(&id)?;
        order.status = status;
        order.updated_ms = now;
        self.pending_checks.remove(&id);
        Some(order.clone())
    }

    /// Moves an open order between open states (`Submitting` → `Submitted`,
    /// `AwaitingTrigger` or `Unknown`, `Unknown` or `AwaitingTrigger` →
    /// `Submitted`) and records the exchange's id.
    /// Never reopens a closed order or undoes a fill; `None` if nothing changed.
    pub fn update_open(
        &mut self,
        id: OrderId,
        status: Option<OrderStatus>,
        venue_order_id: Option<u64>,
        now: TimestampMs,
    ) -> Option<Order> {
        let order = self.orders.get_mut(&id).filter(|o| o.status.is_open())?;
        let mut changed = false;
        if let Some(venue_id) = venue_order_id.filter(|v| order.venue_order_id != Some(*v)) {
            order.venue_order_id = Some(venue_id);
            changed = true;
        }
        let movable = matches!(
            order.status,
            OrderStatus::Submitting | OrderStatus::Unknown | OrderStatus::AwaitingTrigger
        );
        if let Some(status) = status.filter(|s| movable && s.is_open() && *s != order.status) {
            order.status = status;
            changed = true;
        }
        if !changed {
            return None;
        }
        order.updated_ms = now;
        Some(order.clone())
    }

    /// The order with this client order id, if the ledger holds it.
    pub fn by_client_id(&self, client_id: &str) -> Option<OrderId> {
        self.orders.values().find(|o| o.client_id == client_id).map(|o| o.id)
    }

    /// The order the exchange knows as `venue_order_id` on `symbol`.
    pub fn by_venue_id(&self, symbol: &crate::domain::Symbol, venue_order_id: u64) -> Option<OrderId> {
        self.orders
            .values()
            .find(|o| o.venue_order_id == Some(venue_order_id) && &o.intent.symbol == symbol)
            .map(|o| o.id)
    }

    /// Remembers that `intent` was sent at `now` (rate and duplicate checks).
    pub fn record_submission(&mut self, intent: &OrderIntent, now: TimestampMs) {
        self.submissions.push_back(Submission {
            symbol: intent.symbol.clone(),
            side: intent.side,
            qty: intent.qty,
            price: intent.price,
            ts_ms: now,
        });
        while self.submissions.front().is_some_and(|s| now.saturating_sub(s.ts_ms) > SUBMISSIONS_KEPT_MS) {
            self.submissions.pop_front();
        }
    }

    /// Orders sent in the last hour, oldest first.
    pub fn submissions(&self) -> impl Iterator<Item = &Submission> {
        self.submissions.iter()
    }

    /// Books one fill on its order: filled quantity and quote, realized PnL,
    /// status. Checked: an overflow books nothing.
    pub fn apply_fill(&mut self, fill: &Fill, realized: Decimal) -> Result<Booked, LedgerError> {
        let id = fill.order_id;
        let order =
            self.orders.get_mut(&id).filter(|o| o.status.is_open()).ok_or(LedgerError::NotOpen(id))?;
        let overflow = || LedgerError::Overflow(id);
        let filled_qty = order.filled_qty.checked_add(fill.qty).ok_or_else(overflow)?;
        let quote = fill.price.checked_mul(fill.qty).ok_or_else(overflow)?;
        let filled_quote = order.filled_quote.checked_add(quote).ok_or_else(overflow)?;
        let realized_pnl = order.realized_pnl.checked_add(realized).ok_or_else(overflow)?;
        order.filled_qty = filled_qty;
        order.filled_quote = filled_quote;
        order.realized_pnl = realized_pnl;
        order.updated_ms = fill.ts_ms;
        order.status =
            if order.remaining_qty().is_zero() { OrderStatus::Filled } else { OrderStatus::PartiallyFilled };
        let order = order.clone();
        if self.fills.len() == RECENT_FILLS {
            self.fills.pop_back();
        }
        self.fills.push_front(fill.clone());
        let streak_changed = order.status.is_terminal() && self.count_trade(&order);
        self.prune_closed();
        Ok(Booked { order, streak_changed })
    }

    /// Moves an order to a terminal state with its reason.
    pub fn close(
        &mut self,
        id: OrderId,
        status: OrderStatus,
        reason: Option<String>,
        now: TimestampMs,
    ) -> Option<Booked> {
        let order = self.orders.get_mut(&id).filter(|o| !o.status.is_terminal())?;
        order.status = status;
        order.reason = reason;
        order.updated_ms = now;
        let order = order.clone();
        self.pending_checks.remove(&id);
        let streak_changed = self.count_trade(&order);
        self.prune_closed();
        Some(Booked { order, streak_changed })
    }

    /// The loss streak.
    pub fn loss_streak(&self) -> LossStreak {
        self.streak
    }

    /// Recent fills, most recent first.
    pub fn recent_fills(&self) -> impl Iterator<Item = &Fill> {
        self.fills.iter()
    }

    /// Orders for the screen: open ones first, then the most recently changed.
    pub fn orders_view(&self) -> Vec<Order> {
        let mut orders: Vec<Order> =
            self.orders.values().filter(|o| o.status != OrderStatus::PendingConfirmation).cloned().collect();
        orders.sort_by_key(|o| (!o.status.is_open(), std::cmp::Reverse(o.updated_ms)));
        orders
    }

    /// The inbox for the screen: each pending order with its checks and the
    /// moment it expires.
    pub fn pending_view(&self, ttl_ms: i64) -> Vec<PendingOrder> {
        self.pending_orders()
            .map(|o| PendingOrder {
                order: o.clone(),
                checks: self.pending_checks.get(&o.id).cloned().unwrap_or_default(),
                expires_ms: o.created_ms.saturating_add(ttl_ms),
            })
            .collect()
    }

    /// A sell order that ended after fills is one trade: a loss extends the
    /// streak, anything else ends it. Returns true if the streak changed.
    fn count_trade(&mut self, order: &Order) -> bool {
        if order.intent.side != Side::Sell || order.filled_qty.is_zero() {
            return false;
        }
        let before = self.streak;
        if order.realized_pnl < Decimal::ZERO {
            self.streak.count = self.streak.count.saturating_add(1);
            self.streak.last_loss_ms = Some(order.updated_ms);
        } else {
            self.streak.count = 0;
        }
        self.streak != before
    }

    /// Forgets the closed orders that ended longest ago, beyond what the
    /// screen shows (they stay in the store).
    fn prune_closed(&mut self) {
        let mut closed: Vec<(TimestampMs, OrderId)> =
            self.orders.values().filter(|o| o.status.is_terminal()).map(|o| (o.updated_ms, o.id)).collect();
        if let Some(excess) = closed.len().checked_sub(RECENT_CLOSED) {
            closed.sort_unstable();
            for (_, id) in &closed[..excess] {
                self.orders.remove(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::{Liquidity, OrderType, Symbol};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn sell(qty: &str) -> OrderIntent {
        OrderIntent {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side: Side::Sell,
            order_type: OrderType::Market,
            qty: d(qty),
            price: None,
            origin: Origin::Manual,
            tif: crate::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
        }
    }

    fn fill(id: OrderId, price: &str, qty: &str, ts: i64) -> Fill {
        Fill {
            order_id: id,
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side: Side::Sell,
            price: d(price),
            qty: d(qty),
            fee: Decimal::ZERO,
            fee_asset: "USDT".into(),
            liquidity: Liquidity::Taker,
            ts_ms: ts,
            trade_id: None,
        }
    }

    fn sent(ledger: &mut OrderLedger, intent: OrderIntent) -> OrderId {
        let id = ledger.create(intent, 1).id;
        ledger.mark_submitted(id, OrderStatus::Submitted, 1);
        id
    }

    #[test]
    fn a_sell_walking_four_levels_at_a_loss_is_one_losing_trade() {
        let mut ledger = OrderLedger::restore([], [], 1, LossStreak::default(), "vigil-".into());
        let id = sent(&mut ledger, sell("4"));
        for (i, price) in ["99", "98", "97"].iter().enumerate() {
            let booked = ledger.apply_fill(&fill(id, price, "1", 10 + i as i64), d("-1")).unwrap();
            assert!(!booked.streak_changed, "a partial fill is not a trade yet");
        }
        let booked = ledger.apply_fill(&fill(id, "96", "1", 20), d("-1")).unwrap();
        assert_eq!(booked.order.status, OrderStatus::Filled);
        assert_eq!(booked.order.realized_pnl, d("-4"));
        assert!(booked.streak_changed);
        assert_eq!(ledger.loss_streak(), LossStreak { count: 1, last_loss_ms: Some(20) });
    }

    #[test]
    fn a_profitable_trade_ends_the_streak_and_unfilled_orders_do_not_count() {
        let mut ledger =
            OrderLedger::restore([], [], 1, LossStreak { count: 3, last_loss_ms: Some(5) }, "vigil-".into());
        let nothing = sent(&mut ledger, sell("1"));
        assert!(!ledger.close(nothing, OrderStatus::Cancelled, None, 9).unwrap().streak_changed);
        let partial = sent(&mut ledger, sell("2"));
        ledger.apply_fill(&fill(partial, "100", "1", 10), d("3")).unwrap();
        assert!(ledger.close(partial, OrderStatus::Cancelled, None, 11).unwrap().streak_changed);
        assert_eq!(ledger.loss_streak().count, 0);
    }

    #[test]
    fn overflowing_fills_book_nothing() {
        let mut ledger = OrderLedger::restore([], [], 1, LossStreak::default(), "vigil-".into());
        let id = sent(&mut ledger, sell("2"));
        let huge = Fill { price: Decimal::MAX, qty: d("2"), ..fill(id, "1", "1", 1) };
        assert_eq!(ledger.apply_fill(&huge, Decimal::ZERO), Err(LedgerError::Overflow(id)));
        assert_eq!(ledger.get(id).unwrap().filled_qty, Decimal::ZERO);
        assert_eq!(ledger.recent_fills().count(), 0);
    }

    #[test]
    fn ids_are_fresh_and_pending_orders_age() {
        let mut ledger = OrderLedger::restore([], [], 7, LossStreak::default(), "vigil-".into());
        let a = ledger.create(sell("1"), 1_000).id;
        let b = ledger.create(sell("1"), 5_000).id;
        assert_eq!((a, b), (OrderId(7), OrderId(8)));
        ledger.await_confirmation(a, Vec::new());
        assert_eq!(ledger.proposed_before(1_000), vec![a]);
        assert_eq!(ledger.pending_view(30_000)[0].expires_ms, 31_000);
        assert!(ledger.close(a, OrderStatus::Rejected, None, 2_000).is_some());
        assert!(ledger.close(a, OrderStatus::Rejected, None, 2_000).is_none(), "closed once");
    }
}
