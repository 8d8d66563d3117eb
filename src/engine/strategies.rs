//! The strategies the engine runs, and when each may propose.
//!
//! Two kinds of quiet, both by the strategy's name:
//! - after a *refused* proposal the whole strategy rests for [`REFUSED_REST_MS`],
//!   so one bad idea does not fill the audit log ten times a second;
//! - after a person *rejects* a proposal, that strategy's proposals of the
//!   same side and price are dropped for `[strategies] reject_mute_ms`, so a
//!   "no" is not asked again ten seconds later.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::domain::{OrderIntent, Side, Symbol, TimestampMs};
use crate::strategy::Strategy;

/// How long a strategy rests after one of its proposals was refused by the gate.
pub const REFUSED_REST_MS: i64 = 10_000;

/// A person's "no" to one side and price of a strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mute {
    strategy: String,
    side: Side,
    price: Option<Decimal>,
    until_ms: TimestampMs,
}

/// The strategies and their quiet periods.
#[derive(Default)]
pub struct StrategyRunner {
    strategies: Vec<Box<dyn Strategy>>,
    resting_until: BTreeMap<&'static str, TimestampMs>,
    mutes: Vec<Mute>,
    reject_mute_ms: i64,
}

impl StrategyRunner {
    pub fn new(strategies: Vec<Box<dyn Strategy>>, reject_mute_ms: i64) -> Self {
        Self { strategies, reject_mute_ms, ..Self::default() }
    }

    /// The names of the strategies, for the screen.
    pub fn names(&self) -> Vec<String> {
        self.strategies.iter().map(|s| s.name().to_owned()).collect()
    }

    /// The name of a strategy that trades `symbol`, if one does.
    pub fn trading(&self, symbol: &Symbol) -> Option<&str> {
        self.strategies.iter().find(|s| s.symbol() == symbol).map(|s| s.name())
    }

    /// Lends the strategies out (the engine submits their proposals while
    /// iterating, which needs `&mut` of everything else); give them back
    /// with [`StrategyRunner::put_back`].
    pub fn take(&mut self) -> Vec<Box<dyn Strategy>> {
        std::mem::take(&mut self.strategies)
    }

    pub fn put_back(&mut self, strategies: Vec<Box<dyn Strategy>>) {
        self.strategies = strategies;
    }

    /// True while `name` rests after a refused proposal.
    pub fn resting(&self, name: &str, now: TimestampMs) -> bool {
        self.resting_until.get(name).is_some_and(|until| *until > now)
    }

    /// The gate refused one of `name`'s proposals.
    pub fn rest(&mut self, name: &'static str, now: TimestampMs) {
        self.resting_until.insert(name, now.saturating_add(REFUSED_REST_MS));
    }

    /// A person rejected `intent`, proposed by `strategy`.
    pub fn mute(&mut self, strategy: &str, intent: &OrderIntent, now: TimestampMs) {
        if self.reject_mute_ms <= 0 {
            return;
        }
        self.mutes.retain(|m| m.until_ms > now);
        self.mutes.push(Mute {
            strategy: strategy.to_owned(),
            side: intent.side,
            price: intent.price,
            until_ms: now.saturating_add(self.reject_mute_ms),
        });
    }

    /// Strategies held back right now: resting after a refused proposal, or
    /// with a person's rejection muting one of their prices.
    pub fn quiet(&self, now: TimestampMs) -> Vec<String> {
        self.strategies
            .iter()
            .map(|s| s.name())
            .filter(|name| {
                self.resting(name, now) || self.mutes.iter().any(|m| m.until_ms > now && m.strategy == *name)
            })
            .map(str::to_owned)
            .collect()
    }

    /// True if a person recently rejected this side and price from `strategy`.
    pub fn muted(&self, strategy: &str, intent: &OrderIntent, now: TimestampMs) -> bool {
        self.mutes.iter().any(|m| {
            m.until_ms > now && m.strategy == strategy && m.side == intent.side && m.price == intent.price
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::{OrderType, Origin, Symbol};

    fn limit(side: Side, price: i64) -> OrderIntent {
        OrderIntent {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side,
            order_type: OrderType::Limit,
            qty: Decimal::ONE,
            price: Some(Decimal::from(price)),
            origin: Origin::Strategy("grid".into()),
            tif: crate::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
        }
    }

    #[test]
    fn a_rejection_mutes_that_side_and_price_for_the_configured_time() {
        let mut runner = StrategyRunner::new(Vec::new(), 60_000);
        runner.mute("grid", &limit(Side::Buy, 100), 1_000);
        assert!(runner.muted("grid", &limit(Side::Buy, 100), 60_999));
        assert!(!runner.muted("grid", &limit(Side::Buy, 100), 61_000));
        assert!(!runner.muted("grid", &limit(Side::Buy, 99), 2_000), "another price is asked");
        assert!(!runner.muted("grid", &limit(Side::Sell, 100), 2_000), "another side is asked");
        assert!(!runner.muted("sma-cross", &limit(Side::Buy, 100), 2_000), "another strategy is asked");
    }

    #[test]
    fn a_refusal_rests_the_strategy() {
        let mut runner = StrategyRunner::new(Vec::new(), 0);
        runner.rest("grid", 5);
        assert!(runner.resting("grid", 5 + REFUSED_REST_MS - 1));
        assert!(!runner.resting("grid", 5 + REFUSED_REST_MS));
        runner.mute("grid", &limit(Side::Buy, 1), 5);
        assert!(!runner.muted("grid", &limit(Side::Buy, 1), 5), "a zero mute time mutes nothing");
    }
}
