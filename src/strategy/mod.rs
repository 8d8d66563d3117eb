//! Strategies propose orders; they never send them. Every intent a strategy
//! returns goes through the same gate (and, in confirm mode, the same
//! person) as a typed order.

// Input (prices, quantities, balances, config) reaches the arithmetic here:
// every operation is checked, or allowed locally with the reason it cannot overflow.
#![deny(clippy::arithmetic_side_effects)]

mod grid;
mod sma_cross;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Instrument, OrderIntent, Side};
use crate::market::MarketEvent;

pub use grid::{Grid, GridConfig};
pub use sma_cross::{SmaCross, SmaCrossConfig};

/// What a strategy may know about the account when it decides.
#[derive(Debug, Clone)]
pub struct StrategyContext<'a> {
    /// The instrument the strategy trades (tick and step sizes).
    pub instrument: &'a Instrument,
    /// Base asset held (free + locked).
    pub position_qty: Decimal,
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

/// Configuration of the built-in strategies and their proposals
/// (`[strategies]` in the config file). Every value is checked as it is read,
/// so a bad one is reported with its line and column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategiesConfig {
    /// A proposal nobody answers within this many milliseconds expires
    /// (1000 ..= 3600000; default 30000).
    #[serde(deserialize_with = "proposal_ttl")]
    pub proposal_ttl_ms: i64,
    /// After a person rejects a proposal, the same strategy's proposals of
    /// that side and price are dropped for this many milliseconds
    /// (0 ..= 86400000; default 300000).
    #[serde(deserialize_with = "reject_mute")]
    pub reject_mute_ms: i64,
    #[serde(rename = "sma-cross", deserialize_with = "validated")]
    pub sma_cross: SmaCrossConfig,
    #[serde(deserialize_with = "validated")]
    pub grid: GridConfig,
}

impl Default for StrategiesConfig {
    fn default() -> Self {
        Self {
            proposal_ttl_ms: 30_000,
            reject_mute_ms: 300_000,
            sma_cross: SmaCrossConfig::default(),
            grid: GridConfig::default(),
        }
    }
}

/// A strategy configuration that can say what is wrong with it.
trait Validate {
    fn validate(&self) -> Result<(), String>;
}

fn validated<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Validate>(d: D) -> Result<T, D::Error> {
    let value = T::deserialize(d)?;
    value.validate().map_err(serde::de::Error::custom)?;
    Ok(value)
}

/// Reads a strategy quantity: above zero and at most [`MAX_STRATEGY_QTY`].
pub(crate) fn strategy_qty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let qty = <Decimal as Deserialize>::deserialize(d)?;
    check_qty("qty", qty).map_err(serde::de::Error::custom)?;
    Ok(qty)
}

fn proposal_ttl<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    crate::config::ranges::PROPOSAL_TTL_MS.read(d, "proposal_ttl_ms")
}

fn reject_mute<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    crate::config::ranges::REJECT_MUTE_MS.read(d, "reject_mute_ms")
}

/// A quantity a strategy may trade: above zero, at most this.
const MAX_STRATEGY_QTY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

fn check_qty(key: &str, qty: Decimal) -> Result<(), String> {
    if qty > Decimal::ZERO && qty <= MAX_STRATEGY_QTY {
        Ok(())
    } else {
        Err(format!("{key} = {qty} is out of range: allowed above 0 and at most {MAX_STRATEGY_QTY}"))
    }
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

/// Rounds `value` down to a multiple of `step` (a zero step leaves it as
/// is); `None` if that overflows.
pub(crate) fn floor_to(value: Decimal, step: Decimal) -> Option<Decimal> {
    if step.is_zero() {
        return Some(value.normalize());
    }
    Some(value.checked_div(step)?.floor().checked_mul(step)?.normalize())
}

#[cfg(test)]
mod tests;
