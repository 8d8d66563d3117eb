//! Checks on the symbol and its market data: may it be traded, is the data
//! fresh, and is the price sane relative to the book.

use rust_decimal::Decimal;

use super::check::{CheckId, CheckResult};
use super::context::{Ctx, Pricing, percent_of};
use super::text::detail;
use super::text::{Num, amt, pct};
use crate::domain::{OrderType, Side, StopKind, SymbolStatus};

/// `symbol_allowed`: in the configured allowlist, listed by the exchange, and
/// its exchange status is TRADING.
pub(crate) fn symbol_allowed(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::SymbolAllowed;
    let symbol = &ctx.intent.symbol;
    if !ctx.limits.symbol_allowlist.contains(symbol) {
        let list: Vec<&str> = ctx.limits.symbol_allowlist.iter().map(|s| s.as_str()).collect();
        return CheckResult::fail(
            ID,
            detail!(
                "{symbol} is not in the allowlist ({}): add it to symbol_allowlist to trade it",
                list.join(", ")
            ),
        );
    }
    let Some(instrument) = ctx.snap.instrument else {
        return CheckResult::fail(
            ID,
            detail!("{symbol} is not listed in the exchange info: not a known spot symbol"),
        );
    };
    if &instrument.symbol != symbol {
        return CheckResult::fail(
            ID,
            detail!(
                "exchange info is for {}, not {symbol}: refusing to check against the wrong filters",
                instrument.symbol
            ),
        );
    }
    if instrument.status != SymbolStatus::Trading {
        let status = match instrument.status {
            SymbolStatus::Halt => "HALT",
            SymbolStatus::Break => "BREAK",
            SymbolStatus::Trading | SymbolStatus::Other => "not TRADING",
        };
        return CheckResult::fail(
            ID,
            detail!("the exchange status of {symbol} is {status}: it cannot be traded now"),
        );
    }
    CheckResult::pass(ID, detail!("{symbol} is allowlisted and TRADING"))
}

/// `market_data_fresh`: the symbol's book is in sync, and the book's last
/// update is at most `stale_after_ms` old (exactly that old passes).
pub(crate) fn market_data_fresh(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::MarketDataFresh;
    let symbol = &ctx.intent.symbol;
    let feed = ctx.snap.feed;
    if !feed.state.is_synced() {
        return CheckResult::fail(
            ID,
            detail!("the book for {symbol} is {}, not synced: wait for it to resync", feed.state.as_str()),
        );
    }
    let Some(last) = feed.last_update_ms else {
        return CheckResult::fail(ID, detail!("no market data received yet for {symbol}"));
    };
    let age = ctx.now_ms.saturating_sub(last).max(0);
    let limit = ctx.limits.stale_after_ms;
    if age.unsigned_abs() > limit {
        CheckResult::fail(
            ID,
            detail!("the last book update for {symbol} is {age} ms old, stale after {limit} ms"),
        )
    } else {
        CheckResult::pass(ID, detail!("book for {symbol} updated {age} ms ago (stale after {limit} ms)"))
    }
}

/// `price_band`: a limit price within ±`price_band_pct` of mid; a market
/// order's average fill (walking the book) within `max_slippage_pct` of mid.
/// Both bounds are inclusive. A post-only order priced to take fails here too:
/// it is a price the order may not have. A stop-limit order's stop price is
/// held to the same band, and one the last trade has already reached fails:
/// it would trigger at once (Binance refuses it, -2010).
pub(crate) fn price_band(ctx: &Ctx) -> CheckResult {
    const ID: CheckId = CheckId::PriceBand;
    let Some(mid) = ctx.snap.mid().filter(|m| *m > Decimal::ZERO) else {
        return CheckResult::fail(
            ID,
            detail!("no mid price: the book for {} lacks bids or asks", ctx.intent.symbol),
        );
    };
    if let Some(refusal) = post_only_crossing(ctx) {
        return CheckResult::fail(ID, refusal);
    }
    let trigger = match trigger_check(ctx, mid) {
        Ok(trigger) => trigger,
        Err(refusal) => return CheckResult::fail(ID, refusal),
    };
    let (price, band, what) = match &ctx.pricing {
        Pricing::Unpriced(why) => return ctx.unpriced(ID, why),
        Pricing::Limit { price, .. } => (*price, ctx.limits.price_band_pct, "band ±"),
        Pricing::Market(est) => match est.avg_price() {
            Some(avg) => (avg, ctx.limits.max_slippage_pct, "max slippage "),
            None => return ctx.unpriced(ID, "the book walk has no average price"),
        },
    };
    let Some(deviation) = price.checked_sub(mid).and_then(|d| percent_of(d, mid)) else {
        return CheckResult::fail(ID, detail!("the deviation of {price} from mid {mid} overflows"));
    };
    let direction = if deviation.is_sign_negative() { "below" } else { "above" };
    let over = deviation.abs() > band;
    let (mid, band) = (Num(mid), Num(band));
    let subject = match &ctx.pricing {
        Pricing::Market(est) => detail!(
            "market {} of {} walks {} levels to {}: average {}",
            ctx.intent.side,
            Num(ctx.intent.qty),
            est.levels,
            Num(est.worst_price),
            amt(price)
        ),
        _ => detail!("price {}", Num(price)),
    };
    let detail =
        detail!("{trigger}{subject} is {}% {direction} mid {mid}, {what}{}%", pct(deviation.abs()), band);
    if over { CheckResult::fail(ID, detail) } else { CheckResult::pass(ID, detail) }
}

/// A post-only order must not take: at or through the opposite best price it
/// would, and the exchange refuses it (`LIMIT_MAKER`).
fn post_only_crossing(ctx: &Ctx) -> Option<String> {
    let i = ctx.intent;
    let price = i.price.filter(|_| i.post_only && i.order_type == OrderType::Limit)?;
    let (best, what) = match i.side {
        Side::Buy => (ctx.snap.asks.first()?.price, "ask"),
        Side::Sell => (ctx.snap.bids.first()?.price, "bid"),
    };
    let crosses = match i.side {
        Side::Buy => price >= best,
        Side::Sell => price <= best,
    };
    crosses.then(|| {
        detail!(
            "post-only {} at {} would take the best {what} {}: it may only rest; price it inside the spread",
            i.side,
            Num(price),
            Num(best)
        )
    })
}

/// A stop-limit order's trigger: a limit order (not post-only) whose stop
/// price is within the band of mid and not already reached by the last trade
/// (the mid before any trade). `Ok` carries the text the detail starts with
/// (empty for orders without a trigger).
fn trigger_check(ctx: &Ctx, mid: Decimal) -> Result<String, String> {
    let i = ctx.intent;
    let Some(stop) = i.stop else { return Ok(String::new()) };
    if i.order_type != OrderType::Limit || i.post_only {
        return Err(detail!(
            "a {} order is a limit order with a trigger: not market, not post-only",
            stop.kind
        ));
    }
    if stop.price <= Decimal::ZERO {
        return Err(detail!("the stop price {} is not positive", Num(stop.price)));
    }
    let (last, what) = match ctx.snap.last_price {
        Some(last) => (last, "last trade"),
        None => (mid, "mid (no trade seen yet)"),
    };
    if stop.kind.triggers(i.side, stop.price, last) {
        let (at, beyond) = match (stop.kind, i.side) {
            (StopKind::StopLoss, Side::Sell) | (StopKind::TakeProfit, Side::Buy) => ("at or below", "below"),
            _ => ("at or above", "above"),
        };
        return Err(detail!(
            "{} {} with stop {} would trigger immediately: the {what} {} is already {at} it; put the stop {beyond} the market",
            stop.kind,
            i.side,
            Num(stop.price),
            Num(last)
        ));
    }
    let Some(deviation) = stop.price.checked_sub(mid).and_then(|d| percent_of(d, mid)) else {
        return Err(detail!("the deviation of stop {} from mid {mid} overflows", Num(stop.price)));
    };
    let band = ctx.limits.price_band_pct;
    if deviation.abs() > band {
        return Err(detail!(
            "stop {} is {}% from mid {}, band ±{}%",
            Num(stop.price),
            pct(deviation.abs()),
            Num(mid),
            Num(band)
        ));
    }
    Ok(detail!("stop {} waits for the {what} {}, then ", Num(stop.price), Num(last)))
}
