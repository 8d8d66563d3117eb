//! Engine throughput: one market order from intent to durable paper fill —
//! gate (21 checks), reservation, paper execution, fill booked, order, fill,
//! balances and position flushed to sled, audit entries appended and flushed.
//! Alternates buys and sells so the position stays flat and no limit binds.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::sync::mpsc;
use vigil::clock::{Clock, SystemClock};
use vigil::domain::{OrderIntent, OrderType, Origin, Side};
use vigil::engine::{self, Command, SubmitOutcome};
use vigil::risk::Limits;
use vigil::store::Store;

#[path = "../tests/support/engine_fixture.rs"]
mod fixture;

use fixture::{btc, d};

fn bench_engine(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let state = dir.path().join("state");
    let symbol = btc();
    let limits = Limits {
        // The largest values the config allows (config::ranges).
        max_orders_per_minute: 10_000,
        max_orders_per_10s: 1_000,
        dedupe_window_ms: 0,
        loss_streak: 100,
        daily_loss_limit: d("1000000000"),
        max_drawdown_pct: d("100"),
        max_position_notional: d("1000000000"),
        max_concentration_pct: d("100"),
        stale_after_ms: 60_000, // the bench's book is static on purpose: a run takes well under a minute
        ..Limits::default()
    };
    let (handle, market) = rt.block_on(async {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = Store::open(&state).unwrap_or_else(|e| panic!("{e}"));
        let (tx, rx) = mpsc::channel(16);
        let balances = vec![("USDT".into(), d("1000000")), ("BTC".into(), d("10"))];
        let setup = fixture::paper_setup(&state, store, clock, limits, balances, vec![], rx);
        let (handle, _task) = engine::start(setup).unwrap_or_else(|e| panic!("{e}"));
        for event in fixture::sync_sequence(fixture::book(64_000, 20, "5", 0), 0) {
            let _ = tx.send(event).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let budget = Command::EnableAutonomous {
            max_orders: u32::MAX,
            max_notional: d("1000000000000"),
            totp: None,
            reply: None,
        };
        let _ = handle.send(budget);
        (handle, tx)
    });

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));
    let mut buy = true;
    group.bench_function("market_order_to_durable_paper_fill", |b| {
        b.iter(|| {
            let side = if buy { Side::Buy } else { Side::Sell };
            buy = !buy;
            let intent = OrderIntent {
                symbol: symbol.clone(),
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
            let outcome = rt.block_on(handle.request(|reply| Command::Submit { intent, hold: false, reply }));
            assert!(matches!(outcome, Ok(SubmitOutcome::Sent { .. })), "{outcome:?}");
        });
    });
    group.finish();
    drop(market);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_engine
}
criterion_main!(benches);
