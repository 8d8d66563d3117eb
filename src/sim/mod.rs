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
//! The trading surface is Binance's too, for two test accounts ([`account`]: a
//! trade-only key and one that can withdraw), each checked for key, HMAC
//! signature and timestamp as Binance does: `/sapi/v1/account/apiRestrictions`
//! (so `vigil keys verify` runs end to end), signed orders, cancels, queries,
//! open orders, the account and its trades (`trade_rest`), matched against
//! the simulator's own book (`accounts`), with Binance's rate-limit headers
//! and limits (`usage`), and the WebSocket API's user data stream at
//! `/ws-api/v3` (`ws_api`). [`Faults`] makes it misbehave on purpose for the
//! tests: slow or lost answers, 5xx, -1007, 429/418, a skewed clock, dropped
//! user data connections. So the demo's live mode and the tests run vigil's
//! live venue without money.

pub mod account;
mod accounts;
mod book;
mod faults;
mod hub;
mod market;
mod order_params;
mod order_wire;
mod rest;
mod server;
mod spec;
mod ticker;
mod trade_rest;
mod usage;
mod weight;
mod wire;
mod ws;
mod ws_api;

pub use accounts::{BASE_VALUE, QUOTE_BALANCE};
pub use faults::Faults;
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
