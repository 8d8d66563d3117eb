//! Portfolio accounting: balances per asset, reservations held by open
//! orders, spot positions and realized PnL.
//!
//! A reservation moves funds from `free` to `locked` when the engine accepts
//! an order; fills draw on it and the leftover is released when the order
//! ends. Because the gate reads only `free`, two orders can never spend the
//! same money.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Balance, Fill, OrderId, Position, Side, Symbol, TimestampMs};

/// Why a reservation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortfolioError {
    #[error("insufficient {asset}: {needed} needed, {free} free")]
    Insufficient { asset: String, needed: Decimal, free: Decimal },
}

/// Funds an open order has locked and not yet spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Hold {
    asset: String,
    amount: Decimal,
}

/// Balances, reservations, positions and the losing-streak counter.
/// Serializable so the engine persists it whole, atomically with each fill.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portfolio {
    balances: BTreeMap<String, Balance>,
    holds: BTreeMap<OrderId, Hold>,
    positions: BTreeMap<Symbol, Position>,
    losing_streak: u32,
    last_loss_ms: Option<TimestampMs>,
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
        loss_streak: (u32, Option<TimestampMs>),
    ) -> Self {
        let mut balances: BTreeMap<String, Balance> = balances
            .into_iter()
            .map(|(a, b)| (a, Balance { free: b.total(), locked: Decimal::ZERO }))
            .collect();
        let mut by_order = BTreeMap::new();
        for (id, asset, amount) in holds {
            let balance = balances.entry(asset.clone()).or_default();
            let amount = amount.min(balance.free).max(Decimal::ZERO);
            balance.free -= amount;
            balance.locked += amount;
            by_order.insert(id, Hold { asset, amount });
        }
        let (losing_streak, last_loss_ms) = loss_streak;
        Self { balances, holds: by_order, positions, losing_streak, last_loss_ms }
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

    /// Consecutive losing round trips, and when the last loss was realized.
    pub fn loss_streak(&self) -> (u32, Option<TimestampMs>) {
        (self.losing_streak, self.last_loss_ms)
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
        balance.free -= amount;
        balance.locked += amount;
        let hold =
            self.holds.entry(id).or_insert_with(|| Hold { asset: asset.to_owned(), amount: Decimal::ZERO });
        hold.amount += amount;
        Ok(())
    }

    /// Returns whatever order `id` still has locked to `free` (the order ended).
    pub fn release(&mut self, id: OrderId) {
        if let Some(hold) = self.holds.remove(&id) {
            let balance = self.balances.entry(hold.asset).or_default();
            balance.locked -= hold.amount;
            balance.free += hold.amount;
        }
    }

    /// What order `id` still has locked.
    pub fn held(&self, id: OrderId) -> Decimal {
        self.holds.get(&id).map_or(Decimal::ZERO, |h| h.amount)
    }

    /// Books a fill: moves assets, draws on the order's hold, updates the
    /// position. Fees are in `quote`. Returns the PnL realized by this fill.
    pub fn apply_fill(&mut self, fill: &Fill, base: &str, quote: &str) -> Decimal {
        let notional = fill.price * fill.qty;
        match fill.side {
            Side::Buy => {
                self.spend(fill.order_id, quote, notional + fill.fee);
                self.balances.entry(base.to_owned()).or_default().free += fill.qty;
                let pos = self.position_mut(&fill.symbol);
                let cost = pos.avg_cost * pos.qty + notional + fill.fee;
                pos.qty += fill.qty;
                pos.avg_cost = if pos.qty.is_zero() { Decimal::ZERO } else { cost / pos.qty };
                Decimal::ZERO
            }
            Side::Sell => {
                self.spend(fill.order_id, base, fill.qty);
                self.balances.entry(quote.to_owned()).or_default().free += notional - fill.fee;
                let pos = self.position_mut(&fill.symbol);
                let realized = (fill.price - pos.avg_cost) * fill.qty - fill.fee;
                pos.qty -= fill.qty;
                pos.realized_pnl += realized;
                if pos.qty <= Decimal::ZERO {
                    pos.qty = Decimal::ZERO;
                    pos.avg_cost = Decimal::ZERO;
                }
                if realized < Decimal::ZERO {
                    self.losing_streak += 1;
                    self.last_loss_ms = Some(fill.ts_ms);
                } else {
                    self.losing_streak = 0;
                }
                realized
            }
        }
    }

    /// Equity in the quote currency: every asset marked by `mark` (quote itself
    /// at 1; an asset without a mark counts as zero, which understates, never
    /// flatters).
    pub fn equity(&self, quote: &str, mark: impl Fn(&str) -> Option<Decimal>) -> Decimal {
        self.balances
            .iter()
            .map(
                |(asset, b)| {
                    if asset == quote { b.total() } else { b.total() * mark(asset).unwrap_or_default() }
                },
            )
            .sum()
    }

    /// Takes `amount` of `asset` from the order's hold first, then from free.
    fn spend(&mut self, id: OrderId, asset: &str, amount: Decimal) {
        let from_hold = match self.holds.get_mut(&id) {
            Some(hold) if hold.asset == asset => {
                let take = hold.amount.min(amount);
                hold.amount -= take;
                take
            }
            _ => Decimal::ZERO,
        };
        let balance = self.balances.entry(asset.to_owned()).or_default();
        balance.locked -= from_hold;
        balance.free -= amount - from_hold;
    }

    fn position_mut(&mut self, symbol: &Symbol) -> &mut Position {
        self.positions.entry(symbol.clone()).or_insert_with(|| Position::flat(symbol.clone()))
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
        p.apply_fill(&fill(1, Side::Buy, "100", "1", "0.1"), "BTC", "USDT");
        assert_eq!(p.held(OrderId(1)), d("0.9"));
        p.release(OrderId(1));
        assert_eq!(p.balance("USDT"), Balance { free: d("899.9"), locked: d("0") });
        assert_eq!(p.balance("BTC").free, d("1"));
        let pos = p.position(&Symbol::new("BTCUSDT").unwrap()).unwrap().clone();
        assert_eq!(pos.avg_cost, d("100.1"));

        p.reserve(OrderId(2), "BTC", d("1")).unwrap();
        let realized = p.apply_fill(&fill(2, Side::Sell, "110", "1", "0.11"), "BTC", "USDT");
        assert_eq!(realized, d("9.79")); // (110 - 100.1) * 1 - 0.11
        assert_eq!(p.balance("BTC"), Balance { free: d("0"), locked: d("0") });
        assert_eq!(p.balance("USDT").free, d("1009.79"));
        assert_eq!(p.loss_streak().0, 0);
    }

    #[test]
    fn losing_sells_count_a_streak() {
        let mut p = Portfolio::with_balances([("USDT", d("1000"))]);
        p.apply_fill(&fill(1, Side::Buy, "100", "2", "0"), "BTC", "USDT");
        p.apply_fill(&fill(2, Side::Sell, "90", "1", "0"), "BTC", "USDT");
        p.apply_fill(&fill(3, Side::Sell, "80", "1", "0"), "BTC", "USDT");
        assert_eq!(p.loss_streak(), (2, Some(9)));
    }

    #[test]
    fn restore_rederives_locked_from_open_holds() {
        let stored = BTreeMap::from([("USDT".to_owned(), Balance { free: d("100"), locked: d("900") })]);
        let p = Portfolio::restore(
            stored,
            BTreeMap::new(),
            [(OrderId(4), "USDT".to_owned(), d("300"))],
            (1, None),
        );
        assert_eq!(p.balance("USDT"), Balance { free: d("700"), locked: d("300") });
        assert_eq!(p.held(OrderId(4)), d("300"));
        assert_eq!(p.loss_streak(), (1, None));
    }

    #[test]
    fn equity_marks_every_asset() {
        let mut p = Portfolio::with_balances([("USDT", d("1000"))]);
        p.apply_fill(&fill(1, Side::Buy, "100", "2", "0"), "BTC", "USDT");
        let eq = p.equity("USDT", |a| (a == "BTC").then(|| d("150")));
        assert_eq!(eq, d("1100"));
    }
}
