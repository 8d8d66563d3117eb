//! Checks on order flow: how many orders are open, whether this one repeats a
//! recent one, and how fast orders are being sent.

use super::check::{CheckId, CheckResult};
use super::context::Ctx;
use super::snapshot::ExchangeUsage;
use super::text::Num;
use super::text::detail;
use crate::domain::{Order, OrderType, TimestampMs};

/// The rolling windows `order_rate` counts over.
const MINUTE_MS: i64 = 60_000;
const TEN_SECONDS_MS: i64 = 10_000;

/// `max_open_orders`: with this order, at most `max_open_orders` are open
/// (so it fails when that many are open already).
pub(crate) fn max_open_orders(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::MaxOpenOrders;
    let open = ctx.snap.open_orders.iter().filter(|o| o.status.is_open()).count();
    let max = ctx.limits.max_open_orders as usize;
    if open >= max {
        CheckResult::fail(ID, detail!("{open} orders are open, max {max}: cancel one before placing another"))
    } else {
        CheckResult::pass(
            ID,
            detail!("{open} orders are open, max {max}: this would be number {}", open.saturating_add(1)),
        )
    }
}

/// The price an order is compared on: its limit price, or none for a market order.
fn compared_price(
    order_type: OrderType,
    price: Option<rust_decimal::Decimal>,
) -> Option<rust_decimal::Decimal> {
    match order_type {
        OrderType::Limit => price,
        OrderType::Market => None,
    }
}

fn same_as_open(ctx: &Ctx, o: &Order) -> bool {
    let (a, b) = (ctx.intent, &o.intent);
    o.status.is_open()
        && a.side == b.side
        && a.qty == b.qty
        && compared_price(a.order_type, a.price) == compared_price(b.order_type, b.price)
        && a.symbol == b.symbol
}

/// `duplicate_order`: no open order, and no order sent less than
/// `dedupe_window_ms` ago, with the same symbol, side, quantity and price
/// (one sent exactly `dedupe_window_ms` ago is no longer a duplicate).
pub(crate) fn duplicate_order(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::DuplicateOrder;
    let i = ctx.intent;
    let price = compared_price(i.order_type, i.price);
    let what = match price {
        Some(p) => detail!("{} {} {} @ {}", i.side, Num(i.qty), i.symbol, Num(p)),
        None => detail!("market {} {} {}", i.side, Num(i.qty), i.symbol),
    };
    if let Some(o) = ctx.snap.open_orders.iter().find(|o| same_as_open(ctx, o)) {
        return CheckResult::fail(ID, detail!("an identical {what} is already open as order {}", o.id));
    }
    let window = ctx.limits.dedupe_window_ms;
    // Cheapest test first: most submissions are older than the window.
    let recent = ctx.snap.recent_submissions.iter().find(|s| {
        age(ctx.now_ms, s.ts_ms) < window
            && s.side == i.side
            && s.qty == i.qty
            && s.price == price
            && s.symbol == i.symbol
    });
    match recent {
        Some(s) => CheckResult::fail(
            ID,
            detail!(
                "an identical {what} was sent {} ms ago, within the {window} ms dedupe window",
                age(ctx.now_ms, s.ts_ms)
            ),
        ),
        None => CheckResult::pass(ID, detail!("no identical {what} open or sent in the last {window} ms")),
    }
}

/// Milliseconds since `ts`; a timestamp in the future counts as just now.
fn age(now: TimestampMs, ts: TimestampMs) -> u64 {
    now.saturating_sub(ts).max(0).unsigned_abs()
}

/// `order_rate`: with this order, at most `max_orders_per_minute` sent in the
/// last 60 s and `max_orders_per_10s` in the last 10 s (submissions exactly
/// 60 s / 10 s old have left the window).
pub(crate) fn order_rate(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::OrderRate;
    let (mut minute, mut ten, mut oldest_minute, mut oldest_ten) = (0u32, 0u32, u64::MAX, u64::MAX);
    for s in ctx.snap.recent_submissions {
        let a = age(ctx.now_ms, s.ts_ms);
        if a < MINUTE_MS.unsigned_abs() {
            minute = minute.saturating_add(1);
            oldest_minute = oldest_minute.min(MINUTE_MS.unsigned_abs().saturating_sub(a));
        }
        if a < TEN_SECONDS_MS.unsigned_abs() {
            ten = ten.saturating_add(1);
            oldest_ten = oldest_ten.min(TEN_SECONDS_MS.unsigned_abs().saturating_sub(a));
        }
    }
    if let Some(refusal) = ctx.snap.exchange.and_then(|usage| exchange_refusal(&usage)) {
        return CheckResult::fail(ID, refusal);
    }
    let (per_min, per_10s) = (ctx.limits.max_orders_per_minute, ctx.limits.max_orders_per_10s);
    if minute >= per_min {
        return CheckResult::fail(
            ID,
            detail!("{minute} orders sent in the last 60 s, max {per_min}: next slot in {oldest_minute} ms"),
        );
    }
    if ten >= per_10s {
        return CheckResult::fail(
            ID,
            detail!("{ten} orders sent in the last 10 s, max {per_10s}: next slot in {oldest_ten} ms"),
        );
    }
    CheckResult::pass(
        ID,
        detail!("{minute} orders in the last 60 s (max {per_min}), {ten} in the last 10 s (max {per_10s})"),
    )
}

/// The exchange's own limits, refused one order before the exchange would
/// refuse (and, after a 429, for as long as it asked to wait).
fn exchange_refusal(usage: &ExchangeUsage<'_>) -> Option<String> {
    if let Some((left_ms, why)) = usage.paused {
        return Some(detail!("the exchange paused submissions for {} s more: {why}", left_ms.div_ceil(1000)));
    }
    let full = |pair: Option<(u32, u32)>| pair.filter(|(used, limit)| used.saturating_add(1) >= *limit);
    if let Some((used, limit)) = full(usage.orders_10s) {
        return Some(detail!(
            "the exchange counts {used} orders in its 10 s window, limit {limit}: wait a few seconds"
        ));
    }
    if let Some((used, limit)) = full(usage.orders_1d) {
        return Some(detail!("the exchange counts {used} orders today, limit {limit}"));
    }
    if let Some((used, limit)) = usage.weight_1m.filter(|(used, limit)| used.saturating_add(10) >= *limit) {
        return Some(detail!("request weight {used} of {limit} used this minute: wait for the next minute"));
    }
    None
}
