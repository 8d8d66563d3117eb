//! A local L2 order book in fixed point: absolute quantity per price level,
//! both sides, in the instrument's units ([`Scales`]).
//!
//! Plain data, no sequencing rules: [`super::sync::BookSync`] decides *whether*
//! an update may be applied; this type only applies it.
//!
//! Each side is a sorted `Vec` with the best level at the *end*, searched
//! from the best end: almost every update lands within a few dozen levels of
//! the top, so a short backward scan plus a short `memmove` beats both a
//! binary search over the whole side and a `BTreeMap` (measured in
//! `benches/depth_ingest.rs`, group `book_layout`; numbers in ARCHITECTURE.md).
//! A side keeps at most `max_levels` levels: the worst ones past the bound
//! are dropped, in batches, so the capacity reserved at creation is never
//! outgrown (no allocation after the snapshot).

use std::cmp::Ordering;

use crate::market::Level;
use crate::market::fixed::{FixedLevel, Scales};

/// Levels a side may hold past its bound before the worst are dropped in one
/// batch (dropping one at a time would move the whole side for every insert).
const TRIM_SLACK: usize = 64;

/// Price → quantity for bids and asks, plus the exchange update id the book
/// reflects. Zero-quantity levels are never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBook {
    scales: Scales,
    /// Ascending by price: best (highest) bid last.
    bids: Vec<FixedLevel>,
    /// Descending by price: best (lowest) ask last.
    asks: Vec<FixedLevel>,
    update_id: u64,
    max_levels: usize,
}

/// Which way a side is sorted; `Less` means "further from the top".
#[derive(Clone, Copy)]
enum Side {
    Bids,
    Asks,
}

impl Side {
    /// How a held price compares with `price` in the side's storage order.
    #[inline]
    fn order(self, held: u64, price: u64) -> Ordering {
        match self {
            Side::Bids => held.cmp(&price),
            Side::Asks => price.cmp(&held),
        }
    }
}

impl OrderBook {
    /// A book set to a snapshot taken at `update_id` (sorted once, not
    /// inserted level by level: snapshots hold up to 5000 levels a side),
    /// keeping at most `max_levels` (at least 1) levels a side.
    pub fn from_snapshot(
        scales: Scales,
        update_id: u64,
        bids: &[FixedLevel],
        asks: &[FixedLevel],
        max_levels: usize,
    ) -> Self {
        let max_levels = max_levels.max(1);
        Self {
            scales,
            bids: sorted_side(bids, Side::Bids, max_levels),
            asks: sorted_side(asks, Side::Asks, max_levels),
            update_id,
            max_levels,
        }
    }

    /// Sets each level's absolute quantity (zero removes it; removing an
    /// absent level is a no-op) and records `update_id`.
    #[inline]
    pub fn apply(&mut self, bids: &[FixedLevel], asks: &[FixedLevel], update_id: u64) {
        set_levels(&mut self.bids, bids, Side::Bids, self.max_levels);
        set_levels(&mut self.asks, asks, Side::Asks, self.max_levels);
        self.update_id = update_id;
    }

    /// The exchange update id this book is in sync with.
    pub fn update_id(&self) -> u64 {
        self.update_id
    }

    /// The scales the book's integers are counted in.
    pub fn scales(&self) -> &Scales {
        &self.scales
    }

    /// `Some((best bid, best ask))` in units when the bid is at or above the
    /// ask: a crossed (or locked) book, which an exchange never publishes.
    pub fn crossed(&self) -> Option<(u64, u64)> {
        let bid = self.bids.last()?.price;
        let ask = self.asks.last()?.price;
        (bid >= ask).then_some((bid, ask))
    }

    /// Bids, best (highest) first, in units.
    pub fn fixed_bids(&self) -> impl Iterator<Item = FixedLevel> + '_ {
        self.bids.iter().rev().copied()
    }

    /// Asks, best (lowest) first, in units.
    pub fn fixed_asks(&self) -> impl Iterator<Item = FixedLevel> + '_ {
        self.asks.iter().rev().copied()
    }

    /// Bids, best (highest) first, as decimals.
    pub fn bids(&self) -> impl Iterator<Item = Level> + '_ {
        self.fixed_bids().map(|l| self.decimal(l))
    }

    /// Asks, best (lowest) first, as decimals.
    pub fn asks(&self) -> impl Iterator<Item = Level> + '_ {
        self.fixed_asks().map(|l| self.decimal(l))
    }

    /// The best `n` levels of each side as decimals: (bids descending, asks ascending).
    pub fn top(&self, n: usize) -> (Vec<Level>, Vec<Level>) {
        (self.bids().take(n).collect(), self.asks().take(n).collect())
    }

    /// Number of stored levels (bids, asks).
    pub fn depth(&self) -> (usize, usize) {
        (self.bids.len(), self.asks.len())
    }

    /// A level in decimals (the edge: events, display, the gate).
    pub fn decimal(&self, level: FixedLevel) -> Level {
        Level { price: self.scales.price.to_decimal(level.price), qty: self.scales.qty.to_decimal(level.qty) }
    }
}

/// One side from unordered levels: sorted (best last), a repeated price keeps
/// its last quantity, zero quantities dropped (same result as applying in
/// order), at most `max_levels` kept; capacity for the bound plus slack.
fn sorted_side(levels: &[FixedLevel], side: Side, max_levels: usize) -> Vec<FixedLevel> {
    let mut sorted = levels.to_vec();
    sorted.sort_by(|a, b| side.order(a.price, b.price)); // stable: equal prices keep input order
    let mut out: Vec<FixedLevel> =
        Vec::with_capacity(max_levels.saturating_add(TRIM_SLACK).saturating_add(1));
    for level in sorted {
        match out.last_mut() {
            Some(last) if last.price == level.price => last.qty = level.qty,
            _ => out.push(level),
        }
    }
    out.retain(|l| l.qty != 0);
    let excess = out.len().saturating_sub(max_levels);
    out.drain(..excess);
    out
}

/// Sets absolute quantities on one side kept sorted best last.
#[inline]
fn set_levels(levels_held: &mut Vec<FixedLevel>, levels: &[FixedLevel], side: Side, max_levels: usize) {
    for level in levels {
        match find_from_top(levels_held, level.price, side) {
            Ok(i) if level.qty == 0 => {
                levels_held.remove(i);
            }
            Ok(i) => {
                if let Some(held) = levels_held.get_mut(i) {
                    held.qty = level.qty;
                }
            }
            Err(_) if level.qty == 0 => {}
            Err(i) => levels_held.insert(i, *level),
        }
    }
    if levels_held.len() > max_levels.saturating_add(TRIM_SLACK) {
        let excess = levels_held.len().saturating_sub(max_levels);
        levels_held.drain(..excess);
    }
}

/// Levels compared at once when searching a side from the top.
const BLOCK: usize = 8;

/// Where `price` is (`Ok`) or would go (`Err`) in a side sorted best last,
/// searched back from the best level: the distance to the top, not the
/// side's length, is what an update costs. The search steps back a block of
/// [`BLOCK`] levels at a time while the block's farthest level is still
/// better than `price` (one comparison per block), then counts, without
/// branching, the levels of the last block that sort below `price`.
#[inline]
fn find_from_top(levels: &[FixedLevel], price: u64, side: Side) -> Result<usize, usize> {
    // In storage order both sides ascend by `key`: a bid's price, an ask's
    // price inverted (`u64::MAX - price`). Comparing keys needs no branch.
    let mask = match side {
        Side::Bids => 0,
        Side::Asks => u64::MAX,
    };
    let key = price ^ mask;
    let mut end = levels.len();
    while let Some(start) = end.checked_sub(BLOCK) {
        match levels.get(start) {
            Some(far) if far.price ^ mask > key => end = start,
            _ => break,
        }
    }
    // `price` sorts after every level below `start` and before every level from `end` on.
    let start = end.saturating_sub(BLOCK);
    let block = levels.get(start..end).unwrap_or_default();
    let below = block.iter().filter(|held| held.price ^ mask < key).count();
    let at = start.saturating_add(below);
    match levels.get(at) {
        Some(held) if held.price == price => Ok(at),
        _ => Err(at),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn l(price: u64, qty: u64) -> FixedLevel {
        FixedLevel { price, qty }
    }

    fn book(bids: &[FixedLevel], asks: &[FixedLevel], max_levels: usize) -> OrderBook {
        OrderBook::from_snapshot(Scales::plain(0, 0), 100, bids, asks, max_levels)
    }

    /// The level test from reference §1.7 (barter-data's numbers).
    #[test]
    fn reference_level_update() {
        let mut b = book(&[l(80, 1), l(100, 1), l(90, 1)], &[l(150, 1), l(110, 1), l(120, 1)], 1000);
        b.apply(&[l(80, 0), l(90, 10)], &[l(200, 1), l(500, 0)], 110);
        assert_eq!(b.fixed_bids().collect::<Vec<_>>(), vec![l(100, 1), l(90, 10)]);
        assert_eq!(b.fixed_asks().collect::<Vec<_>>(), vec![l(110, 1), l(120, 1), l(150, 1), l(200, 1)]);
        assert_eq!(b.update_id(), 110);
        let (bids, asks) = b.top(1);
        assert_eq!((bids[0].price.to_string(), asks[0].price.to_string()), ("100".into(), "110".into()));
    }

    #[test]
    fn new_best_and_new_worst_levels_land_in_order() {
        let mut b = book(&[l(10, 1), l(20, 1)], &[l(30, 1), l(40, 1)], 1000);
        b.apply(&[l(25, 1), l(5, 1), l(15, 1)], &[l(29, 1), l(50, 1), l(35, 1)], 101);
        assert_eq!(b.fixed_bids().map(|l| l.price).collect::<Vec<_>>(), vec![25, 20, 15, 10, 5]);
        assert_eq!(b.fixed_asks().map(|l| l.price).collect::<Vec<_>>(), vec![29, 30, 35, 40, 50]);
        assert_eq!(b.crossed(), None);
        b.apply(&[l(29, 2)], &[], 102);
        assert_eq!(b.crossed(), Some((29, 29)), "a locked book counts as crossed");
    }

    /// The block search finds what a binary search over the whole side finds,
    /// for sides shorter, as long as and longer than a block, on both sides.
    #[test]
    fn block_search_agrees_with_binary_search() {
        for len in 0..=(3 * BLOCK + 1) {
            // Even prices 2..=2*len, so odd prices fall between levels.
            let ascending: Vec<FixedLevel> = (1..=len as u64).map(|p| l(2 * p, 1)).collect();
            let descending: Vec<FixedLevel> = ascending.iter().rev().copied().collect();
            for price in 0..=(2 * len as u64 + 2) {
                let bids = ascending.binary_search_by(|h| h.price.cmp(&price));
                assert_eq!(
                    find_from_top(&ascending, price, Side::Bids),
                    bids,
                    "bids len {len} price {price}"
                );
                let asks = descending.binary_search_by(|h| price.cmp(&h.price));
                assert_eq!(
                    find_from_top(&descending, price, Side::Asks),
                    asks,
                    "asks len {len} price {price}"
                );
            }
        }
    }

    #[test]
    fn sides_are_bounded_keeping_the_best_levels() {
        let bids: Vec<FixedLevel> = (1..=10).map(|p| l(p, 1)).collect();
        let mut b = book(&bids, &[], 4);
        assert_eq!(b.fixed_bids().map(|l| l.price).collect::<Vec<_>>(), vec![10, 9, 8, 7]);
        for p in 11..=(11 + TRIM_SLACK as u64 + 1) {
            b.apply(&[l(p, 1)], &[], 200);
        }
        let (kept, _) = b.depth();
        assert!(kept <= 4 + TRIM_SLACK, "{kept} levels kept");
        assert_eq!(b.fixed_bids().next().unwrap().price, 11 + TRIM_SLACK as u64 + 1);
    }
}
