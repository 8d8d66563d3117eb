//! Portfolio accounting: balances per asset, reservations held by open
//! orders, spot positions and realized PnL.
//!
//! A reservation moves funds from `free` to `locked` when the engine accepts
//! an order; fills draw on it and the leftover is released when the order
//! ends. Because the gate reads only `free`, two orders can never spend the
//! same money.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::domain::{Balance, Fill, OrderId, Position, Side, Symbol};

/// Why a reservation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortfolioError {
    #[error("insufficient {asset}: {needed} needed, {free} free")]
    Insufficient { asset: String, needed: Decimal, free: Decimal },
    #[error("order {order}: the fill's amounts overflow; it was not booked")]
    Overflow { order: OrderId },
}

/// What one fill does to the portfolio, worked out by [`Portfolio::plan_fill`]
/// and applied by [`Portfolio::commit`], so a fill is booked whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillPlan {
    order: OrderId,
    /// Drawn from the order's hold (the rest came from free).
    from_hold: Decimal,
    /// The new balance of each asset the fill moved.
    balances: Vec<(String, Balance)>,
    position: Position,
    /// PnL the fill realizes (zero for buys).
    pub realized: Decimal,
}

/// Funds an open order has locked and not yet spent.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hold {
    asset: String,
    amount: Decimal,
}

/// Balances, reservations and positions. The engine stores the balances and
/// the position a fill touched atomically with that fill; holds are not
/// stored but re-derived from the open orders at a restart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Portfolio {
    balances: BTreeMap<String, Balance>,
    holds: BTreeMap<OrderId, Hold>,
    positions: BTreeMap<Symbol, Position>,
}

impl Portfolio {
    /// A portfolio holding `free` amounts of each asset.
    pub fn with_balances<'a>(initial: impl IntoIterator<Item = (&'a str, Decimal)>) -> Self {
        let balances = initial
            .into_iter()
            .map(|(a, free)| (a.to_owned(), Balance { free, locked: Decimal::ZERO }))
            .collect();
        Self { balances, ..Self::default() }
    }

    /// Rebuilds a portfolio after a restart from stored balances and positions
    /// and the holds of the orders still open. `locked` is re-derived from
    /// those holds (total is the stored truth), so a crash between an order's
    /// write and its balance write cannot strand or double-count funds.
    pub fn restore(
        balances: BTreeMap<String, Balance>,
        positions: BTreeMap<Symbol, Position>,
        holds: impl IntoIterator<Item = (OrderId, String, Decimal)>,
    ) -> Self {
        let mut balances: BTreeMap<String, Balance> = balances
            .into_iter()
            .map(|(a, b)| (a, Balance { free: b.total(), locked: Decimal::ZERO }))
            .collect();
        let mut by_order = BTreeMap::new();
        for (id, asset, amount) in holds {
            let balance = balances.entry(asset.clone()).or_default();
            let amount = amount.min(balance.free).max(Decimal::ZERO);
            // 0 <= amount <= free and locked starts at zero: neither can overflow.
            balance.free = balance.free.saturating_sub(amount);
            balance.locked = balance.locked.saturating_add(amount);
            by_order.insert(id, Hold { asset, amount });
        }
        Self { balances, holds: by_order, positions }
    }

    /// The balance of `asset` (zero if never held).
    pub fn balance(&self, asset: &str) -> Balance {
        self.balances.get(asset).cloned().unwrap_or_default()
    }

    /// All balances, by asset name.
    pub fn balances(&self) -> &BTreeMap<String, Balance> {
        &self.balances
    }

    /// All positions, flat ones included until they are pruned.
    pub fn positions(&self) -> &BTreeMap<Symbol, Position> {
        &self.positions
    }

    /// The position in `symbol`, if any.
    pub fn position(&self, symbol: &Symbol) -> Option<&Position> {
        self.positions.get(symbol)
    }

    /// Locks `amount` of `asset` for order `id`.
    pub fn reserve(&mut self, id: OrderId, asset: &str, amount: Decimal) -> Result<(), PortfolioError> {
        let balance = self.balances.entry(asset.to_owned()).or_default();
        if balance.free < amount {
            return Err(PortfolioError::Insufficient {
                asset: asset.to_owned(),
                needed: amount,
                free: balance.free,
            });
        }
        let held = self.holds.get(&id).map_or(Decimal::ZERO, |h| h.amount);
        // Balances come from the exchange (or the config): sums are checked, and
        // a reservation that cannot be represented is refused, never wrapped.
        let (Some(free), Some(locked), Some(hold_amount)) =
            (balance.free.checked_sub(amount), balance.locked.checked_add(amount), held.checked_add(amount))
        else {
            return Err(PortfolioError::Insufficient {
                asset: asset.to_owned(),
                needed: amount,
                free: balance.free,
            });
        };
        (balance.free, balance.locked) = (free, locked);
        self.holds
            .entry(id)
            .or_insert_with(|| Hold { asset: asset.to_owned(), amount: Decimal::ZERO })
            .amount = hold_amount;
        Ok(())
    }

    /// Returns whatever order `id` still has locked to `free` (the order ended).
    pub fn release(&mut self, id: OrderId) {
        if let Some(hold) = self.holds.remove(&id) {
            let balance = self.balances.entry(hold.asset).or_default();
            // Moves what was locked back to free; saturating, as the balance
            // may have been replaced by the exchange's own figures meanwhile.
            balance.locked = balance.locked.saturating_sub(hold.amount);
            balance.free = balance.free.saturating_add(hold.amount);
        }
    }

    /// What order `id` still has locked.
    pub fn held(&self, id: OrderId) -> Decimal {
        self.holds.get(&id).map_or(Decimal::ZERO, |h| h.amount)
    }

    /// Works out what `fill` does to balances and the position, checked; an
    /// overflow plans nothing.
    ///
    /// The fee is taken in the asset the exchange charged it in: the quote
    /// (paper, and Binance sells), the base (Binance buys: the fee comes out
    /// of what was bought), or a third asset such as BNB, which is debited
    /// apart and not counted in the position's cost or PnL (it has no price
    /// in this symbol).
    pub fn plan_fill(&self, fill: &Fill, base: &str, quote: &str) -> Result<FillPlan, PortfolioError> {
        let overflow = || PortfolioError::Overflow { order: fill.order_id };
        let notional = fill.price.checked_mul(fill.qty).ok_or_else(overflow)?;
        let fee_in = |asset: &str| if fill.fee_asset == asset { fill.fee } else { Decimal::ZERO };
        let (fee_quote, fee_base) = (fee_in(quote), fee_in(base));
        let fee_other = (fill.fee_asset != quote && fill.fee_asset != base && !fill.fee.is_zero())
            .then(|| (fill.fee_asset.clone(), fill.fee));
        let position =
            self.positions.get(&fill.symbol).cloned().unwrap_or_else(|| Position::flat(fill.symbol.clone()));
        let (spent_asset, spent, gained_asset, gained) = match fill.side {
            Side::Buy => (
                quote,
                notional.checked_add(fee_quote).ok_or_else(overflow)?,
                base,
                fill.qty.checked_sub(fee_base).ok_or_else(overflow)?,
            ),
            Side::Sell => (
                base,
                fill.qty.checked_add(fee_base).ok_or_else(overflow)?,
                quote,
                notional.checked_sub(fee_quote).ok_or_else(overflow)?,
            ),
        };
        let hold = self.holds.get(&fill.order_id).filter(|h| h.asset == spent_asset);
        let from_hold = hold.map_or(Decimal::ZERO, |h| h.amount.min(spent));
        let mut spent_balance = self.balance(spent_asset);
        spent_balance.locked = spent_balance.locked.checked_sub(from_hold).ok_or_else(overflow)?;
        spent_balance.free = spent_balance
            .free
            .checked_sub(spent.checked_sub(from_hold).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        let mut gained_balance =
            if gained_asset == spent_asset { spent_balance.clone() } else { self.balance(gained_asset) };
        gained_balance.free = gained_balance.free.checked_add(gained).ok_or_else(overflow)?;
        let (position, realized) = match fill.side {
            Side::Buy => {
                let cost = position
                    .avg_cost
                    .checked_mul(position.qty)
                    .and_then(|c| c.checked_add(notional))
                    .and_then(|c| c.checked_add(fee_quote))
                    .ok_or_else(overflow)?;
                let qty = position.qty.checked_add(gained).ok_or_else(overflow)?;
                let avg_cost =
                    if qty.is_zero() { Decimal::ZERO } else { cost.checked_div(qty).ok_or_else(overflow)? };
                (Position { qty, avg_cost, ..position }, Decimal::ZERO)
            }
            Side::Sell => {
                // Only what vigil's fills built has a known cost: coins the
                // account held before (live) realize nothing, and carry only
                // their share of the fee.
                let tracked = fill.qty.min(position.qty).max(Decimal::ZERO);
                let fees = fee_base
                    .checked_mul(fill.price)
                    .and_then(|f| f.checked_add(fee_quote))
                    .ok_or_else(overflow)?;
                let tracked_fees = if fill.qty.is_zero() {
                    Decimal::ZERO
                } else {
                    fees.checked_mul(tracked).and_then(|f| f.checked_div(fill.qty)).ok_or_else(overflow)?
                };
                let realized = fill
                    .price
                    .checked_sub(position.avg_cost)
                    .and_then(|edge| edge.checked_mul(tracked))
                    .and_then(|r| r.checked_sub(tracked_fees))
                    .ok_or_else(overflow)?;
                let realized_pnl = position.realized_pnl.checked_add(realized).ok_or_else(overflow)?;
                let qty = position.qty.checked_sub(spent).ok_or_else(overflow)?;
                let position = if qty <= Decimal::ZERO {
                    Position { qty: Decimal::ZERO, avg_cost: Decimal::ZERO, realized_pnl, ..position }
                } else {
                    Position { qty, realized_pnl, ..position }
                };
                (position, realized)
            }
        };
        let mut balances = vec![(gained_asset.to_owned(), gained_balance)];
        if gained_asset != spent_asset {
            balances.push((spent_asset.to_owned(), spent_balance));
        }
        if let Some((asset, fee)) = fee_other {
            let mut paid = self.balance(&asset);
            paid.free = paid.free.checked_sub(fee).ok_or_else(overflow)?;
            balances.push((asset, paid));
        }
        Ok(FillPlan { order: fill.order_id, from_hold, balances, position, realized })
    }

    /// Takes the exchange's balances as the truth (the live venue). vigil's
    /// own holds stay locked even if the exchange has not locked them yet
    /// (an order still on its way), so free never counts money an order in
    /// flight will spend. With `zero_unlisted_except`, the list is the whole
    /// account (the account answer omits zero balances): an asset not listed
    /// is zero, except those named (a newer event reported them).
    pub fn set_exchange_balances(
        &mut self,
        listed: &[(String, Decimal, Decimal)],
        zero_unlisted_except: Option<&BTreeSet<String>>,
    ) {
        if let Some(keep) = zero_unlisted_except {
            for (asset, balance) in &mut self.balances {
                if !listed.iter().any(|(a, _, _)| a == asset) && !keep.contains(asset) {
                    *balance = Balance::default();
                }
            }
        }
        for (asset, free, locked) in listed {
            let held = self
                .holds
                .values()
                .filter(|h| &h.asset == asset)
                .map(|h| h.amount)
                .fold(Decimal::ZERO, Decimal::saturating_add);
            let total = free.saturating_add(*locked);
            let spendable = (*free).min(total.saturating_sub(held)).max(Decimal::ZERO);
            self.balances
                .insert(asset.clone(), Balance { free: spendable, locked: total.saturating_sub(spendable) });
        }
    }

    /// Applies a planned fill.
    pub fn commit(&mut self, plan: FillPlan) {
        if let Some(hold) = self.holds.get_mut(&plan.order) {
            hold.amount = hold.amount.saturating_sub(plan.from_hold);
        }
        for (asset, balance) in plan.balances {
            self.balances.insert(asset, balance);
        }
        self.positions.insert(plan.position.symbol.clone(), plan.position);
    }

    /// Equity in the quote currency: every asset marked by `mark` (quote itself
    /// at 1; an asset without a mark counts as zero, which understates, never
    /// flatters).
    /// Saturates rather than overflow on absurd marks or balances.
    pub fn equity(&self, quote: &str, mark: impl Fn(&str) -> Option<Decimal>) -> Decimal {
        self.balances
            .iter()
            .map(|(asset, b)| {
                if asset == quote {
                    b.total()
                } else {
                    b.total().saturating_mul(mark(asset).unwrap_or_default())
                }
            })
            .fold(Decimal::ZERO, Decimal::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::Liquidity;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn apply(p: &mut Portfolio, fill: &Fill) -> Decimal {
        let plan = p.plan_fill(fill, "BTC", "USDT").unwrap();
        let realized = plan.realized;
        p.commit(plan);
        realized
    }

    fn fill(id: u64, side: Side, price: &str, qty: &str, fee: &str) -> Fill {
        Fill {
            order_id: OrderId(id),
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side,
            price: d(price),
            qty: d(qty),
            fee: d(fee),
            fee_asset: "USDT".into(),
            liquidity: Liquidity::Taker,
            ts_ms: 9,
            trade_id: None,
        }
    }

    #[test]
    fn reservation_cannot_exceed_free_and_is_released() {
        let mut p = Portfolio::with_balances([("USDT", d("1000"))]);
        p.reserve(OrderId(1), "USDT", d("600")).unwrap();
        let err = p.reserve(OrderId(2), "USDT", d("600")).unwrap_err();
        assert_eq!(err.to_string(), "insufficient USDT: 600 needed, 400 free");
        assert_eq!(p.balance("USDT"), Balance { free: d("400"), locked: d("600") });
        p.release(OrderId(1));
        assert_eq!(p.balance("USDT"), Balance { free: d("1000"), locked: d("0") });
    }

    #[test]
    fn buy_then_sell_realizes_pnl_net_of_fees() {
        let mut p = Portfolio::with_balances([("USDT", d("1000"))]);
        p.reserve(OrderId(1), "USDT", d("101")).unwrap();
        apply(&mut p, &fill(1, Side::Buy, "100", "1", "0.1"));
        assert_eq!(p.held(OrderId(1)), d("0.9"));
        p.release(OrderId(1));
        assert_eq!(p.balance("USDT"), Balance { free: d("899.9"), locked: d("0") });
        assert_eq!(p.balance("BTC").free, d("1"));
        let pos = p.position(&Symbol::new("BTCUSDT").unwrap()).unwrap().clone();
        assert_eq!(pos.avg_cost, d("100.1"));

        p.reserve(OrderId(2), "BTC", d("1")).unwrap();
        let realized = apply(&mut p, &fill(2, Side::Sell, "110", "1", "0.11"));
        assert_eq!(realized, d("9.79")); // (110 - 100.1) * 1 - 0.11
        assert_eq!(p.balance("BTC"), Balance { free: d("0"), locked: d("0") });
        assert_eq!(p.balance("USDT").free, d("1009.79"));
    }

    #[test]
    fn an_overflowing_fill_changes_nothing() {
        let mut p = Portfolio::with_balances([("USDT", d("1000"))]);
        apply(&mut p, &fill(1, Side::Buy, "100", "2", "0"));
        let before = p.clone();
        let huge = Fill { price: Decimal::MAX, ..fill(2, Side::Sell, "1", "2", "0") };
        assert_eq!(p.plan_fill(&huge, "BTC", "USDT"), Err(PortfolioError::Overflow { order: OrderId(2) }));
        assert_eq!(p, before);
    }

    #[test]
    fn restore_rederives_locked_from_open_holds() {
        let stored = BTreeMap::from([("USDT".to_owned(), Balance { free: d("100"), locked: d("900") })]);
        let p = Portfolio::restore(stored, BTreeMap::new(), [(OrderId(4), "USDT".to_owned(), d("300"))]);
        assert_eq!(p.balance("USDT"), Balance { free: d("700"), locked: d("300") });
        assert_eq!(p.held(OrderId(4)), d("300"));
    }

    #[test]
    fn equity_marks_every_asset() {
        let mut p = Portfolio::with_balances([("USDT", d("1000"))]);
        apply(&mut p, &fill(1, Side::Buy, "100", "2", "0"));
        let eq = p.equity("USDT", |a| (a == "BTC").then(|| d("150")));
        assert_eq!(eq, d("1100"));
    }

    #[test]
    fn a_buy_whose_fee_is_taken_in_the_base_asset_holds_what_arrived() {
        // Binance charges a buy's commission in the asset bought.
        let mut p = Portfolio::with_balances([("USDT", d("1000"))]);
        p.reserve(OrderId(1), "USDT", d("640")).unwrap();
        let buy =
            Fill { fee: d("0.00001"), fee_asset: "BTC".into(), ..fill(1, Side::Buy, "64000", "0.01", "0") };
        apply(&mut p, &buy);
        assert_eq!(p.balance("BTC").free, d("0.00999"));
        assert_eq!(p.balance("USDT").total(), d("360"));
        let position = p.position(&Symbol::new("BTCUSDT").unwrap()).unwrap();
        assert_eq!(position.qty, d("0.00999"));
        // The whole 640 USDT bought what is held: the fee is in the cost.
        assert_eq!(position.avg_cost.round_dp(2), d("64064.06"));
    }

    #[test]
    fn a_fee_in_a_third_asset_is_debited_apart() {
        let mut p = Portfolio::with_balances([("USDT", d("1000")), ("BNB", d("1"))]);
        let buy = Fill { fee: d("0.001"), fee_asset: "BNB".into(), ..fill(1, Side::Buy, "100", "1", "0") };
        apply(&mut p, &buy);
        assert_eq!(p.balance("BNB").free, d("0.999"));
        assert_eq!(p.balance("USDT").free, d("900"));
        assert_eq!(p.balance("BTC").free, d("1"));
    }

    #[test]
    fn exchange_balances_are_the_truth_but_never_free_what_an_order_in_flight_holds() {
        let mut p = Portfolio::with_balances([("USDT", d("1000")), ("ETH", d("2"))]);
        p.reserve(OrderId(1), "USDT", d("300")).unwrap();
        // The exchange has not locked the order yet: all 1000 free there.
        p.set_exchange_balances(&[("USDT".into(), d("1000"), d("0"))], None);
        assert_eq!(p.balance("USDT"), Balance { free: d("700"), locked: d("300") });
        // Once it has, and another program locked 100 more, free is the exchange's.
        p.set_exchange_balances(&[("USDT".into(), d("600"), d("400"))], None);
        assert_eq!(p.balance("USDT"), Balance { free: d("600"), locked: d("400") });
        assert_eq!(p.balance("ETH").free, d("2"));
        // A complete account answer omits zero balances: ETH is gone.
        p.set_exchange_balances(&[("USDT".into(), d("600"), d("400"))], Some(&BTreeSet::new()));
        assert_eq!(p.balance("ETH"), Balance::default());
    }

    #[test]
    fn selling_coins_held_before_vigil_realizes_nothing_on_them() {
        // Live: the account held 1 BTC before vigil; vigil bought 0.1 at 60000.
        let mut p = Portfolio::with_balances([("USDT", d("10000")), ("BTC", d("1"))]);
        apply(&mut p, &fill(1, Side::Buy, "60000", "0.1", "0"));
        let realized = apply(&mut p, &fill(2, Side::Sell, "61000", "0.3", "3"));
        // 0.1 of the 0.3 sold has a known cost: 100 profit, a third of the fee.
        assert_eq!(realized, d("99"));
        assert_eq!(p.position(&Symbol::new("BTCUSDT").unwrap()).unwrap().qty, Decimal::ZERO);
    }
}
