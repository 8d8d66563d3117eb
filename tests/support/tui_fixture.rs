//! A deterministic engine snapshot for screen tests and the render bench: fixed prices,
//! fixed timestamps, sizes chosen by the caller.

use std::str::FromStr;

use rust_decimal::Decimal;
use vigil::domain::{
    Approval, Balance, Fill, Liquidity, Order, OrderId, OrderIntent, OrderStatus, OrderType, Origin,
    Position, Side, Symbol, TradingState, Venue,
};
use vigil::engine::{AutonomyBudget, CheckLine, CheckVerdict, LogLine, MarketView, PendingOrder, Snapshot};
use vigil::market::{BookUpdate, FeedState, Level};

/// 2023-11-14 22:13:20 UTC.
pub const T0: i64 = 1_700_000_000_000;

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
}

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap_or_else(|_| panic!("bad symbol {s}"))
}

/// Every check id of the gate, all passing except the ones named in `overrides`.
pub fn checks(overrides: &[(&str, CheckVerdict, &str)]) -> Vec<CheckLine> {
    const IDS: [&str; 21] = [
        "kill_switch",
        "venue_armed",
        "autonomy_budget",
        "symbol_allowed",
        "market_data_fresh",
        "price_tick",
        "quantity_step",
        "min_notional",
        "price_band",
        "max_order_notional",
        "balance_available",
        "max_position",
        "concentration",
        "max_open_orders",
        "duplicate_order",
        "order_rate",
        "daily_loss_limit",
        "drawdown_breaker",
        "loss_streak_cooldown",
        "clock_skew",
        "key_permissions",
    ];
    IDS.iter()
        .map(|id| match overrides.iter().find(|(o, _, _)| o == id) {
            Some((_, verdict, detail)) => {
                CheckLine { id: (*id).into(), verdict: *verdict, detail: (*detail).into() }
            }
            None => CheckLine { id: (*id).into(), verdict: CheckVerdict::Pass, detail: format!("{id} ok") },
        })
        .collect()
}

fn history(base: i64, points: usize) -> Vec<(i64, Decimal)> {
    (0..points)
        .map(|i| {
            let i = i as i64;
            // A triangle wave with a slow drift: deterministic and visibly non-flat.
            let wave = (i * 7) % 80;
            let tri = if wave < 40 { wave } else { 80 - wave };
            let cents = base * 100 + tri * base / 400 + i * base / 4000;
            (T0 + i * 1_000, Decimal::new(cents, 2))
        })
        .collect()
}

fn book(symbol: &Symbol, mid_cents: i64, levels: usize) -> BookUpdate {
    let level = |i: usize, sign: i64| Level {
        price: Decimal::new(mid_cents + sign * (5 + 10 * i as i64), 2),
        qty: Decimal::new(150 + ((i as i64 * 37) % 400), 3),
    };
    BookUpdate {
        symbol: symbol.clone(),
        seq: 1000,
        bids: (0..levels).map(|i| level(i, -1)).collect(),
        asks: (0..levels).map(|i| level(i, 1)).collect(),
        ts_ms: T0 + 60_000,
    }
}

fn order(
    id: u64,
    symbol: &Symbol,
    side: Side,
    qty: &str,
    price: &str,
    status: OrderStatus,
    origin: Origin,
) -> Order {
    Order {
        id: OrderId(id),
        client_id: format!("vigil-{id}"),
        intent: OrderIntent {
            symbol: symbol.clone(),
            side,
            order_type: OrderType::Limit,
            qty: dec(qty),
            price: Some(dec(price)),
            origin,
        },
        status,
        filled_qty: if status == OrderStatus::Filled { dec(qty) } else { Decimal::ZERO },
        filled_quote: Decimal::ZERO,
        created_ms: T0 + id as i64 * 1_000,
        updated_ms: T0 + id as i64 * 1_000,
        reason: None,
    }
}

/// The fixture: 3 markets with `points` history points and `levels` book levels per side,
/// and `rows` extra closed orders and fills (for table-heavy frames).
pub fn snapshot(levels: usize, points: usize, rows: usize) -> Snapshot {
    let btc = sym("BTCUSDT");
    let eth = sym("ETHUSDT");
    let sol = sym("SOLUSDT");
    let markets = [(&btc, 64_000), (&eth, 3_400), (&sol, 150)]
        .into_iter()
        .map(|(s, base)| {
            let history = history(base, points);
            let last = history.last().map(|(_, p)| *p);
            MarketView {
                symbol: s.clone(),
                state: FeedState::Connected,
                last_price: last,
                open_price: history.first().map(|(_, p)| *p),
                book: last.map(|l| book(s, (l * Decimal::ONE_HUNDRED).trunc().mantissa() as i64, levels)),
                history,
                last_update_ms: Some(T0 + 60_000),
            }
        })
        .collect();
    let mut orders = vec![
        order(1, &btc, Side::Buy, "0.010", "64050.00", OrderStatus::Submitted, Origin::Manual),
        order(
            2,
            &btc,
            Side::Sell,
            "0.005",
            "64120.00",
            OrderStatus::Accepted,
            Origin::Strategy("grid".into()),
        ),
        order(3, &eth, Side::Buy, "0.200", "3410.00", OrderStatus::Filled, Origin::Manual),
    ];
    let mut fills = vec![Fill {
        order_id: OrderId(3),
        symbol: eth.clone(),
        side: Side::Buy,
        price: dec("3410.00"),
        qty: dec("0.200"),
        fee: dec("0.68"),
        fee_asset: "USDT".into(),
        liquidity: Liquidity::Taker,
        ts_ms: T0 + 30_000,
    }];
    for i in 0..rows as u64 {
        orders.push(order(
            100 + i,
            &sol,
            Side::Sell,
            "1.0",
            "151.00",
            OrderStatus::Cancelled,
            Origin::Manual,
        ));
        fills.push(Fill {
            order_id: OrderId(100 + i),
            symbol: btc.clone(),
            side: if i % 2 == 0 { Side::Buy } else { Side::Sell },
            price: dec("64100.00"),
            qty: dec("0.001"),
            fee: dec("0.06"),
            fee_asset: "USDT".into(),
            liquidity: Liquidity::Maker,
            ts_ms: T0 + 20_000 + i as i64,
        });
    }
    let proposal = order(
        4,
        &btc,
        Side::Buy,
        "0.020",
        "64010.00",
        OrderStatus::PendingConfirmation,
        Origin::Strategy("mean-revert".into()),
    );
    let pending = vec![PendingOrder {
        order: proposal,
        checks: checks(&[
            ("price_band", CheckVerdict::Warn, "price 64010.00 is 0.1% below mid 64075.00, band ±5%"),
            ("clock_skew", CheckVerdict::Skip, "paper venue"),
        ]),
    }];
    let mut log: Vec<LogLine> = (0..6)
        .map(|i| LogLine { ts_ms: T0 + i * 10_000, kind: "info".into(), text: format!("engine event {i}") })
        .collect();
    log.push(LogLine {
        ts_ms: T0 + 61_000,
        kind: "pending".into(),
        text: "mean-revert proposes buy 0.020 BTCUSDT @ 64010.00".into(),
    });
    Snapshot {
        version: 7,
        venue: Some(Venue::Paper),
        approval: Some(Approval::Confirm),
        trading_state: Some(TradingState::Active),
        kill_switch: false,
        autonomy: Some(AutonomyBudget {
            max_orders: 10,
            max_notional: dec("1000"),
            orders_used: 0,
            notional_used: Decimal::ZERO,
        }),
        feed_name: "sim".into(),
        feed_state: Some(FeedState::Connected),
        feed_detail: String::new(),
        feed_latency_ms: Some(12),
        quote_asset: "USDT".into(),
        markets,
        balances: vec![
            ("USDT".into(), Balance { free: dec("8500.00"), locked: dec("640.50") }),
            ("BTC".into(), Balance { free: dec("0.015"), locked: dec("0.005") }),
        ],
        positions: vec![
            Position {
                symbol: btc.clone(),
                qty: dec("0.020"),
                avg_cost: dec("63800.00"),
                realized_pnl: dec("12.40"),
            },
            Position {
                symbol: eth.clone(),
                qty: dec("0.200"),
                avg_cost: dec("3410.68"),
                realized_pnl: Decimal::ZERO,
            },
        ],
        orders,
        fills,
        pending,
        equity: dec("10432.17"),
        pnl_today: dec("-23.55"),
        log,
        limits: vec![
            ("max_order_notional".into(), "2500 USDT".into()),
            ("max_position".into(), "5000 USDT per symbol".into()),
            ("daily_loss_limit".into(), "-200 USDT".into()),
            ("max_open_orders".into(), "10".into()),
        ],
    }
}
