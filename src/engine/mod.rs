//! The engine: one actor task owns all trading state; [`EngineHandle`] is its only door.

mod api;

pub use api::{
    AutonomyBudget, CheckLine, CheckVerdict, Command, CommandError, EngineEnds, EngineHandle, Event, LogLine,
    MarketView, PendingOrder, Reply, Snapshot, SubmitOutcome, checks_pass,
};
