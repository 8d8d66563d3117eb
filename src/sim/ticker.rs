//! Rolling 24-hour trade statistics for `/api/v3/ticker/24hr`, kept in one-minute
//! buckets so memory stays bounded (at most 1440 buckets) however fast the sim runs.

use std::collections::VecDeque;

use rust_decimal::Decimal;

use crate::domain::TimestampMs;

use super::market::SimTrade;

/// The window length: 24 hours in milliseconds.
pub(crate) const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const MINUTE_MS: i64 = 60 * 1000;

/// Aggregated trades of one minute (or of a whole window, once merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stats {
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub last: Decimal,
    pub last_qty: Decimal,
    pub volume: Decimal,
    pub quote_volume: Decimal,
    pub first_id: u64,
    pub last_id: u64,
    pub count: u64,
}

impl Stats {
    fn first(trade: &SimTrade) -> Self {
        Self {
            open: trade.price,
            high: trade.price,
            low: trade.price,
            last: trade.price,
            last_qty: trade.qty,
            volume: trade.qty,
            quote_volume: trade.price * trade.qty,
            first_id: trade.id,
            last_id: trade.id,
            count: 1,
        }
    }

    fn merge(&mut self, later: &Stats) {
        self.high = self.high.max(later.high);
        self.low = self.low.min(later.low);
        self.last = later.last;
        self.last_qty = later.last_qty;
        self.volume += later.volume;
        self.quote_volume += later.quote_volume;
        self.last_id = later.last_id;
        self.count += later.count;
    }
}

/// One symbol's trades over the last 24 hours.
#[derive(Debug, Default)]
pub(crate) struct TickerWindow {
    buckets: VecDeque<(i64, Stats)>,
    /// Last price before the window (Binance's `prevClosePrice`).
    prev_close: Option<Decimal>,
}

impl TickerWindow {
    /// Adds a trade printed at `now_ms`.
    pub(crate) fn record(&mut self, now_ms: TimestampMs, trade: &SimTrade) {
        let minute = now_ms.div_euclid(MINUTE_MS);
        match self.buckets.back_mut() {
            Some((m, stats)) if *m >= minute => stats.merge(&Stats::first(trade)),
            _ => self.buckets.push_back((minute, Stats::first(trade))),
        }
        self.prune(now_ms);
    }

    /// The window ending at `now_ms` (None when no trade in it) and the price before it.
    pub(crate) fn window(&mut self, now_ms: TimestampMs) -> (Option<Stats>, Option<Decimal>) {
        self.prune(now_ms);
        let mut buckets = self.buckets.iter().map(|(_, s)| s);
        let merged = buckets.next().cloned().map(|mut acc| {
            buckets.for_each(|s| acc.merge(s));
            acc
        });
        (merged, self.prev_close)
    }

    fn prune(&mut self, now_ms: TimestampMs) {
        let start = now_ms - DAY_MS;
        while let Some((m, stats)) = self.buckets.front() {
            if (m + 1) * MINUTE_MS > start {
                break;
            }
            self.prev_close = Some(stats.last);
            self.buckets.pop_front();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::Symbol;

    fn trade(id: u64, price: &str, qty: &str) -> SimTrade {
        SimTrade {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            id,
            price: price.parse().unwrap(),
            qty: qty.parse().unwrap(),
            buyer_is_maker: false,
        }
    }

    #[test]
    fn window_merges_minutes_and_forgets_after_a_day() {
        let mut w = TickerWindow::default();
        let t0 = 1_700_000_000_000;
        w.record(t0, &trade(1, "100", "1"));
        w.record(t0 + 1_000, &trade(2, "110", "2"));
        w.record(t0 + 5 * MINUTE_MS, &trade(3, "90", "1"));
        let (s, prev) = w.window(t0 + 6 * MINUTE_MS);
        let s = s.unwrap();
        assert_eq!((s.open, s.high, s.low, s.last), (100.into(), 110.into(), 90.into(), 90.into()));
        assert_eq!(
            (s.volume, s.quote_volume, s.count, s.first_id, s.last_id),
            (4.into(), 410.into(), 3, 1, 3)
        );
        assert_eq!(prev, None);
        let (s, prev) = w.window(t0 + DAY_MS + 2 * MINUTE_MS);
        assert_eq!(s.map(|s| (s.open, s.count)), Some((90.into(), 1)));
        assert_eq!(prev, Some(110.into()));
        assert_eq!(w.window(t0 + 2 * DAY_MS).0, None);
    }
}
