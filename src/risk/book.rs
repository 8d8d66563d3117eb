//! Estimating what a market order would pay by walking the visible book.
//! One helper serves `price_band` (slippage), `min_notional`,
//! `max_order_notional`, `balance_available` and the reservation, so they all
//! agree on the same number.

use rust_decimal::Decimal;

use crate::domain::Level;
use crate::domain::Side;

/// What taking `qty` from the book would cost, level by level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillEstimate {
    pub qty: Decimal,
    /// Sum of price × quantity over the levels taken.
    pub notional: Decimal,
    /// The last (worst) price level touched.
    pub worst_price: Decimal,
    /// How many levels were touched.
    pub levels: usize,
}

impl FillEstimate {
    /// Volume-weighted average price of the fill.
    pub fn avg_price(&self) -> Option<Decimal> {
        self.notional.checked_div(self.qty)
    }
}

/// Why the book cannot price a market order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    #[error("quantity {0} is not positive")]
    BadQuantity(Decimal),
    #[error("the {side} side of the book is empty")]
    Empty { side: &'static str },
    #[error(
        "the {side} side of the book holds only {available} within {levels} levels, the order needs {wanted}"
    )]
    Insufficient { side: &'static str, available: Decimal, wanted: Decimal, levels: usize },
    #[error("the book walk overflows the decimal range")]
    Overflow,
}

/// The base quantity a market order by quote amount gets from the book: the
/// levels a buy (asks) or sell (bids) meets, best first, until `quote` is
/// spent, rounded down to `step`. Checked: `quote` comes from a person.
pub fn qty_for_quote(
    side: Side,
    quote: Decimal,
    step: Decimal,
    bids: &[Level],
    asks: &[Level],
) -> Result<Decimal, WalkError> {
    if quote <= Decimal::ZERO || step <= Decimal::ZERO {
        return Err(WalkError::BadQuantity(quote));
    }
    let levels = match side {
        Side::Buy => asks,
        Side::Sell => bids,
    };
    let (mut left, mut qty) = (quote, Decimal::ZERO);
    for level in levels.iter().filter(|l| l.price > Decimal::ZERO && l.qty > Decimal::ZERO) {
        let value = level.qty.checked_mul(level.price).ok_or(WalkError::Overflow)?;
        if value >= left {
            let part = left.checked_div(level.price).ok_or(WalkError::Overflow)?;
            qty = qty.checked_add(part).ok_or(WalkError::Overflow)?;
            left = Decimal::ZERO;
            break;
        }
        qty = qty.checked_add(level.qty).ok_or(WalkError::Overflow)?;
        left = left.checked_sub(value).ok_or(WalkError::Overflow)?;
    }
    if !left.is_zero() {
        return Err(WalkError::BadQuantity(quote));
    }
    let steps = qty.checked_div(step).ok_or(WalkError::Overflow)?.floor();
    steps.checked_mul(step).ok_or(WalkError::Overflow)
}

/// Estimates a market order of `qty` on `side`: a buy takes the asks, a sell hits the bids.
pub fn estimate_market_fill(
    side: Side,
    qty: Decimal,
    bids: &[Level],
    asks: &[Level],
) -> Result<FillEstimate, WalkError> {
    match side {
        Side::Buy => walk(asks, qty, "ask"),
        Side::Sell => walk(bids, qty, "bid"),
    }
}

/// Takes `qty` from `levels` (best first). Levels with a non-positive price or
/// quantity are ignored: a malformed level must not make the estimate cheaper.
fn walk(levels: &[Level], qty: Decimal, side: &'static str) -> Result<FillEstimate, WalkError> {
    if qty <= Decimal::ZERO {
        return Err(WalkError::BadQuantity(qty));
    }
    let mut left = qty;
    let mut notional = Decimal::ZERO;
    let mut seen = 0_usize;
    for level in levels.iter().filter(|l| l.price > Decimal::ZERO && l.qty > Decimal::ZERO) {
        seen = seen.saturating_add(1);
        let take = left.min(level.qty);
        let cost = take.checked_mul(level.price).ok_or(WalkError::Overflow)?;
        notional = notional.checked_add(cost).ok_or(WalkError::Overflow)?;
        left = left.checked_sub(take).ok_or(WalkError::Overflow)?;
        if left.is_zero() {
            return Ok(FillEstimate { qty, notional, worst_price: level.price, levels: seen });
        }
    }
    if seen == 0 {
        return Err(WalkError::Empty { side });
    }
    let available = qty.checked_sub(left).ok_or(WalkError::Overflow)?;
    Err(WalkError::Insufficient { side, available, wanted: qty, levels: seen })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lv(price: i64, qty: i64) -> Level {
        Level { price: Decimal::new(price, 0), qty: Decimal::new(qty, 0) }
    }

    #[test]
    fn buy_walks_the_asks_and_sums_each_level() {
        let asks = [lv(100, 1), lv(101, 2), lv(105, 10)];
        let est = estimate_market_fill(Side::Buy, Decimal::new(2, 0), &[], &asks).unwrap();
        assert_eq!(est.notional, Decimal::new(201, 0));
        assert_eq!(est.worst_price, Decimal::new(101, 0));
        assert_eq!(est.levels, 2);
        assert_eq!(est.avg_price(), Some(Decimal::new(1005, 1)));
    }

    #[test]
    fn sell_walks_the_bids_and_reports_a_shortfall() {
        let bids = [lv(99, 1), lv(0, 5), lv(98, 1)];
        let err = estimate_market_fill(Side::Sell, Decimal::new(3, 0), &bids, &[]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("holds only 2 within 2 levels, the order needs 3"), "{msg}");
        assert!(matches!(
            estimate_market_fill(Side::Sell, Decimal::ONE, &[], &[]),
            Err(WalkError::Empty { .. })
        ));
        assert!(matches!(
            estimate_market_fill(Side::Buy, Decimal::ZERO, &[], &[]),
            Err(WalkError::BadQuantity(_))
        ));
    }

    #[test]
    fn a_quote_amount_buys_what_the_levels_offer_rounded_down_to_the_step() {
        let level = |p: &str, q: &str| Level { price: p.parse().unwrap(), qty: q.parse().unwrap() };
        let asks = [level("100", "1"), level("200", "1")];
        let qty = |quote: &str| {
            qty_for_quote(Side::Buy, quote.parse().unwrap(), "0.01".parse().unwrap(), &[], &asks)
        };
        assert_eq!(qty("150").unwrap(), "1.25".parse::<Decimal>().unwrap());
        assert_eq!(qty("101").unwrap(), "1".parse::<Decimal>().unwrap(), "1.005 rounds down");
        assert!(qty("301").is_err(), "more than the book offers");
        assert!(qty("0").is_err());
    }
}
