//! Binance's JSON shapes, as serde types: stream payloads (reference §1.5), the
//! combined-stream wrapper, and REST bodies. Field order follows the docs so the
//! bytes read like Binance's own.

use std::sync::{Arc, OnceLock};

use axum::extract::ws::Utf8Bytes;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{SymbolStatus, TimestampMs};
use crate::market::Level;

use super::spec::WIRE_DECIMALS;

/// A decimal printed as a string with Binance's fixed 8 decimals (`"64000.01000000"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fixed(pub Decimal);

impl Serialize for Fixed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut d = self.0;
        d.rescale(WIRE_DECIMALS);
        s.collect_str(&d)
    }
}

/// `[["price","qty"], ...]`.
pub(crate) fn levels(levels: &[Level]) -> Vec<[Fixed; 2]> {
    levels.iter().map(|l| [Fixed(l.price), Fixed(l.qty)]).collect()
}

/// `<symbol>@trade`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TradeMsg {
    #[serde(rename = "e")]
    pub event: &'static str,
    #[serde(rename = "E")]
    pub event_time: TimestampMs,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "t")]
    pub trade_id: u64,
    #[serde(rename = "p")]
    pub price: Fixed,
    #[serde(rename = "q")]
    pub qty: Fixed,
    #[serde(rename = "T")]
    pub trade_time: TimestampMs,
    #[serde(rename = "m")]
    pub buyer_is_maker: bool,
    #[serde(rename = "M")]
    pub ignore: bool,
}

/// `<symbol>@bookTicker` (spot: no `e`/`E`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BookTickerMsg {
    #[serde(rename = "u")]
    pub update_id: u64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "b")]
    pub bid_price: Fixed,
    #[serde(rename = "B")]
    pub bid_qty: Fixed,
    #[serde(rename = "a")]
    pub ask_price: Fixed,
    #[serde(rename = "A")]
    pub ask_qty: Fixed,
}

/// `<symbol>@depth` / `<symbol>@depth@100ms` diff.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DepthUpdateMsg {
    #[serde(rename = "e")]
    pub event: &'static str,
    #[serde(rename = "E")]
    pub event_time: TimestampMs,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "U")]
    pub first_update_id: u64,
    #[serde(rename = "u")]
    pub final_update_id: u64,
    #[serde(rename = "b")]
    pub bids: Vec<[Fixed; 2]>,
    #[serde(rename = "a")]
    pub asks: Vec<[Fixed; 2]>,
}

/// `<symbol>@kline_<interval>`: the interval's current candle.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KlineMsg {
    #[serde(rename = "e")]
    pub event: &'static str,
    #[serde(rename = "E")]
    pub event_time: TimestampMs,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "k")]
    pub kline: KlineBodyMsg,
}

/// The `k` object of a kline event. The sim does not track trade ids per
/// candle nor the taker-buy split: `f`/`L` are -1 and `V`/`Q` are 0.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KlineBodyMsg {
    pub t: TimestampMs,
    #[serde(rename = "T")]
    pub close_time: TimestampMs,
    pub s: String,
    pub i: &'static str,
    pub f: i64,
    #[serde(rename = "L")]
    pub last_id: i64,
    pub o: Fixed,
    pub c: Fixed,
    pub h: Fixed,
    pub l: Fixed,
    pub v: Fixed,
    pub n: u64,
    /// Closed: the interval is over and this is the candle's final form.
    pub x: bool,
    pub q: Fixed,
    #[serde(rename = "V")]
    pub taker_base: Fixed,
    #[serde(rename = "Q")]
    pub taker_quote: Fixed,
    #[serde(rename = "B")]
    pub ignore: &'static str,
}

/// `<symbol>@ticker`: rolling 24 h statistics, the REST ticker's numbers.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TickerMsg {
    #[serde(rename = "e")]
    pub event: &'static str,
    #[serde(rename = "E")]
    pub event_time: TimestampMs,
    pub s: String,
    pub p: Fixed,
    #[serde(rename = "P")]
    pub pct: String,
    pub w: Fixed,
    pub x: Fixed,
    pub c: Fixed,
    #[serde(rename = "Q")]
    pub last_qty: Fixed,
    pub b: Fixed,
    #[serde(rename = "B")]
    pub bid_qty: Fixed,
    pub a: Fixed,
    #[serde(rename = "A")]
    pub ask_qty: Fixed,
    pub o: Fixed,
    pub h: Fixed,
    pub l: Fixed,
    pub v: Fixed,
    pub q: Fixed,
    #[serde(rename = "O")]
    pub open_time: TimestampMs,
    #[serde(rename = "C")]
    pub close_time: TimestampMs,
    #[serde(rename = "F")]
    pub first_id: i64,
    #[serde(rename = "L")]
    pub last_id: i64,
    pub n: u64,
}

impl TickerMsg {
    /// The stream form of a REST ticker answer.
    pub(crate) fn from_rest(r: Ticker24hMsg, event_time: TimestampMs) -> Self {
        Self {
            event: "24hrTicker",
            event_time,
            s: r.symbol,
            p: r.price_change,
            pct: r.price_change_percent,
            w: r.weighted_avg_price,
            x: r.prev_close_price,
            c: r.last_price,
            last_qty: r.last_qty,
            b: r.bid_price,
            bid_qty: r.bid_qty,
            a: r.ask_price,
            ask_qty: r.ask_qty,
            o: r.open_price,
            h: r.high_price,
            l: r.low_price,
            v: r.volume,
            q: r.quote_volume,
            open_time: r.open_time,
            close_time: r.close_time,
            first_id: r.first_id,
            last_id: r.last_id,
            n: r.count,
        }
    }
}

/// One REST kline row.
pub(crate) type KlineRowMsg =
    (TimestampMs, Fixed, Fixed, Fixed, Fixed, Fixed, TimestampMs, Fixed, u64, Fixed, Fixed, &'static str);

/// `serverShutdown` (reference §1.3), sent before the server closes a connection.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ShutdownMsg {
    #[serde(rename = "e")]
    pub event: &'static str,
    #[serde(rename = "E")]
    pub event_time: TimestampMs,
}

/// Any stream payload.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum StreamPayload {
    Trade(TradeMsg),
    BookTicker(BookTickerMsg),
    Depth(DepthUpdateMsg),
    Kline(KlineMsg),
    Ticker(Box<TickerMsg>),
    Shutdown(ShutdownMsg),
}

#[derive(Serialize)]
struct Combined<'a> {
    stream: &'a str,
    data: &'a StreamPayload,
}

/// One stream message, serialized lazily and at most once per form (raw for `/ws`,
/// wrapped for `/stream`) however many connections receive it.
#[derive(Debug)]
pub(crate) struct Outbound {
    /// The hub's stream id, for cheap subscription checks.
    pub id: usize,
    pub stream: Arc<str>,
    payload: StreamPayload,
    raw: OnceLock<Option<Utf8Bytes>>,
    combined: OnceLock<Option<Utf8Bytes>>,
}

impl Outbound {
    pub(crate) fn new(id: usize, stream: Arc<str>, payload: StreamPayload) -> Self {
        Self { id, stream, payload, raw: OnceLock::new(), combined: OnceLock::new() }
    }

    /// The text frame for this message in the connection's form.
    pub(crate) fn text(&self, combined: bool) -> Option<Utf8Bytes> {
        if combined {
            let wrapped = Combined { stream: &self.stream, data: &self.payload };
            self.combined.get_or_init(|| to_text(&wrapped)).clone()
        } else {
            self.raw.get_or_init(|| to_text(&self.payload)).clone()
        }
    }
}

fn to_text<T: Serialize>(value: &T) -> Option<Utf8Bytes> {
    match serde_json::to_string(value) {
        Ok(s) => Some(Utf8Bytes::from(s)),
        Err(err) => {
            tracing::error!(%err, "sim: cannot serialize stream payload");
            None
        }
    }
}

/// REST `GET /api/v3/depth`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DepthSnapshotMsg {
    pub last_update_id: u64,
    pub bids: Vec<[Fixed; 2]>,
    pub asks: Vec<[Fixed; 2]>,
}

/// REST `GET /api/v3/time`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTimeMsg {
    pub server_time: TimestampMs,
}

/// Binance error body: `{"code":-1121,"msg":"Invalid symbol."}`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorMsg {
    pub code: i32,
    pub msg: String,
}

/// REST `GET /sapi/v1/account/apiRestrictions`, fields in the documented order (reference §2.9).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiRestrictionsMsg {
    pub ip_restrict: bool,
    pub create_time: TimestampMs,
    pub enable_reading: bool,
    pub enable_withdrawals: bool,
    pub enable_internal_transfer: bool,
    pub enable_margin: bool,
    pub enable_futures: bool,
    pub permits_universal_transfer: bool,
    pub enable_vanilla_options: bool,
    pub enable_fix_api_trade: bool,
    pub enable_fix_read_only: bool,
    pub enable_spot_and_margin_trading: bool,
    pub enable_portfolio_margin_trading: bool,
}

/// One `exchangeInfo` rate limit.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RateLimitMsg {
    pub rate_limit_type: &'static str,
    pub interval: &'static str,
    pub interval_num: u32,
    pub limit: u32,
}

/// The filters the sim enforces (reference §2.7).
#[derive(Debug, Serialize)]
#[serde(tag = "filterType", rename_all_fields = "camelCase")]
pub(crate) enum FilterMsg {
    #[serde(rename = "PRICE_FILTER")]
    Price { min_price: Fixed, max_price: Fixed, tick_size: Fixed },
    #[serde(rename = "LOT_SIZE")]
    LotSize { min_qty: Fixed, max_qty: Fixed, step_size: Fixed },
    #[serde(rename = "NOTIONAL")]
    Notional {
        min_notional: Fixed,
        apply_min_to_market: bool,
        max_notional: Fixed,
        apply_max_to_market: bool,
        avg_price_mins: u32,
    },
}

/// One `exchangeInfo.symbols[]` entry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SymbolInfoMsg {
    pub symbol: String,
    pub status: SymbolStatus,
    pub base_asset: String,
    pub base_asset_precision: u32,
    pub quote_asset: String,
    pub quote_precision: u32,
    pub quote_asset_precision: u32,
    pub base_commission_precision: u32,
    pub quote_commission_precision: u32,
    pub order_types: [&'static str; 3],
    pub iceberg_allowed: bool,
    pub oco_allowed: bool,
    pub oto_allowed: bool,
    pub quote_order_qty_market_allowed: bool,
    pub allow_trailing_stop: bool,
    pub cancel_replace_allowed: bool,
    pub amend_allowed: bool,
    pub is_spot_trading_allowed: bool,
    pub is_margin_trading_allowed: bool,
    pub filters: Vec<FilterMsg>,
    pub permissions: [&'static str; 0],
    pub permission_sets: [[&'static str; 1]; 1],
    pub default_self_trade_prevention_mode: &'static str,
    pub allowed_self_trade_prevention_modes: [&'static str; 1],
}

/// REST `GET /api/v3/exchangeInfo`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExchangeInfoMsg {
    pub timezone: &'static str,
    pub server_time: TimestampMs,
    pub rate_limits: Vec<RateLimitMsg>,
    pub exchange_filters: [&'static str; 0],
    pub symbols: Vec<SymbolInfoMsg>,
}

/// REST `GET /api/v3/ticker/24hr` (FULL), one symbol.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ticker24hMsg {
    pub symbol: String,
    pub price_change: Fixed,
    /// Binance prints this one with 3 decimals.
    pub price_change_percent: String,
    pub weighted_avg_price: Fixed,
    pub prev_close_price: Fixed,
    pub last_price: Fixed,
    pub last_qty: Fixed,
    pub bid_price: Fixed,
    pub bid_qty: Fixed,
    pub ask_price: Fixed,
    pub ask_qty: Fixed,
    pub open_price: Fixed,
    pub high_price: Fixed,
    pub low_price: Fixed,
    pub volume: Fixed,
    pub quote_volume: Fixed,
    pub open_time: TimestampMs,
    pub close_time: TimestampMs,
    pub first_id: i64,
    pub last_id: i64,
    pub count: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn payloads_match_the_documented_bytes() {
        let d = |s: &str| Fixed(s.parse().unwrap());
        let msg = StreamPayload::Depth(DepthUpdateMsg {
            event: "depthUpdate",
            event_time: 1672515782136,
            symbol: "BNBBTC".into(),
            first_update_id: 157,
            final_update_id: 160,
            bids: vec![[d("0.0024"), d("10")]],
            asks: vec![[d("0.0026"), d("100")]],
        });
        let out = Outbound::new(0, "bnbbtc@depth@100ms".into(), msg);
        assert_eq!(
            out.text(true).unwrap().as_str(),
            r#"{"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.00240000","10.00000000"]],"a":[["0.00260000","100.00000000"]]}}"#
        );
        assert!(out.text(false).unwrap().as_str().starts_with(r#"{"e":"depthUpdate","E":1672515782136"#));
        let tick = BookTickerMsg {
            update_id: 400900217,
            symbol: "BNBUSDT".into(),
            bid_price: d("25.3519"),
            bid_qty: d("31.21"),
            ask_price: d("25.3652"),
            ask_qty: d("40.66"),
        };
        assert_eq!(
            serde_json::to_string(&tick).unwrap(),
            r#"{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}"#
        );
        let f = FilterMsg::LotSize { min_qty: d("0.001"), max_qty: d("100000"), step_size: d("0.001") };
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"filterType":"LOT_SIZE","minQty":"0.00100000","maxQty":"100000.00000000","stepSize":"0.00100000"}"#
        );
    }
}
