//! The synthetic market: pure and synchronous, driven only by a step counter and a
//! seeded RNG, so the same seed replays the same events whatever the wall clock does.
//!
//! Each step picks one symbol and lets its hidden fair value random-walk; resting
//! liquidity is added near the fair value, cancelled or trimmed, and takers consume
//! the top of book (always when the fair value crosses it, sometimes at random).
//! Every step that changes the book is one update id, so the diff stream's U/u are
//! contiguous per symbol, exactly what a Binance client checks.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::Symbol;
use crate::market::Level;

use super::SimError;
use super::book::{BookSide, Ladder};
use super::spec::SymbolSpec;

/// Fewer levels than this on a side and the step refills it.
const MIN_LEVELS: usize = 20;
/// More levels than this on a side and the farthest is cancelled.
const MAX_LEVELS: usize = 400;
/// Levels per side in the opening book.
const OPENING_LEVELS: usize = 60;
/// Typical resting notional per order, in quote units.
const ORDER_NOTIONAL: i64 = 2_000;

/// A public trade: one maker level hit by a taker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTrade {
    pub symbol: Symbol,
    pub id: u64,
    pub price: Decimal,
    pub qty: Decimal,
    /// Binance's `m`: true when the seller was the taker.
    pub buyer_is_maker: bool,
}

/// One book update: absolute quantities per changed level (0 = removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthDiff {
    pub symbol: Symbol,
    pub update_id: u64,
    /// Changed bid levels, best first.
    pub bids: Vec<Level>,
    /// Changed ask levels, best first.
    pub asks: Vec<Level>,
}

/// What one step produced, in order: trades first, then the book change they caused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimEvent {
    Trade(SimTrade),
    Depth(DepthDiff),
}

/// A consistent view of a book: the levels as of `last_update_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthSnapshot {
    pub last_update_id: u64,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// State of one symbol's book, in integer grid units.
#[derive(Debug, Clone)]
struct SymbolBook {
    spec: SymbolSpec,
    ladder: Ladder,
    fair: i64,
    floor: i64,
    ceiling: i64,
    vol: i64,
    span: i64,
    base_lots: i64,
    update_id: u64,
    next_trade_id: u64,
}

/// The seeded synthetic market over several symbols.
#[derive(Debug)]
pub struct SimMarket {
    rng: StdRng,
    books: Vec<SymbolBook>,
    steps: u64,
}

impl SimMarket {
    /// Opens a market on `specs`, seeded by `seed`.
    pub fn new(seed: u64, specs: Vec<SymbolSpec>) -> Result<Self, SimError> {
        if specs.is_empty() {
            return Err(SimError::NoSymbols);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut books = Vec::with_capacity(specs.len());
        for spec in specs {
            spec.validate()?;
            if books.iter().any(|b: &SymbolBook| b.spec.instrument.symbol == spec.instrument.symbol) {
                return Err(SimError::InvalidSpec {
                    symbol: spec.instrument.symbol.to_string(),
                    why: "listed twice".into(),
                });
            }
            books.push(SymbolBook::open(spec, &mut rng)?);
        }
        Ok(Self { rng, books, steps: 0 })
    }

    /// Advances the market by one step and returns what happened.
    pub fn step(&mut self) -> Vec<SimEvent> {
        self.steps += 1;
        let idx = self.rng.random_range(0..self.books.len());
        self.books[idx].step(&mut self.rng)
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The listed symbols, in listing order.
    pub fn specs(&self) -> impl Iterator<Item = &SymbolSpec> {
        self.books.iter().map(|b| &b.spec)
    }

    /// Listing index of `symbol`.
    pub fn index_of(&self, symbol: &Symbol) -> Option<usize> {
        self.books.iter().position(|b| &b.spec.instrument.symbol == symbol)
    }

    /// Up to `limit` levels per side of a book, consistent with its update id.
    pub fn snapshot(&self, idx: usize, limit: usize) -> Option<DepthSnapshot> {
        let b = self.books.get(idx)?;
        Some(DepthSnapshot {
            last_update_id: b.update_id,
            bids: b.levels(BookSide::Bid, limit),
            asks: b.levels(BookSide::Ask, limit),
        })
    }

    /// Best bid and best ask with the book's update id.
    pub fn top_of_book(&self, idx: usize) -> Option<(u64, Level, Level)> {
        let b = self.books.get(idx)?;
        let bid = b.levels(BookSide::Bid, 1).into_iter().next()?;
        let ask = b.levels(BookSide::Ask, 1).into_iter().next()?;
        Some((b.update_id, bid, ask))
    }
}

/// How much a client's taker order may take: base lots, or quote to spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TakeBudget {
    Lots(i64),
    Quote(Decimal),
}

/// One level a client's taker order took: price in ticks, lots, the trade's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Taken {
    pub ticks: i64,
    pub lots: i64,
    pub trade_id: u64,
}

impl SimMarket {
    /// What a taker order would take from the book without taking it: levels
    /// of the side a `buy` (asks) or sell (bids) meets, within `limit` ticks,
    /// up to `budget`. `(ticks, lots)` per level, best first.
    pub(crate) fn peek_take(
        &self,
        idx: usize,
        buy: bool,
        limit: Option<i64>,
        budget: TakeBudget,
    ) -> Vec<(i64, i64)> {
        let Some(book) = self.books.get(idx) else { return Vec::new() };
        book.plan_take(buy, limit, budget)
    }

    /// Takes what [`SimMarket::peek_take`] shows, as trades against the book:
    /// the public trades and the depth change they cause come back as events
    /// (one update id), exactly like a market step's.
    pub(crate) fn take(
        &mut self,
        idx: usize,
        buy: bool,
        limit: Option<i64>,
        budget: TakeBudget,
    ) -> (Vec<Taken>, Vec<SimEvent>) {
        let Some(book) = self.books.get_mut(idx) else { return (Vec::new(), Vec::new()) };
        let plan = book.plan_take(buy, limit, budget);
        let side = if buy { BookSide::Ask } else { BookSide::Bid };
        let (mut trades, mut touched, mut taken) = (Vec::new(), Vec::new(), Vec::new());
        for (ticks, lots) in plan {
            let resting = book.ladder.qty(side, ticks);
            book.fill(side, ticks, resting, lots, &mut trades, &mut touched);
            if let Some(trade) = trades.last() {
                taken.push(Taken { ticks, lots, trade_id: trade.id });
            }
        }
        (taken, book.emit(trades, touched))
    }

    /// A fresh trade id on `idx` (for a resting client order filled as maker).
    pub(crate) fn next_trade_id(&mut self, idx: usize) -> Option<u64> {
        let book = self.books.get_mut(idx)?;
        let id = book.next_trade_id;
        book.next_trade_id += 1;
        Some(id)
    }

    /// Best bid and ask of `idx` in ticks.
    pub(crate) fn top_ticks(&self, idx: usize) -> Option<(Option<i64>, Option<i64>)> {
        let b = self.books.get(idx)?;
        Some((b.ladder.best(BookSide::Bid).map(|l| l.0), b.ladder.best(BookSide::Ask).map(|l| l.0)))
    }
}

impl SymbolBook {
    /// The levels a taker would take, within `limit` and `budget`.
    fn plan_take(&self, buy: bool, limit: Option<i64>, budget: TakeBudget) -> Vec<(i64, i64)> {
        let side = if buy { BookSide::Ask } else { BookSide::Bid };
        let mut plan = Vec::new();
        let (mut lots_left, mut quote_left) = match budget {
            TakeBudget::Lots(lots) => (lots, None),
            TakeBudget::Quote(quote) => (i64::MAX, Some(quote)),
        };
        for (ticks, resting) in self.ladder.top(side, MAX_LEVELS) {
            let within = limit.is_none_or(|l| if buy { ticks <= l } else { ticks >= l });
            if !within || lots_left <= 0 {
                break;
            }
            let mut lots = lots_left.min(resting);
            if let Some(quote) = quote_left {
                // Checked: the quote amount comes from a client.
                let lot_cost = self.price(ticks).checked_mul(self.spec.instrument.step_size);
                // More lots than an i64 holds is "all of them"; a zero lot cost cannot happen.
                let affordable = lot_cost
                    .and_then(|c| quote.checked_div(c))
                    .map_or(i64::MAX, |n| n.floor().to_i64().unwrap_or(i64::MAX));
                lots = lots.min(affordable);
                let spent = lot_cost.and_then(|c| c.checked_mul(Decimal::from(lots)));
                let (true, Some(spent)) = (lots > 0, spent) else { break };
                quote_left = quote.checked_sub(spent);
            }
            plan.push((ticks, lots));
            lots_left -= lots;
        }
        plan
    }

    fn open(spec: SymbolSpec, rng: &mut StdRng) -> Result<Self, SimError> {
        let i = &spec.instrument;
        let invalid = |why: &str| SimError::InvalidSpec { symbol: i.symbol.to_string(), why: why.into() };
        let start = (spec.start_price / i.tick_size).to_i64().ok_or_else(|| invalid("price out of range"))?;
        let lots = Decimal::from(ORDER_NOTIONAL) / (spec.start_price * i.step_size);
        let base_lots = lots.floor().to_i64().ok_or_else(|| invalid("step out of range"))?.max(1);
        let vol = (start / 20_000).max(1);
        let mut book = Self {
            ladder: Ladder::default(),
            fair: start,
            floor: start / 2,
            ceiling: start.saturating_mul(2),
            vol,
            span: (vol * 6).max(30),
            base_lots,
            update_id: rng.random_range(1_000_000..100_000_000),
            next_trade_id: rng.random_range(100_000..10_000_000),
            spec,
        };
        let mut scratch = Vec::new();
        for _ in 0..OPENING_LEVELS * 2 {
            book.add(BookSide::Bid, rng, &mut scratch);
            book.add(BookSide::Ask, rng, &mut scratch);
        }
        Ok(book)
    }

    fn step(&mut self, rng: &mut StdRng) -> Vec<SimEvent> {
        let mut touched = Vec::new();
        let mut trades = Vec::new();
        if rng.random_bool(0.3) {
            self.fair = (self.fair + rng.random_range(-self.vol..=self.vol)).clamp(self.floor, self.ceiling);
        }
        let crossed_ask = self.ladder.best(BookSide::Ask).is_some_and(|(p, _)| p <= self.fair);
        let crossed_bid = self.ladder.best(BookSide::Bid).is_some_and(|(p, _)| p > self.fair);
        if crossed_ask {
            self.sweep_through_fair(BookSide::Ask, &mut trades, &mut touched);
        } else if crossed_bid {
            self.sweep_through_fair(BookSide::Bid, &mut trades, &mut touched);
        } else {
            let side = if rng.random_bool(0.5) { BookSide::Bid } else { BookSide::Ask };
            match rng.random_range(0..100) {
                0..50 => self.add(side, rng, &mut touched),
                50..82 => self.cancel(side, rng, &mut touched),
                _ => {
                    let qty = rng.random_range(1..=self.base_lots * 3);
                    self.take(side, qty, &mut trades, &mut touched);
                }
            }
        }
        for side in [BookSide::Bid, BookSide::Ask] {
            while self.ladder.len(side) < MIN_LEVELS {
                self.add(side, rng, &mut touched);
            }
            while self.ladder.len(side) > MAX_LEVELS {
                if let Some((p, _)) = self.ladder.worst(side) {
                    self.ladder.set(side, p, 0);
                    touched.push((side, p));
                }
            }
        }
        self.emit(trades, touched)
    }

    /// Adds one resting order on `side` at a near-fair distance; never crosses because
    /// bids rest at or below fair and asks above it, while the book keeps bid <= fair < ask.
    fn add(&mut self, side: BookSide, rng: &mut StdRng, touched: &mut Vec<(BookSide, i64)>) {
        let (a, b) = (rng.random_range(0..=self.span), rng.random_range(0..=self.span));
        let dist = a * b / self.span;
        let price = match side {
            BookSide::Bid => self.fair - dist,
            BookSide::Ask => self.fair + 1 + dist,
        };
        if price <= 0 {
            return;
        }
        let lots = (self.base_lots * rng.random_range(1..=40) / 10
            + rng.random_range(0..=self.base_lots / 4))
        .max(1);
        self.ladder.set(side, price, self.ladder.qty(side, price) + lots);
        touched.push((side, price));
    }

    /// Cancels all or part of a random level, unless the side is already thin.
    fn cancel(&mut self, side: BookSide, rng: &mut StdRng, touched: &mut Vec<(BookSide, i64)>) {
        let len = self.ladder.len(side);
        if len <= MIN_LEVELS {
            return self.add(side, rng, touched);
        }
        let Some((price, qty)) = self.ladder.nth(side, rng.random_range(0..len)) else { return };
        let left = if qty <= 1 || rng.random_bool(0.5) { 0 } else { rng.random_range(1..qty) };
        self.ladder.set(side, price, left);
        touched.push((side, price));
    }

    /// A taker consumes every `side` level on the wrong side of the fair value.
    fn sweep_through_fair(
        &mut self,
        side: BookSide,
        trades: &mut Vec<SimTrade>,
        touched: &mut Vec<(BookSide, i64)>,
    ) {
        while let Some((price, qty)) = self.ladder.best(side) {
            let crossed = match side {
                BookSide::Ask => price <= self.fair,
                BookSide::Bid => price > self.fair,
            };
            if !crossed {
                break;
            }
            self.fill(side, price, qty, qty, trades, touched);
        }
    }

    /// A taker for `lots` consumes `side` from the top, level by level.
    fn take(
        &mut self,
        side: BookSide,
        mut lots: i64,
        trades: &mut Vec<SimTrade>,
        touched: &mut Vec<(BookSide, i64)>,
    ) {
        while lots > 0 {
            let Some((price, qty)) = self.ladder.best(side) else { break };
            let fill = lots.min(qty);
            self.fill(side, price, qty, fill, trades, touched);
            lots -= fill;
        }
    }

    fn fill(
        &mut self,
        side: BookSide,
        price: i64,
        resting: i64,
        fill: i64,
        trades: &mut Vec<SimTrade>,
        touched: &mut Vec<(BookSide, i64)>,
    ) {
        self.ladder.set(side, price, resting - fill);
        touched.push((side, price));
        let id = self.next_trade_id;
        self.next_trade_id += 1;
        trades.push(SimTrade {
            symbol: self.spec.instrument.symbol.clone(),
            id,
            price: self.price(price),
            qty: self.qty(fill),
            // Resting bids hit by a seller: the buyer was the maker.
            buyer_is_maker: side == BookSide::Bid,
        });
    }

    fn emit(&mut self, trades: Vec<SimTrade>, mut touched: Vec<(BookSide, i64)>) -> Vec<SimEvent> {
        let mut events: Vec<SimEvent> = trades.into_iter().map(SimEvent::Trade).collect();
        if touched.is_empty() {
            return events;
        }
        touched.sort_unstable_by_key(|&(side, p)| {
            (side == BookSide::Ask, if side == BookSide::Bid { -p } else { p })
        });
        touched.dedup();
        self.update_id += 1;
        let level = |(side, p): &(BookSide, i64)| Level {
            price: self.price(*p),
            qty: self.qty(self.ladder.qty(*side, *p)),
        };
        events.push(SimEvent::Depth(DepthDiff {
            symbol: self.spec.instrument.symbol.clone(),
            update_id: self.update_id,
            bids: touched.iter().filter(|t| t.0 == BookSide::Bid).map(level).collect(),
            asks: touched.iter().filter(|t| t.0 == BookSide::Ask).map(level).collect(),
        }));
        events
    }

    fn levels(&self, side: BookSide, limit: usize) -> Vec<Level> {
        self.ladder
            .top(side, limit)
            .into_iter()
            .map(|(p, q)| Level { price: self.price(p), qty: self.qty(q) })
            .collect()
    }

    fn price(&self, ticks: i64) -> Decimal {
        Decimal::from(ticks) * self.spec.instrument.tick_size
    }

    fn qty(&self, lots: i64) -> Decimal {
        Decimal::from(lots) * self.spec.instrument.step_size
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn market() -> SimMarket {
        let spec = SymbolSpec::preset(&Symbol::new("BTCUSDT").unwrap()).unwrap();
        SimMarket::new(5, vec![spec]).unwrap()
    }

    #[test]
    fn a_taker_walk_removes_what_it_takes_as_trades_and_one_contiguous_diff() {
        let mut m = market();
        let before = m.snapshot(0, 3).unwrap();
        let plan = m.peek_take(0, true, None, TakeBudget::Lots(i64::MAX));
        let lots = plan[0].1 + plan[1].1 / 2;
        let (taken, events) = m.take(0, true, None, TakeBudget::Lots(lots));
        assert_eq!(taken.len(), 2);
        assert_eq!((taken[0].ticks, taken[0].lots), plan[0]);
        assert_eq!((taken[1].ticks, taken[1].lots), (plan[1].0, plan[1].1 / 2));
        assert_eq!(taken[1].trade_id, taken[0].trade_id + 1);
        let SimEvent::Trade(first) = &events[0] else { panic!("{events:?}") };
        assert_eq!((first.price, first.buyer_is_maker), (before.asks[0].price, false));
        let Some(SimEvent::Depth(diff)) = events.last() else { panic!("{events:?}") };
        assert_eq!(diff.update_id, before.last_update_id + 1);
        assert_eq!(diff.asks[0], Level { price: before.asks[0].price, qty: Decimal::ZERO });
        let after = m.snapshot(0, 3).unwrap();
        assert_eq!(after.asks[0].price, before.asks[1].price);
        assert_eq!(after.asks[0].qty, before.asks[1].qty - Decimal::from(taken[1].lots) * Decimal::new(1, 5));
    }

    #[test]
    fn a_walk_stops_at_its_limit_and_at_its_quote_budget() {
        let m = market();
        let plan = m.peek_take(0, false, None, TakeBudget::Lots(i64::MAX));
        let limited = m.peek_take(0, false, Some(plan[0].0), TakeBudget::Lots(i64::MAX));
        assert_eq!(limited, vec![plan[0]], "a sell limited at the best bid takes only that level");
        let one_lot = Decimal::from(plan[0].0) * Decimal::new(1, 2) * Decimal::new(1, 5);
        let bought = m.peek_take(0, false, None, TakeBudget::Quote(one_lot * Decimal::from(3)));
        assert_eq!(bought, vec![(plan[0].0, 3)]);
        assert!(
            m.peek_take(0, true, None, TakeBudget::Quote(Decimal::MAX)).len() > 20,
            "no overflow: all of it"
        );
    }
}
