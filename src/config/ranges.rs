//! The valid range of every numeric setting, in one table.
//!
//! A limit outside its range is a config error at load, with the line and
//! column of the value (the range is checked while TOML is deserialized, so
//! `toml` reports the span) and the allowed range. Ranges are deliberately
//! finite: an unbounded limit can switch its check off (`stale_after_ms =
//! u64::MAX` never goes stale, `price_band_pct = 100` lets any price pass) or
//! make the engine's arithmetic overflow (balances near `Decimal::MAX`).
//! `vigil config show` prints each setting beside its range from this table,
//! and the binary test walks that printed table to prove each bound is enforced.

use rust_decimal::Decimal;
use serde::Deserialize;

/// An inclusive range `low ..= high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range<T> {
    pub low: T,
    pub high: T,
}

impl<T: PartialOrd + std::fmt::Display + Copy> Range<T> {
    /// `value`, or a sentence naming `key`, the value and the range.
    pub fn check(&self, key: &str, value: T) -> Result<T, String> {
        if self.low <= value && value <= self.high {
            Ok(value)
        } else {
            Err(format!("{key} = {value} is out of range: allowed {self}"))
        }
    }

    /// Deserializes a `T` and checks it, so an error carries the value's position.
    pub fn read<'de, D: serde::Deserializer<'de>>(&self, d: D, key: &str) -> Result<T, D::Error>
    where
        T: Deserialize<'de>,
    {
        self.check(key, T::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Range<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ..= {}", self.low, self.high)
    }
}

/// `lo` (below 2^32) scaled down by `scale` decimal places, as a constant.
const fn dec(lo: u32, scale: u32) -> Decimal {
    Decimal::from_parts(lo, 0, 0, false, scale)
}

/// 10^12: the largest amount of money any setting may name. Far above any
/// account vigil is meant for, and far below where sums of a few such amounts
/// (equity, reservations, notional × fee) could overflow a `Decimal`.
const TRILLION: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);
/// The smallest positive amount: one satoshi.
const SATOSHI: Decimal = dec(1, 8);

const MS_PER_DAY: u64 = 86_400_000;

/// Money limits (notional, loss, budget): one satoshi ..= 10^12.
pub const MONEY: Range<Decimal> = Range { low: SATOSHI, high: TRILLION };
/// A paper balance: 0 ..= 10^12.
pub const BALANCE: Range<Decimal> = Range { low: Decimal::ZERO, high: TRILLION };
/// Price band and slippage: 0.01 % ..= 50 % (a wider band is no check).
pub const BAND_PCT: Range<Decimal> = Range { low: dec(1, 2), high: dec(50, 0) };
/// Concentration and drawdown: 0.0001 % ..= 100 % (a tiny limit is only
/// stricter: a breaker that trips at once is a test's way to see it trip).
pub const SHARE_PCT: Range<Decimal> = Range { low: dec(1, 4), high: dec(100, 0) };
/// Fee rates as fractions: 0 ..= 0.05 (5 %); never negative (a rebate would
/// credit money the exchange never pays).
pub const FEE_RATE: Range<Decimal> = Range { low: Decimal::ZERO, high: dec(5, 2) };
/// Book data older than this is stale: 100 ms ..= 60 s.
pub const STALE_AFTER_MS: Range<u64> = Range { low: 100, high: 60_000 };
/// Duplicate window: 0 (open orders only) ..= 1 day.
pub const DEDUPE_WINDOW_MS: Range<u64> = Range { low: 0, high: MS_PER_DAY };
/// Loss-streak cooldown: 1 s ..= 7 days (0 would be no cooldown at all).
pub const LOSS_COOLDOWN_MS: Range<u64> = Range { low: 1_000, high: 7 * MS_PER_DAY };
/// Clock skew tolerated: 1 ms ..= 60 s (Binance's largest recvWindow).
pub const CLOCK_SKEW_MS: Range<u64> = Range { low: 1, high: 60_000 };
/// Open orders at once: 1 ..= 200 (Binance's MAX_NUM_ORDERS per symbol).
pub const OPEN_ORDERS: Range<u32> = Range { low: 1, high: 200 };
/// Orders per rolling minute: 1 ..= 10000.
pub const ORDERS_PER_MINUTE: Range<u32> = Range { low: 1, high: 10_000 };
/// Orders per rolling 10 s: 1 ..= 1000 (the exchange's own limits are checked apart).
pub const ORDERS_PER_10S: Range<u32> = Range { low: 1, high: 1_000 };
/// Losing trades in a row before the cooldown: 1 ..= 100.
pub const LOSS_STREAK: Range<u32> = Range { low: 1, high: 100 };
/// Book levels kept per side: 1 ..= 1000.
pub const FEED_DEPTH: Range<usize> = Range { low: 1, high: 1_000 };
/// Orders in an autonomous budget: 1 ..= 10000.
pub const AUTONOMY_ORDERS: Range<u32> = Range { low: 1, high: 10_000 };
/// Audit entries between two witness runs: 1 ..= 1000000.
pub const WITNESS_EVERY: Range<u64> = Range { low: 1, high: 1_000_000 };
/// A strategy's proposal expires after: 1 s ..= 1 hour.
pub const PROPOSAL_TTL_MS: Range<i64> = Range { low: 1_000, high: 3_600_000 };
/// A rejected proposal's side and price stay muted for: 0 ..= 1 day.
pub const REJECT_MUTE_MS: Range<i64> = Range { low: 0, high: 86_400_000 };
/// Grid rungs on each side: 1 ..= 50.
pub const GRID_LEVELS: Range<u32> = Range { low: 1, high: 50 };
/// sma-cross sampling interval: 100 ms ..= 1 day.
pub const SMA_SAMPLE_MS: Range<i64> = Range { low: 100, high: 86_400_000 };

/// Every ranged setting as `config show` lists it: section, key, allowed.
/// (Settings whose bound depends on another, such as `sma-cross.fast` below
/// `slow` or the grid's spacing × levels, are checked with their table.)
pub fn table() -> Vec<(&'static str, &'static str, String)> {
    let s = |r: &dyn std::fmt::Display| r.to_string();
    vec![
        ("risk", "stale_after_ms", s(&STALE_AFTER_MS)),
        ("risk", "price_band_pct", s(&BAND_PCT)),
        ("risk", "max_slippage_pct", s(&BAND_PCT)),
        ("risk", "max_order_notional", s(&MONEY)),
        ("risk", "max_position_notional", s(&MONEY)),
        ("risk", "max_concentration_pct", s(&SHARE_PCT)),
        ("risk", "max_open_orders", s(&OPEN_ORDERS)),
        ("risk", "dedupe_window_ms", s(&DEDUPE_WINDOW_MS)),
        ("risk", "max_orders_per_minute", s(&ORDERS_PER_MINUTE)),
        ("risk", "max_orders_per_10s", s(&ORDERS_PER_10S)),
        ("risk", "daily_loss_limit", s(&MONEY)),
        ("risk", "max_drawdown_pct", s(&SHARE_PCT)),
        ("risk", "loss_streak", s(&LOSS_STREAK)),
        ("risk", "loss_cooldown_ms", s(&LOSS_COOLDOWN_MS)),
        ("risk", "max_clock_skew_ms", s(&CLOCK_SKEW_MS)),
        ("risk", "taker_fee_rate", s(&FEE_RATE)),
        ("paper.initial_balances", "*", s(&BALANCE)),
        ("paper.fees", "maker", s(&FEE_RATE)),
        ("paper.fees", "taker", s(&FEE_RATE)),
        ("feed", "depth", s(&FEED_DEPTH)),
        ("feed", "symbols", format!("at most {} symbols", crate::engine::MAX_WATCHED)),
        ("autonomy", "max_orders", s(&AUTONOMY_ORDERS)),
        ("autonomy", "max_notional", s(&MONEY)),
        ("audit", "witness_every", s(&WITNESS_EVERY)),
        ("strategies", "proposal_ttl_ms", s(&PROPOSAL_TTL_MS)),
        ("strategies", "reject_mute_ms", s(&REJECT_MUTE_MS)),
        ("strategies.grid", "levels", s(&GRID_LEVELS)),
        ("strategies.sma-cross", "sample_ms", s(&SMA_SAMPLE_MS)),
        ("network", "https_proxy", "http://HOST:PORT (tunnels https/wss to other hosts)".to_owned()),
    ]
}

/// The allowed range of `section.key`, as `config show` prints it (`*` in
/// the table stands for every key of a section, such as each paper balance).
pub fn allowed(section: &str, key: &str) -> Option<String> {
    table().into_iter().find(|(s, k, _)| *s == section && (*k == key || *k == "*")).map(|(_, _, range)| range)
}

/// Declares `fn $name(d) -> Result<$t, _>` reading `$key` within `$range`,
/// for `#[serde(deserialize_with = "...")]`.
#[macro_export]
#[doc(hidden)]
macro_rules! ranged {
    ($name:ident, $t:ty, $key:literal, $range:expr) => {
        pub(crate) fn $name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
            $range.read(d, $key)
        }
    };
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_constants_are_what_they_say() {
        assert_eq!(TRILLION.to_string(), "1000000000000");
        assert_eq!(MONEY.to_string(), "0.00000001 ..= 1000000000000");
        assert_eq!(BAND_PCT.to_string(), "0.01 ..= 50");
        assert_eq!(FEE_RATE.to_string(), "0 ..= 0.05");
    }

    #[test]
    fn check_names_the_key_value_and_range() {
        let err = BAND_PCT.check("price_band_pct", Decimal::ONE_HUNDRED).unwrap_err();
        assert_eq!(err, "price_band_pct = 100 is out of range: allowed 0.01 ..= 50");
        assert!(BAND_PCT.check("price_band_pct", dec(50, 0)).is_ok());
    }
}
