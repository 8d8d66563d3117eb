//! Normalized market events: what every feed adapter produces and what the
//! engine, the gate and the screen consume. Exchange wire formats stop at the
//! adapter; nothing past it knows Binance from anyone else.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Side, Symbol, TimestampMs};

/// One price level: price and total quantity resting there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub price: Decimal,
    pub qty: Decimal,
}

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
    pub fn mid(&self) -> Option<Decimal> {
        let bid = self.bids.first()?.price;
        let ask = self.asks.first()?.price;
        Some((bid + ask) / Decimal::TWO)
    }
}

/// Health of a feed (or one symbol of it). While anything but `Connected`,
/// the `market_data_fresh` check fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedState {
    Connecting,
    Connected,
    Reconnecting,
    Resyncing,
    Stale,
}

impl FeedState {
    /// The lower-case name used in JSON lines and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Reconnecting => "reconnecting",
            Self::Resyncing => "resyncing",
            Self::Stale => "stale",
        }
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
}
