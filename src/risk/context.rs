//! Per-evaluation facts shared by the checks: the order's price and notional
//! (walking the book once for market orders), its assets, and small number
//! helpers. Computed once per gate call so checks stay cheap and agree.

use std::cell::OnceCell;

use rust_decimal::Decimal;

use super::book::{FillEstimate, estimate_market_fill};
use super::check::{CheckId, CheckResult};
use super::limits::Limits;
use super::snapshot::RiskSnapshot;
use super::text::detail;
use crate::domain::{OrderIntent, OrderType, Side, TimestampMs};

/// How the order is valued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pricing {
    /// A limit order: quantity × limit price.
    Limit { price: Decimal, notional: Decimal },
    /// A market order the book can fill: the walk's total and average price.
    Market(FillEstimate),
    /// The order cannot be valued; the sentence says why.
    Unpriced(String),
}

impl Pricing {
    /// Values `intent` against the snapshot's book.
    pub(crate) fn of(intent: &OrderIntent, snap: &RiskSnapshot<'_>) -> Self {
        if intent.qty <= Decimal::ZERO {
            return Self::Unpriced(detail!("the quantity {} is not positive", intent.qty));
        }
        match intent.order_type {
            OrderType::Limit => match intent.price {
                None => Self::Unpriced("the limit order has no price".to_owned()),
                Some(price) if price <= Decimal::ZERO => {
                    Self::Unpriced(detail!("the limit price {price} is not positive"))
                }
                Some(price) => match intent.qty.checked_mul(price) {
                    Some(notional) => Self::Limit { price, notional },
                    None => Self::Unpriced(detail!("{} × {price} overflows", intent.qty)),
                },
            },
            OrderType::Market => match estimate_market_fill(intent.side, intent.qty, snap.bids, snap.asks) {
                Ok(est) => Self::Market(est),
                Err(e) => Self::Unpriced(detail!("the market order cannot be priced: {e}")),
            },
        }
    }

    /// Quote notional of the order.
    pub(crate) fn notional(&self) -> Result<Decimal, &str> {
        match self {
            Self::Limit { notional, .. } => Ok(*notional),
            Self::Market(est) => Ok(est.notional),
            Self::Unpriced(why) => Err(why),
        }
    }

    /// Price per unit: the limit price, or the market walk's average.
    pub(crate) fn unit_price(&self) -> Result<Decimal, &str> {
        match self {
            Self::Limit { price, .. } => Ok(*price),
            Self::Market(est) => est.avg_price().ok_or("the book walk has no average price"),
            Self::Unpriced(why) => Err(why),
        }
    }
}

/// Everything one gate evaluation reads.
pub(crate) struct Ctx<'s, 'a> {
    pub intent: &'s OrderIntent,
    pub snap: &'s RiskSnapshot<'a>,
    pub limits: &'s Limits,
    pub now_ms: TimestampMs,
    pub pricing: Pricing,
    /// `(held, in open buys, total)` for a buy, computed once for `max_position` and `concentration`.
    resulting: OnceCell<Option<(Decimal, Decimal, Decimal)>>,
}

impl<'s, 'a> Ctx<'s, 'a> {
    pub(crate) fn new(
        intent: &'s OrderIntent,
        snap: &'s RiskSnapshot<'a>,
        limits: &'s Limits,
        now_ms: TimestampMs,
    ) -> Self {
        Self { intent, snap, limits, now_ms, pricing: Pricing::of(intent, snap), resulting: OnceCell::new() }
    }

    /// The base asset (BTC in BTCUSDT), known only from exchange info.
    pub(crate) fn base_asset(&self) -> Option<&'a str> {
        self.snap.instrument.map(|i| i.base_asset.as_str())
    }

    /// The quote asset (USDT in BTCUSDT), known only from exchange info.
    pub(crate) fn quote_asset(&self) -> Option<&'a str> {
        self.snap.instrument.map(|i| i.quote_asset.as_str())
    }

    /// Free base asset, zero when unknown.
    pub(crate) fn base_free(&self) -> Decimal {
        self.base_asset().map(|a| self.snap.balance(a).free).unwrap_or_default()
    }

    /// True for a sell of no more than the free base held: in spot, the only
    /// kind of order that shrinks a position (what `reducing` lets through).
    pub(crate) fn reduces_position(&self) -> bool {
        self.intent.side == Side::Sell
            && self.intent.qty > Decimal::ZERO
            && self.intent.qty <= self.base_free()
    }

    /// Quantity the symbol's position reaches if this buy and every open buy on
    /// the symbol fill: `(held, in open buys, total)`; `None` on overflow.
    pub(crate) fn resulting_qty(&self) -> Option<(Decimal, Decimal, Decimal)> {
        *self.resulting.get_or_init(|| {
            let symbol = &self.intent.symbol;
            let held = self.snap.position(symbol).map(|p| p.qty).unwrap_or_default().max(Decimal::ZERO);
            let mut open = Decimal::ZERO;
            for o in self.snap.open_orders.iter().filter(|o| o.status.is_open() && o.intent.side == Side::Buy)
            {
                if &o.intent.symbol == symbol {
                    let remaining = o.intent.qty.checked_sub(o.filled_qty)?.max(Decimal::ZERO);
                    open = open.checked_add(remaining)?;
                }
            }
            let total = held.checked_add(open)?.checked_add(self.intent.qty)?;
            Some((held, open, total))
        })
    }

    /// A failure for checks that need the order's value when it has none.
    pub(crate) fn unpriced(&self, id: CheckId, why: &str) -> CheckResult {
        CheckResult::fail(id, detail!("cannot value the order: {why}"))
    }

    /// A failure for checks that need exchange info the snapshot lacks.
    pub(crate) fn no_instrument(&self, id: CheckId) -> CheckResult {
        CheckResult::fail(
            id,
            detail!("no exchange info for {}, so its filters and assets are unknown", self.intent.symbol),
        )
    }

    /// `BTC` (base) or `base` for details when exchange info is missing.
    pub(crate) fn base_name(&self) -> &'a str {
        self.base_asset().unwrap_or("base")
    }

    /// `USDT` (quote) or `quote` for details when exchange info is missing.
    pub(crate) fn quote_name(&self) -> &'a str {
        self.quote_asset().unwrap_or("quote")
    }
}

/// `part / whole × 100`, `None` when `whole` is zero or the result overflows.
pub(crate) fn percent_of(part: Decimal, whole: Decimal) -> Option<Decimal> {
    part.checked_div(whole)?.checked_mul(Decimal::ONE_HUNDRED)
}
