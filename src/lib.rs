//! vigil: a self-hosted terminal trading workstation for crypto spot markets.
//!
//! The binary (`src/main.rs`) only calls [`cli::main`]; everything lives here so
//! integration tests and benches drive the same code the binary runs.
//! See ARCHITECTURE.md for how the modules fit together.

pub mod alerts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod engine;
pub mod exec;
pub mod market;
pub mod risk;
pub mod server;
pub mod sim;
pub mod store;
pub mod strategy;
pub mod tui;
pub mod venue;
