//! When storage refuses a write, the engine halts and nothing more may reach
//! the broker or fill (it could not be recorded), and the halt cannot be
//! released until a restart rebuilds state from disk.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;
use vigil::clock::{Clock, ManualClock};
use vigil::domain::{Approval, OrderIntent, OrderStatus, OrderType, Origin, Side};
use vigil::engine::{self, Command, SubmitOutcome};
use vigil::market::{FeedState, MarketEvent, Trade};
use vigil::risk::Limits;
use vigil::store::{BackendError, BatchOutcome, KvBackend, KvIter, SledBackend, Store, WriteBatch};

#[path = "support/engine_fixture.rs"]
mod fixture;

use fixture::{btc, d};

const T0: i64 = 1_763_900_000_000;

/// The real sled backend, with a switch that makes every write fail.
struct Breakable {
    inner: SledBackend,
    broken: AtomicBool,
}

impl Breakable {
    fn check(&self) -> Result<(), BackendError> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(BackendError::Db("disk full (simulated)".into()));
        }
        Ok(())
    }
}

impl KvBackend for Breakable {
    fn get(&self, tree: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        self.inner.get(tree, key)
    }
    fn insert(&self, tree: &'static str, key: &[u8], value: &[u8]) -> Result<(), BackendError> {
        self.check()?;
        self.inner.insert(tree, key, value)
    }
    fn remove(&self, tree: &'static str, key: &[u8]) -> Result<(), BackendError> {
        self.check()?;
        self.inner.remove(tree, key)
    }
    fn scan_prefix<'a>(&'a self, tree: &'static str, prefix: &[u8]) -> Result<KvIter<'a>, BackendError> {
        self.inner.scan_prefix(tree, prefix)
    }
    fn iter<'a>(&'a self, tree: &'static str) -> Result<KvIter<'a>, BackendError> {
        self.inner.iter(tree)
    }
    fn apply(&self, batch: &WriteBatch) -> Result<BatchOutcome, BackendError> {
        self.check()?;
        self.inner.apply(batch)
    }
    fn flush(&self) -> Result<(), BackendError> {
        self.check()?;
        self.inner.flush()
    }
}

fn limit_buy(price: &str) -> OrderIntent {
    OrderIntent {
        symbol: btc(),
        side: Side::Buy,
        order_type: OrderType::Limit,
        qty: d("0.01"),
        price: Some(d(price)),
        origin: Origin::Manual,
        tif: vigil::domain::TimeInForce::Gtc,
        post_only: false,
        quote_qty: None,
        stop: None,
    }
}

#[tokio::test]
async fn a_storage_failure_halts_and_nothing_more_is_sent_or_filled() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let backend =
        Arc::new(Breakable { inner: SledBackend::open(&state).unwrap(), broken: AtomicBool::new(false) });
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(T0));
    let store = Store::with_backend(backend.clone());
    let (market, rx) = mpsc::channel(64);
    let limits = Limits { max_orders_per_minute: 1000, max_orders_per_10s: 1000, ..Limits::default() };
    let balances = vec![("USDT".into(), d("10000"))];
    let setup = fixture::paper_setup(&state, store, clock, limits, balances, vec![], rx);
    let (handle, task) = engine::start(setup).unwrap();
    for event in fixture::sync_sequence(fixture::book(64_000, 5, "2", T0), T0) {
        market.send(event).await.unwrap();
    }
    fixture::wait_for(&handle, |s| s.markets.iter().any(|m| m.state == FeedState::Synced)).await;
    let armed =
        Command::EnableAutonomous { max_orders: 10, max_notional: d("5000"), totp: None, reply: None };
    handle.send(armed).unwrap();
    fixture::wait_for(&handle, |s| s.controls.approval() == Approval::Autonomous).await;

    // A resting order, stored while storage still worked.
    let submit = |intent| handle.request(|reply| Command::Submit { intent, hold: false, reply });
    assert!(matches!(submit(limit_buy("63000")).await.unwrap(), SubmitOutcome::Sent { .. }));

    backend.broken.store(true, Ordering::SeqCst);
    let outcome = submit(limit_buy("62900")).await.unwrap();
    assert!(
        matches!(outcome, SubmitOutcome::Refused { .. }),
        "an unrecordable order is not sent: {outcome:?}"
    );
    let snap = fixture::wait_for(&handle, |s| s.controls.kill_switch()).await;
    assert!(snap.log.iter().any(|l| l.text.contains("STORAGE FAILURE")), "{:?}", snap.log);
    assert_eq!(snap.controls.approval(), Approval::Confirm);
    assert!(snap.controls.storage_failed());

    // The market trades through the resting order: nothing may fill while nothing can be recorded.
    let trade = Trade { symbol: btc(), price: d("62000"), qty: d("1"), side: Side::Sell, ts_ms: T0 };
    market.send(MarketEvent::Trade(trade)).await.unwrap();
    let snap =
        fixture::wait_for(&handle, |s| s.markets.iter().any(|m| m.last_price == Some(d("62000")))).await;
    assert!(snap.fills.is_empty(), "filled while storage was failing: {:?}", snap.fills);
    assert!(snap.orders.iter().all(|o| o.status != OrderStatus::Filled));

    // Releasing the halt is refused until a restart.
    let released = handle.request(|reply| Command::KillSwitch { engaged: false, reply }).await;
    assert!(released.is_err(), "released a storage-failure halt: {released:?}");
    assert!(handle.snapshot().controls.kill_switch());

    handle.send(Command::Shutdown).unwrap();
    task.await.unwrap();
}
