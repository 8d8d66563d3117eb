//! A local L2 order book: absolute quantity per price level, both sides.
//!
//! Plain data, no sequencing rules: [`super::sync::BookSync`] decides *whether*
//! an update may be applied; this type only applies it.
//!
//! Each side is a sorted `Vec` with the best level at the *end*: almost all
//! updates touch levels near the top, so a binary search plus a short
//! `memmove` beats a `BTreeMap` (measured in `benches/depth_ingest.rs`).

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::market::Level;

/// Price → quantity for bids and asks, plus the exchange update id the book
/// reflects. Zero-quantity levels are never stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderBook {
    /// Ascending by price: best (highest) bid last.
    bids: Vec<Level>,
    /// Descending by price: best (lowest) ask last.
    asks: Vec<Level>,
    update_id: u64,
}

impl OrderBook {
    /// A book set to a snapshot taken at `update_id` (sorted once, not
    /// inserted level by level: snapshots hold up to 5000 levels a side).
    pub fn from_snapshot(update_id: u64, bids: &[Level], asks: &[Level]) -> Self {
        Self {
            bids: sorted_side(bids, |held, new| held.cmp(new)),
            asks: sorted_side(asks, |held, new| new.cmp(held)),
            update_id,
        }
    }

    /// Sets each level's absolute quantity (zero removes it; removing an
    /// absent level is a no-op) and records `update_id`.
    pub fn apply(&mut self, bids: &[Level], asks: &[Level], update_id: u64) {
        set_levels(&mut self.bids, bids, |held, new| held.cmp(new));
        set_levels(&mut self.asks, asks, |held, new| new.cmp(held));
        self.update_id = update_id;
    }

    /// The exchange update id this book is in sync with.
    pub fn update_id(&self) -> u64 {
        self.update_id
    }

    /// Bids, best (highest) first.
    pub fn bids(&self) -> impl Iterator<Item = Level> + '_ {
        self.bids.iter().rev().copied()
    }

    /// Asks, best (lowest) first.
    pub fn asks(&self) -> impl Iterator<Item = Level> + '_ {
        self.asks.iter().rev().copied()
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

/// One side from unordered levels: sorted by `order`, a repeated price keeps
/// its last quantity, zero quantities dropped (same result as applying in order).
fn sorted_side(levels: &[Level], order: impl Fn(&Decimal, &Decimal) -> Ordering) -> Vec<Level> {
    let mut sorted = levels.to_vec();
    sorted.sort_by(|a, b| order(&a.price, &b.price)); // stable: equal prices keep input order
    let mut side: Vec<Level> = Vec::with_capacity(sorted.len());
    for level in sorted {
        match side.last_mut() {
            Some(last) if last.price == level.price => last.qty = level.qty,
            _ => side.push(level),
        }
    }
    side.retain(|l| !l.qty.is_zero());
    side
}

/// Sets absolute quantities on one side kept sorted by `order` (best last).
fn set_levels(side: &mut Vec<Level>, levels: &[Level], order: impl Fn(&Decimal, &Decimal) -> Ordering) {
    for level in levels {
        match side.binary_search_by(|held| order(&held.price, &level.price)) {
            Ok(i) if level.qty.is_zero() => {
                side.remove(i);
            }
            Ok(i) => side[i].qty = level.qty,
            Err(_) if level.qty.is_zero() => {}
            Err(i) => side.insert(i, *level),
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
