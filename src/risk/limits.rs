//! Risk limits: the `[risk]` section of the config file. Defaults are
//! deliberately conservative (small notional, tight bands, a halting breaker):
//! an operator loosens them knowingly, never by accident.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Symbol, TradingState};

/// What a tripped breaker (daily loss, drawdown) does to trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BreakerAction {
    /// Only orders that shrink a position pass (spot: sells of what is held).
    Reducing,
    /// New orders are refused; cancels still go through.
    Halted,
}

impl BreakerAction {
    /// The trading state the engine switches to when a breaker trips.
    pub fn target_state(self) -> TradingState {
        match self {
            Self::Reducing => TradingState::Reducing,
            Self::Halted => TradingState::Halted,
        }
    }
}

/// Pre-trade limits. Money amounts are in the quote asset of the symbol traded
/// (vigil values an account in one quote asset, such as USDT); percentages are
/// written as percent (`5` means 5%). Write decimals as strings (`"0.5"`) to keep
/// them exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Symbols that may be traded at all (`symbol_allowed`). Must not be empty.
    pub symbol_allowlist: Vec<Symbol>,
    /// Book data older than this many milliseconds is stale (`market_data_fresh`);
    /// an update exactly this old still passes.
    pub stale_after_ms: u64,
    /// A limit price may deviate at most this many percent from mid (`price_band`), inclusive.
    pub price_band_pct: Decimal,
    /// A market order's average fill price (walking the book) may deviate at most
    /// this many percent from mid (`price_band`), inclusive.
    pub max_slippage_pct: Decimal,
    /// Largest notional of one order (`max_order_notional`), inclusive.
    pub max_order_notional: Decimal,
    /// Largest position notional per symbol after the order and open buys fill
    /// (`max_position`), inclusive.
    pub max_position_notional: Decimal,
    /// Largest weight of one base asset in equity after the order, in percent
    /// (`concentration`), inclusive.
    pub max_concentration_pct: Decimal,
    /// Most orders open at once, this one included (`max_open_orders`).
    pub max_open_orders: u32,
    /// An identical order (symbol, side, quantity, price) sent less than this many
    /// milliseconds ago is a duplicate (`duplicate_order`). 0 checks open orders only.
    pub dedupe_window_ms: u64,
    /// Most orders sent in any rolling 60 s, this one included (`order_rate`).
    pub max_orders_per_minute: u32,
    /// Most orders sent in any rolling 10 s, this one included (`order_rate`);
    /// keeps vigil well under Binance's own ORDERS limit of 100 per 10 s.
    pub max_orders_per_10s: u32,
    /// Today's realized + unrealized loss at which the breaker trips, as a positive
    /// amount (`daily_loss_limit`); a loss equal to the limit trips it.
    pub daily_loss_limit: Decimal,
    /// Equity drawdown from peak, in percent, at which the breaker trips
    /// (`drawdown_breaker`); a drawdown equal to the limit trips it.
    pub max_drawdown_pct: Decimal,
    /// What a tripped daily-loss or drawdown breaker does: `reducing` or `halted`.
    pub breaker_action: BreakerAction,
    /// This many losing trades in a row start a cooldown (`loss_streak_cooldown`).
    pub loss_streak: u32,
    /// Cooldown after the streak's last loss, in milliseconds; orders that increase
    /// exposure are refused until it has fully elapsed.
    pub loss_cooldown_ms: u64,
    /// Largest tolerated difference between the local clock and exchange server
    /// time, in milliseconds (`clock_skew`, live only), inclusive.
    pub max_clock_skew_ms: u64,
    /// Taker fee rate assumed when reserving quote for a buy (0.001 = 0.1%), used
    /// when the venue has not reported the account's own rate.
    pub taker_fee_rate: Decimal,
}

impl Default for Limits {
    fn default() -> Self {
        let allow = ["BTCUSDT", "ETHUSDT"].iter().filter_map(|s| Symbol::new(s).ok()).collect();
        Self {
            symbol_allowlist: allow,
            stale_after_ms: 3_000,
            price_band_pct: Decimal::new(5, 0),
            max_slippage_pct: Decimal::new(5, 1),
            max_order_notional: Decimal::new(1_000, 0),
            max_position_notional: Decimal::new(5_000, 0),
            max_concentration_pct: Decimal::new(50, 0),
            max_open_orders: 10,
            dedupe_window_ms: 5_000,
            max_orders_per_minute: 20,
            max_orders_per_10s: 5,
            daily_loss_limit: Decimal::new(200, 0),
            max_drawdown_pct: Decimal::new(10, 0),
            breaker_action: BreakerAction::Halted,
            loss_streak: 4,
            loss_cooldown_ms: 30 * 60 * 1_000,
            max_clock_skew_ms: 1_000,
            taker_fee_rate: Decimal::new(1, 3),
        }
    }
}

/// A limit that makes no sense, named by its config key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid risk limit {field} = {value}: {rule}")]
pub struct LimitsError {
    pub field: &'static str,
    pub value: String,
    pub rule: &'static str,
}

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

impl Limits {
    /// Rejects limits that cannot be meant: negative amounts, percentages outside
    /// (0, 100], zero counts, an empty allowlist, a fee rate of 10% or more.
    pub fn validate(&self) -> Result<(), LimitsError> {
        if self.symbol_allowlist.is_empty() {
            return Err(err("symbol_allowlist", "[]", "list at least one symbol, such as \"BTCUSDT\""));
        }
        positive_int("stale_after_ms", self.stale_after_ms)?;
        percent("price_band_pct", self.price_band_pct)?;
        percent("max_slippage_pct", self.max_slippage_pct)?;
        positive("max_order_notional", self.max_order_notional)?;
        positive("max_position_notional", self.max_position_notional)?;
        percent("max_concentration_pct", self.max_concentration_pct)?;
        positive_int("max_open_orders", self.max_open_orders.into())?;
        positive_int("max_orders_per_minute", self.max_orders_per_minute.into())?;
        positive_int("max_orders_per_10s", self.max_orders_per_10s.into())?;
        positive("daily_loss_limit", self.daily_loss_limit)?;
        percent("max_drawdown_pct", self.max_drawdown_pct)?;
        positive_int("loss_streak", self.loss_streak.into())?;
        positive_int("max_clock_skew_ms", self.max_clock_skew_ms)?;
        if self.taker_fee_rate.is_sign_negative() || self.taker_fee_rate >= Decimal::new(1, 1) {
            let value = self.taker_fee_rate.to_string();
            return Err(err("taker_fee_rate", &value, "must be at least 0 and below 0.1 (0.001 means 0.1%)"));
        }
        Ok(())
    }

    /// The fee rate a reservation assumes: the venue's own when known, else the configured one.
    /// A negative reported rate (a rebate) is ignored: a reservation never shrinks below notional.
    pub fn fee_rate(&self, reported: Option<Decimal>) -> Decimal {
        reported.filter(|r| !r.is_sign_negative()).unwrap_or(self.taker_fee_rate)
    }
}

fn err(field: &'static str, value: &str, rule: &'static str) -> LimitsError {
    LimitsError { field, value: value.to_owned(), rule }
}

fn positive(field: &'static str, value: Decimal) -> Result<(), LimitsError> {
    if value > Decimal::ZERO { Ok(()) } else { Err(err(field, &value.to_string(), "must be greater than 0")) }
}

fn positive_int(field: &'static str, value: u64) -> Result<(), LimitsError> {
    if value > 0 { Ok(()) } else { Err(err(field, "0", "must be at least 1")) }
}

fn percent(field: &'static str, value: Decimal) -> Result<(), LimitsError> {
    if value > Decimal::ZERO && value <= HUNDRED {
        Ok(())
    } else {
        Err(err(field, &value.to_string(), "must be a percentage above 0 and at most 100"))
    }
}
