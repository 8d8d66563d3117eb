//! Market data: normalized events, the local order book, and feed adapters.

mod event;

pub use event::{BookUpdate, FeedState, FeedStatus, Level, MarketEvent, Trade};
