//! Engine throughput: one market order from intent to durable paper fill —
//! gate (21 checks), reservation, paper execution, fill booked, order, fill,
//! balances and position flushed to sled, audit entries appended and flushed.
//! Alternates buys and sells so the position stays flat and no limit binds.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use tokio::sync::mpsc;
use vigil::clock::{Clock, SystemClock};
use vigil::domain::{Instrument, OrderIntent, OrderType, Origin, Side, Symbol, SymbolStatus, Venue};
use vigil::engine::{self, Command, EngineConfig, EngineSetup, SubmitOutcome};
use vigil::exec::FeeSchedule;
use vigil::market::{BookUpdate, FeedState, FeedStatus, Level, MarketEvent};
use vigil::risk::Limits;
use vigil::store::{AuditKey, AuditLog, Store};

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn bench_engine(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let state = dir.path().join("state");
    let symbol = Symbol::new("BTCUSDT").unwrap_or_else(|e| panic!("{e}"));
    let instrument = Instrument {
        symbol: symbol.clone(),
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
    };
    let limits = Limits {
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
    };
    let (handle, market) = rt.block_on(async {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = Store::open(&state).unwrap_or_else(|e| panic!("{e}"));
        let key = AuditKey::load_or_create_install_key(&state).unwrap_or_else(|e| panic!("{e}"));
        let audit =
            AuditLog::with_backend(store.backend(), key, clock.clone()).unwrap_or_else(|e| panic!("{e}"));
        let (tx, rx) = mpsc::channel(16);
        let config = EngineConfig {
            venue: Venue::Paper,
            feed_name: "bench".into(),
            quote_asset: "USDT".into(),
            instruments: vec![instrument],
            limits,
            fees: FeeSchedule::default(),
            initial_balances: vec![("USDT".into(), d("1000000")), ("BTC".into(), d("10"))],
        };
        let setup = EngineSetup { config, clock, store, audit, totp: None, strategies: vec![], market: rx };
        let (handle, _task) = engine::start(setup).unwrap_or_else(|e| panic!("{e}"));
        let status = FeedStatus {
            feed: "bench".into(),
            symbol: None,
            state: FeedState::Connected,
            detail: String::new(),
            ts_ms: 0,
        };
        let _ = tx.send(MarketEvent::Status(status.clone())).await;
        let levels = |sign: i64| {
            (1..=20).map(|i| Level { price: d("64000") + Decimal::from(sign * i), qty: d("5") }).collect()
        };
        let book = BookUpdate { symbol: symbol.clone(), seq: 1, bids: levels(-1), asks: levels(1), ts_ms: 0 };
        let _ = tx.send(MarketEvent::Book(book)).await;
        // As a real feed does: the symbol turns connected once its book has synced.
        let _ = tx.send(MarketEvent::Status(FeedStatus { symbol: Some(symbol.clone()), ..status })).await;
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
            };
            let outcome = rt.block_on(handle.request(|reply| Command::Submit { intent, reply }));
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
