//! A live engine against the embedded simulator, wired as `cli::session`
//! wires one: market data from the simulator's streams, the live venue with
//! a signed client for one of the simulator's test keys, a store and an
//! install-keyed audit log in a temp dir. Nothing is faked: the orders are
//! signed, sent over loopback, matched by the simulator, and their fills come
//! back on the WebSocket API's user data stream.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use secrecy::SecretString;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use vigil::clock::{Clock, SystemClock};
use vigil::domain::{OrderIntent, OrderType, Origin, Side, Symbol, Venue};
use vigil::engine::{
    Command, EngineConfig, EngineHandle, EngineSetup, LiveKey, LiveSetup, OnShutdown, ProposalPolicy,
    Snapshot, SubmitOutcome,
};
use vigil::exec::{FeeSchedule, LiveVenue};
use vigil::market::{self, FeedConfig, FeedState};
use vigil::risk::{KeyPermissions, Limits};
use vigil::sim::{SimConfig, SimHandle};
use vigil::store::{AuditKey, AuditLog, Store};
use vigil::venue::{SignedClient, Signer};

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("bad decimal {s}: {e}"))
}

pub fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

/// A simulator on BTCUSDT: slow enough that the book moves little during a
/// test, fast enough that resting orders see trades.
pub async fn sim(rate_per_sec: u32) -> SimHandle {
    let symbols = vec![vigil::sim::SymbolSpec::preset(&btc()).unwrap()];
    vigil::sim::start(SimConfig { rate_per_sec, symbols, ..SimConfig::default() }).await.unwrap()
}

/// Default limits with the rate limits out of the way and a generous order size.
pub fn limits() -> Limits {
    Limits {
        max_orders_per_minute: 1000,
        max_orders_per_10s: 1000,
        max_order_notional: d("20000"),
        max_position_notional: d("50000"),
        max_concentration_pct: d("100"),
        ..Limits::default()
    }
}

/// A running live engine and what it needs to be stopped.
pub struct LiveEngine {
    pub handle: EngineHandle,
    pub task: JoinHandle<()>,
    forwarder: JoinHandle<()>,
}

/// The trade-only test key, as `keys verify` would have judged it.
pub fn trade_only() -> LiveKey {
    LiveKey {
        label: "test".into(),
        test_key: true,
        verified: true,
        permissions: Some(KeyPermissions { can_trade: true, ..KeyPermissions::default() }),
        standing: "verified by the test".into(),
    }
}

/// Starts a live engine on `dir` against `sim`, with `key`/`secret`.
pub async fn start(dir: &Path, sim: &SimHandle, key: &str, secret: &str, live_key: LiveKey) -> LiveEngine {
    start_with(dir, sim, key, secret, live_key, |_| {}).await
}

pub async fn start_with(
    dir: &Path,
    sim: &SimHandle,
    key: &str,
    secret: &str,
    live_key: LiveKey,
    tweak: impl FnOnce(&mut EngineConfig),
) -> LiveEngine {
    let state_dir = dir.join("state");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let symbols = vec![btc()];
    let instruments = market::fetch_exchange_info(&sim.rest_url(), &symbols).await.unwrap();
    let store = Store::open(&state_dir).unwrap();
    let audit_key = AuditKey::load_or_create_install_key(&state_dir).unwrap();
    let audit = AuditLog::with_backend(store.backend(), audit_key, clock.clone())
        .unwrap()
        .anchored(&state_dir)
        .unwrap();
    let signer = Arc::new(Signer::new(SecretString::from(secret.to_owned())));
    let client =
        SignedClient::new(&sim.rest_url(), None, SecretString::from(key.to_owned()), signer, clock.clone())
            .unwrap();
    let venue = LiveVenue::start(client, sim.ws_api_url());
    let feed = market::spawn(FeedConfig::custom("sim", &sim.ws_url(), &sim.rest_url(), symbols)).unwrap();
    let (tx, rx) = mpsc::channel(4096);
    let forwarder = tokio::spawn(async move {
        let mut feed = feed;
        while let Some(event) = feed.recv().await {
            if tx.send(event).await.is_err() {
                break;
            }
        }
        feed.shutdown().await;
    });
    let mut config = EngineConfig {
        venue: Venue::Live,
        venue_label: "simulator test account".into(),
        feed_name: "sim".into(),
        quote_asset: "USDT".into(),
        instruments,
        limits: limits(),
        fees: FeeSchedule::default(),
        initial_balances: Vec::new(),
        proposals: ProposalPolicy::default(),
        on_shutdown: OnShutdown::Leave,
    };
    tweak(&mut config);
    let setup = EngineSetup {
        config,
        clock,
        store,
        audit,
        totp: None,
        strategies: Vec::new(),
        market: rx,
        live: Some(LiveSetup { venue, key: live_key }),
        watchlist: None,
    };
    let (handle, task) = vigil::engine::start(setup).unwrap();
    LiveEngine { handle, task, forwarder }
}

impl LiveEngine {
    /// Waits (at most `secs`) for a snapshot satisfying `cond`.
    pub async fn wait_secs(&self, secs: u64, cond: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
        let mut rx = self.handle.watch();
        let waited = tokio::time::timeout(Duration::from_secs(secs), async {
            loop {
                let snap = rx.borrow_and_update().clone();
                if cond(&snap) {
                    return snap;
                }
                rx.changed().await.unwrap();
            }
        })
        .await;
        match waited {
            Ok(snap) => snap,
            Err(_) => {
                let snap = self.handle.snapshot();
                let log: Vec<String> = snap.log.iter().map(|l| format!("{} {}", l.kind, l.text)).collect();
                panic!(
                    "condition not reached within {secs} s; orders {:#?}\nlog:\n{}",
                    snap.orders,
                    log.join("\n")
                )
            }
        }
    }

    pub async fn wait(&self, cond: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
        self.wait_secs(10, cond).await
    }

    /// Waits until the book is synced and the venue has reconciled.
    pub async fn ready(&self) -> Arc<Snapshot> {
        self.wait(|s| {
            s.live.as_ref().is_some_and(|l| l.stream_up && !l.reconciling)
                && s.markets.iter().any(|m| m.state == FeedState::Synced && m.book.is_some())
        })
        .await
    }

    /// Holds the simulator's market still and waits until the engine's book shows the
    /// exchange's best ask, which it then returns: an order priced from it meets exactly
    /// that level (the random walk would otherwise move it away meanwhile).
    pub async fn held_ask(&self, sim: &SimHandle) -> vigil::domain::Level {
        sim.faults().hold_market(true);
        let url = format!("{}/api/v3/depth?symbol=BTCUSDT&limit=5", sim.rest_url());
        let depth: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        let level = &depth["asks"][0];
        let ask =
            vigil::domain::Level { price: d(level[0].as_str().unwrap()), qty: d(level[1].as_str().unwrap()) };
        self.wait(|s| s.markets[0].book.as_ref().is_some_and(|b| b.asks.first() == Some(&ask))).await;
        ask
    }

    /// Submits and confirms `intent` as a person would.
    pub async fn place(&self, intent: OrderIntent) -> SubmitOutcome {
        let outcome =
            self.handle.request(|reply| Command::Submit { intent, hold: false, reply }).await.unwrap();
        match outcome {
            SubmitOutcome::Pending { id, .. } => {
                self.handle.request(|reply| Command::Confirm { id, reply }).await.unwrap()
            }
            other => other,
        }
    }

    pub async fn stop(self) {
        let _ = self.handle.send(Command::Shutdown);
        let _ = self.task.await;
        self.forwarder.abort();
    }

    /// Ends the engine without its clean stop, as a crash would.
    pub async fn crash(self) {
        self.task.abort();
        let _ = self.task.await;
        self.forwarder.abort();
    }
}

pub fn intent(side: Side, order_type: OrderType, qty: &str, price: Option<Decimal>) -> OrderIntent {
    OrderIntent {
        symbol: btc(),
        side,
        order_type,
        qty: d(qty),
        price,
        origin: Origin::Manual,
        tif: vigil::domain::TimeInForce::Gtc,
        post_only: false,
        quote_qty: None,
        stop: None,
    }
}

/// The best bid and ask the engine sees.
pub fn top(s: &Snapshot) -> (Decimal, Decimal) {
    let book = s.markets.iter().find(|m| m.symbol == btc()).and_then(|m| m.book.as_ref()).unwrap();
    (book.bids[0].price, book.asks[0].price)
}
