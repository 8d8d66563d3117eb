//! The watchlist changed at runtime, end to end: the real simulator on
//! loopback, the real feed (SUBSCRIBE/UNSUBSCRIBE on its open connection),
//! the real engine. A symbol is added (book synced, trades flowing, the other
//! book undisturbed), refused removal while an order needs it, removed, and
//! the watched set comes back after a restart.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use vigil::clock::SystemClock;
use vigil::domain::{FeedState, OrderType, Side, Symbol, SymbolCatalog};
use vigil::engine::{
    Command, CommandError, EngineHandle, Snapshot, SubmitOutcome, WatchlistSetup, initial_watchlist,
    stored_watchlist,
};
use vigil::market::{self, FeedConfig, FeedHandle};
use vigil::sim::{self, SimConfig, SimHandle};
use vigil::store::Store;

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

/// A paper engine on `symbols` fed by a real feed from `sim`, with the
/// watchlist wired as a session wires it.
struct Running {
    handle: EngineHandle,
    task: tokio::task::JoinHandle<()>,
    forwarder: tokio::task::JoinHandle<FeedHandle>,
}

async fn start(dir: &Path, sim: &SimHandle, catalog: Arc<SymbolCatalog>, symbols: Vec<Symbol>) -> Running {
    let feed =
        market::spawn(FeedConfig::custom("sim", &sim.ws_url(), &sim.rest_url(), symbols.clone())).unwrap();
    let control = feed.control();
    let (tx, rx) = mpsc::channel(4096);
    let forwarder = tokio::spawn(async move {
        let mut feed = feed;
        while let Some(event) = feed.recv().await {
            if tx.send(event).await.is_err() {
                break;
            }
        }
        feed
    });
    let store = Store::open(dir).unwrap();
    let balances = vec![("USDT".into(), fixture::d("10000"))];
    let mut setup = fixture::paper_setup(
        dir,
        store,
        Arc::new(SystemClock),
        fixture::loose_limits(),
        balances,
        Vec::new(),
        rx,
    );
    setup.config.instruments = symbols.iter().map(|s| catalog.get(s).unwrap().clone()).collect();
    setup.watchlist = Some(WatchlistSetup { catalog, feed: control });
    let (handle, task) = vigil::engine::start(setup).unwrap();
    Running { handle, task, forwarder }
}

impl Running {
    async fn wait(&self, cond: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
        let mut rx = self.handle.watch();
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let snap = rx.borrow_and_update().clone();
                if cond(&snap) {
                    return snap;
                }
                rx.changed().await.unwrap();
            }
        })
        .await
        .expect("condition not reached within 20 s")
    }

    async fn stop(self) -> FeedHandle {
        self.handle.send(Command::Shutdown).unwrap();
        self.task.await.unwrap();
        self.forwarder.await.unwrap()
    }

    async fn watch(&self, symbol: &str) -> Result<(), CommandError> {
        let symbol = sym(symbol);
        self.handle.request(|reply| Command::WatchSymbol { symbol, reply }).await
    }

    async fn unwatch(&self, symbol: &str) -> Result<(), CommandError> {
        let symbol = sym(symbol);
        self.handle.request(|reply| Command::UnwatchSymbol { symbol, reply }).await
    }
}

/// Synced, with a book and at least `trades` trades seen.
fn flowing(snap: &Snapshot, symbol: &str, trades: usize) -> bool {
    snap.markets.iter().any(|m| {
        m.symbol.as_str() == symbol
            && m.state == FeedState::Synced
            && m.book.as_ref().is_some_and(|b| !b.bids.is_empty() && !b.asks.is_empty())
            && m.history.len() >= trades
    })
}

fn btc_trades(snap: &Snapshot) -> usize {
    snap.markets.iter().find(|m| m.symbol.as_str() == "BTCUSDT").map_or(0, |m| m.history.len())
}

async fn sim_and_catalog() -> (SimHandle, Arc<SymbolCatalog>) {
    let sim = sim::start(SimConfig { rate_per_sec: 200, ..SimConfig::default() }).await.unwrap();
    let catalog = Arc::new(market::fetch_catalog(&sim.rest_url()).await.unwrap());
    (sim, catalog)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symbol_added_at_runtime_syncs_and_flows_then_leaves_when_nothing_needs_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("state");
    let (sim, catalog) = sim_and_catalog().await;
    assert_eq!(catalog.len(), 3, "the simulator lists BTCUSDT, ETHUSDT, SOLUSDT");
    let engine = start(dir, &sim, catalog, vec![sym("BTCUSDT")]).await;
    engine.wait(|s| flowing(s, "BTCUSDT", 1)).await;

    let asked = Instant::now();
    engine.watch("ETHUSDT").await.unwrap();
    let snap = engine.wait(|s| flowing(s, "ETHUSDT", 0)).await;
    let synced_after = asked.elapsed();
    let btc_before = btc_trades(&snap);
    let snap = engine.wait(|s| flowing(s, "ETHUSDT", 3) && btc_trades(s) > btc_before).await;
    eprintln!("ETHUSDT added: book synced {} ms after the command", synced_after.as_millis());
    // The new symbol joined the open connection: BTCUSDT never left sync.
    assert!(flowing(&snap, "BTCUSDT", 1));
    assert!(snap.log.iter().any(|l| l.text == "watchlist: added ETHUSDT"));
    assert_eq!(
        engine.watch("ETHUSDT").await,
        Err(CommandError::Refused("ETHUSDT is already on the watchlist".into()))
    );
    let not_listed = engine.watch("DOGEUSDT").await.unwrap_err().to_string();
    assert!(not_listed.contains("not a spot symbol the venue trades"), "{not_listed}");

    // A resting buy 2 % under the bid: pending, then open; both keep ETHUSDT.
    let bid =
        snap.markets.iter().find(|m| m.symbol.as_str() == "ETHUSDT").unwrap().book.as_ref().unwrap().bids[0]
            .price;
    let price = (bid * fixture::d("0.98")).round_dp(2).to_string();
    let mut intent = fixture::intent(Side::Buy, OrderType::Limit, "0.01", Some(&price));
    intent.symbol = sym("ETHUSDT");
    let submitted =
        engine.handle.request(|reply| Command::Submit { intent, hold: false, reply }).await.unwrap();
    let SubmitOutcome::Pending { id, .. } = submitted else { panic!("expected pending, got {submitted:?}") };
    let refused = engine.unwatch("ETHUSDT").await.unwrap_err().to_string();
    assert_eq!(
        refused,
        "ETHUSDT stays on the watchlist: 1 order(s) await your confirmation on it; reject them first"
    );
    let sent = engine.handle.request(|reply| Command::Confirm { id, reply }).await.unwrap();
    assert!(matches!(sent, SubmitOutcome::Sent { .. }), "{sent:?}");
    let refused = engine.unwatch("ETHUSDT").await.unwrap_err().to_string();
    assert_eq!(refused, "ETHUSDT stays on the watchlist: it has 1 open order(s); cancel them first");
    assert!(engine.wait(|s| flowing(s, "ETHUSDT", 1)).await.markets.len() == 2);

    engine.handle.request(|reply| Command::Cancel { id, reply }).await.unwrap();
    engine.unwatch("ETHUSDT").await.unwrap();
    let snap = engine.wait(|s| s.markets.len() == 1).await;
    assert_eq!(snap.markets[0].symbol.as_str(), "BTCUSDT");
    assert!(snap.log.iter().any(|l| l.text == "watchlist: removed ETHUSDT"));
    // BTCUSDT keeps flowing on the same connection after the UNSUBSCRIBE.
    let before = btc_trades(&snap);
    engine.wait(|s| btc_trades(s) > before && flowing(s, "BTCUSDT", 1)).await;
    let last = engine.unwatch("BTCUSDT").await.unwrap_err().to_string();
    assert!(last.contains("last watched symbol"), "{last}");

    let feed = engine.stop().await;
    assert_eq!(feed.counters().reconnects, 0, "adding and removing never reconnected");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watched_set_survives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("state");
    let (sim, catalog) = sim_and_catalog().await;
    let configured = vec![sym("BTCUSDT")];
    let engine = start(dir, &sim, Arc::clone(&catalog), configured.clone()).await;
    engine.wait(|s| flowing(s, "BTCUSDT", 0)).await;
    engine.watch("SOLUSDT").await.unwrap();
    engine.wait(|s| flowing(s, "SOLUSDT", 0)).await;
    engine.stop().await.shutdown().await;

    // As a session starts: the stored set, not the configured one.
    let stored = stored_watchlist(&Store::open(dir).unwrap()).unwrap();
    assert_eq!(stored, Some(vec![sym("BTCUSDT"), sym("SOLUSDT")]));
    let watched = initial_watchlist(stored, &[], configured, &catalog);
    assert_eq!(watched, [sym("BTCUSDT"), sym("SOLUSDT")]);
    let engine = start(dir, &sim, catalog, watched).await;
    let snap = engine.wait(|s| flowing(s, "BTCUSDT", 0) && flowing(s, "SOLUSDT", 0)).await;
    assert_eq!(snap.markets.len(), 2);
    engine.stop().await.shutdown().await;
    sim.shutdown().await;
}
