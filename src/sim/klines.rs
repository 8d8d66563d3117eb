//! Candles of the simulator's own trades, for `GET /api/v3/klines` and the
//! `<symbol>@kline_<interval>` streams: built from the very trades the trade
//! stream prints, at the times it stamps them, so chart, tape and ticker agree.
//!
//! Like Binance, an interval with no trade is a flat candle at the previous
//! close with zero volume. At most [`KEEP`] candles per interval are kept
//! (Binance's largest `limit`).

use std::collections::{HashMap, VecDeque};

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use crate::domain::TimestampMs;
use crate::market::{Candle, Interval};

use super::market::SimTrade;
use super::rest::ApiError;
use super::server::AppState;
use super::wire::{Fixed, KlineRowMsg};

/// Candles kept per interval and symbol.
pub const KEEP: usize = 1000;
/// `limit` when `/api/v3/klines` is called without one.
const DEFAULT_LIMIT: usize = 500;

/// One symbol's candles in every interval.
#[derive(Debug, Default)]
pub struct KlineBook {
    series: [VecDeque<Candle>; 6],
}

impl KlineBook {
    /// Adds a trade printed at `now_ms` to every interval's current candle.
    pub fn record(&mut self, now_ms: TimestampMs, trade: &SimTrade) {
        for interval in Interval::ALL {
            let series = &mut self.series[interval.index()];
            // Flat candles up to the previous interval; the trade opens the current one at its price.
            roll(series, interval, now_ms - interval.ms());
            match series.back_mut() {
                // `>=`: a clock set back (the skew fault) must not put an older candle after a newer one.
                Some(c) if c.open_time >= interval.open_time(now_ms) => {
                    if !c.add(trade.price, trade.qty) {
                        tracing::warn!("sim: candle volume overflow; trade left out of the kline");
                    }
                }
                _ => push(series, Candle::opened(interval.open_time(now_ms), trade.price, trade.qty)),
            }
        }
    }

    /// Brings `interval` up to `now_ms` (flat candles for quiet intervals) and
    /// returns the candles that closed since `since` plus the current one.
    pub(crate) fn tick(
        &mut self,
        interval: Interval,
        now_ms: TimestampMs,
        since: TimestampMs,
    ) -> Vec<Candle> {
        let series = &mut self.series[interval.index()];
        roll(series, interval, now_ms);
        let from = interval.open_time(since);
        let mut recent: Vec<Candle> =
            series.iter().rev().take_while(|c| c.open_time >= from).copied().collect();
        recent.reverse();
        recent
    }

    /// Up to `limit` candles of `interval` with open time in `[start, end]`:
    /// the first ones from `start` when it is given, else the newest ones.
    pub fn query(
        &mut self,
        interval: Interval,
        start: Option<TimestampMs>,
        end: Option<TimestampMs>,
        limit: usize,
        now_ms: TimestampMs,
    ) -> Vec<Candle> {
        let series = &mut self.series[interval.index()];
        roll(series, interval, now_ms);
        let inside =
            |c: &&Candle| start.is_none_or(|s| c.open_time >= s) && end.is_none_or(|e| c.open_time <= e);
        if start.is_some() {
            series.iter().filter(inside).take(limit).copied().collect()
        } else {
            let mut newest: Vec<Candle> = series.iter().rev().filter(inside).take(limit).copied().collect();
            newest.reverse();
            newest
        }
    }
}

/// Appends flat candles for the intervals between the last candle and `now_ms`.
fn roll(series: &mut VecDeque<Candle>, interval: Interval, now_ms: TimestampMs) {
    let Some(last) = series.back().copied() else { return };
    let current = interval.open_time(now_ms);
    let missing = (current - last.open_time) / interval.ms();
    // Never more flat candles than are kept.
    let first = current - (missing.min(KEEP as i64) - 1) * interval.ms();
    let mut open = first.max(last.open_time + interval.ms());
    while open <= current {
        push(series, Candle::flat(open, last.close));
        open += interval.ms();
    }
}

fn push(series: &mut VecDeque<Candle>, candle: Candle) {
    if series.len() == KEEP {
        series.pop_front();
    }
    series.push_back(candle);
}

/// A kline as a REST row (`[openTime, "o", "h", "l", "c", "v", closeTime, "q", n, "V", "Q", "0"]`).
/// The sim does not track the taker-buy split, so `V` and `Q` are 0.
pub(crate) fn row(interval: Interval, c: &Candle) -> KlineRowMsg {
    let zero = Fixed(rust_decimal::Decimal::ZERO);
    (
        c.open_time,
        Fixed(c.open),
        Fixed(c.high),
        Fixed(c.low),
        Fixed(c.close),
        Fixed(c.volume),
        c.open_time + interval.ms() - 1,
        Fixed(c.quote_volume),
        c.trades,
        zero,
        zero,
        "0",
    )
}

/// `GET /api/v3/klines?symbol=&interval=[&startTime=&endTime=&limit=]`.
pub(crate) async fn klines(
    State(app): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let raw = params.get("symbol").filter(|s| !s.is_empty()).ok_or_else(|| ApiError::mandatory("symbol"))?;
    let idx = super::rest::symbol_index(&app.hub, raw)?;
    let interval = params.get("interval").ok_or_else(|| ApiError::mandatory("interval"))?;
    let interval = Interval::parse(interval).ok_or_else(|| ApiError::bad(-1120, "Invalid interval."))?;
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=KEEP).contains(&n) => n,
            _ => return Err(ApiError::illegal("limit", "1-1000")),
        },
    };
    let time = |name: &str| -> Result<Option<TimestampMs>, ApiError> {
        params.get(name).map(|v| v.parse().map_err(|_| ApiError::illegal(name, "0-9"))).transpose()
    };
    let (start, end) = (time("startTime")?, time("endTime")?);
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(ApiError::bad(-1023, "Start time is greater than end time."));
    }
    let candles = app.hub.klines(idx, interval, start, end, limit);
    Ok(Json(candles.iter().map(|c| row(interval, c)).collect::<Vec<_>>()).into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::Symbol;

    fn trade(price: i64, qty: i64) -> SimTrade {
        SimTrade {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            id: 1,
            price: price.into(),
            qty: qty.into(),
            buyer_is_maker: false,
        }
    }

    const T: i64 = 1_700_000_040_000; // 22:14:00 UTC

    #[test]
    fn trades_build_candles_in_every_interval_and_quiet_minutes_are_flat() {
        let mut k = KlineBook::default();
        k.record(T, &trade(100, 1));
        k.record(T + 10_000, &trade(110, 2));
        k.record(T + 3 * 60_000, &trade(90, 1));
        let m1 = k.query(Interval::M1, None, None, 10, T + 3 * 60_000);
        let ohlcv: Vec<(i64, i64, i64, i64, i64)> = m1
            .iter()
            .map(|c| {
                let i = |d: rust_decimal::Decimal| i64::try_from(d).unwrap();
                (i(c.open), i(c.high), i(c.low), i(c.close), i(c.volume))
            })
            .collect();
        assert_eq!(
            ohlcv,
            [(100, 110, 100, 110, 3), (110, 110, 110, 110, 0), (110, 110, 110, 110, 0), (90, 90, 90, 90, 1)]
        );
        let h1 = k.query(Interval::H1, None, None, 10, T + 3 * 60_000);
        assert_eq!(h1.len(), 1);
        assert_eq!((h1[0].high, h1[0].low, h1[0].volume, h1[0].trades), (110.into(), 90.into(), 4.into(), 3));
    }

    #[test]
    fn query_honours_start_end_and_limit() {
        let mut k = KlineBook::default();
        for i in 0..10 {
            k.record(T + i * 60_000, &trade(100 + i, 1));
        }
        let now = T + 9 * 60_000;
        let newest = k.query(Interval::M1, None, None, 3, now);
        assert_eq!(
            newest.iter().map(|c| c.open_time).collect::<Vec<_>>(),
            [T + 7 * 60_000, T + 8 * 60_000, now]
        );
        let from = k.query(Interval::M1, Some(T + 60_000), Some(T + 4 * 60_000), 2, now);
        assert_eq!(from.iter().map(|c| c.open_time).collect::<Vec<_>>(), [T + 60_000, T + 2 * 60_000]);
        let until = k.query(Interval::M1, None, Some(T + 60_000), 5, now);
        assert_eq!(until.iter().map(|c| c.open_time).collect::<Vec<_>>(), [T, T + 60_000]);
    }

    #[test]
    fn a_long_silence_keeps_the_series_bounded() {
        let mut k = KlineBook::default();
        k.record(T, &trade(100, 1));
        let later = T + 5_000 * 60_000;
        let all = k.query(Interval::M1, None, None, KEEP, later);
        assert_eq!(all.len(), KEEP);
        assert_eq!(all.last().map(|c| c.open_time), Some(later));
        assert!(all.iter().all(|c| c.close == 100.into()));
    }
}
