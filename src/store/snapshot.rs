//! [`Store::load_all`]: everything the engine needs at start, read in one go.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::domain::{Balance, Order, OrderId, Position, Symbol};

use super::state::{Store, StoreError, StoredFill};

/// The whole durable trading state. There is no approval mode in it on
/// purpose: the engine always starts in confirm mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Every order, oldest id first (open ones need reconciling on a live venue).
    pub orders: Vec<Order>,
    /// Every fill, by order then sequence.
    pub fills: Vec<StoredFill>,
    pub positions: BTreeMap<Symbol, Position>,
    pub balances: BTreeMap<String, Balance>,
    pub equity_peak: Option<Decimal>,
    /// The next id to hand out: never at or below an id already stored.
    pub next_order_id: OrderId,
    pub values: BTreeMap<String, serde_json::Value>,
}

impl Store {
    /// Reads everything. `next_order_id` is the larger of the stored counter
    /// and one past the highest stored order, so an id is never handed out twice
    /// even if the counter were behind.
    pub fn load_all(&self) -> Result<Snapshot, StoreError> {
        let orders = self.orders()?;
        let past_orders = orders.iter().map(|o| o.id.0.saturating_add(1)).max().unwrap_or(1);
        let next_order_id = OrderId(self.next_order_id()?.0.max(past_orders));
        Ok(Snapshot {
            fills: self.fills()?,
            positions: self.positions()?,
            balances: self.balances()?,
            equity_peak: self.equity_peak()?,
            next_order_id,
            values: self.values()?,
            orders,
        })
    }
}
