//! The pieces every real-engine test and bench needs: a BTCUSDT instrument with
//! Binance-like filters, a paper engine wired to a store and an install-keyed
//! audit log, and the market events that bring a symbol in sync the way a real
//! feed does (connection up, book, then the symbol's own "synced").
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::sync::mpsc;
use vigil::clock::{Clock, ManualClock};
use vigil::domain::{
    Instrument, OrderIntent, OrderType, Origin, Side, Symbol, SymbolStatus, TimestampMs, Venue,
};
use vigil::engine::{
    CheckLine, Command, EngineConfig, EngineHandle, EngineSetup, Event, OnShutdown, ProposalPolicy, Snapshot,
    SubmitOutcome,
};
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
    let audit =
        AuditLog::with_backend(store.backend(), key, clock.clone()).unwrap().anchored(state_dir).unwrap();
    let config = EngineConfig {
        venue: Venue::Paper,
        venue_label: "simulated fills".into(),
        feed_name: "test".into(),
        quote_asset: "USDT".into(),
        instruments: vec![instrument()],
        limits,
        fees: FeeSchedule::default(),
        initial_balances,
        proposals: ProposalPolicy::default(),
        on_shutdown: OnShutdown::Leave,
    };
    EngineSetup { config, clock, store, audit, totp: None, strategies, market, live: None, watchlist: None }
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
        MarketEvent::Status(feed_status(Some(btc()), FeedState::Synced, ts_ms)),
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

/// The moment the harness's clock starts at.
pub const T0: i64 = 1_763_900_000_000;

/// A paper engine on a temp dir, its market channel and its clock: the
/// real engine driven exactly as a feed and a front end drive it.
pub struct Harness {
    pub handle: EngineHandle,
    pub market: mpsc::Sender<MarketEvent>,
    pub task: tokio::task::JoinHandle<()>,
    pub clock: ManualClock,
}

/// Default limits with the order-rate limits out of the way.
pub fn loose_limits() -> Limits {
    Limits { max_orders_per_minute: 1000, max_orders_per_10s: 1000, ..Limits::default() }
}

/// Starts the engine and brings BTCUSDT in sync around 64000 (5 levels of 2 BTC).
pub async fn start(dir: &Path, limits: Limits, strategies: Vec<Box<dyn Strategy>>) -> Harness {
    start_with(dir, limits, strategies, |_| {}, book(64_000, 5, "2", T0)).await
}

/// Starts the engine with `tweak` applied to its config, and syncs `book`.
pub async fn start_with(
    dir: &Path,
    limits: Limits,
    strategies: Vec<Box<dyn Strategy>>,
    tweak: impl FnOnce(&mut EngineConfig),
    book: MarketEvent,
) -> Harness {
    let h = start_quiet_with(dir, limits, strategies, tweak);
    for event in sync_sequence(book, T0) {
        h.market(event).await;
    }
    h.wait(|s| s.markets.iter().any(|m| m.book.is_some() && m.state == FeedState::Synced)).await;
    h
}

/// Starts the engine without sending any market data.
pub async fn start_quiet(dir: &Path, limits: Limits, strategies: Vec<Box<dyn Strategy>>) -> Harness {
    start_quiet_with(dir, limits, strategies, |_| {})
}

fn start_quiet_with(
    dir: &Path,
    limits: Limits,
    strategies: Vec<Box<dyn Strategy>>,
    tweak: impl FnOnce(&mut EngineConfig),
) -> Harness {
    let dir = &dir.join("state");
    let clock = ManualClock::new(T0);
    let store = Store::open(dir).unwrap();
    let (tx, rx) = mpsc::channel(64);
    let balances = vec![("USDT".into(), d("10000"))];
    let mut setup = paper_setup(dir, store, Arc::new(clock.clone()), limits, balances, strategies, rx);
    tweak(&mut setup.config);
    let (handle, task) = vigil::engine::start(setup).unwrap();
    Harness { handle, market: tx, task, clock }
}

impl Harness {
    pub async fn market(&self, event: MarketEvent) {
        self.market.send(event).await.unwrap();
    }

    pub async fn wait(&self, cond: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
        wait_for(&self.handle, cond).await
    }

    /// Sends `book` and waits until the engine has applied it (commands and
    /// market data reach the actor on separate channels).
    pub async fn refresh(&self, book: MarketEvent) {
        let now = self.clock.now_ms();
        self.market(book).await;
        self.wait(|s| s.markets.iter().any(|m| m.last_update_ms == Some(now))).await;
    }

    /// Arms autonomous mode with this budget (no keystore, so no code).
    pub async fn arm(&self, max_orders: u32, max_notional: &str) {
        let max_notional = d(max_notional);
        let arm = |reply| Command::EnableAutonomous { max_orders, max_notional, totp: None, reply };
        self.handle.request(arm).await.unwrap();
    }

    pub async fn submit(&self, intent: OrderIntent) -> SubmitOutcome {
        self.handle.request(|reply| Command::Submit { intent, hold: false, reply }).await.unwrap()
    }

    /// Submits and, in confirm mode, confirms: the order a person places.
    pub async fn place(&self, intent: OrderIntent) -> SubmitOutcome {
        match self.submit(intent).await {
            SubmitOutcome::Pending { id, .. } => {
                self.handle.request(|reply| Command::Confirm { id, reply }).await.unwrap()
            }
            other => other,
        }
    }

    /// The gate's verdicts on `intent` now (what the ticket shows).
    pub async fn preview(&self, intent: OrderIntent) -> Vec<CheckLine> {
        let mut events = self.handle.events();
        self.handle.send(Command::Preview { request: 77, intent, replacing: None }).unwrap();
        loop {
            if let Ok(Event::Preview { request: 77, checks }) = events.recv().await {
                return checks;
            }
        }
    }

    /// A clean stop (`Command::Shutdown`).
    pub async fn stop(self) {
        self.handle.send(Command::Shutdown).unwrap();
        self.task.await.unwrap();
    }

    /// A crash: the engine task dies where it stands, without its shutdown.
    pub async fn crash(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// A manual order on BTCUSDT.
pub fn intent(side: Side, order_type: OrderType, qty: &str, price: Option<&str>) -> OrderIntent {
    OrderIntent {
        symbol: btc(),
        side,
        order_type,
        qty: d(qty),
        price: price.map(d),
        origin: Origin::Manual,
        tif: vigil::domain::TimeInForce::Gtc,
        post_only: false,
        quote_qty: None,
        stop: None,
    }
}

/// A manual buy on BTCUSDT.
pub fn buy(order_type: OrderType, qty: &str, price: Option<&str>) -> OrderIntent {
    intent(Side::Buy, order_type, qty, price)
}

/// Every audit entry of the data dir's log (open it after the engine stopped).
pub fn audit_entries(dir: &Path) -> Vec<vigil::store::AuditEntry> {
    let store = Store::open(&dir.join("state")).unwrap();
    vigil::store::AuditReader::new(store.backend().as_ref()).entries().unwrap().map(|e| e.unwrap()).collect()
}
