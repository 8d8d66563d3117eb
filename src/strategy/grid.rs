//! Grid: limit buys on a ladder below the first mid seen and limit sells on
//! a ladder above it (for what is held); whenever a rung has no working
//! order, propose one again. A range-trading strategy, and a good exercise of
//! resting limit orders in paper mode.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Strategy, StrategyContext, floor_to};
use crate::domain::{OrderIntent, OrderType, Origin, Side, Symbol};
use crate::market::MarketEvent;

/// `[strategies.grid]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GridConfig {
    pub symbol: Symbol,
    /// Rungs on each side of the centre.
    pub levels: u32,
    /// Distance between rungs, in percent of the centre price.
    pub spacing_pct: Decimal,
    /// Base quantity per rung.
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

    fn rung(&self, centre: Decimal, side: Side, k: u32, tick: Decimal) -> Decimal {
        let offset = centre * self.config.spacing_pct / Decimal::ONE_HUNDRED * Decimal::from(k);
        let raw = match side {
            Side::Buy => centre - offset,
            Side::Sell => centre + offset,
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
        let qty = floor_to(self.config.qty, ctx.instrument.step_size);
        if qty.is_zero() {
            return Vec::new();
        }
        let working_sells = ctx.working.iter().filter(|(s, _)| *s == Side::Sell).count();
        let mut sellable = ctx.position_qty - Decimal::from(working_sells) * qty;
        let mut intents = Vec::new();
        for k in 1..=self.config.levels {
            for side in [Side::Buy, Side::Sell] {
                let price = self.rung(centre, side, k, tick);
                let working = ctx.working.iter().any(|(s, p)| *s == side && *p == Some(price));
                if working || price <= Decimal::ZERO {
                    continue;
                }
                if side == Side::Sell {
                    if sellable < qty {
                        continue;
                    }
                    sellable -= qty;
                }
                intents.push(OrderIntent {
                    symbol: self.config.symbol.clone(),
                    side,
                    order_type: OrderType::Limit,
                    qty,
                    price: Some(price),
                    origin: Origin::Strategy(self.name().to_owned()),
                });
            }
        }
        intents
    }
}
