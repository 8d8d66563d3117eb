//! Checks that only mean something against a real exchange: clock agreement
//! (signed requests carry a timestamp) and the API key's permissions.
//! On paper both are skipped, saying so.

use super::check::{CheckId, CheckResult};
use super::context::Ctx;
use super::text::detail;
use crate::domain::Venue;

/// `clock_skew`: live only; |local − exchange time| at most `max_clock_skew_ms`
/// (equal passes). Unknown skew fails: the server time was never synced.
pub(crate) fn clock_skew(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::ClockSkew;
    if ctx.snap.venue == Venue::Paper {
        return CheckResult::skip(ID, "paper venue: no exchange clock to agree with");
    }
    let max = ctx.limits.max_clock_skew_ms;
    let Some(skew) = ctx.snap.clock_skew_ms else {
        return CheckResult::fail(ID, "exchange server time has not been synced yet");
    };
    let direction = if skew < 0 { "behind" } else { "ahead of" };
    let detail =
        detail!("the local clock is {} ms {direction} the exchange, max {max} ms", skew.unsigned_abs());
    if skew.unsigned_abs() > max {
        CheckResult::fail(ID, detail!("{detail}: fix the system clock (NTP)"))
    } else {
        CheckResult::pass(ID, detail)
    }
}

/// `key_permissions`: live only; the key must be verified and able to trade
/// spot; a key that can withdraw or transfer funds is refused; one with margin
/// or futures enabled passes with a warning (vigil never uses them).
pub(crate) fn key_permissions(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::KeyPermissions;
    if ctx.snap.venue == Venue::Paper {
        return CheckResult::skip(ID, "paper venue: no API key is used");
    }
    let Some(p) = ctx.snap.key_permissions else {
        return CheckResult::fail(ID, "the API key's permissions are unknown: run `vigil keys verify`");
    };
    if p.can_withdraw {
        return CheckResult::fail(
            ID,
            "the API key can withdraw funds: refused, create a trade-only key without withdrawals",
        );
    }
    if p.can_transfer {
        return CheckResult::fail(
            ID,
            "the API key can transfer funds between accounts: refused, create a trade-only key",
        );
    }
    if !p.can_trade {
        return CheckResult::fail(ID, "the API key cannot trade spot: enable spot trading on the key");
    }
    if p.can_leverage {
        return CheckResult::warn(
            ID,
            "the API key is trade-only but has margin/futures/options enabled, which vigil never uses: consider disabling them",
        );
    }
    CheckResult::pass(ID, "the API key is verified trade-only: spot trading, no withdrawals or transfers")
}
