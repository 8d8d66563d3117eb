//! What an accepted order locks: the engine reserves exactly the amount
//! `balance_available` checked, in the same actor step, so two orders can never
//! spend the same balance.

use rust_decimal::Decimal;

use super::context::Pricing;
use super::limits::Limits;
use super::snapshot::RiskSnapshot;
use crate::domain::{OrderIntent, Side};

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
            let notional = Pricing::of(intent, snapshot).notional().ok()?;
            let amount = buy_cost(notional, limits.fee_rate(snapshot.fee_rate))?;
            Some(Reservation { asset: instrument.quote_asset.clone(), amount })
        }
        Side::Sell => (intent.qty > Decimal::ZERO)
            .then(|| Reservation { asset: instrument.base_asset.clone(), amount: intent.qty }),
    }
}

/// Quote a buy of `notional` needs with the fee on top; `None` on overflow.
pub(crate) fn buy_cost(notional: Decimal, fee_rate: Decimal) -> Option<Decimal> {
    notional.checked_mul(Decimal::ONE.checked_add(fee_rate)?)
}
