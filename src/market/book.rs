//! A local L2 order book: absolute quantity per price level, both sides.
//!
//! Plain data, no sequencing rules: [`super::sync::BookSync`] decides *whether*
//! an update may be applied; this type only applies it.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::market::Level;

/// Price → quantity for bids and asks, plus the exchange update id the book
/// reflects. Zero-quantity levels are never stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderBook {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    update_id: u64,
}

impl OrderBook {
    /// A book set to a snapshot taken at `update_id`.
    pub fn from_snapshot(update_id: u64, bids: &[Level], asks: &[Level]) -> Self {
        let mut book = Self { update_id, ..Self::default() };
        book.apply(bids, asks, update_id);
        book
    }

    /// Sets each level's absolute quantity (zero removes it; removing an
    /// absent level is a no-op) and records `update_id`.
    pub fn apply(&mut self, bids: &[Level], asks: &[Level], update_id: u64) {
        set_levels(&mut self.bids, bids);
        set_levels(&mut self.asks, asks);
        self.update_id = update_id;
    }

    /// The exchange update id this book is in sync with.
    pub fn update_id(&self) -> u64 {
        self.update_id
    }

    /// Bids, best (highest) first.
    pub fn bids(&self) -> impl Iterator<Item = Level> + '_ {
        self.bids.iter().rev().map(|(&price, &qty)| Level { price, qty })
    }

    /// Asks, best (lowest) first.
    pub fn asks(&self) -> impl Iterator<Item = Level> + '_ {
        self.asks.iter().map(|(&price, &qty)| Level { price, qty })
    }

    /// The best `n` levels of each side: (bids descending, asks ascending).
    pub fn top(&self, n: usize) -> (Vec<Level>, Vec<Level>) {
        (self.bids().take(n).collect(), self.asks().take(n).collect())
    }

    /// Number of stored levels (bids, asks).
    pub fn depth(&self) -> (usize, usize) {
        (self.bids.len(), self.asks.len())
    }
}

fn set_levels(side: &mut BTreeMap<Decimal, Decimal>, levels: &[Level]) {
    for level in levels {
        if level.qty.is_zero() {
            side.remove(&level.price);
        } else {
            side.insert(level.price, level.qty);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(price: i64, qty: i64) -> Level {
        Level { price: Decimal::from(price), qty: Decimal::from(qty) }
    }

    /// The level test from reference §1.7 (barter-data's numbers).
    #[test]
    fn reference_level_update() {
        let mut book = OrderBook::from_snapshot(
            100,
            &[l(80, 1), l(100, 1), l(90, 1)],
            &[l(150, 1), l(110, 1), l(120, 1)],
        );
        book.apply(&[l(80, 0), l(90, 10)], &[l(200, 1), l(500, 0)], 110);
        assert_eq!(book.bids().collect::<Vec<_>>(), vec![l(100, 1), l(90, 10)]);
        assert_eq!(book.asks().collect::<Vec<_>>(), vec![l(110, 1), l(120, 1), l(150, 1), l(200, 1)]);
        assert_eq!(book.update_id(), 110);
        assert_eq!(book.top(1), (vec![l(100, 1)], vec![l(110, 1)]));
    }

    #[test]
    fn same_price_different_scale_is_one_level() {
        let mut book = OrderBook::default();
        let p1: Decimal = "64123.10".parse().unwrap_or_default();
        let p2: Decimal = "64123.10000000".parse().unwrap_or_default();
        book.apply(&[Level { price: p1, qty: Decimal::ONE }], &[], 1);
        book.apply(&[Level { price: p2, qty: Decimal::ZERO }], &[], 2);
        assert_eq!(book.depth(), (0, 0));
    }
}
