//! Normalized market events: what every feed adapter produces and what the
//! engine, the gate and the screen consume. Exchange wire formats stop at the
//! adapter; nothing past it knows Binance from anyone else.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::domain::{FeedState, Level};
use crate::domain::{Side, Symbol, TimestampMs};
use crate::market::{Candle, Interval, Ticker24h};

/// A public trade printed by the exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    pub symbol: Symbol,
    pub price: Decimal,
    pub qty: Decimal,
    /// The aggressor's side (Binance: `m == true` means the buyer was maker, so the seller aggressed).
    pub side: Side,
    pub ts_ms: TimestampMs,
}

/// The top of a local order book after an update was applied: best bids
/// (descending) and best asks (ascending), with the exchange update id it is
/// in sync with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookUpdate {
    pub symbol: Symbol,
    pub seq: u64,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    pub ts_ms: TimestampMs,
}

impl BookUpdate {
    /// Mid price, when both sides have a level.
    /// `None` also when the prices overflow (a hostile book is not a mid).
    pub fn mid(&self) -> Option<Decimal> {
        let bid = self.bids.first()?.price;
        let ask = self.asks.first()?.price;
        bid.checked_add(ask)?.checked_div(Decimal::TWO)
    }
}

/// A feed status change, with a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedStatus {
    /// Feed name (`binance`, `binance-testnet`, `sim`).
    pub feed: String,
    /// The symbol concerned, or `None` for the whole connection.
    pub symbol: Option<Symbol>,
    pub state: FeedState,
    pub detail: String,
    pub ts_ms: TimestampMs,
}

/// Everything a feed can say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarketEvent {
    Trade(Trade),
    Book(BookUpdate),
    Status(FeedStatus),
    /// A live update of one timeframe's newest candle.
    Candle {
        symbol: Symbol,
        interval: Interval,
        candle: Candle,
    },
    /// A backfill of one timeframe (`GET /api/v3/klines`), oldest first.
    Candles {
        symbol: Symbol,
        interval: Interval,
        candles: Vec<Candle>,
    },
    /// Rolling 24 h statistics.
    Ticker {
        symbol: Symbol,
        ticker: Ticker24h,
    },
}
