//! Store round trips, the atomic fill step, reopen, idempotent replay, file modes.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::str::FromStr;

use vigil::domain::{
    Balance, Decimal, Fill, Liquidity, Order, OrderId, OrderIntent, OrderStatus, OrderType, Origin, Position,
    Side, Symbol,
};
use vigil::store::{FillOutcome, FillStep, Store, StoreError};

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

fn order(id: u64, status: OrderStatus) -> Order {
    Order {
        id: OrderId(id),
        client_id: format!("vigil-{id}"),
        venue_order_id: None,
        intent: OrderIntent {
            symbol: btc(),
            side: Side::Buy,
            order_type: OrderType::Limit,
            qty: dec("0.010"),
            price: Some(dec("64000.10")),
            origin: Origin::Manual,
            tif: vigil::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
        },
        status,
        filled_qty: Decimal::ZERO,
        filled_quote: Decimal::ZERO,
        realized_pnl: Decimal::ZERO,
        created_ms: 1_700_000_000_000,
        updated_ms: 1_700_000_000_000,
        reason: None,
    }
}

fn fill(order_id: u64, qty: &str) -> Fill {
    Fill {
        order_id: OrderId(order_id),
        symbol: btc(),
        side: Side::Buy,
        price: dec("64000.10"),
        qty: dec(qty),
        fee: dec("0.00001"),
        fee_asset: "BTC".into(),
        liquidity: Liquidity::Maker,
        ts_ms: 1_700_000_000_500,
        trade_id: None,
    }
}

fn step(seq: u64, usdt_free: &str, btc_free: &str) -> FillStep {
    let mut o = order(7, OrderStatus::PartiallyFilled);
    o.filled_qty = dec("0.005");
    o.filled_quote = dec("320.0005");
    FillStep {
        fill_seq: seq,
        fill: fill(7, "0.005"),
        order: o,
        balances: vec![
            ("USDT".into(), Balance { free: dec(usdt_free), locked: dec("320.001") }),
            ("BTC".into(), Balance { free: dec(btc_free), locked: Decimal::ZERO }),
        ],
        position: Position {
            symbol: btc(),
            qty: dec("0.00499"),
            avg_cost: dec("64128.36"),
            realized_pnl: Decimal::ZERO,
        },
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn orders_round_trip_in_id_order_and_upsert() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    for id in [300, 2, 70_000] {
        store.put_order(&order(id, OrderStatus::Submitted)).unwrap();
    }
    let mut done = order(2, OrderStatus::Filled);
    done.filled_qty = dec("0.010");
    store.put_order(&done).unwrap();

    assert_eq!(store.order(OrderId(2)).unwrap(), Some(done));
    assert_eq!(store.order(OrderId(3)).unwrap(), None);
    let ids: Vec<u64> = store.orders().unwrap().iter().map(|o| o.id.0).collect();
    assert_eq!(ids, vec![2, 300, 70_000]);
    let open: Vec<u64> = store.open_orders().unwrap().iter().map(|o| o.id.0).collect();
    assert_eq!(open, vec![300, 70_000]);
}

#[test]
fn portfolio_records_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let pos = Position { symbol: btc(), qty: dec("1.5"), avg_cost: dec("60000"), realized_pnl: dec("12.5") };
    store.put_position(&pos).unwrap();
    store
        .put_balances(&[
            ("USDT".into(), Balance { free: dec("1000.5"), locked: dec("2") }),
            ("BTC".into(), Balance { free: dec("1.5"), locked: Decimal::ZERO }),
        ])
        .unwrap();
    store.set_equity_peak(dec("91000.01")).unwrap();
    store.put_value("trading_state", &serde_json::json!("halted")).unwrap();

    assert_eq!(store.position(&btc()).unwrap(), Some(pos));
    assert_eq!(store.balance("USDT").unwrap().unwrap().total(), dec("1002.5"));
    assert_eq!(store.balances().unwrap().keys().cloned().collect::<Vec<_>>(), vec!["BTC", "USDT"]);
    assert_eq!(store.equity_peak().unwrap(), Some(dec("91000.01")));
    assert_eq!(store.value("trading_state").unwrap(), Some(serde_json::json!("halted")));
    store.remove_value("trading_state").unwrap();
    assert_eq!(store.value("trading_state").unwrap(), None);
}

#[test]
fn approval_mode_cannot_be_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let err = store.put_value("approval_mode", &serde_json::json!("autonomous")).unwrap_err();
    assert!(matches!(err, StoreError::ForbiddenKey(_)), "{err}");
    assert!(store.load_all().unwrap().values.is_empty());
}

#[test]
fn order_ids_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    {
        let store = Store::open(&state).unwrap();
        assert_eq!(store.allocate_order_id().unwrap(), OrderId(1));
        assert_eq!(store.allocate_order_id().unwrap(), OrderId(2));
        // An order stored with a higher id than the counter pushes the next id past it.
        store.put_order(&order(41, OrderStatus::Submitted)).unwrap();
    }
    let store = Store::open(&state).unwrap();
    assert_eq!(store.next_order_id().unwrap(), OrderId(3));
    assert_eq!(store.load_all().unwrap().next_order_id, OrderId(42));
}

#[test]
fn fill_step_writes_everything_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let s = step(1, "9679.999", "0.00499");
    assert_eq!(store.apply_fill(&s).unwrap(), FillOutcome::Applied);

    assert_eq!(store.order(OrderId(7)).unwrap(), Some(s.order.clone()));
    assert_eq!(store.balance("USDT").unwrap(), Some(s.balances[0].1.clone()));
    assert_eq!(store.balance("BTC").unwrap(), Some(s.balances[1].1.clone()));
    assert_eq!(store.position(&btc()).unwrap(), Some(s.position.clone()));
    let fills = store.fills_for(OrderId(7)).unwrap();
    assert_eq!(fills.len(), 1);
    assert_eq!((fills[0].seq, &fills[0].fill), (1, &s.fill));
    assert!(store.fills_for(OrderId(8)).unwrap().is_empty());
}

#[test]
fn replayed_fill_is_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    assert_eq!(store.apply_fill(&step(1, "9679.999", "0.00499")).unwrap(), FillOutcome::Applied);
    // The replay carries different (double-counted) balances: none of it may land.
    assert_eq!(store.apply_fill(&step(1, "9359.998", "0.00998")).unwrap(), FillOutcome::Duplicate);
    assert_eq!(store.balance("USDT").unwrap().unwrap().free, dec("9679.999"));
    assert_eq!(store.balance("BTC").unwrap().unwrap().free, dec("0.00499"));
    assert_eq!(store.fills().unwrap().len(), 1);
    // The next fill of the same order is a different (order, seq) and lands.
    assert_eq!(store.apply_fill(&step(2, "9359.998", "0.00998")).unwrap(), FillOutcome::Applied);
    let seqs: Vec<u64> = store.fills().unwrap().iter().map(|f| f.seq).collect();
    assert_eq!(seqs, vec![1, 2]);
}

#[test]
fn a_step_about_two_orders_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let mut s = step(1, "9679.999", "0.00499");
    s.fill.order_id = OrderId(8);
    assert!(matches!(store.apply_fill(&s), Err(StoreError::InconsistentStep(_))));
    let mut s = step(1, "9679.999", "0.00499");
    s.position.symbol = Symbol::new("ETHUSDT").unwrap();
    assert!(matches!(store.apply_fill(&s), Err(StoreError::InconsistentStep(_))));
    let snapshot = store.load_all().unwrap();
    assert!(snapshot.fills.is_empty() && snapshot.balances.is_empty() && snapshot.orders.is_empty());
}

#[test]
fn reopen_after_drop_shows_everything() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let before = {
        let store = Store::open(&state).unwrap();
        store.put_order(&order(3, OrderStatus::Submitted)).unwrap();
        store.apply_fill(&step(1, "9679.999", "0.00499")).unwrap();
        store.set_equity_peak(dec("10000")).unwrap();
        store.put_value("trading_state", &serde_json::json!("reducing")).unwrap();
        store.allocate_order_id().unwrap();
        store.load_all().unwrap()
    };
    let after = Store::open(&state).unwrap().load_all().unwrap();
    assert_eq!(after, before);
    assert_eq!(after.orders.len(), 2);
    assert_eq!(after.fills.len(), 1);
    assert_eq!(after.balances.len(), 2);
    assert_eq!(after.positions.len(), 1);
    assert_eq!(after.equity_peak, Some(dec("10000")));
    assert_eq!(after.next_order_id, OrderId(8));
}

#[test]
fn state_dir_is_0700_and_files_0600() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("data").join("state");
    let store = Store::open(&state).unwrap();
    store.put_order(&order(1, OrderStatus::Submitted)).unwrap();
    drop(store);
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
    let db = state.join("db");
    assert_eq!(mode(&db), 0o700);
    let files: Vec<_> = walk(&db);
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_eq!(mode(&path), 0o700, "{}", path.display());
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_group_readable_state_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = Store::open(&state).err().unwrap();
    assert!(err.to_string().contains("accessible by group or others"), "{err}");
}
