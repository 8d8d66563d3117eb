//! Candles (klines), the 24 h ticker and the trade tape in normalized form.
//!
//! Shape chosen: the feed subscribes to one `<symbol>@kline_<interval>` stream
//! per interval (six per symbol) rather than rolling 5m…1d up from 1m. Binance
//! already aggregates; taking its numbers means the chart always agrees with
//! the exchange's own (a roll-up from 1m would double count the minute that
//! straddles a REST backfill, and costs the same in code). Each series keeps
//! at most [`CandleSeries::CAPACITY`] candles, oldest dropped first.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Side, TimestampMs};

/// The chart timeframes, shortest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Interval {
    #[serde(rename = "1m")]
    M1,
    #[serde(rename = "5m")]
    M5,
    #[serde(rename = "15m")]
    M15,
    #[serde(rename = "1h")]
    H1,
    #[serde(rename = "4h")]
    H4,
    #[serde(rename = "1d")]
    D1,
}

impl Interval {
    /// Every timeframe, shortest first (the order the chart cycles through).
    pub const ALL: [Interval; 6] =
        [Interval::M1, Interval::M5, Interval::M15, Interval::H1, Interval::H4, Interval::D1];

    /// Binance's name (`1m`, `4h`, `1d`), as in `@kline_<interval>` and `interval=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::M1 => "1m",
            Interval::M5 => "5m",
            Interval::M15 => "15m",
            Interval::H1 => "1h",
            Interval::H4 => "4h",
            Interval::D1 => "1d",
        }
    }

    /// The interval named `name`, if it is one of [`Interval::ALL`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == name)
    }

    /// Length in milliseconds.
    pub fn ms(self) -> i64 {
        const MINUTE: i64 = 60_000;
        match self {
            Interval::M1 => MINUTE,
            Interval::M5 => 5 * MINUTE,
            Interval::M15 => 15 * MINUTE,
            Interval::H1 => 60 * MINUTE,
            Interval::H4 => 240 * MINUTE,
            Interval::D1 => 1440 * MINUTE,
        }
    }

    /// Open time of the candle containing `ts` (UTC-aligned, as Binance's).
    pub fn open_time(self, ts: TimestampMs) -> TimestampMs {
        // `rem_euclid` is in [0, ms): only a timestamp within one interval of
        // i64::MIN could go below it, and then the earliest time is the answer.
        ts.saturating_sub(ts.rem_euclid(self.ms()))
    }

    /// Position in [`Interval::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The next longer timeframe (wrapping to the shortest).
    pub fn next(self) -> Self {
        Self::ALL.get(self.index().saturating_add(1)).copied().unwrap_or(Interval::M1)
    }

    /// The next shorter timeframe (wrapping to the longest).
    pub fn prev(self) -> Self {
        match self.index().checked_sub(1) {
            Some(i) => Self::ALL.get(i).copied().unwrap_or(Interval::D1),
            None => Interval::D1,
        }
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One candle: prices and volumes exact, as the exchange sent them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    pub open_time: TimestampMs,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    /// Base asset volume.
    pub volume: Decimal,
    /// Quote asset volume.
    pub quote_volume: Decimal,
    pub trades: u64,
}

impl Candle {
    /// A candle opened at `open_time` by one trade.
    pub fn opened(open_time: TimestampMs, price: Decimal, qty: Decimal) -> Self {
        Self {
            open_time,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: qty,
            quote_volume: price.checked_mul(qty).unwrap_or(Decimal::MAX),
            trades: 1,
        }
    }

    /// A candle with no trade, flat at `price` (how Binance prints a quiet interval).
    pub fn flat(open_time: TimestampMs, price: Decimal) -> Self {
        let mut c = Self::opened(open_time, price, Decimal::ZERO);
        c.trades = 0;
        c
    }

    /// Adds a trade; `false` (candle unchanged) if a volume would overflow.
    pub fn add(&mut self, price: Decimal, qty: Decimal) -> bool {
        let quote = price.checked_mul(qty).and_then(|q| self.quote_volume.checked_add(q));
        let (Some(volume), Some(quote)) = (self.volume.checked_add(qty), quote) else { return false };
        self.high = self.high.max(price);
        self.low = self.low.min(price);
        self.close = price;
        self.volume = volume;
        self.quote_volume = quote;
        self.trades = self.trades.saturating_add(1);
        true
    }

    /// Why these values are not a candle, if they are not: prices positive,
    /// `low <= open, close <= high`, volumes not negative.
    pub fn check(&self) -> Result<(), String> {
        let positive = [self.open, self.high, self.low, self.close].iter().all(|p| *p > Decimal::ZERO);
        let ordered = self.low <= self.open.min(self.close) && self.open.max(self.close) <= self.high;
        let volumes = self.volume >= Decimal::ZERO && self.quote_volume >= Decimal::ZERO;
        if positive && ordered && volumes {
            Ok(())
        } else {
            Err(format!(
                "candle at {} with o={} h={} l={} c={} v={} q={}",
                self.open_time, self.open, self.high, self.low, self.close, self.volume, self.quote_volume
            ))
        }
    }
}

/// One timeframe's candles, oldest first: the older ones shared behind an
/// `Arc` (so every engine snapshot clones a pointer, not the history) and the
/// newest, which may still change, held apart.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CandleSeries {
    older: Arc<Vec<Candle>>,
    newest: Option<Candle>,
}

impl CandleSeries {
    /// Candles kept per series (the chart shows at most one per column).
    pub const CAPACITY: usize = 500;

    /// A series of `candles` (oldest first), keeping the newest [`Self::CAPACITY`].
    pub fn from_candles(mut candles: Vec<Candle>) -> Self {
        let newest = candles.pop();
        let excess = candles.len().saturating_sub(Self::CAPACITY - 1);
        candles.drain(..excess);
        Self { older: Arc::new(candles), newest }
    }

    /// Applies a live update: the newest candle changes, a newer one pushes
    /// it into the history, an older one is ignored (a late, replayed frame).
    pub fn update(&mut self, candle: Candle) {
        match self.newest {
            Some(n) if candle.open_time < n.open_time => {}
            Some(n) if candle.open_time == n.open_time => self.newest = Some(candle),
            Some(n) => {
                let older = Arc::make_mut(&mut self.older);
                if older.len() >= Self::CAPACITY.saturating_sub(1) {
                    let excess = older.len().saturating_add(2).saturating_sub(Self::CAPACITY);
                    older.drain(..excess);
                }
                older.push(n);
                self.newest = Some(candle);
            }
            None => self.newest = Some(candle),
        }
    }

    /// Merges a REST backfill (oldest first) with what the stream has already
    /// delivered: for an open time in both, the candle with more trades wins
    /// (within its interval a candle only grows), and streamed candles newer
    /// than the backfill stay.
    pub fn backfill(&mut self, history: Vec<Candle>) {
        let mut merged = history;
        for c in self.iter() {
            match merged.binary_search_by_key(&c.open_time, |m| m.open_time) {
                Ok(i) if c.trades > merged[i].trades => merged[i] = *c,
                Ok(_) => {}
                Err(i) => merged.insert(i, *c),
            }
        }
        *self = Self::from_candles(merged);
    }

    /// All candles, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Candle> {
        self.older.iter().chain(self.newest.iter())
    }

    /// The newest `n` candles, oldest first.
    pub fn last(&self, n: usize) -> Vec<Candle> {
        let from_older = n.saturating_sub(usize::from(self.newest.is_some())).min(self.older.len());
        let start = self.older.len().saturating_sub(from_older); // from_older <= len: exact
        self.older[start..].iter().chain(self.newest.iter()).copied().collect()
    }

    /// Number of candles held.
    pub fn len(&self) -> usize {
        self.older.len().saturating_add(usize::from(self.newest.is_some()))
    }

    /// True when no candle is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The newest candle.
    pub fn newest(&self) -> Option<&Candle> {
        self.newest.as_ref()
    }

    /// The closed candles, shared: the engine's socket sends them again only
    /// when this pointer changes (a candle closed), not with every snapshot.
    pub fn history(&self) -> &Arc<Vec<Candle>> {
        &self.older
    }

    /// A series rebuilt from its shared closed candles and the newest one.
    pub fn from_parts(history: Arc<Vec<Candle>>, newest: Option<Candle>) -> Self {
        Self { older: history, newest }
    }
}

/// Every timeframe's series for one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Candles {
    series: [CandleSeries; 6],
}

impl Candles {
    /// The series of `interval`.
    pub fn get(&self, interval: Interval) -> &CandleSeries {
        &self.series[interval.index()]
    }

    /// The series of `interval`, to change.
    pub fn get_mut(&mut self, interval: Interval) -> &mut CandleSeries {
        &mut self.series[interval.index()]
    }
}

/// Rolling 24 h statistics of one symbol (`<symbol>@ticker`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticker24h {
    pub price_change: Decimal,
    /// As the exchange states it (`"1.25"` means +1.25 %).
    pub price_change_pct: Decimal,
    pub last: Decimal,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    /// Base asset volume over the window.
    pub volume: Decimal,
    /// Quote asset volume over the window.
    pub quote_volume: Decimal,
    pub bid: Decimal,
    pub ask: Decimal,
    pub event_time: TimestampMs,
}

/// One trade on the tape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Print {
    pub ts_ms: TimestampMs,
    pub price: Decimal,
    pub qty: Decimal,
    /// The aggressor: `Buy` lifted the ask, `Sell` hit the bid.
    pub side: Side,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn c(open_time: i64, close: i64, trades: u64) -> Candle {
        let mut c = Candle::opened(open_time, close.into(), Decimal::ONE);
        c.trades = trades;
        c
    }

    #[test]
    fn intervals_align_to_utc_and_cycle() {
        assert_eq!(Interval::H4.open_time(1_700_000_123_456), 1_699_992_000_000);
        assert_eq!(Interval::M1.open_time(-1), -60_000);
        assert_eq!(Interval::D1.next(), Interval::M1);
        assert_eq!(Interval::M1.prev(), Interval::D1);
        assert!(Interval::ALL.iter().all(|i| Interval::parse(i.as_str()) == Some(*i)));
        assert_eq!(Interval::parse("1w"), None);
    }

    #[test]
    fn update_replaces_the_newest_pushes_newer_and_ignores_older() {
        let mut s = CandleSeries::default();
        s.update(c(60, 1, 1));
        s.update(c(60, 2, 2));
        s.update(c(120, 3, 1));
        s.update(c(0, 9, 9));
        let closes: Vec<Decimal> = s.iter().map(|c| c.close).collect();
        assert_eq!(closes, [Decimal::from(2), Decimal::from(3)]);
    }

    #[test]
    fn series_stay_bounded() {
        let mut s = CandleSeries::default();
        for i in 0..(CandleSeries::CAPACITY as i64 + 50) {
            s.update(c(i * 60, i + 1, 1));
        }
        assert_eq!(s.len(), CandleSeries::CAPACITY);
        assert_eq!(s.iter().next().unwrap().open_time, 50 * 60);
        let big = (0..1000).map(|i| c(i * 60, i + 1, 1)).collect();
        assert_eq!(CandleSeries::from_candles(big).len(), CandleSeries::CAPACITY);
    }

    #[test]
    fn backfill_keeps_newer_streamed_candles_and_the_fuller_duplicate() {
        let mut s = CandleSeries::default();
        s.update(c(120, 5, 7));
        s.update(c(180, 6, 1));
        s.backfill(vec![c(0, 1, 1), c(60, 2, 1), c(120, 3, 3)]);
        let got: Vec<(i64, u64)> = s.iter().map(|c| (c.open_time, c.trades)).collect();
        assert_eq!(got, [(0, 1), (60, 1), (120, 7), (180, 1)]);
        assert_eq!(s.last(2).iter().map(|c| c.open_time).collect::<Vec<_>>(), [120, 180]);
    }

    #[test]
    fn check_refuses_impossible_candles() {
        assert!(c(0, 5, 1).check().is_ok());
        let mut bad = c(0, 5, 1);
        bad.low = Decimal::from(6);
        assert!(bad.check().is_err());
        let mut neg = c(0, 5, 1);
        neg.volume = Decimal::NEGATIVE_ONE;
        assert!(neg.check().is_err());
    }
}
