//! Paper broker: simulated execution against the real book.
//!
//! Market orders walk the opposite side of the book level by level (taker).
//! A limit order first takes whatever it crosses (taker), then rests (GTC),
//! or is done (IOC); fill-or-kill takes all at once or nothing, and post-only
//! is cancelled whole if it would take anything. A resting order fills
//! (maker, at its own price) when the market trades through it or the
//! opposite side of the book moves past it. That errs on the side of fewer
//! fills than a real queue position would give — paper results should
//! flatter nobody. A stop-limit order waits off the book until a public trade
//! reaches its trigger ([`PaperBroker::triggered`]); the engine then submits
//! it as the limit order it has become.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::Level;
use crate::domain::{
    Fill, Liquidity, Order, OrderId, OrderStatus, OrderType, Side, StopTrigger, Symbol, TimeInForce,
    TimestampMs,
};
use crate::market::{BookUpdate, Trade};

/// Fee rates as fractions (0.001 = 0.1 %), charged in the quote asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSchedule {
    /// 0 ..= 0.05: a negative rate would credit a fee the venue never pays.
    #[serde(deserialize_with = "fee_maker")]
    pub maker: Decimal,
    /// 0 ..= 0.05.
    #[serde(deserialize_with = "fee_taker")]
    pub taker: Decimal,
}

crate::ranged!(fee_maker, Decimal, "maker", crate::config::ranges::FEE_RATE);
crate::ranged!(fee_taker, Decimal, "taker", crate::config::ranges::FEE_RATE);

impl Default for FeeSchedule {
    /// Binance spot's base tier: 0.1 % maker and taker.
    fn default() -> Self {
        Self { maker: Decimal::new(1, 3), taker: Decimal::new(1, 3) }
    }
}

/// A limit order resting in the paper book.
#[derive(Debug, Clone)]
struct Resting {
    symbol: Symbol,
    side: Side,
    price: Decimal,
    remaining: Decimal,
    /// Fees are charged in the quote asset.
    quote_asset: String,
}

/// A stop-limit order waiting for its trigger, off the book.
#[derive(Debug, Clone)]
struct Waiting {
    symbol: Symbol,
    side: Side,
    stop: StopTrigger,
}

/// Simulated execution venue. Holds only resting limit orders and untriggered
/// stop-limit orders; balances and positions are the portfolio's job.
#[derive(Debug, Default)]
pub struct PaperBroker {
    fees: FeeSchedule,
    resting: BTreeMap<OrderId, Resting>,
    waiting: BTreeMap<OrderId, Waiting>,
}

impl PaperBroker {
    /// A broker charging `fees`.
    pub fn new(fees: FeeSchedule) -> Self {
        Self { fees, resting: BTreeMap::new(), waiting: BTreeMap::new() }
    }

    /// The fee schedule in force.
    pub fn fees(&self) -> FeeSchedule {
        self.fees
    }

    /// Restores a resting order after a restart (its remaining quantity is
    /// taken from the persisted order), or an untriggered stop-limit order.
    pub fn restore(&mut self, order: &Order, quote_asset: &str) {
        if order.status == OrderStatus::AwaitingTrigger {
            self.hold(order);
            return;
        }
        if let (OrderType::Limit, Some(price)) = (order.intent.order_type, order.intent.price) {
            let remaining = order.remaining_qty();
            if remaining > Decimal::ZERO {
                let resting = Resting {
                    symbol: order.intent.symbol.clone(),
                    side: order.intent.side,
                    price,
                    remaining,
                    quote_asset: quote_asset.to_owned(),
                };
                self.resting.insert(order.id, resting);
            }
        }
    }

    /// Executes a newly accepted order against `book`. Market orders fill what
    /// the book offers and the rest is cancelled (returned `true` in the second
    /// element: "done"); limit orders take what they cross and rest the remainder.
    pub fn submit(
        &mut self,
        order: &Order,
        book: &BookUpdate,
        quote_asset: &str,
        now: TimestampMs,
    ) -> (Vec<Fill>, bool) {
        let intent = &order.intent;
        let limit = match intent.order_type {
            OrderType::Market => None,
            OrderType::Limit => intent.price,
        };
        let opposite = match intent.side {
            Side::Buy => &book.asks,
            Side::Sell => &book.bids,
        };
        let crossable = |level: &&Level| match (intent.side, limit) {
            (_, None) => true,
            (Side::Buy, Some(p)) => level.price <= p,
            (Side::Sell, Some(p)) => level.price >= p,
        };
        let limit_order = intent.order_type == OrderType::Limit;
        // Post-only takes nothing: one that would cross is cancelled whole.
        if limit_order && intent.post_only && opposite.iter().any(|l| crossable(&l)) {
            return (Vec::new(), true);
        }
        // Fill or kill: all of it at once, or nothing.
        if limit_order && intent.tif == TimeInForce::Fok {
            let offered = opposite
                .iter()
                .filter(crossable)
                .map(|l| l.qty)
                .try_fold(Decimal::ZERO, Decimal::checked_add);
            if offered.is_none_or(|q| q < order.remaining_qty()) {
                return (Vec::new(), true);
            }
        }
        let fills = self.take(order, opposite, limit, quote_asset, now);
        // Each fill is at most what remained, so these stay within the order's quantity.
        let filled = fills.iter().map(|f| f.qty).fold(Decimal::ZERO, Decimal::saturating_add);
        let remaining = order.remaining_qty().saturating_sub(filled);
        match (intent.order_type, limit) {
            // Immediate or cancel: what did not fill at once is done.
            (OrderType::Limit, Some(price))
                if remaining > Decimal::ZERO && intent.tif == TimeInForce::Gtc =>
            {
                let resting = Resting {
                    symbol: intent.symbol.clone(),
                    side: intent.side,
                    price,
                    remaining,
                    quote_asset: quote_asset.to_owned(),
                };
                self.resting.insert(order.id, resting);
                (fills, false)
            }
            _ => (fills, true),
        }
    }

    /// Holds a stop-limit order until a trade reaches its trigger. False (and
    /// nothing held) for an order without a trigger.
    pub fn hold(&mut self, order: &Order) -> bool {
        let Some(stop) = order.intent.stop else { return false };
        let waiting = Waiting { symbol: order.intent.symbol.clone(), side: order.intent.side, stop };
        self.waiting.insert(order.id, waiting);
        true
    }

    /// A public trade: the stop-limit orders whose trigger it reached, no
    /// longer held. The engine submits each as the limit order it now is.
    pub fn triggered(&mut self, trade: &Trade) -> Vec<OrderId> {
        let due: Vec<OrderId> = self
            .waiting
            .iter()
            .filter(|(_, w)| {
                w.symbol == trade.symbol && w.stop.kind.triggers(w.side, w.stop.price, trade.price)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &due {
            self.waiting.remove(id);
        }
        due
    }

    /// Removes a resting or waiting order. Returns whether it was held.
    pub fn cancel(&mut self, id: OrderId) -> bool {
        let resting = self.resting.remove(&id).is_some();
        self.waiting.remove(&id).is_some() || resting
    }

    /// Number of untriggered stop-limit orders held.
    pub fn waiting_count(&self) -> usize {
        self.waiting.len()
    }

    /// Number of resting orders.
    pub fn resting_count(&self) -> usize {
        self.resting.len()
    }

    /// A public trade: resting orders it traded through fill at their own price
    /// (maker), up to the traded quantity.
    pub fn on_trade(&mut self, trade: &Trade) -> Vec<(OrderId, Fill)> {
        let mut available = trade.qty;
        let mut fills = Vec::new();
        for (id, rest) in self.resting.iter_mut() {
            let through = match rest.side {
                Side::Buy => trade.price < rest.price,
                Side::Sell => trade.price > rest.price,
            };
            if rest.symbol != trade.symbol || !through || available <= Decimal::ZERO {
                continue;
            }
            let qty = rest.remaining.min(available);
            let Some(fill) = maker_fill(*id, rest, qty, self.fees.maker, trade.ts_ms) else { continue };
            // qty = min(remaining, available): neither subtraction can go below
            // zero; saturating keeps a hostile negative quantity from panicking.
            available = available.saturating_sub(qty);
            rest.remaining = rest.remaining.saturating_sub(qty);
            fills.push((*id, fill));
        }
        self.resting.retain(|_, r| r.remaining > Decimal::ZERO);
        fills
    }

    /// A book update: resting orders the opposite side has moved past fill at
    /// their own price (maker), up to the quantity now offered beyond them.
    pub fn on_book(&mut self, book: &BookUpdate) -> Vec<(OrderId, Fill)> {
        let mut fills = Vec::new();
        for (id, rest) in self.resting.iter_mut() {
            if rest.symbol != book.symbol {
                continue;
            }
            let (side, limit) = (rest.side, rest.price);
            let levels = match side {
                Side::Buy => &book.asks,
                Side::Sell => &book.bids,
            };
            let past_limit = levels.iter().filter(|l| match side {
                Side::Buy => l.price < limit,
                Side::Sell => l.price > limit,
            });
            // Quantities come from the exchange: an absurd book must not panic the engine.
            let Some(crossing) = past_limit.map(|l| l.qty).try_fold(Decimal::ZERO, Decimal::checked_add)
            else {
                continue;
            };
            let qty = rest.remaining.min(crossing);
            if qty > Decimal::ZERO {
                let Some(fill) = maker_fill(*id, rest, qty, self.fees.maker, book.ts_ms) else { continue };
                rest.remaining = rest.remaining.saturating_sub(qty);
                fills.push((*id, fill));
            }
        }
        self.resting.retain(|_, r| r.remaining > Decimal::ZERO);
        fills
    }

    /// Walks `levels` (best first) taking liquidity up to the order's remaining
    /// quantity, stopping at `limit` when given.
    fn take(
        &self,
        order: &Order,
        levels: &[Level],
        limit: Option<Decimal>,
        quote_asset: &str,
        now: TimestampMs,
    ) -> Vec<Fill> {
        let side = order.intent.side;
        let mut remaining = order.remaining_qty();
        let mut fills = Vec::new();
        for level in levels {
            let acceptable = match (side, limit) {
                (_, None) => true,
                (Side::Buy, Some(p)) => level.price <= p,
                (Side::Sell, Some(p)) => level.price >= p,
            };
            if remaining <= Decimal::ZERO || !acceptable {
                break;
            }
            let qty = remaining.min(level.qty);
            let Some(fee) = fee_of(level.price, qty, self.fees.taker) else { break };
            remaining = remaining.saturating_sub(qty);
            fills.push(Fill {
                order_id: order.id,
                symbol: order.intent.symbol.clone(),
                side,
                price: level.price,
                qty,
                fee,
                fee_asset: quote_asset.to_owned(),
                liquidity: Liquidity::Taker,
                ts_ms: now,
                trade_id: None,
            });
        }
        fills
    }
}

/// price × qty × rate, or `None` if exchange-supplied numbers overflow.
fn fee_of(price: Decimal, qty: Decimal, rate: Decimal) -> Option<Decimal> {
    price.checked_mul(qty)?.checked_mul(rate)
}

fn maker_fill(id: OrderId, rest: &Resting, qty: Decimal, rate: Decimal, ts_ms: TimestampMs) -> Option<Fill> {
    Some(Fill {
        order_id: id,
        symbol: rest.symbol.clone(),
        side: rest.side,
        price: rest.price,
        qty,
        fee: fee_of(rest.price, qty, rate)?,
        fee_asset: rest.quote_asset.clone(),
        liquidity: Liquidity::Maker,
        ts_ms,
        trade_id: None,
    })
}

#[cfg(test)]
#[path = "paper_tests.rs"]
mod tests;
