//! Strategies propose orders; they never send them. Every intent a strategy
//! returns goes through the same gate (and, in confirm mode, the same
//! person) as a typed order.

mod grid;
mod sma_cross;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Instrument, OrderIntent, Side, TimestampMs};
use crate::market::MarketEvent;

pub use grid::{Grid, GridConfig};
pub use sma_cross::{SmaCross, SmaCrossConfig};

/// What a strategy may know about the account when it decides.
#[derive(Debug, Clone)]
pub struct StrategyContext<'a> {
    pub now_ms: TimestampMs,
    /// The instrument the strategy trades (tick and step sizes).
    pub instrument: &'a Instrument,
    /// Base asset held (free + locked).
    pub position_qty: Decimal,
    /// Quote asset free to spend.
    pub quote_free: Decimal,
    /// This strategy's orders that are open or awaiting confirmation: (side, limit price).
    pub working: &'a [(Side, Option<Decimal>)],
}

/// A trading strategy: fed market events, returns order intents.
pub trait Strategy: Send {
    /// The name used in the config file, the audit log and `--strategy`.
    fn name(&self) -> &'static str;

    /// The symbol it trades (its context is built for this instrument).
    fn symbol(&self) -> &crate::domain::Symbol;

    /// Reacts to one market event. Returning an empty Vec is the common case.
    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>) -> Vec<OrderIntent>;
}

/// Configuration of the built-in strategies (`[strategies]` in the config file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategiesConfig {
    #[serde(rename = "sma-cross")]
    pub sma_cross: SmaCrossConfig,
    pub grid: GridConfig,
}

/// The names `--strategy` accepts.
pub const NAMES: [&str; 2] = ["sma-cross", "grid"];

/// Builds the strategy called `name` from its configuration.
pub fn build(name: &str, config: &StrategiesConfig) -> Option<Box<dyn Strategy>> {
    match name {
        "sma-cross" => Some(Box::new(SmaCross::new(config.sma_cross.clone()))),
        "grid" => Some(Box::new(Grid::new(config.grid.clone()))),
        _ => None,
    }
}

/// Rounds `value` down to a multiple of `step` (a zero step leaves it as is).
pub(crate) fn floor_to(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() { value.normalize() } else { ((value / step).floor() * step).normalize() }
}

#[cfg(test)]
mod tests;
