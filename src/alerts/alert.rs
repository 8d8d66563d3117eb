//! One alert as it leaves vigil: a JSON object a script or a chat webhook
//! can read without knowing vigil. Built only from the engine's read model
//! (fills, controls, feed state, the event tail), which holds no secret: no
//! key, passphrase, TOTP code or signature can end up in an alert.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{Fill, Liquidity, Side, Symbol, TimestampMs, Venue};

/// What happened. The names are a contract: scripts filter on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// An order was (partly) filled.
    Fill,
    /// A breaker (daily loss, drawdown) halted trading or made it reduce-only.
    Breaker,
    /// A person engaged the kill switch.
    KillSwitch,
    /// Trading was halted by anyone else: the engine (a storage failure),
    /// the exchange, or a restart ("unclean shutdown", a record that could not be read).
    Halt,
    /// A halt or reduce-only state was lifted: trading is active again.
    Released,
    /// The market data connection has been down for the configured grace.
    FeedDown,
    /// It is back, after a `feed_down`.
    FeedUp,
    /// Autonomous mode spent its budget and fell back to confirm mode.
    BudgetSpent,
}

/// The facts behind an alert, per kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Detail {
    Fill {
        order: u64,
        symbol: Symbol,
        side: Side,
        qty: Decimal,
        price: Decimal,
        fee: Decimal,
        fee_asset: String,
        liquidity: Liquidity,
    },
    Controls {
        /// `halted`, `reducing`, `storage_failed`, or `active` once released.
        state: String,
        /// Who acted (`person`, `breaker:drawdown_breaker`, `restart`, …); empty when released.
        actor: String,
        /// Why, in the engine's words (e.g. "unclean shutdown").
        why: String,
    },
    Feed {
        feed: String,
        state: String,
        detail: String,
    },
    Budget {
        max_orders: u32,
        max_notional: Decimal,
    },
}

/// One alert: its kind, the engine's time, a sentence for a person, and the facts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    /// The engine's clock when the snapshot that showed it was built.
    pub ts_ms: TimestampMs,
    pub venue: Option<Venue>,
    /// One sentence, complete on its own (a phone notification shows only this).
    pub text: String,
    pub detail: Detail,
}

impl Alert {
    /// The alert for one fill, at the fill's own time.
    pub fn fill(fill: &Fill, venue: Option<Venue>) -> Self {
        let text = format!(
            "filled: {} {} {} at {} (order #{}), fee {} {}",
            fill.side,
            fill.qty.normalize(),
            fill.symbol,
            fill.price.normalize(),
            fill.order_id,
            fill.fee.normalize(),
            fill.fee_asset
        );
        let detail = Detail::Fill {
            order: fill.order_id.0,
            symbol: fill.symbol.clone(),
            side: fill.side,
            qty: fill.qty,
            price: fill.price,
            fee: fill.fee,
            fee_asset: fill.fee_asset.clone(),
            liquidity: fill.liquidity,
        };
        Self { kind: AlertKind::Fill, ts_ms: fill.ts_ms, venue, text, detail }
    }
}

/// What is sent: the alert, plus how many alerts this destination lost
/// before it because its queue was full (the oldest are dropped first).
#[derive(Debug, Serialize)]
pub struct Payload<'a> {
    pub source: &'static str,
    #[serde(flatten)]
    pub alert: &'a Alert,
    pub dropped_before: u64,
}

impl<'a> Payload<'a> {
    pub fn new(alert: &'a Alert, dropped_before: u64) -> Self {
        Self { source: "vigil", alert, dropped_before }
    }
}
