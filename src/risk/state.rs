//! Checks on the trading state itself: is trading allowed at all, is the venue
//! armed, and (autonomous mode) is there budget left.

use super::check::{CheckId, CheckResult};
use super::context::Ctx;
use super::text::detail;
use super::text::{Num, amt};
use crate::domain::{Approval, Side, TradingState, Venue};

/// `kill_switch`: the operator's kill switch and the trading state. `halted`
/// refuses everything; `reducing` lets through only sells of what is held.
pub(crate) fn kill_switch(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::KillSwitch;
    if ctx.snap.kill_switch {
        return CheckResult::fail(
            ID,
            "the kill switch is engaged: trading is halted until the operator releases it",
        );
    }
    match ctx.snap.trading_state {
        TradingState::Active => CheckResult::pass(ID, "trading is active"),
        TradingState::Halted => CheckResult::fail(
            ID,
            "trading is halted (by the operator or a breaker): new orders are refused, cancels still go through",
        ),
        TradingState::Reducing => {
            let (qty, held, base) = (Num(ctx.intent.qty), Num(ctx.base_free()), ctx.base_name());
            if ctx.reduces_position() {
                CheckResult::pass(
                    ID,
                    detail!("trading is reducing: this sell of {qty} {base} reduces the {held} {base} held"),
                )
            } else if ctx.intent.side == Side::Buy {
                CheckResult::fail(
                    ID,
                    detail!(
                        "trading is reducing: only sells of what is held pass, this buy of {qty} {base} adds exposure"
                    ),
                )
            } else {
                CheckResult::fail(
                    ID,
                    detail!(
                        "trading is reducing: this sell of {qty} {base} exceeds the {held} {base} free to sell"
                    ),
                )
            }
        }
    }
}

/// `venue_armed`: paper is always armed; live needs an unlocked keystore, a
/// verified key, and no reconciliation in progress.
pub(crate) fn venue_armed(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::VenueArmed;
    if ctx.snap.venue == Venue::Paper {
        return CheckResult::pass(ID, "paper venue: always armed");
    }
    let live = ctx.snap.live;
    let mut missing = Vec::new();
    if !live.keystore_unlocked && !live.test_key {
        missing.push("the keystore is locked (unlock it)");
    }
    if !live.key_verified {
        missing.push("the API key is not verified (run `vigil keys verify`)");
    }
    if live.reconciling {
        missing.push(
            "the venue is reconciling orders and balances, or its user data stream is down (wait for it)",
        );
    }
    if missing.is_empty() && live.test_key {
        CheckResult::pass(ID, "live venue armed: the simulator's public test key (no keystore), reconciled")
    } else if missing.is_empty() {
        CheckResult::pass(ID, "live venue armed: keystore unlocked, key verified, reconciled")
    } else {
        CheckResult::fail(ID, detail!("live venue not armed: {}", missing.join("; ")))
    }
}

/// `autonomy_budget`: in autonomous mode an order needs one order and its
/// notional left in the budget (notional equal to what is left passes).
/// Skipped in confirm mode, where a person approves each order.
pub(crate) fn autonomy_budget(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::AutonomyBudget;
    if ctx.snap.approval == Approval::Confirm {
        return CheckResult::skip(ID, "confirm mode: a person approves each order, no budget applies");
    }
    let Some(left) = ctx.snap.autonomy else {
        return CheckResult::fail(ID, "autonomous mode has no budget: re-arm autonomous mode with one");
    };
    if left.orders == 0 {
        return CheckResult::fail(
            ID,
            detail!(
                "the autonomy budget has 0 orders left (and {} notional): re-arm to continue",
                left.notional
            ),
        );
    }
    let notional = match ctx.pricing.notional() {
        Ok(n) => n,
        Err(why) => return ctx.unpriced(ID, why),
    };
    let quote = ctx.quote_name();
    if notional > left.notional {
        CheckResult::fail(
            ID,
            detail!(
                "order notional {} {quote} exceeds the {} {quote} left in the autonomy budget",
                amt(notional),
                left.notional
            ),
        )
    } else {
        CheckResult::pass(
            ID,
            detail!(
                "autonomy budget after this order: {} orders and {} {quote} left",
                left.orders.saturating_sub(1),
                amt(left.notional.saturating_sub(notional))
            ),
        )
    }
}
