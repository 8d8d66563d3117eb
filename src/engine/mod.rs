//! The engine: one actor task owns all trading state; [`EngineHandle`] is its
//! only door. Start it with [`start`].

// Input (prices, quantities, balances, config) reaches the arithmetic here:
// every operation is checked, or allowed locally with the reason it cannot overflow.
#![deny(clippy::arithmetic_side_effects)]

mod access;
mod actor;
mod amend;
mod api;
mod boot;
mod controls;
mod gate;
mod ledger;
mod live;
mod markets;
mod modes;
mod orders;
mod persist;
mod reactions;
mod state;
mod strategies;
mod supervise;
mod watchlist;

pub use access::AUDIT_PAGE_MAX;
pub use api::{
    AuditCheck, AutonomyBudget, CancelAllReport, CheckLine, CheckVerdict, Command, CommandError, EngineEnds,
    EngineHandle, Event, LiveStatus, LogLine, MarketView, OneTimeCode, PendingOrder, Reply, Snapshot,
    SubmitOutcome, checks_pass,
};
pub use boot::{EngineError, EngineSetup, LiveSetup, UNCLEAN_SHUTDOWN, start};
pub use controls::{Cause, Change, Controls, ControlsError, ControlsRecorder, Transition};
pub use gate::check_lines;
pub use live::LiveKey;
pub use orders::{BUDGET_SPENT_NOTE, describe};
pub use state::{EngineConfig, OnShutdown, ProposalPolicy, TotpCheck, limits_view};
pub use watchlist::{MAX_WATCHED, WATCHLIST_KEY, WatchlistSetup, initial_watchlist, stored_watchlist};
