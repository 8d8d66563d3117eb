//! The pre-trade gate: 21 pure checks over an intent and a snapshot of engine
//! state. No I/O, no clock, no locks: the engine builds a [`RiskSnapshot`]
//! inside its actor, calls [`evaluate`], and, if it passed, locks exactly what
//! [`reservation`] says in the same step.
//!
//! Every check always runs (nothing short-circuits), so a person sees every
//! reason at once; results come back in the DESIGN.md table order, one file per
//! family of checks.

// Input (prices, quantities, balances, config) reaches the arithmetic here:
// every operation is checked, or allowed locally with the reason it cannot overflow.
#![deny(clippy::arithmetic_side_effects)]

mod book;
mod breaker;
mod check;
mod context;
mod exposure;
mod filters;
mod flow;
mod limits;
mod live;
mod market;
mod pnl;
mod reservation;
mod snapshot;
mod state;
mod text;

pub use book::{FillEstimate, WalkError, estimate_market_fill, qty_for_quote};
pub use breaker::{BreakerTrip, breaker_status};
pub use check::{CheckId, CheckResult, GateResult, Verdict};
pub use limits::{BreakerAction, Limits, LimitsError};
pub use reservation::{Reservation, reservation};
pub use snapshot::{
    BudgetLeft, ExchangeUsage, FeedView, KeyPermissions, LiveArming, RiskSnapshot, Submission,
};

use crate::domain::{OrderIntent, TimestampMs};
use context::Ctx;

/// One check: a pure function of the evaluation context.
type Check = fn(&Ctx) -> CheckResult;

/// The checks in [`CheckId::ALL`] order (tests/risk_gate.rs keeps the two aligned).
const CHECKS: [Check; 21] = [
    state::kill_switch,
    state::venue_armed,
    state::autonomy_budget,
    market::symbol_allowed,
    market::market_data_fresh,
    filters::price_tick,
    filters::quantity_step,
    filters::min_notional,
    market::price_band,
    exposure::max_order_notional,
    exposure::balance_available,
    exposure::max_position,
    exposure::concentration,
    flow::max_open_orders,
    flow::duplicate_order,
    flow::order_rate,
    pnl::daily_loss_limit,
    pnl::drawdown_breaker,
    pnl::loss_streak_cooldown,
    live::clock_skew,
    live::key_permissions,
];

/// Runs all 21 checks on `intent` against `snapshot` at `now_ms`.
pub fn evaluate(
    intent: &OrderIntent,
    snapshot: &RiskSnapshot<'_>,
    limits: &Limits,
    now_ms: TimestampMs,
) -> GateResult {
    let ctx = Ctx::new(intent, snapshot, limits, now_ms);
    GateResult { checks: CHECKS.iter().map(|check| check(&ctx)).collect() }
}
