//! Market-data values the gate, the engine and the screen share: a price level
//! and a feed's health. They are plain values, so `risk` and `tui` use them
//! without depending on the `market` adapters that produce them.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One price level: price and total quantity resting there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub price: Decimal,
    pub qty: Decimal,
}

/// Health of a feed's connection, or of one symbol's book.
///
/// A connection is `Connected` once its socket is up; a symbol is `Synced`
/// once its local book is in sync with the exchange (snapshot plus diffs, no
/// gap). Only a `Synced` book passes the `market_data_fresh` check: a socket
/// that is up says nothing about whether the book it feeds is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedState {
    Connecting,
    /// The socket is up (connection level).
    Connected,
    /// The book is in sync with the exchange (symbol level).
    Synced,
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
            Self::Synced => "synced",
            Self::Reconnecting => "reconnecting",
            Self::Resyncing => "resyncing",
            Self::Stale => "stale",
        }
    }

    /// True when a symbol's book can be traded on.
    pub fn is_synced(self) -> bool {
        self == Self::Synced
    }
}
