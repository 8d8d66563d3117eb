//! Execution: where accepted orders go. The paper broker fills against the
//! live (or simulated) book; the live venue carries orders to the exchange
//! and its reports back; portfolio accounting turns fills into balances,
//! positions and PnL.

// Input (prices, quantities, balances, config) reaches the arithmetic here:
// every operation is checked, or allowed locally with the reason it cannot overflow.
#![deny(clippy::arithmetic_side_effects)]

pub mod live;
mod paper;
mod portfolio;

pub use live::{LiveVenue, ReconcileOrder, Reconciliation, VenueReport, VenueRequest};
pub use paper::{FeeSchedule, PaperBroker};
pub use portfolio::{FillPlan, Portfolio, PortfolioError};
