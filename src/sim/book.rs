//! A price ladder in integer units (ticks and lots) so every price and quantity
//! the simulator emits is on the tick/step grid by construction.

use std::collections::BTreeMap;

/// Book side, from the point of view of resting orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BookSide {
    Bid,
    Ask,
}

/// Resting quantity per price, both in integer grid units.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ladder {
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
}

impl Ladder {
    fn side(&self, side: BookSide) -> &BTreeMap<i64, i64> {
        match side {
            BookSide::Bid => &self.bids,
            BookSide::Ask => &self.asks,
        }
    }

    fn side_mut(&mut self, side: BookSide) -> &mut BTreeMap<i64, i64> {
        match side {
            BookSide::Bid => &mut self.bids,
            BookSide::Ask => &mut self.asks,
        }
    }

    /// Number of price levels on a side.
    pub(crate) fn len(&self, side: BookSide) -> usize {
        self.side(side).len()
    }

    /// Best level of a side: highest bid or lowest ask.
    pub(crate) fn best(&self, side: BookSide) -> Option<(i64, i64)> {
        let map = self.side(side);
        let entry = match side {
            BookSide::Bid => map.iter().next_back(),
            BookSide::Ask => map.iter().next(),
        };
        entry.map(|(p, q)| (*p, *q))
    }

    /// Level farthest from the top of a side.
    pub(crate) fn worst(&self, side: BookSide) -> Option<(i64, i64)> {
        let map = self.side(side);
        let entry = match side {
            BookSide::Bid => map.iter().next(),
            BookSide::Ask => map.iter().next_back(),
        };
        entry.map(|(p, q)| (*p, *q))
    }

    /// The `n`-th level from the top of a side.
    pub(crate) fn nth(&self, side: BookSide, n: usize) -> Option<(i64, i64)> {
        let map = self.side(side);
        let entry = match side {
            BookSide::Bid => map.iter().nth_back(n),
            BookSide::Ask => map.iter().nth(n),
        };
        entry.map(|(p, q)| (*p, *q))
    }

    /// Quantity resting at `price` (0 when empty).
    pub(crate) fn qty(&self, side: BookSide, price: i64) -> i64 {
        self.side(side).get(&price).copied().unwrap_or(0)
    }

    /// Sets the absolute quantity at a level; 0 removes it (Binance diff semantics).
    pub(crate) fn set(&mut self, side: BookSide, price: i64, qty: i64) {
        if qty > 0 {
            self.side_mut(side).insert(price, qty);
        } else {
            self.side_mut(side).remove(&price);
        }
    }

    /// Up to `limit` levels from the top of a side, best first.
    pub(crate) fn top(&self, side: BookSide, limit: usize) -> Vec<(i64, i64)> {
        let map = self.side(side);
        match side {
            BookSide::Bid => map.iter().rev().take(limit).map(|(p, q)| (*p, *q)).collect(),
            BookSide::Ask => map.iter().take(limit).map(|(p, q)| (*p, *q)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_worst_and_removal_follow_side_order() {
        let mut l = Ladder::default();
        for (p, q) in [(100, 1), (99, 2), (98, 3)] {
            l.set(BookSide::Bid, p, q);
        }
        for (p, q) in [(101, 4), (102, 5)] {
            l.set(BookSide::Ask, p, q);
        }
        assert_eq!(l.best(BookSide::Bid), Some((100, 1)));
        assert_eq!(l.worst(BookSide::Bid), Some((98, 3)));
        assert_eq!(l.best(BookSide::Ask), Some((101, 4)));
        assert_eq!(l.nth(BookSide::Bid, 1), Some((99, 2)));
        assert_eq!(l.top(BookSide::Ask, 5), vec![(101, 4), (102, 5)]);
        l.set(BookSide::Bid, 100, 0);
        assert_eq!(l.best(BookSide::Bid), Some((99, 2)));
        assert_eq!(l.qty(BookSide::Bid, 100), 0);
        assert_eq!(l.len(BookSide::Bid), 2);
    }
}
