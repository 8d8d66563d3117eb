//! A deterministic engine snapshot for screen tests and the render bench: fixed prices,
//! fixed timestamps, sizes chosen by the caller. Check verdicts and controls come from the
//! real gate and the real state machine, never written by hand.
#![allow(dead_code)] // shared by several test crates and the render bench; each uses a part

use std::str::FromStr;

use rust_decimal::Decimal;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use vigil::domain::{
    Balance, FeedState, Fill, Instrument, Level, Liquidity, Order, OrderId, OrderIntent, OrderStatus,
    OrderType, Origin, Position, Side, Symbol, SymbolCatalog, SymbolStatus, Venue,
};
use vigil::engine::{
    Cause, Change, CheckLine, Controls, ControlsRecorder, LogLine, MarketView, OnShutdown, PendingOrder,
    Snapshot, Transition, check_lines, limits_view,
};

use vigil::market::{BookUpdate, CandleSeries, Candles, Interval, Print, Ticker24h};
use vigil::risk::{self, FeedView, Limits, LiveArming, RiskSnapshot};
use vigil::sim::{KlineBook, SimEvent, SimMarket, SymbolSpec};
use vigil::store::Actor;

/// 2023-11-14 22:13:20 UTC.
pub const T0: i64 = 1_700_000_000_000;

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
}

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap_or_else(|_| panic!("bad symbol {s}"))
}

/// The engine's clock in the fixture: a moment after the books' last update.
pub const NOW: i64 = T0 + 60_500;

/// The symbol catalog the fixture's engine offers the search: the
/// simulator's own listing (every preset it serves in `exchangeInfo`).
pub fn catalog() -> SymbolCatalog {
    let presets = vigil::sim::SymbolSpec::preset_names();
    SymbolCatalog::new(
        presets
            .iter()
            .filter_map(|name| vigil::sim::SymbolSpec::preset(&sym(name)))
            .map(|spec| spec.instrument)
            .collect(),
    )
}

/// The fixture's instrument for `symbol`: the simulator's listing (its `exchangeInfo`
/// filters mirror Binance's), else Binance-like defaults.
pub fn instrument(symbol: &Symbol) -> Instrument {
    if let Some(spec) = vigil::sim::SymbolSpec::preset(symbol) {
        return spec.instrument;
    }
    let base = symbol.as_str().trim_end_matches("USDT");
    Instrument {
        symbol: symbol.clone(),
        base_asset: base.into(),
        quote_asset: "USDT".into(),
        status: SymbolStatus::Trading,
        tick_size: dec("0.01"),
        min_price: dec("0.01"),
        max_price: dec("1000000"),
        step_size: dec("0.00001"),
        min_qty: dec("0.00001"),
        max_qty: dec("9000"),
        min_notional: dec("5"),
    }
}

/// The real gate's verdicts on `intent` against the fixture's account and
/// books: paper venue, `snap`'s controls, default limits, at [`NOW`].
pub fn gate(snap: &Snapshot, intent: &OrderIntent) -> Vec<CheckLine> {
    let limits = Limits::default();
    let instrument = instrument(&intent.symbol);
    let market = snap.markets.iter().find(|m| m.symbol == intent.symbol);
    let book = market.and_then(|m| m.book.as_ref());
    let open: Vec<Order> = snap.orders.iter().filter(|o| o.status.is_open()).cloned().collect();
    let risk_snapshot = RiskSnapshot {
        venue: Venue::Paper,
        approval: snap.controls.approval(),
        trading_state: snap.controls.trading_state(),
        kill_switch: snap.controls.kill_switch(),
        live: LiveArming::default(),
        autonomy: None,
        instrument: Some(&instrument),
        feed: FeedView {
            state: market.map_or(FeedState::Connecting, |m| m.state),
            last_update_ms: market.and_then(|m| m.last_update_ms),
        },
        bids: book.map_or(&[], |b| &b.bids),
        asks: book.map_or(&[], |b| &b.asks),
        last_price: market.and_then(|m| m.last_price),
        balances: &snap.balances,
        positions: &snap.positions,
        open_orders: &open,
        recent_submissions: &[],
        equity: snap.equity,
        peak_equity: snap.equity,
        realized_pnl_today: Decimal::ZERO,
        unrealized_pnl: Decimal::ZERO,
        losing_streak: 0,
        last_loss_ms: None,
        clock_skew_ms: None,
        key_permissions: None,
        exchange: None,
        fee_rate: Some(dec("0.001")),
    };
    check_lines(&risk::evaluate(intent, &risk_snapshot, &limits, NOW).checks)
}

/// A limit intent typed by a person.
pub fn limit(symbol: &str, side: Side, qty: &str, price: &str) -> OrderIntent {
    OrderIntent {
        symbol: sym(symbol),
        side,
        order_type: OrderType::Limit,
        qty: dec(qty),
        price: Some(dec(price)),
        origin: Origin::Manual,
        tif: vigil::domain::TimeInForce::Gtc,
        post_only: false,
        quote_qty: None,
        stop: None,
    }
}

/// Controls after `change` by `actor`, through the real state machine.
pub fn controls(change: Change, actor: Actor) -> Controls {
    struct Discard;
    impl ControlsRecorder for Discard {
        fn record(&mut self, _: &Transition) -> Result<(), String> {
            Ok(())
        }
    }
    let mut controls = Controls::confirm();
    let why = match change {
        Change::Halt => "drawdown 12.0% from peak, limit 10%",
        _ => "the operator",
    };
    controls.apply(change, Cause::new(actor, why, T0), &mut Discard).expect("a legal change");
    controls
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
        venue_order_id: None,
        intent: OrderIntent {
            symbol: symbol.clone(),
            side,
            order_type: OrderType::Limit,
            qty: dec(qty),
            price: Some(dec(price)),
            origin,
            tif: vigil::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
        },
        status,
        filled_qty: if status == OrderStatus::Filled { dec(qty) } else { Decimal::ZERO },
        filled_quote: Decimal::ZERO,
        realized_pnl: Decimal::ZERO,
        created_ms: T0 + id as i64 * 1_000,
        updated_ms: T0 + id as i64 * 1_000,
        reason: None,
    }
}

/// What the real simulator prints for one symbol: candles built by its kline
/// store, the 24 h figures of the same trades, and the last trades.
pub struct SimData {
    pub candles: Candles,
    pub ticker: Ticker24h,
    pub prints: VecDeque<Print>,
}

/// Seconds between two simulator steps in the fixture's history.
const SIM_STEP_MS: i64 = 20_000;
/// Steps of history: about 7 days, so even the 1d chart has several candles.
const SIM_STEPS: i64 = 30_000;

/// Runs the real simulator market (seed 7, default symbols) for [`SIM_STEPS`]
/// steps ending at [`NOW`], stamping step `i` at a fixed time, and keeps what
/// a client would have received: candles per timeframe, 24 h ticker, tape.
pub fn sim_market_data() -> BTreeMap<Symbol, SimData> {
    let mut market = SimMarket::new(7, SymbolSpec::defaults()).expect("default sim symbols");
    // Per symbol: the sim's kline store, the tape, and (time, price, qty) of every trade.
    type Printed = (KlineBook, VecDeque<Print>, Vec<(i64, Decimal, Decimal)>);
    let mut books: BTreeMap<Symbol, Printed> = BTreeMap::new();
    let start = NOW - SIM_STEPS * SIM_STEP_MS;
    for step in 0..SIM_STEPS {
        let now = start + step * SIM_STEP_MS;
        for event in market.step() {
            let SimEvent::Trade(t) = event else { continue };
            let (klines, prints, day) = books.entry(t.symbol.clone()).or_default();
            klines.record(now, &t);
            let side = if t.buyer_is_maker { Side::Sell } else { Side::Buy };
            prints.push_back(Print { ts_ms: now, price: t.price, qty: t.qty, side });
            if prints.len() > 200 {
                prints.pop_front();
            }
            day.push((now, t.price, t.qty));
        }
    }
    books
        .into_iter()
        .map(|(symbol, (mut klines, prints, trades))| {
            let mut candles = Candles::default();
            for interval in Interval::ALL {
                let series = klines.query(interval, None, None, CandleSeries::CAPACITY, NOW);
                *candles.get_mut(interval) = CandleSeries::from_candles(series);
            }
            let day: Vec<_> = trades.into_iter().filter(|(ts, _, _)| *ts > NOW - 86_400_000).collect();
            let open = day.first().map_or(Decimal::ZERO, |t| t.1);
            let last = day.last().map_or(Decimal::ZERO, |t| t.1);
            let high = day.iter().map(|t| t.1).max().unwrap_or_default();
            let low = day.iter().map(|t| t.1).min().unwrap_or_default();
            let volume: Decimal = day.iter().map(|t| t.2).sum();
            let quote_volume: Decimal = day.iter().map(|t| t.1 * t.2).sum();
            let top = market.index_of(&symbol).and_then(|i| market.top_of_book(i));
            let (bid, ask) = top.map_or((Decimal::ZERO, Decimal::ZERO), |(_, b, a)| (b.price, a.price));
            let price_change = last - open;
            let mut pct = (price_change * Decimal::ONE_HUNDRED).checked_div(open).unwrap_or_default();
            pct.rescale(3);
            let ticker = Ticker24h {
                price_change,
                price_change_pct: pct,
                last,
                open,
                high,
                low,
                volume,
                quote_volume,
                bid,
                ask,
                event_time: NOW,
            };
            (symbol, SimData { candles, ticker, prints })
        })
        .collect()
}

/// The fixture: 3 markets with `points` history points and `levels` book levels per side,
/// and `rows` extra closed orders and fills (for table-heavy frames).
pub fn snapshot(levels: usize, points: usize, rows: usize) -> Snapshot {
    let btc = sym("BTCUSDT");
    let eth = sym("ETHUSDT");
    let sol = sym("SOLUSDT");
    let sim = sim_market_data();
    let markets = [(&btc, 64_000), (&eth, 3_400), (&sol, 150)]
        .into_iter()
        .map(|(s, base)| {
            let history = history(base, points);
            let last = history.last().map(|(_, p)| *p);
            let filters = instrument(s);
            let tape = sim.get(s);
            MarketView {
                tick_size: Some(filters.tick_size.normalize()),
                step_size: Some(filters.step_size.normalize()),
                base_asset: filters.base_asset,
                quote_asset: filters.quote_asset,
                stale_after_ms: Limits::default().stale_after_ms,
                symbol: s.clone(),
                state: FeedState::Synced,
                last_price: last,
                open_price: history.first().map(|(_, p)| *p),
                book: last.map(|l| book(s, (l * Decimal::ONE_HUNDRED).trunc().mantissa() as i64, levels)),
                history,
                last_update_ms: Some(T0 + 60_000),
                candles: tape.map(|t| t.candles.clone()).unwrap_or_default(),
                ticker: tape.map(|t| t.ticker.clone()),
                tape: tape.map(|t| Arc::new(t.prints.clone())).unwrap_or_default(),
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
            OrderStatus::Submitted,
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
        trade_id: None,
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
            trade_id: None,
        });
    }
    let mut proposal = order(
        4,
        &btc,
        Side::Buy,
        "0.010",
        "64010.00",
        OrderStatus::PendingConfirmation,
        Origin::Strategy("grid".into()),
    );
    proposal.created_ms = T0 + 50_000;
    let mut log: Vec<LogLine> = (0..6)
        .map(|i| LogLine {
            seq: i as u64 + 1,
            ts_ms: T0 + i * 10_000,
            kind: "info".into(),
            text: format!("engine event {i}"),
        })
        .collect();
    log.push(LogLine {
        seq: 7,
        ts_ms: T0 + 50_000,
        kind: "pending".into(),
        text: "#4 buy 0.010 BTCUSDT limit 64010.00 awaits confirmation".into(),
    });
    let mut snapshot = Snapshot {
        version: 7,
        now_ms: NOW,
        venue: Some(Venue::Paper),
        venue_label: "simulated fills against the sim book".into(),
        live: None,
        controls: Controls::confirm(),
        on_shutdown: OnShutdown::Leave,
        strategies: vec!["grid".into()],
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
        pending: Vec::new(),
        equity: dec("10432.17"),
        pnl_today: dec("-23.55"),
        log,
        limits: limits_view(&Limits::default()),
        // The simulator's listing: the filters the real engine would carry.
        instruments: [&btc, &eth]
            .iter()
            .filter_map(|s| vigil::sim::SymbolSpec::preset(s))
            .map(|spec| spec.instrument)
            .collect(),
        fee_rate: dec("0.001"),
        feed_since_ms: Some(T0),
        quiet_strategies: Vec::new(),
        started_ms: 0,
        symbols: std::sync::Arc::new(catalog()),
    };
    let checks = gate(&snapshot, &proposal.intent);
    let expires_ms = proposal.created_ms + 30_000;
    snapshot.pending = vec![PendingOrder { order: proposal, checks, expires_ms }];
    snapshot
}
