//! Moving-average crossover: buy when the fast average of sampled prices
//! crosses above the slow one, sell what is held when it crosses below.

use std::collections::VecDeque;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Strategy, StrategyContext, floor_to};
use crate::domain::{OrderIntent, OrderType, Origin, Side, Symbol, TimestampMs};
use crate::market::MarketEvent;

/// `[strategies.sma-cross]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmaCrossConfig {
    pub symbol: Symbol,
    /// Base quantity bought on a bullish cross.
    pub qty: Decimal,
    /// Samples in the fast average.
    pub fast: usize,
    /// Samples in the slow average.
    pub slow: usize,
    /// One price sample per this many milliseconds.
    pub sample_ms: i64,
}

impl Default for SmaCrossConfig {
    fn default() -> Self {
        Self {
            symbol: Symbol::new("BTCUSDT").unwrap_or_else(|_| unreachable!("literal symbol is valid")),
            qty: Decimal::new(1, 3),
            fast: 5,
            slow: 20,
            sample_ms: 1_000,
        }
    }
}

/// The sma-cross strategy state.
#[derive(Debug)]
pub struct SmaCross {
    config: SmaCrossConfig,
    samples: VecDeque<Decimal>,
    last_sample_ms: Option<TimestampMs>,
    /// Whether fast was above slow at the previous sample.
    fast_above: Option<bool>,
}

impl SmaCross {
    /// A strategy with no history yet.
    pub fn new(config: SmaCrossConfig) -> Self {
        Self { config, samples: VecDeque::new(), last_sample_ms: None, fast_above: None }
    }

    fn average(&self, n: usize) -> Option<Decimal> {
        (n > 0 && self.samples.len() >= n)
            .then(|| self.samples.iter().rev().take(n).sum::<Decimal>() / Decimal::from(n))
    }

    fn intent(&self, side: Side, qty: Decimal) -> OrderIntent {
        OrderIntent {
            symbol: self.config.symbol.clone(),
            side,
            order_type: OrderType::Market,
            qty,
            price: None,
            origin: Origin::Strategy(self.name().to_owned()),
        }
    }
}

impl Strategy for SmaCross {
    fn name(&self) -> &'static str {
        "sma-cross"
    }

    fn symbol(&self) -> &Symbol {
        &self.config.symbol
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>) -> Vec<OrderIntent> {
        let MarketEvent::Trade(trade) = event else { return Vec::new() };
        if trade.symbol != self.config.symbol {
            return Vec::new();
        }
        if self.last_sample_ms.is_some_and(|t| trade.ts_ms - t < self.config.sample_ms) {
            return Vec::new();
        }
        self.last_sample_ms = Some(trade.ts_ms);
        self.samples.push_back(trade.price);
        while self.samples.len() > self.config.slow.max(self.config.fast) {
            self.samples.pop_front();
        }
        let (Some(fast), Some(slow)) = (self.average(self.config.fast), self.average(self.config.slow))
        else {
            return Vec::new();
        };
        let above = fast > slow;
        let crossed = self.fast_above.is_some_and(|was| was != above);
        self.fast_above = Some(above);
        if !crossed || !ctx.working.is_empty() {
            return Vec::new();
        }
        let step = ctx.instrument.step_size;
        match above {
            true if ctx.position_qty.is_zero() => {
                vec![self.intent(Side::Buy, floor_to(self.config.qty, step))]
            }
            false if ctx.position_qty > Decimal::ZERO => {
                let qty = floor_to(ctx.position_qty, step);
                if qty.is_zero() { Vec::new() } else { vec![self.intent(Side::Sell, qty)] }
            }
            _ => Vec::new(),
        }
    }
}
