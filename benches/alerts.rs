//! Does a webhook that never answers slow order handling? One market order's
//! round trip (intent → durable paper fill → answer) on an engine without
//! alerts, and on one whose `[alerts]` webhook accepts every POST and never
//! answers (so its queue fills and drops, as in production with a dead
//! chat service). Same fixture as `benches/engine.rs`.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::sync::mpsc;
use vigil::alerts::{self, AlertsConfig};
use vigil::clock::{Clock, SystemClock};
use vigil::domain::{OrderIntent, OrderType, Origin, Side};
use vigil::engine::{self, Command, EngineHandle, SubmitOutcome};
use vigil::market::MarketEvent;
use vigil::risk::Limits;
use vigil::store::Store;

#[path = "../tests/support/engine_fixture.rs"]
mod fixture;
#[path = "../tests/support/webhook.rs"]
mod webhook;

use fixture::{btc, d};

fn limits() -> Limits {
    Limits {
        max_orders_per_minute: u32::MAX,
        max_orders_per_10s: u32::MAX,
        dedupe_window_ms: 0,
        loss_streak: u32::MAX,
        daily_loss_limit: d("1000000000"),
        max_drawdown_pct: d("100"),
        max_position_notional: d("1000000000"),
        max_concentration_pct: d("100"),
        stale_after_ms: 24 * 3_600_000, // the bench's book is static on purpose
        ..Limits::default()
    }
}

/// An autonomous paper engine in `dir`, synced, with a static book.
async fn engine(dir: &std::path::Path) -> (EngineHandle, mpsc::Sender<MarketEvent>) {
    let state = dir.join("state");
    let clock: std::sync::Arc<dyn Clock> = std::sync::Arc::new(SystemClock);
    let store = Store::open(&state).unwrap_or_else(|e| panic!("{e}"));
    let (tx, rx) = mpsc::channel(16);
    let balances = vec![("USDT".into(), d("1000000")), ("BTC".into(), d("10"))];
    let setup = fixture::paper_setup(&state, store, clock, limits(), balances, vec![], rx);
    let (handle, _task) = engine::start(setup).unwrap_or_else(|e| panic!("{e}"));
    for event in fixture::sync_sequence(fixture::book(64_000, 20, "5", 0), 0) {
        let _ = tx.send(event).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let budget = Command::EnableAutonomous {
        max_orders: u32::MAX,
        max_notional: d("1000000000000"),
        totp: None,
        reply: None,
    };
    let _ = handle.send(budget);
    (handle, tx)
}

fn bench_alerts(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let plain_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let alerted_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (plain, _plain_market) = rt.block_on(engine(plain_dir.path()));
    let (alerted, _alerted_market, _alerts) = rt.block_on(async {
        let (url, _received) = webhook::start(true).await;
        let (handle, market) = engine(alerted_dir.path()).await;
        let config = AlertsConfig { webhook_url: Some(url), ..AlertsConfig::default() };
        let running = alerts::spawn(&config, &handle).unwrap_or_else(|e| panic!("{e}"));
        (handle, market, running)
    });

    let mut group = c.benchmark_group("alerts");
    group.throughput(Throughput::Elements(1));
    for (name, handle) in
        [("order_round_trip_no_alerts", &plain), ("order_round_trip_hanging_webhook", &alerted)]
    {
        let mut buy = true;
        group.bench_function(name, |b| {
            b.iter(|| {
                let side = if buy { Side::Buy } else { Side::Sell };
                buy = !buy;
                let intent = OrderIntent {
                    symbol: btc(),
                    side,
                    order_type: OrderType::Market,
                    qty: d("0.01"),
                    price: None,
                    origin: Origin::Manual,
                    tif: vigil::domain::TimeInForce::Gtc,
                    post_only: false,
                    quote_qty: None,
                    stop: None,
                };
                let outcome =
                    rt.block_on(handle.request(|reply| Command::Submit { intent, hold: false, reply }));
                assert!(matches!(outcome, Ok(SubmitOutcome::Sent { .. })), "{outcome:?}");
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_alerts
}
criterion_main!(benches);
