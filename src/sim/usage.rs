//! The simulator's request and order limits, counted the way Binance counts
//! them and reported in the same headers: request weight per rolling minute
//! (per IP; one server here), orders per 10 s and per day (per account).

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
    /// `now`. `Err` with the counts if a limit would be exceeded: nothing is
    /// charged then.
    pub(crate) fn charge(
        &self,
        now: TimestampMs,
        weight: u32,
        order_of: Option<usize>,
    ) -> Result<Counts, Counts> {
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
        let over = weight_1m > WEIGHT_PER_MINUTE
            || orders.is_some_and(|(ten, day)| ten > ORDERS_PER_10S || day > ORDERS_PER_DAY);
        if over {
            return Err(counts);
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
    use super::*;

    #[test]
    fn orders_beyond_the_ten_second_window_are_refused_until_it_moves_on() {
        let usage = Usage::default();
        for i in 0..ORDERS_PER_10S {
            assert!(usage.charge(1_000 + i64::from(i), 1, Some(0)).is_ok());
        }
        let refused = usage.charge(2_000, 1, Some(0));
        assert_eq!(refused.err().and_then(|c| c.orders), Some((ORDERS_PER_10S + 1, ORDERS_PER_10S + 1)));
        assert!(usage.charge(2_000, 1, Some(1)).is_ok(), "another account has its own count");
        assert!(usage.charge(11_000, 1, Some(0)).is_ok(), "10 s later the window has room");
    }
}
