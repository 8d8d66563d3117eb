//! Plain trading types shared by every layer. No I/O, no async: these are the
//! nouns the gate, the engine, the brokers and the screen all agree on.
//!
//! Money is [`rust_decimal::Decimal`] everywhere; `f64` exists only in chart drawing.

mod catalog;
mod instrument;
mod market;
mod mode;
mod order;
mod portfolio;
mod symbol;

pub use catalog::SymbolCatalog;
pub use instrument::{Instrument, SymbolStatus};
pub use market::{FeedState, Level};
pub use mode::{Approval, TradingState, Venue};
pub use order::{
    Fill, Liquidity, Order, OrderId, OrderIntent, OrderStatus, OrderType, Origin, Side, StopKind,
    StopTrigger, TimeInForce,
};
pub use portfolio::{Balance, Position};
pub use symbol::{Symbol, SymbolError};

/// Re-exported so callers name one money type.
pub use rust_decimal::Decimal;

/// Milliseconds since the Unix epoch, the unit exchanges use on the wire.
pub type TimestampMs = i64;
