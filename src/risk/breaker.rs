//! Breakers evaluated without an order: the engine calls [`breaker_status`]
//! after every fill and mark-to-market, and switches trading to the configured
//! state the moment one trips, instead of waiting for the next order.

use super::check::CheckId;
use super::limits::Limits;
use super::pnl::{Level, daily_loss, drawdown};
use super::snapshot::RiskSnapshot;
use super::text::detail;
use crate::domain::TradingState;

/// A tripped breaker: which check, the state to switch to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerTrip {
    /// `daily_loss_limit` or `drawdown_breaker`.
    pub cause: CheckId,
    /// `reducing` or `halted`, per `Limits::breaker_action`.
    pub target: TradingState,
    /// A sentence naming the numbers, for the audit log and the screen.
    pub detail: String,
}

/// The first breached breaker (daily loss, then drawdown), if any. Uses the
/// same measures and boundaries as the per-order checks.
pub fn breaker_status(snapshot: &RiskSnapshot<'_>, limits: &Limits) -> Option<BreakerTrip> {
    let target = limits.breaker_action.target_state();
    [
        (CheckId::DailyLossLimit, daily_loss(snapshot, limits)),
        (CheckId::DrawdownBreaker, drawdown(snapshot, limits)),
    ]
    .into_iter()
    .find(|(_, m)| m.level == Level::Breached)
    .map(|(cause, m)| BreakerTrip { cause, target, detail: detail!("{} tripped: {}", cause, m.detail) })
}
