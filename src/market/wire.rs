//! Binance spot wire formats (reference §1.5, §1.6): combined-stream frames
//! and the REST depth snapshot, parsed straight from borrowed text.
//!
//! Parsing is strict where it matters for the book (decimals must be JSON
//! strings, `U <= u`, prices positive, quantities non-negative) and lenient
//! where Binance is allowed to grow (unknown fields are ignored). Anything
//! else is an error the feed counts and skips; it never reaches the book.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::domain::{Side, TimestampMs};
use crate::market::Level;
use crate::market::candle::{Candle, Interval, Ticker24h};

/// Why a frame or a snapshot could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Not JSON, or JSON of the wrong shape.
    #[error("malformed message: {0}")]
    Json(#[from] serde_json::Error),
    /// Well-formed JSON whose values make no sense for a book.
    #[error("invalid message: {0}")]
    Invalid(String),
}

/// One diff-depth event (`depthUpdate`), symbol-free: the caller routes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepthDiff {
    /// `U`: first update id in the event.
    pub first_update_id: u64,
    /// `u`: final update id in the event.
    pub final_update_id: u64,
    /// `E`: event time.
    pub event_time: TimestampMs,
    /// Absolute bid quantities; zero removes the level.
    pub bids: Vec<Level>,
    /// Absolute ask quantities; zero removes the level.
    pub asks: Vec<Level>,
}

/// The REST snapshot `GET /api/v3/depth`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DepthSnapshot {
    #[serde(rename = "lastUpdateId")]
    pub last_update_id: u64,
    #[serde(deserialize_with = "levels")]
    pub bids: Vec<Level>,
    #[serde(deserialize_with = "levels")]
    pub asks: Vec<Level>,
}

impl DepthSnapshot {
    /// Parses and validates a snapshot body.
    pub fn parse(body: &str) -> Result<Self, WireError> {
        let snap: DepthSnapshot = serde_json::from_str(body)?;
        check_levels(&snap.bids)?;
        check_levels(&snap.asks)?;
        Ok(snap)
    }
}

/// A public trade as it arrives (`<symbol>@trade`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireTrade<'a> {
    pub symbol: Cow<'a, str>,
    pub price: Decimal,
    pub qty: Decimal,
    /// Aggressor side: `m == true` (buyer is maker) means the seller aggressed.
    pub side: Side,
    pub trade_time: TimestampMs,
}

/// Best bid/ask (`<symbol>@bookTicker`); used only as a freshness signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireBookTicker<'a> {
    pub symbol: Cow<'a, str>,
    pub update_id: u64,
}

/// One combined-stream frame, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    Trade(WireTrade<'a>),
    BookTicker(WireBookTicker<'a>),
    Depth {
        symbol: Cow<'a, str>,
        diff: DepthDiff,
    },
    /// `<symbol>@kline_<interval>`: the interval's current candle.
    Kline {
        symbol: Cow<'a, str>,
        interval: Interval,
        candle: Candle,
    },
    /// `<symbol>@ticker`: rolling 24 h statistics.
    Ticker {
        symbol: Cow<'a, str>,
        ticker: Ticker24h,
    },
    /// `serverShutdown`: the server is about to drop us; reconnect now.
    ServerShutdown,
    /// Valid JSON this client does not consume (control replies, other streams).
    Unknown,
}

/// Parses one text frame of the combined stream (`{"stream":..,"data":..}`),
/// accepting its keys in any order.
pub fn parse_frame(text: &str) -> Result<Frame<'_>, WireError> {
    let frame = serde_json::from_str::<FrameDe<'_>>(text)?.0;
    if let Frame::Depth { diff, .. } = &frame {
        if diff.first_update_id > diff.final_update_id {
            return Err(WireError::Invalid(format!(
                "depth update U={} > u={}",
                diff.first_update_id, diff.final_update_id
            )));
        }
        check_levels(&diff.bids)?;
        check_levels(&diff.asks)?;
    }
    if let Frame::Trade(t) = &frame
        && (t.price <= Decimal::ZERO || t.qty <= Decimal::ZERO)
    {
        return Err(WireError::Invalid(format!("trade with price {} qty {}", t.price, t.qty)));
    }
    if let Frame::Kline { candle, .. } = &frame {
        candle.check().map_err(WireError::Invalid)?;
    }
    if let Frame::Ticker { ticker: t, .. } = &frame {
        let prices = [t.last, t.open, t.high, t.low, t.bid, t.ask];
        if prices.iter().any(|p| p.is_sign_negative())
            || t.low > t.high
            || t.volume.is_sign_negative()
            || t.quote_volume.is_sign_negative()
        {
            return Err(WireError::Invalid(format!(
                "24h ticker with high {} low {} volume {}",
                t.high, t.low, t.volume
            )));
        }
    }
    Ok(frame)
}

fn check_levels(levels: &[Level]) -> Result<(), WireError> {
    match levels.iter().find(|l| l.price <= Decimal::ZERO || l.qty < Decimal::ZERO) {
        Some(l) => Err(WireError::Invalid(format!("level [{}, {}]", l.price, l.qty))),
        None => Ok(()),
    }
}

/// What a stream name says its `data` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Trade,
    BookTicker,
    Depth,
    Kline,
    Ticker,
    Shutdown,
    Unknown,
}

impl Kind {
    fn of_stream(name: &str) -> Self {
        let Some((_, suffix)) = name.split_once('@') else {
            return if name == "!serverShutdown" { Kind::Shutdown } else { Kind::Unknown };
        };
        match suffix {
            "trade" => Kind::Trade,
            "bookTicker" => Kind::BookTicker,
            "depth" | "depth@100ms" | "depth@1000ms" => Kind::Depth,
            "ticker" => Kind::Ticker,
            s if s.starts_with("kline_") => Kind::Kline,
            _ => Kind::Unknown,
        }
    }

    fn parse_data<'de, D: Deserializer<'de>>(self, d: D) -> Result<Frame<'de>, D::Error> {
        Ok(match self {
            Kind::Trade => {
                let t = TradeData::deserialize(d)?;
                if t.e != "trade" {
                    return Ok(Frame::Unknown);
                }
                let side = if t.buyer_is_maker { Side::Sell } else { Side::Buy };
                Frame::Trade(WireTrade { symbol: t.s, price: t.p, qty: t.q, side, trade_time: t.trade_time })
            }
            Kind::BookTicker => {
                let b = BookTickerData::deserialize(d)?;
                Frame::BookTicker(WireBookTicker { symbol: b.s, update_id: b.u })
            }
            Kind::Depth => {
                let x = DepthData::deserialize(d)?;
                if x.e != "depthUpdate" {
                    return Ok(Frame::Unknown);
                }
                let diff = DepthDiff {
                    first_update_id: x.first,
                    final_update_id: x.last,
                    event_time: x.event_time,
                    bids: x.b,
                    asks: x.a,
                };
                Frame::Depth { symbol: x.s, diff }
            }
            Kind::Kline => {
                let x = KlineData::deserialize(d)?;
                let Some(interval) = Interval::parse(&x.k.i).filter(|_| x.e == "kline") else {
                    return Ok(Frame::Unknown);
                };
                let k = x.k;
                let candle = Candle {
                    open_time: k.t,
                    open: k.o,
                    high: k.h,
                    low: k.l,
                    close: k.c,
                    volume: k.v,
                    quote_volume: k.q,
                    trades: k.n,
                };
                Frame::Kline { symbol: x.s, interval, candle }
            }
            Kind::Ticker => {
                let x = TickerData::deserialize(d)?;
                if x.e != "24hrTicker" {
                    return Ok(Frame::Unknown);
                }
                let ticker = Ticker24h {
                    price_change: x.p,
                    price_change_pct: x.pct,
                    last: x.c,
                    open: x.o,
                    high: x.h,
                    low: x.l,
                    volume: x.v,
                    quote_volume: x.q,
                    bid: x.b,
                    ask: x.a,
                    event_time: x.event_time,
                };
                Frame::Ticker { symbol: x.s, ticker }
            }
            Kind::Shutdown => {
                IgnoredAny::deserialize(d)?;
                Frame::ServerShutdown
            }
            Kind::Unknown => {
                IgnoredAny::deserialize(d)?;
                Frame::Unknown
            }
        })
    }
}

#[derive(Deserialize)]
struct TradeData<'a> {
    #[serde(borrow)]
    e: Cow<'a, str>,
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(deserialize_with = "dec_str")]
    p: Decimal,
    #[serde(deserialize_with = "dec_str")]
    q: Decimal,
    #[serde(rename = "T")]
    trade_time: TimestampMs,
    #[serde(rename = "m")]
    buyer_is_maker: bool,
}

#[derive(Deserialize)]
struct BookTickerData<'a> {
    u: u64,
    #[serde(borrow)]
    s: Cow<'a, str>,
}

#[derive(Deserialize)]
struct DepthData<'a> {
    #[serde(borrow)]
    e: Cow<'a, str>,
    #[serde(rename = "E")]
    event_time: TimestampMs,
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(rename = "U")]
    first: u64,
    #[serde(rename = "u")]
    last: u64,
    #[serde(deserialize_with = "levels")]
    b: Vec<Level>,
    #[serde(deserialize_with = "levels")]
    a: Vec<Level>,
}

#[derive(Deserialize)]
struct KlineData<'a> {
    #[serde(borrow)]
    e: Cow<'a, str>,
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(borrow)]
    k: KlineBody<'a>,
}

#[derive(Deserialize)]
struct KlineBody<'a> {
    t: TimestampMs,
    #[serde(borrow)]
    i: Cow<'a, str>,
    #[serde(deserialize_with = "dec_str")]
    o: Decimal,
    #[serde(deserialize_with = "dec_str")]
    h: Decimal,
    #[serde(deserialize_with = "dec_str")]
    l: Decimal,
    #[serde(deserialize_with = "dec_str")]
    c: Decimal,
    #[serde(deserialize_with = "dec_str")]
    v: Decimal,
    #[serde(deserialize_with = "dec_str")]
    q: Decimal,
    n: u64,
}

#[derive(Deserialize)]
struct TickerData<'a> {
    #[serde(borrow)]
    e: Cow<'a, str>,
    #[serde(rename = "E")]
    event_time: TimestampMs,
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(deserialize_with = "dec_str")]
    p: Decimal,
    #[serde(rename = "P", deserialize_with = "dec_str")]
    pct: Decimal,
    #[serde(deserialize_with = "dec_str")]
    c: Decimal,
    #[serde(deserialize_with = "dec_str")]
    o: Decimal,
    #[serde(deserialize_with = "dec_str")]
    h: Decimal,
    #[serde(deserialize_with = "dec_str")]
    l: Decimal,
    #[serde(deserialize_with = "dec_str")]
    v: Decimal,
    #[serde(deserialize_with = "dec_str")]
    q: Decimal,
    #[serde(deserialize_with = "dec_str")]
    b: Decimal,
    #[serde(deserialize_with = "dec_str")]
    a: Decimal,
}

/// `GET /api/v3/klines` rows (`[openTime, "o", "h", "l", "c", "v", closeTime,
/// "quoteVolume", trades, ...]`), oldest first, for `interval`: at most `limit`
/// rows (a server answering more than asked is malformed), open times strictly
/// increasing, every candle possible.
pub fn parse_klines(body: &str, interval: Interval, limit: usize) -> Result<Vec<Candle>, WireError> {
    let rows: Vec<KlineRow> = serde_json::from_str(body)?;
    if rows.len() > limit {
        return Err(WireError::Invalid(format!("{} klines for a limit of {limit}", rows.len())));
    }
    let mut out: Vec<Candle> = Vec::with_capacity(rows.len());
    for KlineRow(c) in rows {
        c.check().map_err(WireError::Invalid)?;
        if out.last().is_some_and(|p| p.open_time >= c.open_time) {
            return Err(WireError::Invalid(format!("{interval} klines out of order at {}", c.open_time)));
        }
        out.push(c);
    }
    Ok(out)
}

/// One kline row; fields after the trade count are ignored.
struct KlineRow(Candle);

impl<'de> Deserialize<'de> for KlineRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(KlineRowVisitor)
    }
}

struct KlineRowVisitor;

#[derive(Deserialize)]
struct Dec(#[serde(deserialize_with = "dec_str")] Decimal);

impl<'de> Visitor<'de> for KlineRowVisitor {
    type Value = KlineRow;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a kline row [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, ...]",
        )
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KlineRow, A::Error> {
        let short = |n: usize| de::Error::invalid_length(n, &self);
        let open_time: TimestampMs = seq.next_element()?.ok_or_else(|| short(0))?;
        let mut dec = |n: usize| -> Result<Decimal, A::Error> {
            seq.next_element::<Dec>()?
                .map(|d| d.0)
                .ok_or_else(|| de::Error::invalid_length(n, &KlineRowVisitor))
        };
        let (open, high, low, close, volume) = (dec(1)?, dec(2)?, dec(3)?, dec(4)?, dec(5)?);
        seq.next_element::<IgnoredAny>()?.ok_or_else(|| short(6))?;
        let quote_volume = seq.next_element::<Dec>()?.ok_or_else(|| short(7))?.0;
        let trades: u64 = seq.next_element()?.ok_or_else(|| short(8))?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(KlineRow(Candle { open_time, open, high, low, close, volume, quote_volume, trades }))
    }
}

/// The frame deserializer: dispatches `data` on the `stream` name without an
/// intermediate tree when `stream` comes first (as Binance sends it), and
/// falls back to buffering `data` when a server orders keys differently.
struct FrameDe<'a>(Frame<'a>);

impl<'de> Deserialize<'de> for FrameDe<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FrameVisitor).map(FrameDe)
    }
}

struct FrameVisitor;

struct DataSeed(Kind);

impl<'de> DeserializeSeed<'de> for DataSeed {
    type Value = Frame<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.parse_data(d)
    }
}

impl<'de> Visitor<'de> for FrameVisitor {
    type Value = Frame<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a combined-stream object {\"stream\":..,\"data\":..}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Frame<'de>, A::Error> {
        let mut kind: Option<Kind> = None;
        let mut frame: Option<Frame<'de>> = None;
        let mut buffered: Option<serde_json::Value> = None;
        let mut raw_shutdown = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "stream" => kind = Some(Kind::of_stream(&map.next_value::<Cow<'de, str>>()?)),
                "data" => match kind {
                    Some(k) => frame = Some(map.next_value_seed(DataSeed(k))?),
                    None => buffered = Some(map.next_value()?),
                },
                "e" => raw_shutdown = map.next_value::<Cow<'de, str>>()? == "serverShutdown",
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(frame) = frame {
            return Ok(frame);
        }
        match (kind, buffered) {
            (Some(k), Some(data)) => k.parse_data(data).map_err(de::Error::custom),
            _ if raw_shutdown => Ok(Frame::ServerShutdown),
            _ => Ok(Frame::Unknown),
        }
    }
}

/// A decimal that must arrive as a JSON string (Binance never sends numbers
/// for prices; a number here means a different, unexpected producer).
fn dec_str<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_str(DecStrVisitor)
}

struct DecStrVisitor;

impl Visitor<'_> for DecStrVisitor {
    type Value = Decimal;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number in a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        Decimal::from_str(v).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// `[["price","qty"], ...]` straight into [`Level`]s.
fn levels<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Level>, D::Error> {
    d.deserialize_seq(LevelsVisitor)
}

struct LevelsVisitor;

impl<'de> Visitor<'de> for LevelsVisitor {
    type Value = Vec<Level>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of [price, quantity] string pairs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Level>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(16));
        while let Some(pair) = seq.next_element::<WireLevel>()? {
            out.push(Level { price: pair.0, qty: pair.1 });
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
struct WireLevel(
    #[serde(deserialize_with = "dec_str")] Decimal,
    #[serde(deserialize_with = "dec_str")] Decimal,
);
