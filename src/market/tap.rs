//! The JSON-lines shape `vigil market tap` prints (DESIGN "CLI contract"):
//! one object per event, `t` first, decimals as strings.
//!
//! It lives here, not in the CLI, so tests and other tools produce and check
//! the very same shape.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{Side, TimestampMs};
use crate::market::{FeedState, Interval, Level, MarketEvent};

/// One tap line. Serialize with `serde_json::to_string`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub enum TapLine<'a> {
    /// `{"t":"trade","sym":..,"px":..,"qty":..,"side":"buy","ts":..}`
    Trade { sym: &'a str, px: Decimal, qty: Decimal, side: Side, ts: TimestampMs },
    /// `{"t":"book","sym":..,"seq":..,"bids":[[px,qty],..],"asks":[[px,qty],..]}`
    Book { sym: &'a str, seq: u64, bids: Vec<[Decimal; 2]>, asks: Vec<[Decimal; 2]> },
    /// `{"t":"status","feed":..,"state":..,"detail":..}`, plus `"sym"` when the
    /// status concerns one symbol rather than the whole connection.
    Status {
        feed: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        sym: Option<&'a str>,
        state: FeedState,
        detail: &'a str,
    },
    /// `{"t":"candle","sym":..,"i":"1m","open_time":..,"o":..,"h":..,"l":..,"c":..,"v":..}`
    Candle {
        sym: &'a str,
        i: Interval,
        open_time: TimestampMs,
        o: Decimal,
        h: Decimal,
        l: Decimal,
        c: Decimal,
        v: Decimal,
    },
    /// A backfill: `{"t":"candles","sym":..,"i":"1h","n":300}` (the count, not the rows).
    Candles { sym: &'a str, i: Interval, n: usize },
    /// `{"t":"ticker","sym":..,"chg_pct":..,"high":..,"low":..,"vol":..,"qvol":..}`
    Ticker { sym: &'a str, chg_pct: Decimal, high: Decimal, low: Decimal, vol: Decimal, qvol: Decimal },
    /// The `--stats` summary: `{"t":"stats","events":N,"elapsed_s":X,"events_per_s":Y}`.
    Stats { events: u64, elapsed_s: f64, events_per_s: f64 },
}

impl<'a> TapLine<'a> {
    /// The line for one market event.
    pub fn from_event(event: &'a MarketEvent) -> Self {
        let pairs = |levels: &[Level]| levels.iter().map(|l| [l.price, l.qty]).collect();
        match event {
            MarketEvent::Trade(t) => {
                TapLine::Trade { sym: t.symbol.as_str(), px: t.price, qty: t.qty, side: t.side, ts: t.ts_ms }
            }
            MarketEvent::Book(b) => TapLine::Book {
                sym: b.symbol.as_str(),
                seq: b.seq,
                bids: pairs(&b.bids),
                asks: pairs(&b.asks),
            },
            MarketEvent::Status(s) => TapLine::Status {
                feed: &s.feed,
                sym: s.symbol.as_ref().map(|s| s.as_str()),
                state: s.state,
                detail: &s.detail,
            },
            MarketEvent::Candle { symbol, interval, candle: k } => TapLine::Candle {
                sym: symbol.as_str(),
                i: *interval,
                open_time: k.open_time,
                o: k.open,
                h: k.high,
                l: k.low,
                c: k.close,
                v: k.volume,
            },
            MarketEvent::Candles { symbol, interval, candles } => {
                TapLine::Candles { sym: symbol.as_str(), i: *interval, n: candles.len() }
            }
            MarketEvent::Ticker { symbol, ticker: x } => TapLine::Ticker {
                sym: symbol.as_str(),
                chg_pct: x.price_change_pct,
                high: x.high,
                low: x.low,
                vol: x.volume,
                qvol: x.quote_volume,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::Symbol;
    use crate::market::{BookUpdate, FeedStatus, Trade};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn lines_match_the_cli_contract_exactly() {
        let sym = Symbol::new("BTCUSDT").unwrap();
        let trade = MarketEvent::Trade(Trade {
            symbol: sym.clone(),
            price: d("64123.10"),
            qty: d("0.002"),
            side: Side::Buy,
            ts_ms: 1_700_000_000_000,
        });
        let book = MarketEvent::Book(BookUpdate {
            symbol: sym,
            seq: 12345,
            bids: vec![Level { price: d("64123.00"), qty: d("1.5") }],
            asks: vec![Level { price: d("64123.10"), qty: d("0.3") }],
            ts_ms: 1,
        });
        let status = MarketEvent::Status(FeedStatus {
            feed: "binance".into(),
            symbol: None,
            state: FeedState::Resyncing,
            detail: "gap: expected U=101, got 105".into(),
            ts_ms: 1,
        });
        let line = |e: &MarketEvent| serde_json::to_string(&TapLine::from_event(e)).unwrap();
        assert_eq!(
            line(&trade),
            r#"{"t":"trade","sym":"BTCUSDT","px":"64123.10","qty":"0.002","side":"buy","ts":1700000000000}"#
        );
        assert_eq!(
            line(&book),
            r#"{"t":"book","sym":"BTCUSDT","seq":12345,"bids":[["64123.00","1.5"]],"asks":[["64123.10","0.3"]]}"#
        );
        assert_eq!(
            line(&status),
            r#"{"t":"status","feed":"binance","state":"resyncing","detail":"gap: expected U=101, got 105"}"#
        );
        let stats = TapLine::Stats { events: 3, elapsed_s: 1.5, events_per_s: 2.0 };
        assert_eq!(
            serde_json::to_string(&stats).unwrap(),
            r#"{"t":"stats","events":3,"elapsed_s":1.5,"events_per_s":2.0}"#
        );
    }
}
