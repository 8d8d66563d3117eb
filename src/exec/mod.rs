//! Execution: where accepted orders go. The paper broker fills against the
//! live (or simulated) book; portfolio accounting turns fills into balances,
//! positions and PnL.

mod paper;
mod portfolio;

pub use paper::{FeeSchedule, PaperBroker};
pub use portfolio::{FillPlan, Portfolio, PortfolioError};
