//! The simulator's request and order limits, counted the way Binance counts
//! them and reported in the same headers: request weight per rolling minute
//! (per IP; one server here), orders per 10 s and per day (per account).
//! The limits are Binance spot's published ones; going over one is refused
//! with HTTP 429, -1003 (weight) or -1015 (orders) and `Retry-After` set to
//! the seconds until the window has room again.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use crate::domain::TimestampMs;

/// Binance spot's published limits (exchangeInfo `rateLimits`).
pub const WEIGHT_PER_MINUTE: u32 = 6_000;
pub const ORDERS_PER_10S: u32 = 100;
pub const ORDERS_PER_DAY: u32 = 200_000;

const MINUTE_MS: i64 = 60_000;
const TEN_SECONDS_MS: i64 = 10_000;
const DAY_MS: i64 = 86_400_000;

/// What the limits said about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub weight_1m: u32,
    /// For orders: the account's count in the 10 s and day windows.
    pub orders: Option<(u32, u32)>,
}

/// A request refused for a limit: the counts it would have made, Binance's
/// code and message, and how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub counts: Counts,
    pub code: i32,
    pub msg: String,
    pub retry_after_s: u64,
}

/// Whole seconds from `now` until `oldest` is `window` old (at least 1).
fn wait_s(now: TimestampMs, oldest: Option<TimestampMs>, window: i64) -> u64 {
    let ms = oldest.map_or(0, |t| t.saturating_add(window).saturating_sub(now));
    u64::try_from(ms.saturating_add(999) / 1000).unwrap_or(1).max(1)
}

#[derive(Debug, Default)]
struct Windows {
    weight: VecDeque<(TimestampMs, u32)>,
    orders: BTreeMap<usize, VecDeque<TimestampMs>>,
}

/// Rolling counters, shared by every handler.
#[derive(Debug, Default)]
pub(crate) struct Usage(Mutex<Windows>);

impl Usage {
    /// Charges `weight` (and, with `order_of`, one order of that account) at
    /// `now`. `Err` if a limit would be exceeded: nothing is charged then.
    pub(crate) fn charge(
        &self,
        now: TimestampMs,
        weight: u32,
        order_of: Option<usize>,
    ) -> Result<Counts, Refusal> {
        let mut w = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        while w.weight.front().is_some_and(|(t, _)| now.saturating_sub(*t) >= MINUTE_MS) {
            w.weight.pop_front();
        }
        let used: u32 = w.weight.iter().map(|(_, n)| n).sum();
        let weight_1m = used.saturating_add(weight);
        let orders = order_of.map(|acct| {
            let list = w.orders.entry(acct).or_default();
            while list.front().is_some_and(|t| now.saturating_sub(*t) >= DAY_MS) {
                list.pop_front();
            }
            let ten = list.iter().filter(|t| now.saturating_sub(**t) < TEN_SECONDS_MS).count();
            let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).saturating_add(1);
            (count(ten), count(list.len()))
        });
        let counts = Counts { weight_1m, orders };
        if weight_1m > WEIGHT_PER_MINUTE {
            return Err(Refusal {
                counts,
                code: -1003,
                msg: format!(
                    "Too much request weight used; current limit is {WEIGHT_PER_MINUTE} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."
                ),
                retry_after_s: wait_s(now, w.weight.front().map(|(t, _)| *t), MINUTE_MS),
            });
        }
        if let (Some((ten, day)), Some(acct)) = (orders, order_of) {
            let list = w.orders.get(&acct);
            let (limit, per, window, oldest) = if ten > ORDERS_PER_10S {
                let in_ten = list.and_then(|l| l.iter().find(|t| now.saturating_sub(**t) < TEN_SECONDS_MS));
                (ORDERS_PER_10S, "10 SECOND", TEN_SECONDS_MS, in_ten.copied())
            } else {
                (ORDERS_PER_DAY, "1 DAY", DAY_MS, list.and_then(|l| l.front().copied()))
            };
            if ten > ORDERS_PER_10S || day > ORDERS_PER_DAY {
                return Err(Refusal {
                    counts,
                    code: -1015,
                    msg: format!("Too many new orders; current limit is {limit} orders per {per}."),
                    retry_after_s: wait_s(now, oldest, window),
                });
            }
        }
        w.weight.push_back((now, weight));
        if let Some(acct) = order_of {
            w.orders.entry(acct).or_default().push_back(now);
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn orders_beyond_the_ten_second_window_are_refused_until_it_moves_on() {
        let usage = Usage::default();
        for i in 0..ORDERS_PER_10S {
            assert!(usage.charge(1_000 + i64::from(i), 1, Some(0)).is_ok());
        }
        let refused = usage.charge(2_000, 1, Some(0)).unwrap_err();
        assert_eq!(refused.counts.orders, Some((ORDERS_PER_10S + 1, ORDERS_PER_10S + 1)));
        assert_eq!(refused.code, -1015);
        assert_eq!(refused.msg, "Too many new orders; current limit is 100 orders per 10 SECOND.");
        assert_eq!(refused.retry_after_s, 9, "the first order leaves the window at 11 000 ms");
        assert!(usage.charge(2_000, 1, Some(1)).is_ok(), "another account has its own count");
        assert!(usage.charge(11_000, 1, Some(0)).is_ok(), "10 s later the window has room");
    }

    #[test]
    fn weight_beyond_the_minute_is_refused_with_the_wait_until_it_frees() {
        let usage = Usage::default();
        assert!(usage.charge(0, WEIGHT_PER_MINUTE, None).is_ok());
        let refused = usage.charge(30_000, 1, None).unwrap_err();
        assert_eq!((refused.code, refused.retry_after_s), (-1003, 30));
        assert_eq!(refused.counts.weight_1m, WEIGHT_PER_MINUTE + 1);
        assert_eq!(usage.charge(60_000, 1, None).map(|c| c.weight_1m), Ok(1));
    }
}
