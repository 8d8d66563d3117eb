//! Risk limits: the `[risk]` section of the config file. Defaults are
//! deliberately conservative (small notional, tight bands, a halting breaker):
//! an operator loosens them knowingly, never by accident.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::config::ranges::{self, Range};
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
    #[serde(deserialize_with = "de::stale_after_ms")]
    pub stale_after_ms: u64,
    /// A limit price may deviate at most this many percent from mid (`price_band`), inclusive.
    #[serde(deserialize_with = "de::price_band_pct")]
    pub price_band_pct: Decimal,
    /// A market order's average fill price (walking the book) may deviate at most
    /// this many percent from mid (`price_band`), inclusive.
    #[serde(deserialize_with = "de::max_slippage_pct")]
    pub max_slippage_pct: Decimal,
    /// Largest notional of one order (`max_order_notional`), inclusive.
    #[serde(deserialize_with = "de::max_order_notional")]
    pub max_order_notional: Decimal,
    /// Largest position notional per symbol after the order and open buys fill
    /// (`max_position`), inclusive.
    #[serde(deserialize_with = "de::max_position_notional")]
    pub max_position_notional: Decimal,
    /// Largest weight of one base asset in equity after the order, in percent
    /// (`concentration`), inclusive.
    #[serde(deserialize_with = "de::max_concentration_pct")]
    pub max_concentration_pct: Decimal,
    /// Most orders open at once, this one included (`max_open_orders`).
    #[serde(deserialize_with = "de::max_open_orders")]
    pub max_open_orders: u32,
    /// An identical order (symbol, side, quantity, price) sent less than this many
    /// milliseconds ago is a duplicate (`duplicate_order`). 0 checks open orders only.
    #[serde(deserialize_with = "de::dedupe_window_ms")]
    pub dedupe_window_ms: u64,
    /// Most orders sent in any rolling 60 s, this one included (`order_rate`).
    #[serde(deserialize_with = "de::max_orders_per_minute")]
    pub max_orders_per_minute: u32,
    /// Most orders sent in any rolling 10 s, this one included (`order_rate`);
    /// keeps vigil well under Binance's own ORDERS limit of 100 per 10 s.
    #[serde(deserialize_with = "de::max_orders_per_10s")]
    pub max_orders_per_10s: u32,
    /// Today's realized + unrealized loss at which the breaker trips, as a positive
    /// amount (`daily_loss_limit`); a loss equal to the limit trips it.
    #[serde(deserialize_with = "de::daily_loss_limit")]
    pub daily_loss_limit: Decimal,
    /// Equity drawdown from peak, in percent, at which the breaker trips
    /// (`drawdown_breaker`); a drawdown equal to the limit trips it.
    #[serde(deserialize_with = "de::max_drawdown_pct")]
    pub max_drawdown_pct: Decimal,
    /// What a tripped daily-loss or drawdown breaker does: `reducing` or `halted`.
    pub breaker_action: BreakerAction,
    /// This many losing trades in a row start a cooldown (`loss_streak_cooldown`).
    #[serde(deserialize_with = "de::loss_streak")]
    pub loss_streak: u32,
    /// Cooldown after the streak's last loss, in milliseconds; orders that increase
    /// exposure are refused until it has fully elapsed.
    #[serde(deserialize_with = "de::loss_cooldown_ms")]
    pub loss_cooldown_ms: u64,
    /// Largest tolerated difference between the local clock and exchange server
    /// time, in milliseconds (`clock_skew`, live only), inclusive.
    #[serde(deserialize_with = "de::max_clock_skew_ms")]
    pub max_clock_skew_ms: u64,
    /// Taker fee rate assumed when reserving quote for a buy (0.001 = 0.1%), used
    /// when the venue has not reported the account's own rate.
    #[serde(deserialize_with = "de::taker_fee_rate")]
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
    pub rule: String,
}

impl Limits {
    /// Rejects limits outside their documented ranges (`config::ranges`; the
    /// config file is checked against the same table while it is read, with
    /// line and column) and an empty allowlist.
    pub fn validate(&self) -> Result<(), LimitsError> {
        if self.symbol_allowlist.is_empty() {
            return Err(LimitsError {
                field: "symbol_allowlist",
                value: "[]".to_owned(),
                rule: "list at least one symbol, such as \"BTCUSDT\"".to_owned(),
            });
        }
        check("stale_after_ms", ranges::STALE_AFTER_MS, self.stale_after_ms)?;
        check("price_band_pct", ranges::BAND_PCT, self.price_band_pct)?;
        check("max_slippage_pct", ranges::BAND_PCT, self.max_slippage_pct)?;
        check("max_order_notional", ranges::MONEY, self.max_order_notional)?;
        check("max_position_notional", ranges::MONEY, self.max_position_notional)?;
        check("max_concentration_pct", ranges::SHARE_PCT, self.max_concentration_pct)?;
        check("max_open_orders", ranges::OPEN_ORDERS, self.max_open_orders)?;
        check("dedupe_window_ms", ranges::DEDUPE_WINDOW_MS, self.dedupe_window_ms)?;
        check("max_orders_per_minute", ranges::ORDERS_PER_MINUTE, self.max_orders_per_minute)?;
        check("max_orders_per_10s", ranges::ORDERS_PER_10S, self.max_orders_per_10s)?;
        check("daily_loss_limit", ranges::MONEY, self.daily_loss_limit)?;
        check("max_drawdown_pct", ranges::SHARE_PCT, self.max_drawdown_pct)?;
        check("loss_streak", ranges::LOSS_STREAK, self.loss_streak)?;
        check("loss_cooldown_ms", ranges::LOSS_COOLDOWN_MS, self.loss_cooldown_ms)?;
        check("max_clock_skew_ms", ranges::CLOCK_SKEW_MS, self.max_clock_skew_ms)?;
        check("taker_fee_rate", ranges::FEE_RATE, self.taker_fee_rate)?;
        Ok(())
    }

    /// The fee rate a reservation assumes: the venue's own when known, else the configured one.
    /// A negative reported rate (a rebate) is ignored: a reservation never shrinks below notional.
    pub fn fee_rate(&self, reported: Option<Decimal>) -> Decimal {
        reported.filter(|r| !r.is_sign_negative()).unwrap_or(self.taker_fee_rate)
    }
}

fn check<T: PartialOrd + std::fmt::Display + Copy>(
    field: &'static str,
    range: Range<T>,
    value: T,
) -> Result<(), LimitsError> {
    range.check(field, value).map(drop).map_err(|_| LimitsError {
        field,
        value: value.to_string(),
        rule: format!("must lie in {range}"),
    })
}

/// The `[risk]` fields' range-checked readers.
mod de {
    use rust_decimal::Decimal;

    use crate::config::ranges;

    crate::ranged!(stale_after_ms, u64, "stale_after_ms", ranges::STALE_AFTER_MS);
    crate::ranged!(price_band_pct, Decimal, "price_band_pct", ranges::BAND_PCT);
    crate::ranged!(max_slippage_pct, Decimal, "max_slippage_pct", ranges::BAND_PCT);
    crate::ranged!(max_order_notional, Decimal, "max_order_notional", ranges::MONEY);
    crate::ranged!(max_position_notional, Decimal, "max_position_notional", ranges::MONEY);
    crate::ranged!(max_concentration_pct, Decimal, "max_concentration_pct", ranges::SHARE_PCT);
    crate::ranged!(max_open_orders, u32, "max_open_orders", ranges::OPEN_ORDERS);
    crate::ranged!(dedupe_window_ms, u64, "dedupe_window_ms", ranges::DEDUPE_WINDOW_MS);
    crate::ranged!(max_orders_per_minute, u32, "max_orders_per_minute", ranges::ORDERS_PER_MINUTE);
    crate::ranged!(max_orders_per_10s, u32, "max_orders_per_10s", ranges::ORDERS_PER_10S);
    crate::ranged!(daily_loss_limit, Decimal, "daily_loss_limit", ranges::MONEY);
    crate::ranged!(max_drawdown_pct, Decimal, "max_drawdown_pct", ranges::SHARE_PCT);
    crate::ranged!(loss_streak, u32, "loss_streak", ranges::LOSS_STREAK);
    crate::ranged!(loss_cooldown_ms, u64, "loss_cooldown_ms", ranges::LOSS_COOLDOWN_MS);
    crate::ranged!(max_clock_skew_ms, u64, "max_clock_skew_ms", ranges::CLOCK_SKEW_MS);
    crate::ranged!(taker_fee_rate, Decimal, "taker_fee_rate", ranges::FEE_RATE);
}
