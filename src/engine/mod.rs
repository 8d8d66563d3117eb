//! The engine: one actor task owns all trading state; [`EngineHandle`] is its
//! only door. Start it with [`start`].

mod actor;
mod api;
mod boot;
mod gate;
mod markets;
mod modes;
mod orders;
mod persist;
mod reactions;
mod state;

pub use api::{
    AutonomyBudget, CheckLine, CheckVerdict, Command, CommandError, EngineEnds, EngineHandle, Event, LogLine,
    MarketView, PendingOrder, Reply, Snapshot, SubmitOutcome, checks_pass,
};
pub use boot::{EngineError, EngineSetup, start};
pub use state::{EngineConfig, TotpCheck};
