//! What an accepted order locks: the engine reserves exactly the amount
//! `balance_available` checked, in the same actor step, so two orders can never
//! spend the same balance.

use rust_decimal::Decimal;

use super::context::Pricing;
use super::limits::Limits;
use super::snapshot::RiskSnapshot;
use crate::domain::{OrderIntent, OrderType, Side};

/// An amount of one asset to move from `free` to `locked`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub asset: String,
    pub amount: Decimal,
}

/// The balance an accepted order locks: for a buy, quote = notional × (1 + fee
/// rate) (the book walk's notional for market orders); for a sell, the base
/// quantity. `None` when the order cannot be valued or the symbol's assets are
/// unknown, which the gate has already failed.
pub fn reservation(
    intent: &OrderIntent,
    snapshot: &RiskSnapshot<'_>,
    limits: &Limits,
) -> Option<Reservation> {
    let instrument = snapshot.instrument?;
    match intent.side {
        Side::Buy => {
            // By quote amount: the exchange spends exactly that, whatever the
            // book does until then.
            let notional = buy_notional(intent, &Pricing::of(intent, snapshot)).ok()?;
            let amount = buy_cost(notional, limits.fee_rate(snapshot.fee_rate))?;
            Some(Reservation { asset: instrument.quote_asset.clone(), amount })
        }
        Side::Sell => (intent.qty > Decimal::ZERO)
            .then(|| Reservation { asset: instrument.base_asset.clone(), amount: intent.qty }),
    }
}

/// What a buy spends before fees: a market order by quote amount exactly that
/// amount (the exchange spends it whatever the book does meanwhile), any
/// other buy its priced notional. The check and the reservation both use it.
pub(crate) fn buy_notional<'a>(intent: &OrderIntent, pricing: &'a Pricing) -> Result<Decimal, &'a str> {
    match intent.quote_qty {
        Some(quote) if intent.order_type == OrderType::Market => pricing.notional().map(|_| quote),
        _ => pricing.notional(),
    }
}

/// Quote a buy of `notional` needs with the fee on top; `None` on overflow.
pub(crate) fn buy_cost(notional: Decimal, fee_rate: Decimal) -> Option<Decimal> {
    notional.checked_mul(Decimal::ONE.checked_add(fee_rate)?)
}
