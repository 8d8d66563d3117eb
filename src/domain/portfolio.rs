use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Symbol;

/// Holdings of one asset. `locked` is reserved by open orders and cannot be
/// spent again: that reservation is what stops two concurrent orders from
/// spending the same balance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub free: Decimal,
    pub locked: Decimal,
}

impl Balance {
    /// Free plus locked.
    /// Saturates rather than overflow: a total no exchange can hold.
    pub fn total(&self) -> Decimal {
        self.free.saturating_add(self.locked)
    }
}

/// A spot position: base asset held, what it cost, and what has been realized.
/// Spot cannot go short, so `qty` is never negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub symbol: Symbol,
    pub qty: Decimal,
    /// Average cost per unit of the quantity still held, fees included.
    pub avg_cost: Decimal,
    pub realized_pnl: Decimal,
}

impl Position {
    /// An empty position in `symbol`.
    pub fn flat(symbol: Symbol) -> Self {
        Self { symbol, qty: Decimal::ZERO, avg_cost: Decimal::ZERO, realized_pnl: Decimal::ZERO }
    }

    /// Profit or loss of what is held, marked at `mark` (`None` if it overflows).
    pub fn unrealized_pnl(&self, mark: Decimal) -> Option<Decimal> {
        mark.checked_sub(self.avg_cost)?.checked_mul(self.qty)
    }
}
