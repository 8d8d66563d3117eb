//! The embedded simulated exchange: a seeded synthetic market served on loopback
//! in Binance's wire format, so the demo and the tests drive the very adapter code
//! that talks to Binance.
//!
//! Two halves, kept apart on purpose:
//! - [`SimMarket`] is pure and synchronous (`step() -> Vec<SimEvent>`): same seed,
//!   same events, testable without a runtime.
//! - [`start`] serves it with axum: WebSocket streams (`/ws/<stream>`,
//!   `/stream?streams=...`) and REST (`/api/v3/depth`, `exchangeInfo`, `time`,
//!   `ticker/24hr`, `klines`), including the `@ticker` and `@kline_<interval>`
//!   streams built from the same trades ([`klines`]). The wall clock only
//!   paces steps and stamps event times.
//!
//! The trading surface is Binance's too (reference §2), for two test accounts
//! ([`account`]: a trade-only key — Binance's documented example — and one
//! that can withdraw), so vigil's live venue runs unchanged against Binance
//! and against this:
//! - every signed request goes through one check (`account::authenticate`,
//!   or `authenticate_ws` for the WebSocket API): key (-2015, HTTP 401),
//!   timestamp present (-1102), recvWindow ≤ 60 000 (-1131), HMAC over query
//!   string ‖ body (-1022), timestamp inside the window (-1021);
//! - `POST`/`DELETE`/`GET /api/v3/order`, `openOrders`, `account`, `myTrades`
//!   (`trade_rest`, parameters read by `order_params`, answers shaped by
//!   `order_wire`), matched by `accounts` against the simulator's own book:
//!   a taker walk removes liquidity through [`SimMarket`] and shows in the
//!   public trade and depth streams; a resting order locks its funds and
//!   fills as maker at its price when the book or a trade reaches it;
//!   commission 0.1 % in the asset received;
//! - balances of each account at start: [`QUOTE_BALANCE`] USDT and, per
//!   listed symbol, [`BASE_VALUE`] USDT of its base asset at the opening
//!   price rounded down to the lot step (0.15625 BTC, 3.125 ETH, 66.666 SOL);
//! - Binance's published limits (`usage`, `weight`): request weight 6000 per
//!   rolling minute per server, orders 100 per 10 s and 200 000 per day per
//!   account; `X-MBX-USED-WEIGHT-1M` on every REST answer, the order counts
//!   on order answers, HTTP 429 with `Retry-After` and -1003 / -1015 beyond;
//! - the WebSocket API at `/ws-api/v3` (`ws_api`): the user data stream's
//!   `executionReport` and `outboundAccountPosition` events, `time`, `ping`.
//!
//! [`Faults`] (from [`SimHandle::faults`]) makes it misbehave on purpose for
//! the tests: slow or lost answers, 503, -1007 executed or not, 429/418, a
//! skewed clock, dropped or lossy user data connections, and
//! [`SimHandle::force_fill`] fills a resting order while no client watches.

pub mod account;
mod accounts;
mod book;
mod faults;
mod hub;
mod klines;
mod market;
mod order_params;
mod order_wire;
mod rest;
mod server;
mod spec;
mod ticker;
mod trade_rest;
mod usage;
mod user_events;
mod weight;
mod wire;
mod ws;
mod ws_api;

pub use accounts::{BASE_VALUE, QUOTE_BALANCE};
pub use faults::Faults;
pub use klines::{KEEP as KLINES_KEPT, KlineBook};
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
