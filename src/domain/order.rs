use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Symbol, TimestampMs};

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// `BUY`/`SELL`, as the Binance REST API spells it.
    pub fn as_exchange_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        })
    }
}

/// The order types vigil sends. Spot only: no margin or futures types. A
/// stop-limit order is a `Limit` with a [`StopTrigger`] on its intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderType {
    Limit,
    Market,
}

impl fmt::Display for OrderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            OrderType::Limit => "limit",
            OrderType::Market => "market",
        })
    }
}

/// How long a limit order works. Market orders ignore it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TimeInForce {
    /// Good till cancelled: what does not fill at once rests.
    #[default]
    Gtc,
    /// Immediate or cancel: what does not fill at once is cancelled.
    Ioc,
    /// Fill or kill: the whole quantity at once, or nothing.
    Fok,
}

impl fmt::Display for TimeInForce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Gtc => "GTC",
            Self::Ioc => "IOC",
            Self::Fok => "FOK",
        })
    }
}

/// Which way a stop-limit order's trigger faces (Binance `STOP_LOSS_LIMIT`
/// or `TAKE_PROFIT_LIMIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    /// Triggers when the last trade moves against the order: a sell at or
    /// below the stop, a buy at or above it.
    StopLoss,
    /// Triggers when the last trade moves in the order's favour: a sell at or
    /// above the stop, a buy at or below it.
    TakeProfit,
}

impl StopKind {
    /// True when a trade at `last` triggers a `side` order with this stop.
    pub fn triggers(self, side: Side, stop: Decimal, last: Decimal) -> bool {
        match (self, side) {
            (Self::StopLoss, Side::Sell) | (Self::TakeProfit, Side::Buy) => last <= stop,
            (Self::StopLoss, Side::Buy) | (Self::TakeProfit, Side::Sell) => last >= stop,
        }
    }

    /// `STOP_LOSS_LIMIT` / `TAKE_PROFIT_LIMIT`, as the Binance REST API spells it.
    pub fn as_exchange_str(self) -> &'static str {
        match self {
            Self::StopLoss => "STOP_LOSS_LIMIT",
            Self::TakeProfit => "TAKE_PROFIT_LIMIT",
        }
    }
}

impl fmt::Display for StopKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::StopLoss => "stop-limit",
            Self::TakeProfit => "take-profit-limit",
        })
    }
}

/// The trigger of a stop-limit order: it waits, off the book, until a trade
/// at `price` (or beyond, per [`StopKind`]), then works as a limit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StopTrigger {
    pub kind: StopKind,
    pub price: Decimal,
}

/// Who asked for an order. Recorded in the audit log beside every decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "name")]
pub enum Origin {
    /// Typed by a person (TUI ticket or `vigil order place`).
    Manual,
    /// Proposed by the named strategy.
    Strategy(String),
    /// Found open at the exchange by reconciliation: placed outside vigil (or
    /// by another program). Shown and counted in exposure, never managed.
    External,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Manual => f.pad("manual"),
            Origin::Strategy(name) => f.pad(&format!("strategy:{name}")),
            Origin::External => f.pad("external"),
        }
    }
}

/// What someone wants to trade, before the gate has looked at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderIntent {
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub qty: Decimal,
    /// Required for limit orders, ignored for market orders.
    pub price: Option<Decimal>,
    pub origin: Origin,
    /// Limit orders: how long the order works (orders stored before it existed are GTC).
    #[serde(default)]
    pub tif: TimeInForce,
    /// Limit orders: only ever rest (maker); refused if it would take (Binance `LIMIT_MAKER`).
    #[serde(default)]
    pub post_only: bool,
    /// Market orders by quote amount (Binance `quoteOrderQty`): spend (buy)
    /// or receive (sell) this much quote. `qty` is then the base quantity the
    /// book offered for it when the order was proposed, which the gate checks.
    #[serde(default)]
    pub quote_qty: Option<Decimal>,
    /// Limit orders: wait for this trigger before working (a stop-limit or
    /// take-profit-limit order). Orders stored before it existed have none.
    #[serde(default)]
    pub stop: Option<StopTrigger>,
}

/// Engine-assigned order id, unique within one data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub u64);

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Order lifecycle. `PendingConfirmation` exists only in confirm mode; the
/// terminal states are `Filled`, `Cancelled` and `Rejected`. A stop-limit
/// order is `AwaitingTrigger` once accepted until its trigger trades (open:
/// it holds its reservation), then `Submitted` like any limit order.
///
/// On the live venue an order is `Submitting` (stored before the request
/// leaves), then `Submitted` once the exchange acknowledged it; when the
/// request's outcome is not known (timeout, lost connection, 5xx, -1007) it is
/// `Unknown` until a query by its client id or the user data stream says what
/// happened. All three are open: they keep their reservation and count
/// against every limit, because the exchange may be working them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingConfirmation,
    Submitting,
    Unknown,
    Submitted,
    AwaitingTrigger,
    PartiallyFilled,
    Filled,
    Cancelled,
    Rejected,
}

impl OrderStatus {
    /// True while the order can still trade (and so holds a balance reservation).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Submitting
                | Self::Unknown
                | Self::Submitted
                | Self::AwaitingTrigger
                | Self::PartiallyFilled
        )
    }

    /// True once nothing more can happen to the order.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Filled | Self::Cancelled | Self::Rejected)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::PendingConfirmation => "pending",
            Self::Submitting => "submitting",
            Self::Unknown => "unknown",
            Self::Submitted => "submitted",
            Self::AwaitingTrigger => "untriggered",
            Self::PartiallyFilled => "partial",
            Self::Filled => "filled",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
        })
    }
}

/// An order the engine knows about, in any state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    /// Idempotency key sent as `newClientOrderId` (`^[a-zA-Z0-9-_]{1,36}$`).
    pub client_id: String,
    /// The exchange's `orderId`, once the live venue has reported it.
    #[serde(default)]
    pub venue_order_id: Option<u64>,
    pub intent: OrderIntent,
    pub status: OrderStatus,
    pub filled_qty: Decimal,
    /// Quote spent (buy) or received (sell) so far, before fees.
    pub filled_quote: Decimal,
    /// Profit or loss its fills realized, net of fees (sells; zero for buys,
    /// whose fees go into the position's cost). A sell that closes below
    /// zero is a losing trade for the loss streak.
    #[serde(default)]
    pub realized_pnl: Decimal,
    pub created_ms: TimestampMs,
    pub updated_ms: TimestampMs,
    /// Why the order was rejected or cancelled, for the screen and the audit log.
    pub reason: Option<String>,
}

impl Order {
    /// Quantity still to fill.
    pub fn remaining_qty(&self) -> Decimal {
        self.intent.qty.saturating_sub(self.filled_qty).max(Decimal::ZERO)
    }

    /// Volume-weighted average fill price, if anything filled.
    pub fn avg_fill_price(&self) -> Option<Decimal> {
        self.filled_quote.checked_div(self.filled_qty)
    }
}

/// Maker (rested on the book) or taker (crossed the spread): decides the fee rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Liquidity {
    Maker,
    Taker,
}

/// One execution against an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub order_id: OrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub price: Decimal,
    pub qty: Decimal,
    /// Fee charged, in `fee_asset`.
    pub fee: Decimal,
    pub fee_asset: String,
    pub liquidity: Liquidity,
    pub ts_ms: TimestampMs,
    /// The exchange's trade id (live fills): a fill is booked once per trade id,
    /// however often the user data stream and reconciliation report it.
    #[serde(default)]
    pub trade_id: Option<u64>,
}
