//! The embedded simulated exchange: a seeded synthetic market served on loopback
//! in Binance's wire format, so the demo and the tests drive the very adapter code
//! that talks to Binance.
//!
//! Two halves, kept apart on purpose:
//! - [`SimMarket`] is pure and synchronous (`step() -> Vec<SimEvent>`): same seed,
//!   same events, testable without a runtime.
//! - [`start`] serves it with axum: WebSocket streams (`/ws/<stream>`,
//!   `/stream?streams=...`) and REST (`/api/v3/depth`, `exchangeInfo`, `time`,
//!   `ticker/24hr`). The wall clock only paces steps and stamps event times.
//!
//! One signed endpoint, `/sapi/v1/account/apiRestrictions`, answers for two test
//! accounts ([`account`]: a trade-only key and one that can withdraw), checking the
//! key, the HMAC signature and the timestamp as Binance does, so `vigil keys verify`
//! can be exercised end to end without a real account.

pub mod account;
mod book;
mod hub;
mod market;
mod rest;
mod server;
mod spec;
mod ticker;
mod wire;
mod ws;

pub use market::{DepthDiff, DepthSnapshot, SimEvent, SimMarket, SimTrade};
pub use server::{SimConfig, SimHandle, start};
pub use spec::SymbolSpec;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the simulator needs at least one symbol")]
    NoSymbols,
    #[error("unknown simulator symbol {symbol}; available: {known}")]
    UnknownSymbol { symbol: String, known: String },
    #[error("symbol {symbol} cannot be simulated: {why}")]
    InvalidSpec { symbol: String, why: String },
    #[error("rate must be at least 1 step per second")]
    ZeroRate,
    #[error("cannot listen on 127.0.0.1:{port}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
}
