use std::fmt;

use serde::{Deserialize, Serialize};

/// Where orders go: simulated fills against the real book, or the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Venue {
    Paper,
    Live,
}

/// Whether a person confirms each order (`confirm`, the default) or the engine
/// sends gate-approved orders itself within a budget (`autonomous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Approval {
    Confirm,
    Autonomous,
}

/// Trading state, as in NautilusTrader: `active`; `reducing` (only orders that
/// shrink a position: in spot, sells of what is held); `halted` (new orders
/// refused, cancels still go through).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TradingState {
    Active,
    Reducing,
    Halted,
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Venue::Paper => "paper",
            Venue::Live => "live",
        })
    }
}

impl fmt::Display for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Approval::Confirm => "confirm",
            Approval::Autonomous => "autonomous",
        })
    }
}

impl fmt::Display for TradingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            TradingState::Active => "active",
            TradingState::Reducing => "reducing",
            TradingState::Halted => "halted",
        })
    }
}
