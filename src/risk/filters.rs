//! The exchange's own order filters (Binance PRICE_FILTER, LOT_SIZE, NOTIONAL),
//! checked before sending so an order the exchange would reject never leaves.
//! A zero filter value disables that rule, exactly as on Binance; a negative one
//! means the exchange info is malformed and fails the check.

use rust_decimal::Decimal;

use super::check::{CheckId, CheckResult};
use super::context::Ctx;
use super::text::detail;
use super::text::{Num, amt};
use crate::domain::OrderType;

/// One filter family's bounds for a value (price or quantity).
struct Bounds {
    name: &'static str,
    what: &'static str,
    step_name: &'static str,
    min: Decimal,
    max: Decimal,
    step: Decimal,
}

/// Applies min/max/step to `value`; `None` when it satisfies every enabled rule.
fn violation(b: &Bounds, value: Decimal, symbol: &str) -> Option<String> {
    let Bounds { name, what, step_name, min, max, step } = *b;
    if min.is_sign_negative() || max.is_sign_negative() || step.is_sign_negative() {
        return Some(detail!(
            "{name} for {symbol} is malformed (min {min}, max {max}, {step_name} {step}): refusing to guess"
        ));
    }
    if value <= Decimal::ZERO {
        return Some(detail!("{what} {value} must be positive"));
    }
    if !min.is_zero() && value < min {
        return Some(detail!("{what} {value} is below the minimum {min} for {symbol} ({name})"));
    }
    if !max.is_zero() && value > max {
        return Some(detail!("{what} {value} is above the maximum {max} for {symbol} ({name})"));
    }
    if !step.is_zero() {
        let rem = value.checked_rem(step).unwrap_or(Decimal::ONE);
        if !rem.is_zero() {
            let below = value.checked_sub(rem);
            let above = below.and_then(|b| b.checked_add(step));
            let [below, above] =
                [below, above].map(|v| v.map_or_else(|| "none".to_owned(), |v| v.to_string()));
            return Some(detail!(
                "{what} {value} is not a multiple of the {step_name} {step} for {symbol}: nearest valid are {below} and {above}"
            ));
        }
    }
    None
}

/// `price_tick`: PRICE_FILTER (tick size, min/max price) on a limit price,
/// and on a stop-limit order's stop price too.
/// Skipped for market orders, which carry no price.
pub(crate) fn price_tick(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::PriceTick;
    if ctx.intent.order_type == OrderType::Market {
        return CheckResult::skip(ID, "market order: PRICE_FILTER applies to limit prices only");
    }
    let Some(i) = ctx.snap.instrument else { return ctx.no_instrument(ID) };
    let Some(price) = ctx.intent.price else {
        return CheckResult::fail(ID, "the limit order has no price");
    };
    let bounds = Bounds {
        name: "PRICE_FILTER",
        what: "price",
        step_name: "tick size",
        min: i.min_price,
        max: i.max_price,
        step: i.tick_size,
    };
    if let Some(stop) = ctx.intent.stop {
        // PRICE_FILTER applies to `stopPrice` exactly as to `price`.
        let trigger = Bounds { what: "stop price", ..bounds };
        if let Some(why) = violation(&trigger, stop.price, i.symbol.as_str()) {
            return CheckResult::fail(ID, why);
        }
    }
    match violation(&bounds, price, i.symbol.as_str()) {
        Some(why) => CheckResult::fail(ID, why),
        None if ctx.intent.stop.is_some() => CheckResult::pass(
            ID,
            detail!(
                "stop and limit prices fit tick size {} within [{}, {}]",
                Num(i.tick_size),
                Num(i.min_price),
                Num(i.max_price)
            ),
        ),
        None => CheckResult::pass(
            ID,
            detail!(
                "price {} fits tick size {} within [{}, {}]",
                Num(price),
                Num(i.tick_size),
                Num(i.min_price),
                Num(i.max_price)
            ),
        ),
    }
}

/// `quantity_step`: LOT_SIZE (step size, min/max quantity) on the quantity.
pub(crate) fn quantity_step(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::QuantityStep;
    let Some(i) = ctx.snap.instrument else { return ctx.no_instrument(ID) };
    let qty = ctx.intent.qty;
    let bounds = Bounds {
        name: "LOT_SIZE",
        what: "quantity",
        step_name: "step size",
        min: i.min_qty,
        max: i.max_qty,
        step: i.step_size,
    };
    match violation(&bounds, qty, i.symbol.as_str()) {
        Some(why) => CheckResult::fail(ID, why),
        None => CheckResult::pass(
            ID,
            detail!(
                "quantity {} fits step size {} within [{}, {}]",
                Num(qty),
                Num(i.step_size),
                Num(i.min_qty),
                Num(i.max_qty)
            ),
        ),
    }
}

/// `min_notional`: the exchange minimum notional (price × quantity; the book
/// walk for market orders). Notional equal to the minimum passes.
pub(crate) fn min_notional(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::MinNotional;
    let Some(i) = ctx.snap.instrument else { return ctx.no_instrument(ID) };
    let min = i.min_notional;
    if min.is_sign_negative() {
        return CheckResult::fail(ID, detail!("NOTIONAL for {} is malformed (minimum {min})", i.symbol));
    }
    if min.is_zero() {
        return CheckResult::pass(ID, detail!("{} has no minimum notional", i.symbol));
    }
    let notional = match ctx.pricing.notional() {
        Ok(n) => n,
        Err(why) => return ctx.unpriced(ID, why),
    };
    let (quote, shown, below) = (ctx.quote_name(), amt(notional), notional < min);
    let min = Num(min);
    if below {
        CheckResult::fail(ID, detail!("notional {shown} {quote} is below the exchange minimum {min} {quote}"))
    } else {
        CheckResult::pass(ID, detail!("notional {shown} {quote} meets the exchange minimum {min} {quote}"))
    }
}
