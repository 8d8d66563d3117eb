//! Checks on how much the order commits: its own size, the balance to pay for
//! it, and the position and concentration it leaves behind.

use rust_decimal::Decimal;

use super::check::{CheckId, CheckResult};
use super::context::{Ctx, percent_of};
use super::reservation::{buy_cost, buy_notional};
use super::text::detail;
use super::text::{Num, amt, pct};
use crate::domain::Side;

/// `max_order_notional`: one order's notional (book walk for market orders);
/// notional equal to the maximum passes.
pub(crate) fn max_order_notional(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::MaxOrderNotional;
    let notional = match ctx.pricing.notional() {
        Ok(n) => n,
        Err(why) => return ctx.unpriced(ID, why),
    };
    let (max, quote) = (ctx.limits.max_order_notional, ctx.quote_name());
    let (notional_text, over, max) = (amt(notional), notional > max, Num(max));
    if over {
        CheckResult::fail(
            ID,
            detail!("order notional {notional_text} {quote} exceeds the maximum {max} {quote}"),
        )
    } else {
        CheckResult::pass(
            ID,
            detail!("order notional {notional_text} {quote} is within the maximum {max} {quote}"),
        )
    }
}

/// `balance_available`: a buy needs free quote ≥ notional × (1 + fee rate); a
/// sell needs free base ≥ quantity (no shorting). Open orders' reservations are
/// already in `locked`, so only `free` counts. Exactly enough passes.
pub(crate) fn balance_available(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::BalanceAvailable;
    let (Some(base), Some(quote)) = (ctx.base_asset(), ctx.quote_asset()) else {
        return ctx.no_instrument(ID);
    };
    match ctx.intent.side {
        Side::Sell => {
            let (qty, have) = (ctx.intent.qty, ctx.snap.balance(base));
            let (short, qty) = (qty > have.free, Num(qty));
            let detail = detail!(
                "sell needs {qty} {base}, {} {base} free ({} locked by open orders)",
                Num(have.free),
                Num(have.locked)
            );
            if short {
                CheckResult::fail(ID, detail!("{detail}: spot cannot sell more than is held"))
            } else {
                CheckResult::pass(ID, detail)
            }
        }
        Side::Buy => {
            let notional = match buy_notional(ctx.intent, &ctx.pricing) {
                Ok(n) => n,
                Err(why) => return ctx.unpriced(ID, why),
            };
            let fee = ctx.limits.fee_rate(ctx.snap.fee_rate);
            let Some(need) = buy_cost(notional, fee) else {
                return CheckResult::fail(ID, detail!("the cost of {notional} {quote} plus fees overflows"));
            };
            let have = ctx.snap.balance(quote);
            let fee_pct = pct(fee.checked_mul(Decimal::ONE_HUNDRED).unwrap_or_default());
            let detail = detail!(
                "buy needs {} {quote} ({} + {fee_pct}% fee), {} {quote} free ({} locked by open orders)",
                amt(need),
                amt(notional),
                Num(have.free),
                Num(have.locked)
            );
            if need > have.free { CheckResult::fail(ID, detail) } else { CheckResult::pass(ID, detail) }
        }
    }
}

/// `max_position`: the symbol's position notional if this buy and the open buys
/// fill, valued at the order's price (average fill for market orders), is at
/// most `max_position_notional`. A sell only shrinks the position and passes.
pub(crate) fn max_position(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::MaxPosition;
    let symbol = &ctx.intent.symbol;
    if ctx.intent.side == Side::Sell {
        return CheckResult::pass(ID, detail!("a sell shrinks the {symbol} position"));
    }
    let price = match ctx.pricing.unit_price() {
        Ok(p) => p,
        Err(why) => return ctx.unpriced(ID, why),
    };
    let Some(((held, open, total), value)) =
        ctx.resulting_qty().and_then(|q| q.2.checked_mul(price).map(|v| (q, v)))
    else {
        return CheckResult::fail(ID, detail!("the resulting {symbol} position overflows"));
    };
    let (max, quote) = (ctx.limits.max_position_notional, ctx.quote_name());
    let over = value > max;
    let (total, held, open, max) = (Num(total), Num(held), Num(open), Num(max));
    let detail = detail!(
        "resulting {symbol} position {total} ({held} held + {open} in open buys + {} this order) worth {} {quote} at {}, max {max} {quote}",
        Num(ctx.intent.qty),
        amt(value),
        amt(price)
    );
    if over { CheckResult::fail(ID, detail) } else { CheckResult::pass(ID, detail) }
}

/// `concentration`: the base asset's weight in equity after this buy (and the
/// symbol's open buys) fill, valued at the order's price, is at most
/// `max_concentration_pct`. A sell lowers the weight and passes.
pub(crate) fn concentration(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::Concentration;
    let base = ctx.base_name();
    if ctx.intent.side == Side::Sell {
        return CheckResult::pass(ID, detail!("a sell lowers the weight of {base} in equity"));
    }
    let Some(base_asset) = ctx.base_asset() else { return ctx.no_instrument(ID) };
    let price = match ctx.pricing.unit_price() {
        Ok(p) => p,
        Err(why) => return ctx.unpriced(ID, why),
    };
    let equity = ctx.snap.equity;
    if equity <= Decimal::ZERO {
        return CheckResult::fail(
            ID,
            detail!("equity is {equity}: there is nothing to weigh {base} against"),
        );
    }
    let balance = ctx.snap.balance(base_asset);
    let weight = balance
        .free
        .checked_add(balance.locked)
        .zip(ctx.resulting_qty())
        .and_then(|(held, (_, open, _))| {
            held.max(Decimal::ZERO).checked_add(open)?.checked_add(ctx.intent.qty)
        })
        .and_then(|qty| qty.checked_mul(price))
        .and_then(|value| percent_of(value, equity).map(|w| (value, w)));
    let Some((value, weight)) = weight else {
        return CheckResult::fail(ID, detail!("the resulting weight of {base} overflows"));
    };
    let max = ctx.limits.max_concentration_pct;
    let detail = detail!(
        "{base} would be {}% of equity ({} of {} {}), max {}%",
        pct(weight),
        amt(value),
        Num(equity),
        ctx.quote_name(),
        Num(max)
    );
    if weight > max { CheckResult::fail(ID, detail) } else { CheckResult::pass(ID, detail) }
}
