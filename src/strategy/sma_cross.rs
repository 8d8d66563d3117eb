//! Moving-average crossover: buy when the fast average of sampled prices
//! crosses above the slow one, sell what is held when it crosses below.

use std::collections::VecDeque;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Strategy, StrategyContext, Validate, check_qty, floor_to};
use crate::domain::{OrderIntent, OrderType, Origin, Side, Symbol, TimestampMs};
use crate::market::MarketEvent;

/// `[strategies.sma-cross]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmaCrossConfig {
    pub symbol: Symbol,
    /// Base quantity bought on a bullish cross.
    #[serde(deserialize_with = "super::strategy_qty")]
    pub qty: Decimal,
    /// Samples in the fast average (at least 1, fewer than `slow`).
    #[serde(deserialize_with = "fast")]
    pub fast: usize,
    /// Samples in the slow average (at most 10000).
    #[serde(deserialize_with = "slow")]
    pub slow: usize,
    /// One price sample per this many milliseconds (100 ..= 86400000).
    #[serde(deserialize_with = "sample_ms")]
    pub sample_ms: i64,
}

fn fast<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    crate::config::in_range(d, "fast", 1, MAX_SLOW)
}

fn slow<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    crate::config::in_range(d, "slow", 2, MAX_SLOW)
}

fn sample_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    crate::config::ranges::SMA_SAMPLE_MS.read(d, "sample_ms")
}

/// Most samples in the slow average.
const MAX_SLOW: usize = 10_000;

/// The whole table's check (also what only the whole table can tell, which
/// is reported at the table's header).
impl Validate for SmaCrossConfig {
    fn validate(&self) -> Result<(), String> {
        if self.fast == 0 || self.fast >= self.slow {
            return Err(format!(
                "sma-cross.fast = {} is out of range: at least 1 and below slow ({})",
                self.fast, self.slow
            ));
        }
        if self.slow > MAX_SLOW {
            return Err(format!("sma-cross.slow = {} is out of range: at most {MAX_SLOW}", self.slow));
        }
        if !(100..=86_400_000).contains(&self.sample_ms) {
            return Err(format!(
                "sma-cross.sample_ms = {} is out of range: allowed 100 ..= 86400000",
                self.sample_ms
            ));
        }
        check_qty("sma-cross.qty", self.qty)
    }
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

    /// The mean of the last `n` samples; `None` until there are `n`, or if
    /// the sum overflows (hostile prices propose nothing).
    fn average(&self, n: usize) -> Option<Decimal> {
        if n == 0 || self.samples.len() < n {
            return None;
        }
        let sum = self.samples.iter().rev().take(n).try_fold(Decimal::ZERO, |acc, p| acc.checked_add(*p))?;
        sum.checked_div(Decimal::from(n))
    }

    fn intent(&self, side: Side, qty: Decimal) -> OrderIntent {
        OrderIntent {
            symbol: self.config.symbol.clone(),
            side,
            order_type: OrderType::Market,
            qty,
            price: None,
            origin: Origin::Strategy(self.name().to_owned()),
            tif: crate::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
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
        if self.last_sample_ms.is_some_and(|t| trade.ts_ms.saturating_sub(t) < self.config.sample_ms) {
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
            true if ctx.position_qty.is_zero() => floor_to(self.config.qty, step)
                .filter(|q| !q.is_zero())
                .map(|q| self.intent(Side::Buy, q))
                .into_iter()
                .collect(),
            false if ctx.position_qty > Decimal::ZERO => floor_to(ctx.position_qty, step)
                .filter(|q| !q.is_zero())
                .map(|q| self.intent(Side::Sell, q))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }
}
