//! What the gate reads: a borrowed view of the engine's state at the moment an
//! order is evaluated. The engine builds one inside its actor, so every check
//! sees the same consistent state, and nothing here is cloned per order.

use rust_decimal::Decimal;

use crate::domain::{
    Approval, Balance, Instrument, Order, Position, Side, Symbol, TimestampMs, TradingState, Venue,
};
use crate::domain::{FeedState, Level};

/// What arms a live venue. Paper ignores it (paper is always armed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveArming {
    /// The keystore is unlocked in this session.
    pub keystore_unlocked: bool,
    /// `vigil demo --venue live`: the embedded simulator's public test key,
    /// which needs no keystore (it opens no real account).
    pub test_key: bool,
    /// The API key was verified against the exchange (`keys verify` semantics).
    pub key_verified: bool,
    /// The venue is reconciling open orders and balances after a (re)connect.
    pub reconciling: bool,
}

/// What is left of the budget granted when autonomous mode was armed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetLeft {
    pub orders: u32,
    /// Quote notional still allowed.
    pub notional: Decimal,
}

/// The restrictions the exchange reports for the API key in use
/// (Binance `GET /sapi/v1/account/apiRestrictions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyPermissions {
    /// `enableSpotAndMarginTrading`: needed to place spot orders.
    pub can_trade: bool,
    /// `enableWithdrawals`: a key that can withdraw is refused outright.
    pub can_withdraw: bool,
    /// `enableInternalTransfer` or `permitsUniversalTransfer`: moves funds between accounts.
    pub can_transfer: bool,
    /// `enableMargin`, `enableFutures`, `enableVanillaOptions` or portfolio margin:
    /// vigil never uses them; a key that has them is more than it needs.
    pub can_leverage: bool,
}

/// The exchange's own request and order limits as the live venue last saw
/// them: `(used, limit)` pairs from the rate-limit headers, and a pause the
/// exchange imposed with a 429 or 418.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExchangeUsage<'a> {
    /// Submissions paused: ms left and the exchange's words.
    pub paused: Option<(u64, &'a str)>,
    pub weight_1m: Option<(u32, u32)>,
    pub orders_10s: Option<(u32, u32)>,
    pub orders_1d: Option<(u32, u32)>,
}

/// The feed's health for the symbol being traded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedView {
    pub state: FeedState,
    /// When the book for the symbol last changed (local receipt time).
    pub last_update_ms: Option<TimestampMs>,
}

/// An order recently sent to a venue, kept for the dedupe window and the rate limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Decimal,
    /// Limit price; `None` for market orders.
    pub price: Option<Decimal>,
    pub ts_ms: TimestampMs,
}

/// Everything the 21 checks read. Built by the engine for the intent's symbol.
#[derive(Debug, Clone, Copy)]
pub struct RiskSnapshot<'a> {
    pub venue: Venue,
    pub approval: Approval,
    pub trading_state: TradingState,
    /// The operator's kill switch. Halts trading regardless of `trading_state`.
    pub kill_switch: bool,
    pub live: LiveArming,
    /// `Some` in autonomous mode; `None` means no budget was granted.
    pub autonomy: Option<BudgetLeft>,
    /// Exchange info for the intent's symbol, `None` when the exchange does not list it.
    pub instrument: Option<&'a Instrument>,
    pub feed: FeedView,
    /// Best bids, best first (descending price).
    pub bids: &'a [Level],
    /// Best asks, best first (ascending price).
    pub asks: &'a [Level],
    /// The symbol's last public trade price: what a stop-limit's trigger is
    /// compared with (the mid when no trade has been seen yet).
    pub last_price: Option<Decimal>,
    /// Balance per asset; an asset not listed holds nothing.
    pub balances: &'a [(String, Balance)],
    pub positions: &'a [Position],
    /// Orders the engine knows; only those with an open status count.
    pub open_orders: &'a [Order],
    /// Orders sent recently (at least the last minute), any order.
    pub recent_submissions: &'a [Submission],
    /// Account value in the quote asset (balances marked to mid).
    pub equity: Decimal,
    /// Highest equity seen since the breaker was last reset.
    pub peak_equity: Decimal,
    pub realized_pnl_today: Decimal,
    pub unrealized_pnl: Decimal,
    /// Losing trades in a row, reset by a winning trade.
    pub losing_streak: u32,
    pub last_loss_ms: Option<TimestampMs>,
    /// Local clock minus exchange server time; `None` until the first sync (live).
    pub clock_skew_ms: Option<i64>,
    /// `None` until the key's restrictions were read (live).
    pub key_permissions: Option<KeyPermissions>,
    /// The exchange's rate limits as last reported (live; `None` on paper).
    pub exchange: Option<ExchangeUsage<'a>>,
    /// The account's actual taker fee rate when the venue reported it; else the
    /// configured `taker_fee_rate` is used.
    pub fee_rate: Option<Decimal>,
}

impl RiskSnapshot<'_> {
    /// The balance of `asset`, zero when none is held.
    pub fn balance(&self, asset: &str) -> Balance {
        self.balances.iter().find(|(a, _)| a == asset).map(|(_, b)| b.clone()).unwrap_or_default()
    }

    /// The position in `symbol`, if any.
    pub fn position(&self, symbol: &Symbol) -> Option<&Position> {
        self.positions.iter().find(|p| &p.symbol == symbol)
    }

    /// Mid price when both sides of the book have a level.
    pub fn mid(&self) -> Option<Decimal> {
        let bid = self.bids.first()?.price;
        let ask = self.asks.first()?.price;
        bid.checked_add(ask)?.checked_div(Decimal::TWO)
    }
}
