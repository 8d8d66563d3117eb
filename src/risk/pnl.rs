//! Loss breakers: today's loss, drawdown from peak equity, and a losing streak.
//! When breached they refuse orders that add exposure; a sell of what is held
//! still passes with a warning, because the `reducing` state a breaker sets
//! exists to let a person get out. (`halted` is enforced by `kill_switch`.)

use rust_decimal::Decimal;

use super::check::{CheckId, CheckResult};
use super::context::{Ctx, percent_of};
use super::limits::Limits;
use super::snapshot::RiskSnapshot;
use super::text::detail;
use super::text::{Num, amt, pct};

/// Warn once a loss measure has used this share of its limit (80%).
const WARN_SHARE: Decimal = Decimal::from_parts(8, 0, 0, false, 1);

/// How close a measure is to its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Clear,
    Near,
    Breached,
}

/// A breaker measure: its level and a sentence naming the numbers.
pub(crate) struct Measure {
    pub level: Level,
    pub detail: String,
}

fn level(used: Decimal, limit: Decimal) -> Level {
    if used >= limit {
        Level::Breached
    } else if limit.checked_mul(WARN_SHARE).is_some_and(|near| used >= near) {
        Level::Near
    } else {
        Level::Clear
    }
}

/// Today's realized + unrealized PnL against `daily_loss_limit` (a loss equal to
/// the limit breaches it).
pub(crate) fn daily_loss(snap: &RiskSnapshot<'_>, limits: &Limits) -> Measure {
    let (realized, unrealized, limit) =
        (snap.realized_pnl_today, snap.unrealized_pnl, limits.daily_loss_limit);
    let Some(pnl) = realized.checked_add(unrealized) else {
        return Measure { level: Level::Breached, detail: "today's PnL overflows".to_owned() };
    };
    let loss = if pnl.is_sign_negative() { pnl.abs() } else { Decimal::ZERO };
    let detail = detail!(
        "today's PnL {} (realized {}, unrealized {}) against a daily loss limit of {}",
        amt(pnl),
        Num(realized),
        Num(unrealized),
        Num(limit)
    );
    Measure { level: level(loss, limit), detail }
}

/// Equity drawdown from peak against `max_drawdown_pct` (equal breaches).
pub(crate) fn drawdown(snap: &RiskSnapshot<'_>, limits: &Limits) -> Measure {
    let (equity, peak, max) = (snap.equity, snap.peak_equity, limits.max_drawdown_pct);
    if peak <= Decimal::ZERO {
        return Measure { level: Level::Clear, detail: detail!("no peak equity recorded yet (peak {peak})") };
    }
    let Some(dd) = peak.checked_sub(equity).and_then(|d| percent_of(d.max(Decimal::ZERO), peak)) else {
        return Measure { level: Level::Breached, detail: "the drawdown overflows".to_owned() };
    };
    let detail =
        detail!("equity {} is {}% below peak {}, breaker at {}%", Num(equity), pct(dd), Num(peak), Num(max));
    Measure { level: level(dd, max), detail }
}

/// Turns a breaker measure into a verdict for this order.
fn judge(ctx: &Ctx, id: CheckId, m: Measure) -> CheckResult {
    match m.level {
        Level::Clear => CheckResult::pass(id, m.detail),
        Level::Near => CheckResult::warn(id, detail!("{}: over 80% of the limit used", m.detail)),
        Level::Breached if ctx.reduces_position() => {
            CheckResult::warn(id, detail!("{}: limit reached, but this sell reduces exposure", m.detail))
        }
        Level::Breached => {
            CheckResult::fail(id, detail!("{}: limit reached, only sells of what is held pass", m.detail))
        }
    }
}

/// `daily_loss_limit`: see [`daily_loss`].
pub(crate) fn daily_loss_limit(ctx: &Ctx) -> CheckResult {
    judge(ctx, CheckId::DailyLossLimit, daily_loss(ctx.snap, ctx.limits))
}

/// `drawdown_breaker`: see [`drawdown`]; the engine trips the breaker action
/// (via `breaker_status`) when it sees this breached.
pub(crate) fn drawdown_breaker(ctx: &Ctx) -> CheckResult {
    judge(ctx, CheckId::DrawdownBreaker, drawdown(ctx.snap, ctx.limits))
}

/// `loss_streak_cooldown`: after `loss_streak` losing trades in a row, orders
/// that add exposure wait until `loss_cooldown_ms` has passed since the last
/// loss (exactly that long passes).
pub(crate) fn loss_streak_cooldown(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::LossStreakCooldown;
    let (streak, n, cooldown) = (ctx.snap.losing_streak, ctx.limits.loss_streak, ctx.limits.loss_cooldown_ms);
    if streak < n {
        return CheckResult::pass(ID, detail!("{streak} losing trades in a row, cooldown after {n}"));
    }
    let left = match ctx.snap.last_loss_ms {
        None => Some(cooldown),
        Some(last) => {
            let elapsed = ctx.now_ms.saturating_sub(last).max(0).unsigned_abs();
            cooldown.checked_sub(elapsed).filter(|left| *left > 0)
        }
    };
    let Some(left) = left else {
        return CheckResult::pass(
            ID,
            detail!("{streak} losing trades in a row (limit {n}), but the {cooldown} ms cooldown is over"),
        );
    };
    let detail =
        detail!("{streak} losing trades in a row (limit {n}): cooling down, {left} ms of {cooldown} ms left");
    if ctx.reduces_position() {
        CheckResult::warn(ID, detail!("{detail}; this sell reduces exposure"))
    } else {
        CheckResult::fail(ID, detail!("{detail}; only sells of what is held pass"))
    }
}
