//! Market data: normalized events, the local order book, and feed adapters.
//!
//! [`spawn`] starts a Binance-protocol feed (Binance, its testnet, or the
//! simulator) and hands back a [`FeedHandle`] yielding [`MarketEvent`]s.
//! The book-sync rules live in [`sync`] as a pure state machine; wire parsing
//! in [`wire`]; the fixed-point numbers of the book in [`fixed`]; the
//! transport policy (TLS unless loopback) in [`transport`]; the one
//! proxy ever used (configured, never from the environment) in [`proxy`].
//!
//! Everything here reads input from the network, so no arithmetic may
//! overflow or divide by zero unchecked: `clippy::arithmetic_side_effects`
//! is denied for the whole module (each exception is proven where it stands;
//! unit tests, which no input reaches, are exempt).
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

pub mod book;
mod candle;
mod config;
mod connection;
mod event;
mod feed;
pub mod fixed;
pub mod proxy;
pub mod rest;
mod session;
pub mod sync;
mod tap;
pub mod transport;
pub mod wire;

pub use candle::{Candle, CandleSeries, Candles, Interval, Print, Ticker24h};
pub use config::{
    BINANCE_REST, BINANCE_TESTNET_REST, BINANCE_TESTNET_WS, BINANCE_WS, Backoff, FeedConfig, streams_for,
};
pub use event::{BookUpdate, FeedState, FeedStatus, Level, MarketEvent, Trade};
pub use feed::{ControlError, FeedCommand, FeedControl, FeedCounters, FeedError, FeedHandle, spawn};
pub use rest::{CATALOG_MAX_BYTES, RestError, fetch_catalog, fetch_exchange_info, fetch_server_time};
pub use tap::TapLine;
