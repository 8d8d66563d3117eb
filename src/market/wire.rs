//! Binance spot wire formats (reference §1.5, §1.6): combined-stream frames
//! and the REST depth snapshot, parsed straight from borrowed text.
//!
//! Parsing is strict where it matters for the book (decimals must be JSON
//! strings, `U <= u`, prices positive and inside `PRICE_FILTER`, every number
//! exactly on the instrument's scale) and lenient where Binance is allowed to
//! grow (unknown fields are ignored). Anything else is an error the feed
//! counts and skips; it never reaches the book.
//!
//! Depth levels — the hot path — go from the frame's bytes straight into
//! fixed-point integers ([`crate::market::fixed`]) in a [`DepthDiff`] the
//! caller reuses: no `Decimal`, no `String`, no allocation per message.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::domain::{Side, TimestampMs};
use crate::market::candle::{Candle, Interval, Ticker24h};
use crate::market::fixed::{FixedLevel, Scale, Scales};

/// Why a frame or a snapshot could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Not JSON, or JSON of the wrong shape.
    #[error("malformed message: {0}")]
    Json(#[from] serde_json::Error),
    /// Well-formed JSON whose values make no sense for a book.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// A depth update of a followed symbol that cannot be used: the book has
    /// missed an update and must resync.
    #[error("malformed depth update for {symbol}: {reason}")]
    Depth { symbol: String, reason: String },
}

/// Each followed symbol's scales, looked up by the symbol's wire name.
pub trait ScalesFor {
    /// `None` when the symbol is not followed or its scales are not known yet.
    fn scales_for(&self, symbol: &str) -> Option<Scales>;
}

/// One instrument's scales for every symbol (tests, benches, one-symbol tools).
impl ScalesFor for Scales {
    fn scales_for(&self, _symbol: &str) -> Option<Scales> {
        Some(*self)
    }
}

/// One diff-depth event (`depthUpdate`) in fixed point, symbol-free: the
/// caller routes it. The feed keeps one and the parser refills it per frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepthDiff {
    /// `U`: first update id in the event.
    pub first_update_id: u64,
    /// `u`: final update id in the event.
    pub final_update_id: u64,
    /// `E`: event time.
    pub event_time: TimestampMs,
    /// Absolute bid quantities; zero removes the level.
    pub bids: Vec<FixedLevel>,
    /// Absolute ask quantities; zero removes the level.
    pub asks: Vec<FixedLevel>,
}

/// The REST snapshot `GET /api/v3/depth`, in fixed point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthSnapshot {
    pub last_update_id: u64,
    pub bids: Vec<FixedLevel>,
    pub asks: Vec<FixedLevel>,
}

impl DepthSnapshot {
    /// Parses and validates a snapshot body against the instrument's
    /// `scales`; a side with more than `limit` levels (more than was asked)
    /// is refused as soon as the count passes it.
    pub fn parse(body: &str, scales: &Scales, limit: usize) -> Result<Self, WireError> {
        let mut de = serde_json::Deserializer::from_str(body);
        let snap = SnapshotSeed { scales, limit }.deserialize(&mut de)?;
        de.end()?;
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
    /// A diff-depth event of a symbol with known scales: its ids and levels
    /// are in the [`DepthDiff`] given to [`parse_frame`].
    Depth {
        symbol: Cow<'a, str>,
    },
    /// A diff-depth event of a symbol whose scales are not known (yet): the
    /// levels were checked as JSON but not read. The caller may keep the
    /// frame and parse it again once the scales are known.
    DepthUnscaled {
        symbol: Cow<'a, str>,
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
/// accepting its keys in any order. A depth event's ids and levels are
/// written into `diff` (cleared first; its capacity is reused), read with
/// the scales `scales` gives for the event's symbol.
pub fn parse_frame<'a, S: ScalesFor>(
    text: &'a str,
    scales: &S,
    diff: &mut DepthDiff,
) -> Result<Frame<'a>, WireError> {
    let mut ctx = Ctx { scales, diff, depth_symbol: None };
    let parsed = {
        let mut de = serde_json::Deserializer::from_str(text);
        FrameSeed(&mut ctx).deserialize(&mut de).and_then(|frame| de.end().map(|()| frame))
    };
    let frame = match parsed {
        Ok(frame) => frame,
        Err(e) => {
            return Err(match ctx.depth_symbol {
                Some(symbol) => WireError::Depth { symbol: symbol.into_owned(), reason: e.to_string() },
                None => WireError::Json(e),
            });
        }
    };
    check(&frame, ctx.diff)?;
    Ok(frame)
}

/// The checks that need the whole frame: ids in order, a trade, candle or
/// 24 h ticker that could exist.
fn check(frame: &Frame<'_>, diff: &DepthDiff) -> Result<(), WireError> {
    match frame {
        Frame::Depth { symbol } if diff.first_update_id > diff.final_update_id => Err(WireError::Depth {
            symbol: symbol.to_string(),
            reason: format!("U={} > u={}", diff.first_update_id, diff.final_update_id),
        }),
        Frame::Trade(t) if t.price <= Decimal::ZERO || t.qty <= Decimal::ZERO => {
            Err(WireError::Invalid(format!("trade with price {} qty {}", t.price, t.qty)))
        }
        Frame::Kline { candle, .. } => candle.check().map_err(WireError::Invalid),
        Frame::Ticker { ticker: t, .. } => {
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
            Ok(())
        }
        _ => Ok(()),
    }
}

/// What the frame visitors share: the scales lookup, the diff being filled,
/// and the symbol of a depth event once read (so an error later in the
/// event can name the book that missed an update).
struct Ctx<'a, 's, 'd, S> {
    scales: &'s S,
    diff: &'d mut DepthDiff,
    depth_symbol: Option<Cow<'a, str>>,
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

    fn parse_data<'de, D: Deserializer<'de>, S: ScalesFor>(
        self,
        d: D,
        ctx: &mut Ctx<'de, '_, '_, S>,
    ) -> Result<Frame<'de>, D::Error> {
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
            Kind::Depth => d.deserialize_map(DepthSeed(ctx))?,
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
struct FrameSeed<'c, 'a, 's, 'd, S>(&'c mut Ctx<'a, 's, 'd, S>);

impl<'de, S: ScalesFor> DeserializeSeed<'de> for FrameSeed<'_, 'de, '_, '_, S> {
    type Value = Frame<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

struct DataSeed<'c, 'a, 's, 'd, S>(Kind, &'c mut Ctx<'a, 's, 'd, S>);

impl<'de, S: ScalesFor> DeserializeSeed<'de> for DataSeed<'_, 'de, '_, '_, S> {
    type Value = Frame<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.parse_data(d, self.1)
    }
}

impl<'de, S: ScalesFor> Visitor<'de> for FrameSeed<'_, 'de, '_, '_, S> {
    type Value = Frame<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a combined-stream object {\"stream\":..,\"data\":..}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Frame<'de>, A::Error> {
        let ctx = self.0;
        let mut kind: Option<Kind> = None;
        let mut frame: Option<Frame<'de>> = None;
        let mut buffered: Option<serde_json::Value> = None;
        let mut raw_shutdown = false;
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "stream" => kind = Some(Kind::of_stream(&map.next_value::<Text<'de>>()?.0)),
                "data" => match kind {
                    Some(k) => frame = Some(map.next_value_seed(DataSeed(k, &mut *ctx))?),
                    None => buffered = Some(map.next_value()?),
                },
                "e" => raw_shutdown = map.next_value::<Text<'de>>()?.0 == "serverShutdown",
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(frame) = frame {
            return Ok(frame);
        }
        match (kind, buffered) {
            (Some(k), Some(data)) => k.parse_data(data, ctx).map_err(de::Error::custom),
            _ if raw_shutdown => Ok(Frame::ServerShutdown),
            _ => Ok(Frame::Unknown),
        }
    }
}

/// A JSON string, borrowed from the frame unless it had escapes (keys and
/// names: serde's own `Cow<str>` would allocate every one).
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

/// The `data` of a `depthUpdate`, levels read into the context's diff with
/// the symbol's scales. Binance sends `s` before `b`/`a`; a producer that
/// does not has its levels buffered as a tree and read once `s` is known.
struct DepthSeed<'c, 'a, 's, 'd, S>(&'c mut Ctx<'a, 's, 'd, S>);

impl<'de, S: ScalesFor> Visitor<'de> for DepthSeed<'_, 'de, '_, '_, S> {
    type Value = Frame<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a depthUpdate object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Frame<'de>, A::Error> {
        let ctx = self.0;
        ctx.diff.bids.clear();
        ctx.diff.asks.clear();
        let mut event: Option<Text<'de>> = None;
        let (mut event_time, mut first, mut last) = (None, None, None);
        let mut symbol: Option<Cow<'de, str>> = None;
        let mut scales: Option<Scales> = None;
        let (mut bids_seen, mut asks_seen) = (false, false);
        let mut early: [Option<serde_json::Value>; 2] = [None, None];
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "e" => event = Some(map.next_value()?),
                "E" => event_time = Some(map.next_value::<TimestampMs>()?),
                "U" => first = Some(map.next_value::<u64>()?),
                "u" => last = Some(map.next_value::<u64>()?),
                "s" => {
                    let name = map.next_value::<Text<'de>>()?.0;
                    scales = ctx.scales.scales_for(&name);
                    if scales.is_some() {
                        ctx.depth_symbol = Some(name.clone());
                    }
                    symbol = Some(name);
                }
                side @ ("b" | "a") => {
                    let bids = side == "b";
                    if bids {
                        bids_seen = true
                    } else {
                        asks_seen = true
                    }
                    let out = if bids { &mut ctx.diff.bids } else { &mut ctx.diff.asks };
                    match (scales, &symbol) {
                        (Some(scales), _) => {
                            map.next_value_seed(LevelsSeed { scales, out, limit: usize::MAX })?
                        }
                        (None, Some(_)) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        (None, None) => early[usize::from(!bids)] = Some(map.next_value()?),
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let event = event.ok_or_else(|| de::Error::missing_field("e"))?;
        let symbol = symbol.ok_or_else(|| de::Error::missing_field("s"))?;
        ctx.diff.event_time = event_time.ok_or_else(|| de::Error::missing_field("E"))?;
        ctx.diff.first_update_id = first.ok_or_else(|| de::Error::missing_field("U"))?;
        ctx.diff.final_update_id = last.ok_or_else(|| de::Error::missing_field("u"))?;
        if !bids_seen {
            return Err(de::Error::missing_field("b"));
        }
        if !asks_seen {
            return Err(de::Error::missing_field("a"));
        }
        if event.0 != "depthUpdate" {
            return Ok(Frame::Unknown);
        }
        let Some(scales) = scales else { return Ok(Frame::DepthUnscaled { symbol }) };
        for (levels, out) in early.into_iter().zip([&mut ctx.diff.bids, &mut ctx.diff.asks]) {
            if let Some(levels) = levels {
                LevelsSeed { scales, out, limit: usize::MAX }
                    .deserialize(levels)
                    .map_err(de::Error::custom)?;
            }
        }
        Ok(Frame::Depth { symbol })
    }
}

/// `{"lastUpdateId":..,"bids":[..],"asks":[..]}` in the instrument's units.
struct SnapshotSeed<'s> {
    scales: &'s Scales,
    limit: usize,
}

impl<'de> DeserializeSeed<'de> for SnapshotSeed<'_> {
    type Value = DepthSnapshot;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DepthSnapshot, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SnapshotSeed<'_> {
    type Value = DepthSnapshot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a depth snapshot {\"lastUpdateId\":..,\"bids\":..,\"asks\":..}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DepthSnapshot, A::Error> {
        let mut id = None;
        let (mut bids, mut asks) = (None, None);
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let side = match key.as_ref() {
                "lastUpdateId" => {
                    id = Some(map.next_value::<u64>()?);
                    continue;
                }
                "bids" => &mut bids,
                "asks" => &mut asks,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let mut out = Vec::new();
            map.next_value_seed(LevelsSeed { scales: *self.scales, out: &mut out, limit: self.limit })?;
            *side = Some(out);
        }
        Ok(DepthSnapshot {
            last_update_id: id.ok_or_else(|| de::Error::missing_field("lastUpdateId"))?,
            bids: bids.ok_or_else(|| de::Error::missing_field("bids"))?,
            asks: asks.ok_or_else(|| de::Error::missing_field("asks"))?,
        })
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

/// `[["price","qty"], ...]` appended to `out` as fixed-point levels, at most `limit`.
struct LevelsSeed<'o> {
    scales: Scales,
    out: &'o mut Vec<FixedLevel>,
    limit: usize,
}

impl<'de> DeserializeSeed<'de> for LevelsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LevelsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of [price, quantity] string pairs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(level) = seq.next_element_seed(LevelSeed(&self.scales))? {
            if self.out.len() >= self.limit {
                return Err(de::Error::custom(format_args!("more than the {} levels asked for", self.limit)));
            }
            self.out.push(level);
        }
        Ok(())
    }
}

/// One `["price","qty"]` pair, checked against the instrument (see [`Scales::check_price`]).
struct LevelSeed<'s>(&'s Scales);

impl<'de> DeserializeSeed<'de> for LevelSeed<'_> {
    type Value = FixedLevel;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<FixedLevel, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LevelSeed<'_> {
    type Value = FixedLevel;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a [price, quantity] pair of decimal strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FixedLevel, A::Error> {
        let scales = self.0;
        let price = seq
            .next_element_seed(FixedSeed("price", &scales.price))?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let qty = seq
            .next_element_seed(FixedSeed("quantity", &scales.qty))?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        scales.check_price(price).map_err(de::Error::custom)?;
        Ok(FixedLevel { price, qty })
    }
}

/// A decimal string read straight into units of `Scale`.
struct FixedSeed<'s>(&'static str, &'s Scale);

impl<'de> DeserializeSeed<'de> for FixedSeed<'_> {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for FixedSeed<'_> {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} as a decimal string", self.0)
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        self.1.parse(v.as_bytes()).map_err(|e| E::custom(format_args!("{} {v:?}: {e}", self.0)))
    }
}
