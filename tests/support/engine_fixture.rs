//! The pieces every real-engine test and bench needs: a BTCUSDT instrument with
//! Binance-like filters, a paper engine wired to a store and an install-keyed
//! audit log, and the market events that bring a symbol in sync the way a real
//! feed does (connection up, book, then the symbol's own "connected").
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::sync::mpsc;
use vigil::clock::Clock;
use vigil::domain::{Instrument, Symbol, SymbolStatus, TimestampMs, Venue};
use vigil::engine::{EngineConfig, EngineHandle, EngineSetup, Snapshot};
use vigil::exec::FeeSchedule;
use vigil::market::{BookUpdate, FeedState, FeedStatus, Level, MarketEvent};
use vigil::risk::Limits;
use vigil::store::{AuditKey, AuditLog, Store};
use vigil::strategy::Strategy;

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("bad decimal {s}: {e}"))
}

pub fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

/// BTCUSDT with Binance's spot filters (tick 0.01, step 0.00001, min notional 5).
pub fn instrument() -> Instrument {
    Instrument {
        symbol: btc(),
        base_asset: "BTC".into(),
        quote_asset: "USDT".into(),
        status: SymbolStatus::Trading,
        tick_size: d("0.01"),
        min_price: d("0.01"),
        max_price: d("1000000"),
        step_size: d("0.00001"),
        min_qty: d("0.00001"),
        max_qty: d("9000"),
        min_notional: d("5"),
    }
}

/// A paper engine on BTCUSDT with these limits and balances, writing to `store`
/// (opened on `state_dir`) and an audit log signed with the install key there.
pub fn paper_setup(
    state_dir: &Path,
    store: Store,
    clock: Arc<dyn Clock>,
    limits: Limits,
    initial_balances: Vec<(String, Decimal)>,
    strategies: Vec<Box<dyn Strategy>>,
    market: mpsc::Receiver<MarketEvent>,
) -> EngineSetup {
    let key = AuditKey::load_or_create_install_key(state_dir).unwrap();
    let audit = AuditLog::with_backend(store.backend(), key, clock.clone()).unwrap();
    let config = EngineConfig {
        venue: Venue::Paper,
        feed_name: "test".into(),
        quote_asset: "USDT".into(),
        instruments: vec![instrument()],
        limits,
        fees: FeeSchedule::default(),
        initial_balances,
    };
    EngineSetup { config, clock, store, audit, totp: None, strategies, market }
}

/// A feed status: connection-level with `None`, one symbol's book with `Some`.
pub fn feed_status(symbol: Option<Symbol>, state: FeedState, ts_ms: TimestampMs) -> FeedStatus {
    FeedStatus { feed: "test".into(), symbol, state, detail: String::new(), ts_ms }
}

/// A BTCUSDT book with `levels` levels of `qty` a side, one unit apart around `mid`.
pub fn book(mid: i64, levels: i64, qty: &str, ts_ms: TimestampMs) -> MarketEvent {
    let level = |p: i64| Level { price: Decimal::from(p), qty: d(qty) };
    MarketEvent::Book(BookUpdate {
        symbol: btc(),
        seq: 1,
        bids: (1..=levels).map(|i| level(mid - i)).collect(),
        asks: (1..=levels).map(|i| level(mid + i)).collect(),
        ts_ms,
    })
}

/// What a real feed sends to bring BTCUSDT in sync: connection up, the
/// book, then the symbol's own "connected" once its book has synced.
pub fn sync_sequence(book: MarketEvent, ts_ms: TimestampMs) -> [MarketEvent; 3] {
    [
        MarketEvent::Status(feed_status(None, FeedState::Connected, ts_ms)),
        book,
        MarketEvent::Status(feed_status(Some(btc()), FeedState::Connected, ts_ms)),
    ]
}

/// Waits (at most 5 s) for a published snapshot that satisfies `cond`.
pub async fn wait_for(handle: &EngineHandle, cond: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
    let mut rx = handle.watch();
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let snap = rx.borrow_and_update().clone();
            if cond(&snap) {
                return snap;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("condition not reached within 5 s")
}
