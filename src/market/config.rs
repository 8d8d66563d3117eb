//! Feed configuration: where to connect, what to subscribe, and the health
//! timings. Presets name the real endpoints so nobody types them twice.

use std::time::Duration;

use super::proxy::HttpsProxy;

use crate::domain::Symbol;
use crate::market::Interval;

/// Production spot streams (reference §1.1).
pub const BINANCE_WS: &str = "wss://stream.binance.com:9443";
/// Production spot REST (reference §2.1).
pub const BINANCE_REST: &str = "https://api.binance.com";
/// Spot testnet streams (reference §2.1, "Spot testnet URLs").
pub const BINANCE_TESTNET_WS: &str = "wss://stream.testnet.binance.vision:9443";
/// Spot testnet REST.
pub const BINANCE_TESTNET_REST: &str = "https://testnet.binance.vision";

/// Jittered, capped exponential backoff between reconnect attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first retry.
    pub initial: Duration,
    /// Upper bound for any delay (before jitter is subtracted).
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { initial: Duration::from_millis(500), max: Duration::from_secs(30) }
    }
}

impl Backoff {
    /// The un-jittered delay for retry number `attempt` (0-based): initial·2^attempt, capped.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The delay to sleep before retry `attempt`: uniformly jittered in
    /// [ceiling/2, ceiling] so a fleet of clients does not reconnect in lockstep.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling.checked_div(2).unwrap_or_default();
        let spread = u64::try_from(ceiling.saturating_sub(half).as_micros()).unwrap_or(u64::MAX);
        half.saturating_add(Duration::from_micros(rand::random_range(0..=spread)))
    }
}

/// Everything a feed needs; see [`super::spawn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    /// Feed name in status events (`binance`, `binance-testnet`, `sim`).
    pub name: String,
    /// WebSocket base, e.g. `wss://stream.binance.com:9443` (the adapter adds `/stream?streams=`).
    pub ws_url: String,
    /// REST base, e.g. `https://api.binance.com` (the adapter adds `/api/v3/...`).
    pub rest_url: String,
    /// Symbols to follow on one combined connection.
    pub symbols: Vec<Symbol>,
    /// Levels per side in each [`super::BookUpdate`].
    pub depth: usize,
    /// `limit` of the REST depth snapshot (1..=5000); a snapshot with more
    /// levels a side than this is refused as malformed.
    pub snapshot_limit: u32,
    /// Levels kept per side of each local book (at least `depth`): the worst
    /// levels past it are dropped, so a long session's book stays bounded.
    pub max_book_levels: usize,
    /// A symbol with no update for this long is reported stale.
    pub stale_after: Duration,
    /// No frame at all (not even a ping) for this long: the connection is dead, reconnect.
    pub idle_timeout: Duration,
    /// Reconnect on purpose before the exchange's 24 h connection limit.
    pub max_connection_age: Duration,
    /// Reconnect and snapshot-retry pacing.
    pub backoff: Backoff,
    /// Capacity of the event channel to the consumer.
    pub channel_capacity: usize,
    /// Candles fetched per timeframe on every (re)connect (`limit` of
    /// `GET /api/v3/klines`, 1..=1000; weight 2 each); 0 skips the backfill.
    pub kline_backfill: u16,
    /// The configured proxy for TLS to other hosts (`[network] https_proxy`); none by default.
    pub https_proxy: Option<HttpsProxy>,
}

impl FeedConfig {
    /// A feed on explicit URLs (the simulator, tests, a mirror).
    pub fn custom(name: &str, ws_url: &str, rest_url: &str, symbols: Vec<Symbol>) -> Self {
        Self {
            name: name.to_owned(),
            ws_url: ws_url.trim_end_matches('/').to_owned(),
            rest_url: rest_url.trim_end_matches('/').to_owned(),
            symbols,
            depth: 10,
            snapshot_limit: 1000,
            max_book_levels: crate::market::sync::DEFAULT_MAX_LEVELS,
            stale_after: Duration::from_secs(10),
            // Binance pings every 20 s; three missed pings means the link is gone.
            idle_timeout: Duration::from_secs(60),
            max_connection_age: Duration::from_secs(23 * 3600 + 30 * 60),
            backoff: Backoff::default(),
            channel_capacity: 4096,
            kline_backfill: 300,
            https_proxy: None,
        }
    }

    /// Binance spot production.
    pub fn binance(symbols: Vec<Symbol>) -> Self {
        Self::custom("binance", BINANCE_WS, BINANCE_REST, symbols)
    }

    /// Binance spot testnet.
    pub fn binance_testnet(symbols: Vec<Symbol>) -> Self {
        Self::custom("binance-testnet", BINANCE_TESTNET_WS, BINANCE_TESTNET_REST, symbols)
    }

    /// The combined-stream URL for the configured symbols.
    pub fn stream_url(&self) -> String {
        self.stream_url_for(&self.symbols)
    }

    /// The combined-stream URL for `symbols`: [`streams_for`] each of them.
    pub fn stream_url_for(&self, symbols: &[Symbol]) -> String {
        let streams: Vec<String> = symbols.iter().flat_map(streams_for).collect();
        format!("{}/stream?streams={}", self.ws_url, streams.join("/"))
    }
}

/// Every stream the feed reads for `symbol` (ten, so one connection of
/// Binance's 1024 streams carries 102 symbols): trades, best bid/ask, 100 ms
/// diff depth, the 24 h ticker, and one kline stream per chart timeframe.
/// The one list: connecting and (un)subscribing at runtime both use it.
pub fn streams_for(symbol: &Symbol) -> Vec<String> {
    let n = symbol.stream_name();
    let fixed = ["trade", "bookTicker", "depth@100ms", "ticker"].map(|s| format!("{n}@{s}"));
    let klines = Interval::ALL.map(|i| format!("{n}@kline_{}", i.as_str()));
    fixed.into_iter().chain(klines).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters_within_bounds() {
        let b = Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(1) };
        assert_eq!(b.ceiling(0), Duration::from_millis(100));
        assert_eq!(b.ceiling(3), Duration::from_millis(800));
        assert_eq!(b.ceiling(4), Duration::from_secs(1));
        assert_eq!(b.ceiling(200), Duration::from_secs(1));
        for attempt in 0..10 {
            let d = b.delay(attempt);
            assert!(d >= b.ceiling(attempt) / 2 && d <= b.ceiling(attempt), "{attempt}: {d:?}");
        }
        let distinct: std::collections::HashSet<_> = (0..20).map(|_| b.delay(5)).collect();
        assert!(distinct.len() > 1, "no jitter");
    }

    #[test]
    fn stream_url_subscribes_every_stream_of_each_symbol() {
        let c = FeedConfig::custom(
            "sim",
            "ws://127.0.0.1:1/",
            "http://127.0.0.1:2",
            vec![Symbol::new("BTCUSDT").unwrap(), Symbol::new("ethusdt").unwrap()],
        );
        let per = |n: &str| {
            format!(
                "{n}@trade/{n}@bookTicker/{n}@depth@100ms/{n}@ticker/{n}@kline_1m/{n}@kline_5m/\
                 {n}@kline_15m/{n}@kline_1h/{n}@kline_4h/{n}@kline_1d"
            )
        };
        assert_eq!(
            c.stream_url(),
            format!("ws://127.0.0.1:1/stream?streams={}/{}", per("btcusdt"), per("ethusdt"))
        );
    }
}
