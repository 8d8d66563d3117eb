//! Grid: limit buys on a ladder below the first mid seen and limit sells on
//! a ladder above it (for what is held); whenever a rung has no working
//! order, propose one again. A range-trading strategy, and a good exercise of
//! resting limit orders in paper mode.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Strategy, StrategyContext, Validate, check_qty, floor_to};
use crate::domain::{OrderIntent, OrderType, Origin, Side, Symbol};
use crate::market::MarketEvent;

/// Most rungs on each side.
const MAX_LEVELS: u32 = crate::config::ranges::GRID_LEVELS.high;

/// `[strategies.grid]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GridConfig {
    pub symbol: Symbol,
    /// Rungs on each side of the centre (1 ..= 50).
    #[serde(deserialize_with = "levels")]
    pub levels: u32,
    /// Distance between rungs, in percent of the centre price (above 0; the
    /// lowest rung, levels × spacing_pct, must stay below 100 %).
    pub spacing_pct: Decimal,
    /// Base quantity per rung.
    #[serde(deserialize_with = "super::strategy_qty")]
    pub qty: Decimal,
}

impl Default for GridConfig {
    fn default() -> Self {
        Self {
            symbol: Symbol::new("BTCUSDT").unwrap_or_else(|_| unreachable!("literal symbol is valid")),
            levels: 3,
            spacing_pct: Decimal::new(1, 1),
            qty: Decimal::new(1, 3),
        }
    }
}

fn levels<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    crate::config::ranges::GRID_LEVELS.read(d, "levels")
}

/// The whole table's check (also what only the whole table can tell, which
/// is reported at the table's header).
impl Validate for GridConfig {
    fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_LEVELS).contains(&self.levels) {
            return Err(format!("grid.levels = {} is out of range: allowed 1 ..= {MAX_LEVELS}", self.levels));
        }
        let depth = self.spacing_pct.checked_mul(Decimal::from(self.levels));
        if self.spacing_pct <= Decimal::ZERO || depth.is_none_or(|d| d >= Decimal::ONE_HUNDRED) {
            return Err(format!(
                "grid.spacing_pct = {} is out of range: above 0, and levels × spacing_pct below 100",
                self.spacing_pct
            ));
        }
        check_qty("grid.qty", self.qty)
    }
}

/// The grid strategy state.
#[derive(Debug)]
pub struct Grid {
    config: GridConfig,
    centre: Option<Decimal>,
}

impl Grid {
    /// A grid that centres itself on the first mid price it sees.
    pub fn new(config: GridConfig) -> Self {
        Self { config, centre: None }
    }

    /// The price of rung `k` on `side`, on the tick grid; `None` if it
    /// overflows (a hostile centre price proposes nothing).
    fn rung(&self, centre: Decimal, side: Side, k: u32, tick: Decimal) -> Option<Decimal> {
        let offset = centre
            .checked_mul(self.config.spacing_pct)?
            .checked_div(Decimal::ONE_HUNDRED)?
            .checked_mul(Decimal::from(k))?;
        let raw = match side {
            Side::Buy => centre.checked_sub(offset)?,
            Side::Sell => centre.checked_add(offset)?,
        };
        floor_to(raw, tick)
    }
}

impl Strategy for Grid {
    fn name(&self) -> &'static str {
        "grid"
    }

    fn symbol(&self) -> &Symbol {
        &self.config.symbol
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>) -> Vec<OrderIntent> {
        let MarketEvent::Book(book) = event else { return Vec::new() };
        if book.symbol != self.config.symbol {
            return Vec::new();
        }
        let Some(centre) = self.centre.or_else(|| book.mid()) else { return Vec::new() };
        self.centre = Some(centre);
        let tick = ctx.instrument.tick_size;
        let Some(qty) = floor_to(self.config.qty, ctx.instrument.step_size).filter(|q| !q.is_zero()) else {
            return Vec::new();
        };
        let working_sells = ctx.working.iter().filter(|(s, _)| *s == Side::Sell).count();
        let committed = Decimal::from(working_sells).checked_mul(qty).unwrap_or(Decimal::MAX);
        let mut sellable = ctx.position_qty.saturating_sub(committed);
        let mut intents = Vec::new();
        for k in 1..=self.config.levels {
            for side in [Side::Buy, Side::Sell] {
                let Some(price) = self.rung(centre, side, k, tick) else { continue };
                let working = ctx.working.iter().any(|(s, p)| *s == side && *p == Some(price));
                if working || price <= Decimal::ZERO {
                    continue;
                }
                if side == Side::Sell {
                    if sellable < qty {
                        continue;
                    }
                    sellable = sellable.saturating_sub(qty);
                }
                intents.push(OrderIntent {
                    symbol: self.config.symbol.clone(),
                    side,
                    order_type: OrderType::Limit,
                    qty,
                    price: Some(price),
                    origin: Origin::Strategy(self.name().to_owned()),
                    tif: crate::domain::TimeInForce::Gtc,
                    post_only: false,
                    quote_qty: None,
                    stop: None,
                });
            }
        }
        intents
    }
}
