//! The simulator's trading accounts: balances, orders and trades per test key,
//! matched against the simulator's own book. Pure and synchronous (the hub
//! calls it under the same lock as the market), so the matching rules are
//! testable without a server.
//!
//! Rules, as Binance documents them for spot: a limit order takes what it
//! crosses at the book's prices (taker), then rests (GTC), expires (IOC), or
//! — FOK — fills whole or not at all; `LIMIT_MAKER` is refused if it would
//! take; market orders walk the book by base quantity or by quote amount. A
//! resting order locks its funds and fills as maker, at its own price, once
//! the book's opposite side reaches it (the public book is not changed by
//! that fill: a simplification, the resting order was never shown in it).
//! Commission is 0.1 %, taken in the asset received.
//!
//! Opening balances of every test account: [`QUOTE_BALANCE`] USDT, and per
//! listed symbol [`BASE_VALUE`] USDT worth of its base asset at the opening
//! price, rounded down to the lot step — with the default listing exactly
//! 0.15625 BTC (64 000), 3.125 ETH (3 200) and 66.666 SOL (150).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

use super::market::{SimEvent, SimMarket, TakeBudget};
use super::rest::ApiError;
use super::spec::SymbolSpec;
use super::user_events::{self, execution};
use crate::domain::{Side, StopKind, TimestampMs};

/// Commission on every fill, in the asset received (Binance's base rate without BNB).
const COMMISSION: Decimal = Decimal::from_parts(1, 0, 0, false, 3);
/// Quote balance of every test account.
pub const QUOTE_BALANCE: i64 = 100_000;
/// Base balance of every test account, in quote value at the symbol's start price.
pub const BASE_VALUE: i64 = 10_000;
/// Decimal places balances and commissions are kept to (Binance prints 8).
const DP: u32 = 8;
/// The self-trade prevention mode every order carries: the default the
/// simulator's `exchangeInfo` declares (no self-trade can happen here: the
/// accounts' resting orders are not in the public book).
pub(crate) const STP_MODE: &str = "EXPIRE_MAKER";

/// `LIMIT` (with its time in force), `LIMIT_MAKER` or `MARKET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Limit(Tif),
    LimitMaker,
    Market,
}

/// Time in force of a limit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tif {
    Gtc,
    Ioc,
    Fok,
}

/// A validated new order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewOrder {
    pub symbol: usize,
    pub buy: bool,
    pub kind: Kind,
    pub price: Option<Decimal>,
    pub qty: Option<Decimal>,
    pub quote_qty: Option<Decimal>,
    /// `newClientOrderId`; generated from the order id when absent.
    pub client_id: Option<String>,
    /// `STOP_LOSS_LIMIT` / `TAKE_PROFIT_LIMIT`: the trigger and its `stopPrice`.
    pub stop: Option<(StopKind, Decimal)>,
}

/// An order as the account holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimOrder {
    pub id: u64,
    pub symbol: usize,
    pub client_id: String,
    pub buy: bool,
    pub kind: Kind,
    pub price: Decimal,
    pub orig_qty: Decimal,
    pub orig_quote: Decimal,
    pub executed: Decimal,
    pub cum_quote: Decimal,
    pub status: &'static str,
    pub time: TimestampMs,
    pub update_time: TimestampMs,
    /// A stop-limit order's trigger and `stopPrice`.
    pub stop: Option<(StopKind, Decimal)>,
    /// False while a stop-limit order waits for its trigger (Binance `isWorking`).
    pub working: bool,
    /// Funds still locked by the order (quote for a buy, base for a sell).
    locked: Decimal,
}

/// One fill of an account's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimFill {
    pub trade_id: u64,
    pub order_id: u64,
    pub symbol: usize,
    pub price: Decimal,
    pub qty: Decimal,
    pub commission: Decimal,
    pub commission_asset: String,
    pub time: TimestampMs,
    pub buyer: bool,
    pub maker: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Holding {
    free: Decimal,
    locked: Decimal,
}

#[derive(Debug, Default)]
struct Account {
    balances: BTreeMap<String, Holding>,
    orders: BTreeMap<u64, SimOrder>,
    fills: Vec<SimFill>,
}

/// What a change means for one account's user data stream: the events, as
/// JSON, in the order they happened.
pub(crate) type UserEvents = Vec<(usize, Value)>;

/// Every test account, by index.
#[derive(Debug)]
pub(crate) struct Accounts {
    accounts: Vec<Account>,
    specs: Vec<SymbolSpec>,
    next_order_id: u64,
}

fn filter(name: &str) -> ApiError {
    ApiError::bad(-1013, format!("Filter failure: {name}"))
}

fn insufficient() -> ApiError {
    ApiError::bad(-2010, "Account has insufficient balance for requested action.")
}

fn overflow() -> ApiError {
    ApiError::bad(-1013, "Filter failure: NOTIONAL")
}

impl Accounts {
    /// `count` accounts, each funded with USDT and every listed base asset.
    pub(crate) fn new(count: usize, specs: &[SymbolSpec]) -> Self {
        let accounts = (0..count)
            .map(|_| {
                let mut balances = BTreeMap::new();
                for spec in specs {
                    let i = &spec.instrument;
                    let lots = (Decimal::from(BASE_VALUE) / spec.start_price / i.step_size).floor();
                    let base = lots * i.step_size;
                    balances.insert(i.base_asset.clone(), Holding { free: base, locked: Decimal::ZERO });
                    balances.insert(
                        i.quote_asset.clone(),
                        Holding { free: Decimal::from(QUOTE_BALANCE), locked: Decimal::ZERO },
                    );
                }
                Account { balances, ..Account::default() }
            })
            .collect();
        Self { accounts, specs: specs.to_vec(), next_order_id: 1 }
    }

    fn account(&self, idx: usize) -> Result<&Account, ApiError> {
        self.accounts
            .get(idx)
            .ok_or_else(|| ApiError::bad(-2015, "Invalid API-key, IP, or permissions for action."))
    }

    fn account_mut(&mut self, idx: usize) -> Result<&mut Account, ApiError> {
        self.accounts
            .get_mut(idx)
            .ok_or_else(|| ApiError::bad(-2015, "Invalid API-key, IP, or permissions for action."))
    }

    /// Places `order` for account `acct`: checks filters and balance, takes
    /// what it crosses from `market`, and rests, expires or fills the rest.
    /// Returns the order, its fills, the account's stream events and the
    /// market events the taking caused.
    pub(crate) fn place(
        &mut self,
        acct: usize,
        order: NewOrder,
        market: &mut SimMarket,
        now: TimestampMs,
    ) -> Result<(SimOrder, Vec<SimFill>, UserEvents, Vec<SimEvent>), ApiError> {
        let spec =
            self.specs.get(order.symbol).cloned().ok_or_else(|| ApiError::bad(-1121, "Invalid symbol."))?;
        let i = &spec.instrument;
        let account = self.account(acct)?;
        if let Some(client_id) = &order.client_id
            && account.orders.values().any(|o| &o.client_id == client_id && is_open(o.status))
        {
            return Err(ApiError::bad(-2010, "Duplicate order sent."));
        }
        let ticks = |price: Decimal| -> Result<i64, ApiError> {
            let in_range = price >= i.min_price && price <= i.max_price;
            let n = price.checked_div(i.tick_size).filter(|n| n.fract().is_zero() && in_range);
            n.and_then(|n| n.to_i64()).ok_or_else(|| filter("PRICE_FILTER"))
        };
        let lots = |qty: Decimal| -> Result<i64, ApiError> {
            let in_range = qty >= i.min_qty && qty <= i.max_qty;
            let n = qty.checked_div(i.step_size).filter(|n| n.fract().is_zero() && in_range);
            n.and_then(|n| n.to_i64()).ok_or_else(|| filter("LOT_SIZE"))
        };
        let limit = order.price.map(ticks).transpose()?;
        let budget = match (order.qty, order.quote_qty) {
            (Some(qty), None) => TakeBudget::Lots(lots(qty)?),
            (None, Some(quote)) if order.kind == Kind::Market => TakeBudget::Quote(quote),
            _ => return Err(ApiError::mandatory("quantity")),
        };
        if let (Some(price), Some(qty)) = (order.price, order.qty) {
            let notional = price.checked_mul(qty).ok_or_else(overflow)?;
            if notional < i.min_notional {
                return Err(filter("NOTIONAL"));
            }
        }
        let plan = market.peek_take(order.symbol, order.buy, limit, budget);
        if order.kind == Kind::Market && !plan.is_empty() {
            // NOTIONAL applies to market orders too (applyMinToMarket): what the walk would trade.
            let notional = match budget {
                TakeBudget::Quote(quote) => Some(quote),
                TakeBudget::Lots(_) => walk_value(&plan, i.tick_size, i.step_size),
            };
            if notional.is_some_and(|n| n < i.min_notional) {
                return Err(filter("NOTIONAL"));
            }
        }
        let plan_lots: i64 = plan.iter().map(|(_, l)| l).sum();
        let wanted_lots = match budget {
            TakeBudget::Lots(l) => l,
            TakeBudget::Quote(_) => plan_lots,
        };
        if let Some((kind, stop)) = order.stop {
            ticks(stop)?;
            // Binance compares the trigger with the last price; the simulator with the mid.
            let reference = market.top_ticks(order.symbol).and_then(|(b, a)| Some((b? + a?) / 2));
            let side = if order.buy { Side::Buy } else { Side::Sell };
            let last = reference.map(|t| Decimal::from(t) * i.tick_size);
            if last.is_some_and(|last| kind.triggers(side, stop, last)) {
                return Err(ApiError::bad(-2010, "Stop price would trigger immediately."));
            }
        }
        if order.kind == Kind::LimitMaker && !plan.is_empty() {
            return Err(ApiError::bad(-2010, "Order would immediately match and take."));
        }
        if order.kind == Kind::Market && plan.is_empty() {
            return Err(ApiError::bad(
                -2010,
                "Order book liquidity is less than LOT_SIZE filter minimum quantity.",
            ));
        }
        // What the order needs free: its whole limit value, or what the walk costs.
        let (pay_asset, get_asset) =
            if order.buy { (&i.quote_asset, &i.base_asset) } else { (&i.base_asset, &i.quote_asset) };
        let walk_cost = walk_value(&plan, i.tick_size, i.step_size);
        let lock = match (order.buy, order.price, order.qty) {
            (true, Some(price), Some(qty)) => price.checked_mul(qty).ok_or_else(overflow)?,
            (true, None, _) => walk_cost.ok_or_else(overflow)?,
            (false, _, Some(qty)) => qty,
            (false, None, None) => Decimal::from(plan_lots).checked_mul(i.step_size).ok_or_else(overflow)?,
            _ => return Err(ApiError::mandatory("quantity")),
        };
        let free = account.balances.get(pay_asset).map_or(Decimal::ZERO, |h| h.free);
        if lock > free {
            return Err(insufficient());
        }
        let fok_short = order.kind == Kind::Limit(Tif::Fok) && plan_lots < wanted_lots;
        let id = self.next_order_id;
        self.next_order_id = id.checked_add(1).ok_or_else(|| ApiError::bad(-1013, "Too many orders."))?;
        let mut sim_order = SimOrder {
            id,
            symbol: order.symbol,
            // Binance generates a 22-character id; this one is unique because the order id is.
            client_id: order.client_id.unwrap_or_else(|| format!("sim-{id:018}")),
            buy: order.buy,
            kind: order.kind,
            price: order.price.unwrap_or_default(),
            // By quote: Binance reports origQty as what the order trades (the walk's lots).
            orig_qty: match order.qty {
                Some(qty) => qty,
                None => Decimal::from(plan_lots).checked_mul(i.step_size).ok_or_else(overflow)?,
            },
            orig_quote: order.quote_qty.unwrap_or_default(),
            executed: Decimal::ZERO,
            cum_quote: Decimal::ZERO,
            status: "NEW",
            time: now,
            update_time: now,
            stop: order.stop,
            working: order.stop.is_none(),
            locked: lock,
        };
        let account = self.account_mut(acct)?;
        move_to_locked(account, pay_asset, lock);
        let mut events = vec![(acct, execution(&spec, &sim_order, "NEW", None, None, now))];
        if !sim_order.working {
            // A stop-limit order waits for its trigger, its funds locked.
            events.push((acct, position(account, &[pay_asset, get_asset], now)));
            account.orders.insert(id, sim_order.clone());
            return Ok((sim_order, Vec::new(), events, Vec::new()));
        }
        let (mut fills, mut market_events) = (Vec::new(), Vec::new());
        if !fok_short && !plan.is_empty() {
            let (taken, caused) = market.take(order.symbol, order.buy, limit, budget);
            market_events = caused;
            for t in taken {
                let price = Decimal::from(t.ticks) * i.tick_size;
                let qty = Decimal::from(t.lots) * i.step_size;
                let fill = book_fill(account, &spec, &mut sim_order, t.trade_id, price, qty, false, now)?;
                events.push((acct, execution(&spec, &sim_order, "TRADE", Some(&fill), None, now)));
                fills.push(fill);
            }
        }
        let done = sim_order.orig_qty > Decimal::ZERO && sim_order.executed >= sim_order.orig_qty;
        let rests = matches!(order.kind, Kind::Limit(Tif::Gtc) | Kind::LimitMaker);
        if !done && !rests {
            sim_order.status = "EXPIRED";
            release(account, pay_asset, &mut sim_order);
            events.push((acct, execution(&spec, &sim_order, "EXPIRED", None, None, now)));
        } else if order.kind == Kind::Market || done {
            // A market order by quote is done when its budget is spent.
            sim_order.status = "FILLED";
            release(account, pay_asset, &mut sim_order);
        }
        events.push((acct, position(account, &[pay_asset, get_asset], now)));
        account.orders.insert(id, sim_order.clone());
        account.fills.extend(fills.iter().cloned());
        // The order's own trades may reach other orders' triggers.
        if let (Some(low), Some(high)) =
            (fills.iter().map(|f| f.price).min(), fills.iter().map(|f| f.price).max())
        {
            let traded = BTreeMap::from([(order.symbol, (low, high))]);
            let (more_events, more_market) = self.trigger_stops(market, &traded, now);
            events.extend(more_events);
            market_events.extend(more_market);
        }
        Ok((sim_order, fills, events, market_events))
    }

    /// Triggers every waiting stop-limit order the trades reached (a client
    /// order's, or the market's own) (`traded`: per symbol, the lowest and highest trade price): it
    /// starts working as a limit order, taking what it crosses and resting
    /// (GTC) or expiring the rest. Returns the user and the market events.
    fn trigger_stops(
        &mut self,
        market: &mut SimMarket,
        traded: &BTreeMap<usize, (Decimal, Decimal)>,
        now: TimestampMs,
    ) -> (UserEvents, Vec<SimEvent>) {
        let mut due = Vec::new();
        for (acct, account) in self.accounts.iter().enumerate() {
            for o in account.orders.values().filter(|o| is_open(o.status) && !o.working) {
                let (Some((kind, stop)), Some((low, high))) = (o.stop, traded.get(&o.symbol)) else {
                    continue;
                };
                let side = if o.buy { Side::Buy } else { Side::Sell };
                if kind.triggers(side, stop, *low) || kind.triggers(side, stop, *high) {
                    due.push((acct, o.id));
                }
            }
        }
        let (mut events, mut caused) = (Vec::new(), Vec::new());
        for (acct, id) in due {
            if let Ok((e, c)) = self.work(acct, id, market, now) {
                events.extend(e);
                caused.extend(c);
            }
        }
        (events, caused)
    }

    /// A triggered stop-limit order starts working as its limit order.
    fn work(
        &mut self,
        acct: usize,
        id: u64,
        market: &mut SimMarket,
        now: TimestampMs,
    ) -> Result<(UserEvents, Vec<SimEvent>), ApiError> {
        let account = self.accounts.get_mut(acct).ok_or_else(overflow)?;
        let mut order = account.orders.get(&id).cloned().ok_or_else(overflow)?;
        let spec = self.specs.get(order.symbol).cloned().ok_or_else(overflow)?;
        let i = &spec.instrument;
        let limit = order.price.checked_div(i.tick_size).and_then(|t| t.to_i64()).ok_or_else(overflow)?;
        let left = order.orig_qty.saturating_sub(order.executed);
        let lots = left.checked_div(i.step_size).and_then(|l| l.to_i64()).ok_or_else(overflow)?;
        order.working = true;
        order.update_time = now;
        let mut events = vec![(acct, execution(&spec, &order, "NEW", None, None, now))];
        let plan = market.peek_take(order.symbol, order.buy, Some(limit), TakeBudget::Lots(lots));
        let plan_lots: i64 = plan.iter().map(|(_, l)| l).sum();
        let fok_short = order.kind == Kind::Limit(Tif::Fok) && plan_lots < lots;
        let mut caused = Vec::new();
        let mut fills = Vec::new();
        if !fok_short && !plan.is_empty() {
            let (taken, market_events) =
                market.take(order.symbol, order.buy, Some(limit), TakeBudget::Lots(lots));
            caused = market_events;
            for t in taken {
                let price = Decimal::from(t.ticks) * i.tick_size;
                let qty = Decimal::from(t.lots) * i.step_size;
                let fill = book_fill(account, &spec, &mut order, t.trade_id, price, qty, false, now)?;
                events.push((acct, execution(&spec, &order, "TRADE", Some(&fill), None, now)));
                fills.push(fill);
            }
        }
        let pay = if order.buy { &i.quote_asset } else { &i.base_asset };
        let done = order.executed >= order.orig_qty;
        if !done && order.kind != Kind::Limit(Tif::Gtc) {
            order.status = "EXPIRED";
            release(account, pay, &mut order);
            events.push((acct, execution(&spec, &order, "EXPIRED", None, None, now)));
        }
        events.push((acct, position(account, &[&i.base_asset, &i.quote_asset], now)));
        account.orders.insert(id, order);
        account.fills.extend(fills);
        Ok((events, caused))
    }

    /// Cancels an open order found by id or client id. `cancel_id` is the
    /// cancel request's own client id (`newClientOrderId`, else generated):
    /// Binance reports it in the cancel's `c` and the order's own in `C`.
    /// Returns the order and the cancel's id.
    pub(crate) fn cancel(
        &mut self,
        acct: usize,
        symbol: usize,
        find: &OrderRef,
        cancel_id: Option<String>,
        now: TimestampMs,
    ) -> Result<(SimOrder, String, UserEvents), ApiError> {
        let spec = self.specs.get(symbol).cloned().ok_or_else(|| ApiError::bad(-1121, "Invalid symbol."))?;
        let account = self.account_mut(acct)?;
        let unknown = || ApiError::bad(-2011, "Unknown order sent.");
        let id = find.find(account, symbol).ok_or_else(unknown)?;
        let mut order = account.orders.get(&id).filter(|o| is_open(o.status)).cloned().ok_or_else(unknown)?;
        let pay = if order.buy { &spec.instrument.quote_asset } else { &spec.instrument.base_asset };
        release(account, pay, &mut order);
        order.status = "CANCELED";
        order.update_time = now;
        account.orders.insert(id, order.clone());
        let cancel_id = cancel_id.unwrap_or_else(|| format!("cancel-{id:015}"));
        let events = vec![
            (acct, execution(&spec, &order, "CANCELED", None, Some(&cancel_id), now)),
            (acct, position(account, &[pay], now)),
        ];
        Ok((order, cancel_id, events))
    }

    /// One order, found by id or client id.
    pub(crate) fn get(&self, acct: usize, symbol: usize, find: &OrderRef) -> Result<SimOrder, ApiError> {
        let account = self.account(acct)?;
        let missing = || ApiError::bad(-2013, "Order does not exist.");
        let id = find.find(account, symbol).ok_or_else(missing)?;
        account.orders.get(&id).cloned().ok_or_else(missing)
    }

    /// Open orders, on one symbol or all.
    pub(crate) fn open_orders(&self, acct: usize, symbol: Option<usize>) -> Result<Vec<SimOrder>, ApiError> {
        let account = self.account(acct)?;
        Ok(account
            .orders
            .values()
            .filter(|o| is_open(o.status) && symbol.is_none_or(|s| s == o.symbol))
            .cloned()
            .collect())
    }

    /// `(asset, free, locked)` of every asset with a balance.
    pub(crate) fn balances(&self, acct: usize) -> Result<Vec<(String, Decimal, Decimal)>, ApiError> {
        let account = self.account(acct)?;
        Ok(account.balances.iter().map(|(a, h)| (a.clone(), h.free, h.locked)).collect())
    }

    /// Fills on `symbol` with trade id ≥ `from_id` (the latest `limit` without one).
    pub(crate) fn fills(
        &self,
        acct: usize,
        symbol: usize,
        from_id: Option<u64>,
        limit: usize,
    ) -> Result<Vec<SimFill>, ApiError> {
        let account = self.account(acct)?;
        let mut fills: Vec<SimFill> = account.fills.iter().filter(|f| f.symbol == symbol).cloned().collect();
        fills.sort_by_key(|f| f.trade_id);
        Ok(match from_id {
            Some(from) => fills.into_iter().filter(|f| f.trade_id >= from).take(limit).collect(),
            None => {
                let skip = fills.len().saturating_sub(limit);
                fills.into_iter().skip(skip).collect()
            }
        })
    }

    /// Triggers the waiting stop-limit orders the market's own trades reached
    /// (each takes what its limit crosses, like a client order, then rests),
    /// then fills every resting order the market has reached, as maker at its
    /// price: a buy once the best ask or a public trade since the last call
    /// (`traded`: per symbol, the lowest and highest trade price) is at or
    /// below its price, a sell once the best bid or a trade is at or above.
    /// Returns the user events and the market events the triggered orders'
    /// trades caused (for the hub to publish).
    pub(crate) fn on_market(
        &mut self,
        market: &mut SimMarket,
        traded: &BTreeMap<usize, (Decimal, Decimal)>,
        now: TimestampMs,
    ) -> (UserEvents, Vec<SimEvent>) {
        // Which resting orders the market reached is settled first, so a stop
        // triggered below is not also filled by the trades that triggered it.
        let mut due = Vec::new();
        for (acct, account) in self.accounts.iter().enumerate() {
            for order in account.orders.values().filter(|o| is_open(o.status) && o.working) {
                let Some((bid, ask)) = market.top_ticks(order.symbol) else { continue };
                let Some(spec) = self.specs.get(order.symbol) else { continue };
                let Some(price) = order.price.checked_div(spec.instrument.tick_size).and_then(|p| p.to_i64())
                else {
                    continue;
                };
                let range = traded.get(&order.symbol);
                let reached = if order.buy {
                    ask.is_some_and(|a| a <= price) || range.is_some_and(|(low, _)| *low <= order.price)
                } else {
                    bid.is_some_and(|b| b >= price) || range.is_some_and(|(_, high)| *high >= order.price)
                };
                if reached {
                    due.push((acct, order.id));
                }
            }
        }
        let (mut events, caused) = self.trigger_stops(market, traded, now);
        for (acct, id) in due {
            events.extend(self.fill_resting(acct, id, market, now));
        }
        (events, caused)
    }

    /// Fills a resting order whole at its own price (tests use it to make a
    /// fill happen while no client is connected). Returns its events.
    pub(crate) fn fill_resting(
        &mut self,
        acct: usize,
        id: u64,
        market: &mut SimMarket,
        now: TimestampMs,
    ) -> UserEvents {
        let Some(account) = self.accounts.get_mut(acct) else { return Vec::new() };
        let Some(mut order) = account.orders.get(&id).filter(|o| is_open(o.status)).cloned() else {
            return Vec::new();
        };
        let Some(spec) = self.specs.get(order.symbol).cloned() else { return Vec::new() };
        let Some(trade_id) = market.next_trade_id(order.symbol) else { return Vec::new() };
        let (price, qty) = (order.price, order.orig_qty.saturating_sub(order.executed));
        let Ok(fill) = book_fill(account, &spec, &mut order, trade_id, price, qty, true, now) else {
            return Vec::new();
        };
        order.status = "FILLED";
        let pay = if order.buy { &spec.instrument.quote_asset } else { &spec.instrument.base_asset };
        release(account, pay, &mut order);
        let assets = [&spec.instrument.base_asset, &spec.instrument.quote_asset];
        let events = vec![
            (acct, execution(&spec, &order, "TRADE", Some(&fill), None, now)),
            (acct, position(account, &assets, now)),
        ];
        account.orders.insert(id, order);
        account.fills.push(fill);
        events
    }

    /// The id of `acct`'s open order with `client_id`.
    pub(crate) fn open_id(&self, acct: usize, client_id: &str) -> Option<u64> {
        let account = self.accounts.get(acct)?;
        account.orders.values().find(|o| o.client_id == client_id && is_open(o.status)).map(|o| o.id)
    }
}

/// An order named by `orderId` or `origClientOrderId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrderRef {
    Id(u64),
    Client(String),
}

impl OrderRef {
    fn find(&self, account: &Account, symbol: usize) -> Option<u64> {
        let matches = |o: &&SimOrder| {
            o.symbol == symbol
                && match self {
                    Self::Id(id) => o.id == *id,
                    Self::Client(c) => &o.client_id == c,
                }
        };
        // The newest order with that client id (Binance allows reuse once filled).
        account.orders.values().rev().find(matches).map(|o| o.id)
    }
}

pub(crate) fn is_open(status: &str) -> bool {
    matches!(status, "NEW" | "PARTIALLY_FILLED")
}

fn move_to_locked(account: &mut Account, asset: &str, amount: Decimal) {
    let h = account.balances.entry(asset.to_owned()).or_default();
    h.free = h.free.saturating_sub(amount);
    h.locked = h.locked.saturating_add(amount);
}

/// Returns what `order` still locks to free.
fn release(account: &mut Account, asset: &str, order: &mut SimOrder) {
    let h = account.balances.entry(asset.to_owned()).or_default();
    h.locked = h.locked.saturating_sub(order.locked);
    h.free = h.free.saturating_add(order.locked);
    order.locked = Decimal::ZERO;
}

/// Books one fill on `order` and the account's balances.
#[allow(clippy::too_many_arguments)] // one fill's facts, each needed once
fn book_fill(
    account: &mut Account,
    spec: &SymbolSpec,
    order: &mut SimOrder,
    trade_id: u64,
    price: Decimal,
    qty: Decimal,
    maker: bool,
    now: TimestampMs,
) -> Result<SimFill, ApiError> {
    let i = &spec.instrument;
    let quote = price.checked_mul(qty).ok_or_else(overflow)?;
    let (pay_asset, pay, get_asset, get) = if order.buy {
        (&i.quote_asset, quote, &i.base_asset, qty)
    } else {
        (&i.base_asset, qty, &i.quote_asset, quote)
    };
    let commission = get.checked_mul(COMMISSION).ok_or_else(overflow)?.round_dp(DP);
    // Spend from the order's lock first (at most what it locked for this fill).
    let from_lock = order.locked.min(pay);
    order.locked = order.locked.saturating_sub(from_lock);
    let h = account.balances.entry(pay_asset.clone()).or_default();
    h.locked = h.locked.saturating_sub(from_lock);
    h.free = h.free.saturating_sub(pay.saturating_sub(from_lock));
    let h = account.balances.entry(get_asset.clone()).or_default();
    h.free = h.free.saturating_add(get.saturating_sub(commission));
    order.executed = order.executed.checked_add(qty).ok_or_else(overflow)?;
    order.cum_quote = order.cum_quote.checked_add(quote).ok_or_else(overflow)?;
    order.status = if order.orig_qty > Decimal::ZERO && order.executed >= order.orig_qty {
        "FILLED"
    } else {
        "PARTIALLY_FILLED"
    };
    order.update_time = now;
    // A resting buy keeps only price × what is left locked: what a better
    // fill price saved is free again at once, as on Binance.
    if order.buy && order.status == "PARTIALLY_FILLED" && order.price > Decimal::ZERO {
        let needed =
            order.price.checked_mul(order.orig_qty.saturating_sub(order.executed)).ok_or_else(overflow)?;
        let excess = order.locked.saturating_sub(needed).max(Decimal::ZERO);
        let h = account.balances.entry(pay_asset.clone()).or_default();
        h.locked = h.locked.saturating_sub(excess);
        h.free = h.free.saturating_add(excess);
        order.locked = order.locked.saturating_sub(excess);
    }
    if order.buy && order.status == "FILLED" {
        let h = account.balances.entry(pay_asset.clone()).or_default();
        h.locked = h.locked.saturating_sub(order.locked);
        h.free = h.free.saturating_add(order.locked);
        order.locked = Decimal::ZERO;
    }
    Ok(SimFill {
        trade_id,
        order_id: order.id,
        symbol: order.symbol,
        price,
        qty,
        commission,
        commission_asset: get_asset.clone(),
        time: now,
        buyer: order.buy,
        maker,
    })
}

/// The value of a walk's `(ticks, lots)` levels in quote; `None` on overflow.
fn walk_value(plan: &[(i64, i64)], tick: Decimal, step: Decimal) -> Option<Decimal> {
    plan.iter().try_fold(Decimal::ZERO, |sum, (t, l)| {
        let px = Decimal::from(*t).checked_mul(tick)?;
        sum.checked_add(px.checked_mul(Decimal::from(*l).checked_mul(step)?)?)
    })
}

/// `outboundAccountPosition` for `assets` of `account`.
fn position(account: &Account, assets: &[&String], now: TimestampMs) -> Value {
    let held: Vec<(&str, Decimal, Decimal)> = assets
        .iter()
        .map(|a| {
            let h = account.balances.get(*a).cloned().unwrap_or_default();
            (a.as_str(), h.free, h.locked)
        })
        .collect();
    user_events::position(&held, now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::Symbol;

    fn setup() -> (Accounts, SimMarket) {
        let spec = SymbolSpec::preset(&Symbol::new("BTCUSDT").unwrap()).unwrap();
        let market = SimMarket::new(7, vec![spec.clone()]).unwrap();
        (Accounts::new(2, &[spec]), market)
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn order(buy: bool, kind: Kind, price: Option<Decimal>, qty: &str) -> NewOrder {
        NewOrder {
            symbol: 0,
            buy,
            kind,
            price,
            qty: Some(d(qty)),
            quote_qty: None,
            client_id: Some("c1".into()),
            stop: None,
        }
    }

    #[test]
    fn a_marketable_limit_fills_at_the_book_and_rests_nothing() {
        let (mut accounts, mut market) = setup();
        let ask = market.top_ticks(0).unwrap().1.unwrap();
        let limit = Decimal::from(ask + 500) * d("0.01");
        let (o, fills, _, caused) = accounts
            .place(0, order(true, Kind::Limit(Tif::Gtc), Some(limit), "0.001"), &mut market, 1)
            .unwrap();
        assert_eq!(o.status, "FILLED");
        assert!(fills.iter().all(|f| f.price < limit && !f.maker));
        assert!(!caused.is_empty(), "the public book changed");
        let usdt = accounts.balances(0).unwrap().into_iter().find(|b| b.0 == "USDT").unwrap();
        assert_eq!(usdt.2, Decimal::ZERO, "nothing stays locked: {usdt:?}");
    }

    #[test]
    fn post_only_that_would_cross_is_refused_and_fok_short_expires_whole() {
        let (mut accounts, mut market) = setup();
        let ask = market.top_ticks(0).unwrap().1.unwrap();
        let crossing = Decimal::from(ask) * d("0.01");
        let err = accounts.place(0, order(true, Kind::LimitMaker, Some(crossing), "0.001"), &mut market, 1);
        assert!(err.is_err());
        let (o, fills, _, _) = accounts
            .place(0, order(true, Kind::Limit(Tif::Fok), Some(crossing), "1"), &mut market, 1)
            .unwrap();
        assert_eq!((o.status, fills.len()), ("EXPIRED", 0));
    }

    #[test]
    fn a_resting_order_locks_then_fills_as_maker_when_forced() {
        let (mut accounts, mut market) = setup();
        let bid = market.top_ticks(0).unwrap().0.unwrap();
        let price = Decimal::from(bid - 1000) * d("0.01");
        let (o, _, _, _) = accounts
            .place(0, order(true, Kind::Limit(Tif::Gtc), Some(price), "0.01"), &mut market, 1)
            .unwrap();
        assert_eq!(o.status, "NEW");
        let usdt = |a: &Accounts| a.balances(0).unwrap().into_iter().find(|b| b.0 == "USDT").unwrap();
        assert_eq!(usdt(&accounts).2, price * d("0.01"));
        let events = accounts.fill_resting(0, o.id, &mut market, 2);
        assert_eq!(events.len(), 2);
        assert_eq!(usdt(&accounts).2, Decimal::ZERO);
        let fills = accounts.fills(0, 0, None, 10).unwrap();
        assert!(fills[0].maker && fills[0].price == price);
    }

    #[test]
    fn hostile_amounts_are_refused_without_panicking() {
        let (mut accounts, mut market) = setup();
        let huge = order(true, Kind::Limit(Tif::Gtc), Some(Decimal::MAX), "0.001");
        assert!(accounts.place(0, huge, &mut market, 1).is_err());
        let big_qty = order(true, Kind::Market, None, "79228162514264337593543950335");
        assert!(accounts.place(0, big_qty, &mut market, 1).is_err());
        let quote =
            NewOrder { quote_qty: Some(Decimal::MAX), qty: None, ..order(true, Kind::Market, None, "1") };
        assert!(accounts.place(0, quote, &mut market, 1).is_err(), "more than the account holds");
    }

    fn usdt(a: &Accounts) -> (Decimal, Decimal) {
        a.balances(0).unwrap().into_iter().find(|b| b.0 == "USDT").map(|b| (b.1, b.2)).unwrap()
    }

    #[test]
    fn a_partly_filled_resting_buy_locks_only_its_price_times_what_is_left() {
        let (mut accounts, mut market) = setup();
        let asks = market.peek_take(0, true, None, TakeBudget::Lots(i64::MAX));
        let (second, lots) = (asks[1].0, asks[0].1 + asks[1].1);
        let limit = Decimal::from(second) * d("0.01");
        let qty = Decimal::from(lots + 100) * d("0.00001");
        let (o, fills, _, _) = accounts
            .place(
                0,
                NewOrder { qty: Some(qty), ..order(true, Kind::Limit(Tif::Gtc), Some(limit), "1") },
                &mut market,
                1,
            )
            .unwrap();
        assert_eq!((o.status, fills.len()), ("PARTIALLY_FILLED", 2));
        let rest = qty - o.executed;
        assert_eq!(rest, d("0.001"));
        let spent: Decimal = fills.iter().map(|f| f.price * f.qty).sum();
        assert!(fills[0].price < limit, "the first level was cheaper than the limit");
        assert_eq!(usdt(&accounts), (Decimal::from(QUOTE_BALANCE) - spent - limit * rest, limit * rest));
    }

    #[test]
    fn a_resting_order_fills_as_maker_when_a_trade_reached_its_price_even_if_the_book_moved_back() {
        let (mut accounts, mut market) = setup();
        let bid = market.top_ticks(0).unwrap().0.unwrap();
        let price = Decimal::from(bid - 500) * d("0.01");
        let (o, _, _, _) = accounts
            .place(0, order(true, Kind::Limit(Tif::Gtc), Some(price), "0.01"), &mut market, 1)
            .unwrap();
        let above = BTreeMap::from([(0, (price + d("0.01"), price + d("50")))]);
        assert!(accounts.on_market(&mut market, &above, 2).0.is_empty(), "no trade at or under its price");
        assert_eq!(accounts.get(0, 0, &OrderRef::Id(o.id)).unwrap().status, "NEW");
        let through = BTreeMap::from([(0, (price - d("0.01"), price + d("50")))]);
        let (events, _) = accounts.on_market(&mut market, &through, 3);
        assert_eq!(events[0].1["x"], "TRADE");
        assert_eq!((events[0].1["m"].as_bool(), events[0].1["X"].as_str()), (Some(true), Some("FILLED")));
        let fill = &accounts.fills(0, 0, None, 10).unwrap()[0];
        assert_eq!((fill.price, fill.qty, fill.maker), (price, d("0.01"), true));
        assert_eq!(usdt(&accounts), (Decimal::from(QUOTE_BALANCE) - price * d("0.01"), Decimal::ZERO));
    }

    #[test]
    fn a_cancel_reports_its_own_id_in_c_and_the_orders_in_big_c() {
        let (mut accounts, mut market) = setup();
        let bid = market.top_ticks(0).unwrap().0.unwrap();
        let price = Decimal::from(bid - 500) * d("0.01");
        accounts.place(0, order(true, Kind::Limit(Tif::Gtc), Some(price), "0.01"), &mut market, 1).unwrap();
        let find = OrderRef::Client("c1".into());
        let (o, cancel_id, events) = accounts.cancel(0, 0, &find, Some("undo".into()), 2).unwrap();
        assert_eq!((o.status, cancel_id.as_str()), ("CANCELED", "undo"));
        assert_eq!((events[0].1["c"].as_str(), events[0].1["C"].as_str()), (Some("undo"), Some("c1")));
        assert_eq!(usdt(&accounts), (Decimal::from(QUOTE_BALANCE), Decimal::ZERO));
        assert!(accounts.cancel(0, 0, &find, None, 3).is_err(), "-2011 the second time");
    }

    #[test]
    fn a_stop_limit_waits_locked_is_refused_if_it_would_trigger_and_triggers_on_a_trade() {
        let (mut accounts, mut market) = setup();
        let (bid, ask) = market.top_ticks(0).unwrap();
        let (bid, ask) = (bid.unwrap(), ask.unwrap());
        let stop_loss = |stop: i64, limit: i64| NewOrder {
            stop: Some((StopKind::StopLoss, Decimal::from(stop) * d("0.01"))),
            ..order(true, Kind::Limit(Tif::Gtc), Some(Decimal::from(limit) * d("0.01")), "0.001")
        };
        let err = accounts.place(0, stop_loss(bid, ask + 500), &mut market, 1).unwrap_err();
        let (_, code, msg) = err.parts();
        assert_eq!((code, msg.as_str()), (-2010, "Stop price would trigger immediately."));
        let (o, fills, events, _) =
            accounts.place(0, stop_loss(ask + 10, ask + 500), &mut market, 1).unwrap();
        assert_eq!((o.status, o.working, fills.len()), ("NEW", false, 0));
        assert_eq!(
            (events[0].1["o"].as_str(), events[0].1["w"].as_bool()),
            (Some("STOP_LOSS_LIMIT"), Some(false))
        );
        let limit = Decimal::from(ask + 500) * d("0.01");
        assert_eq!(usdt(&accounts), (Decimal::from(QUOTE_BALANCE) - limit * d("0.001"), limit * d("0.001")));
        // Another account's buy through the asks trades at the stop: it triggers and takes.
        let walk = NewOrder {
            client_id: Some("c2".into()),
            ..order(true, Kind::Limit(Tif::Ioc), Some(Decimal::from(ask + 20) * d("0.01")), "0.5")
        };
        let (_, _, events, _) = accounts.place(1, walk, &mut market, 2).unwrap();
        assert!(events.iter().any(|(a, e)| *a == 0 && e["x"] == "NEW" && e["w"] == true), "triggered");
        let stop = accounts.get(0, 0, &OrderRef::Id(o.id)).unwrap();
        assert_eq!((stop.status, stop.working), ("FILLED", true));
    }

    #[test]
    fn a_stop_the_markets_own_trades_trigger_takes_from_the_book_as_taker() {
        let (mut accounts, mut market) = setup();
        let (_, ask) = market.top_ticks(0).unwrap();
        let ask = ask.unwrap();
        let stop_loss = NewOrder {
            stop: Some((StopKind::StopLoss, Decimal::from(ask + 10) * d("0.01"))),
            ..order(true, Kind::Limit(Tif::Gtc), Some(Decimal::from(ask + 500) * d("0.01")), "0.001")
        };
        let (o, _, _, _) = accounts.place(0, stop_loss, &mut market, 1).unwrap();
        // A public trade at the stop (the market's own, not a client's).
        let traded =
            BTreeMap::from([(0, (Decimal::from(ask + 10) * d("0.01"), Decimal::from(ask + 10) * d("0.01")))]);
        let (events, caused) = accounts.on_market(&mut market, &traded, 2);
        assert!(events.iter().any(|(_, e)| e["x"] == "NEW" && e["w"] == true), "triggered: {events:?}");
        let stop = accounts.get(0, 0, &OrderRef::Id(o.id)).unwrap();
        assert_eq!(stop.status, "FILLED");
        let fill = &accounts.fills(0, 0, None, 10).unwrap()[0];
        assert!(!fill.maker, "it took from the book: {fill:?}");
        assert_eq!(fill.price, Decimal::from(ask) * d("0.01"), "at the best ask, not at its limit");
        assert!(!caused.is_empty(), "its trade moved the book, for the hub to publish");
    }
}
