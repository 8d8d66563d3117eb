//! Fault knobs: what tests make the simulated exchange do wrong, on purpose,
//! the way a real exchange or network does — slow answers, answers lost after
//! the order was executed, 5xx, -1007, 429 and 418, a clock that disagrees,
//! user data connections that drop. Each knob is counted or one-shot and is
//! consumed by the request it applies to, except the order delay and the
//! clock offset, which hold until set back to zero.
//!
//! "Trading requests" are the signed REST endpoints (`/api/v3/order`,
//! `openOrders`, `account`, `myTrades`), checked after the signature and the
//! limits: public market data and the WebSocket API are never hit, so a test
//! knows which request a knob lands on. When several are armed the next
//! request takes the first of: 418, 429, 5xx, -1007 (orders only).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::broadcast;

/// Shared by the server and the test that drives it ([`super::SimHandle::faults`]).
#[derive(Debug)]
pub struct Faults {
    order_delay_ms: AtomicU64,
    drop_after_execution: AtomicU32,
    server_errors: AtomicU32,
    server_error_status: AtomicU16,
    timeouts_executed: AtomicU32,
    timeouts_not_executed: AtomicU32,
    rate_limited: AtomicU32,
    rate_limit_retry_s: AtomicU64,
    banned: AtomicU32,
    clock_offset_ms: AtomicI64,
    lost_user_events: AtomicU32,
    forgotten_queries: AtomicU32,
    limits_served: AtomicU32,
    market_held: AtomicBool,
    kick: broadcast::Sender<()>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            order_delay_ms: AtomicU64::new(0),
            drop_after_execution: AtomicU32::new(0),
            server_errors: AtomicU32::new(0),
            server_error_status: AtomicU16::new(503),
            timeouts_executed: AtomicU32::new(0),
            timeouts_not_executed: AtomicU32::new(0),
            rate_limited: AtomicU32::new(0),
            rate_limit_retry_s: AtomicU64::new(1),
            banned: AtomicU32::new(0),
            clock_offset_ms: AtomicI64::new(0),
            lost_user_events: AtomicU32::new(0),
            forgotten_queries: AtomicU32::new(0),
            limits_served: AtomicU32::new(0),
            market_held: AtomicBool::new(false),
            kick: broadcast::channel(4).0,
        }
    }
}

/// Takes one from a counter if it is above zero.
fn take(counter: &AtomicU32) -> bool {
    counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}

/// What happens to the trading request being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// HTTP 5xx (this status) without executing.
    ServerError { status: u16 },
    /// -1007 TIMEOUT; `executed` says whether the order went through anyway.
    Timeout { executed: bool },
    /// HTTP 429 with `Retry-After`.
    RateLimited { retry_after_s: u64 },
    /// HTTP 418 with `Retry-After`.
    Banned { retry_after_s: u64 },
}

impl Faults {
    /// Every order response waits this long (the order is executed first).
    pub fn delay_orders(&self, delay: Duration) {
        self.order_delay_ms.store(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// The next `n` orders are executed, then the connection is cut before
    /// the answer is complete: the client cannot tell what happened.
    pub fn drop_responses_after_execution(&self, n: u32) {
        self.drop_after_execution.store(n, Ordering::SeqCst);
    }

    /// The next `n` trading requests get HTTP 503 and are not executed.
    pub fn server_errors(&self, n: u32) {
        self.server_errors_with(n, 503);
    }

    /// The next `n` trading requests get HTTP `status` (500–599; anything
    /// else is taken as 500) and are not executed.
    pub fn server_errors_with(&self, n: u32, status: u16) {
        let status = if (500..=599).contains(&status) { status } else { 500 };
        self.server_error_status.store(status, Ordering::SeqCst);
        self.server_errors.store(n, Ordering::SeqCst);
    }

    /// The next order gets -1007 TIMEOUT ("execution status unknown"),
    /// executed or not.
    pub fn timeout_next_order(&self, executed: bool) {
        let counter = if executed { &self.timeouts_executed } else { &self.timeouts_not_executed };
        counter.store(1, Ordering::SeqCst);
    }

    /// The next `n` trading requests get HTTP 429, -1003, `Retry-After: secs`.
    pub fn rate_limit(&self, n: u32, retry_after_s: u64) {
        self.rate_limit_retry_s.store(retry_after_s, Ordering::SeqCst);
        self.rate_limited.store(n, Ordering::SeqCst);
    }

    /// The next trading request gets HTTP 418 (IP banned) with `Retry-After: secs`.
    pub fn ban_next(&self, retry_after_s: u64) {
        self.rate_limit_retry_s.store(retry_after_s, Ordering::SeqCst);
        self.banned.store(1, Ordering::SeqCst);
    }

    /// Moves the exchange's clock by `offset_ms` (negative: behind).
    pub fn set_clock_offset_ms(&self, offset_ms: i64) {
        self.clock_offset_ms.store(offset_ms, Ordering::SeqCst);
    }

    /// The next `n` user data events are lost on the way (the connection
    /// stays up): only reconciliation can find what they said.
    pub fn lose_user_events(&self, n: u32) {
        self.lost_user_events.store(n, Ordering::SeqCst);
    }

    pub(crate) fn take_lost_user_event(&self) -> bool {
        take(&self.lost_user_events)
    }

    /// The next `n` order queries answer -2013 "Order does not exist." even
    /// for an order that exists, as Binance now and then does.
    pub fn forget_orders(&self, n: u32) {
        self.forgotten_queries.store(n, Ordering::SeqCst);
    }

    pub(crate) fn take_forgotten_query(&self) -> bool {
        take(&self.forgotten_queries)
    }

    /// How many 429/418 answers the fault knobs have served so far.
    pub fn limits_served(&self) -> u32 {
        self.limits_served.load(Ordering::SeqCst)
    }

    /// Stops (or restarts) the synthetic market's random walk, so a test can trade against a
    /// book that stays where it read it. Clients' own orders still match.
    pub fn hold_market(&self, held: bool) {
        self.market_held.store(held, Ordering::SeqCst);
    }

    pub(crate) fn market_held(&self) -> bool {
        self.market_held.load(Ordering::SeqCst)
    }

    /// Closes every user data (WebSocket API) connection now.
    pub fn drop_user_streams(&self) {
        // Nobody connected is fine.
        let _ = self.kick.send(());
    }

    pub(crate) fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms.load(Ordering::SeqCst)
    }

    pub(crate) fn order_delay(&self) -> Duration {
        Duration::from_millis(self.order_delay_ms.load(Ordering::SeqCst))
    }

    pub(crate) fn take_drop_after_execution(&self) -> bool {
        take(&self.drop_after_execution)
    }

    pub(crate) fn kicked(&self) -> broadcast::Receiver<()> {
        self.kick.subscribe()
    }

    /// The fault for the next trading request, if any; `order` says whether
    /// it places an order (only those can time out).
    pub(crate) fn next(&self, order: bool) -> Option<Fault> {
        let retry_after_s = self.rate_limit_retry_s.load(Ordering::SeqCst);
        if take(&self.banned) {
            self.limits_served.fetch_add(1, Ordering::SeqCst);
            return Some(Fault::Banned { retry_after_s });
        }
        if take(&self.rate_limited) {
            self.limits_served.fetch_add(1, Ordering::SeqCst);
            return Some(Fault::RateLimited { retry_after_s });
        }
        if take(&self.server_errors) {
            return Some(Fault::ServerError { status: self.server_error_status.load(Ordering::SeqCst) });
        }
        if order && take(&self.timeouts_executed) {
            return Some(Fault::Timeout { executed: true });
        }
        if order && take(&self.timeouts_not_executed) {
            return Some(Fault::Timeout { executed: false });
        }
        None
    }
}
