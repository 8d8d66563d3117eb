//! A healthy paper-trading world for gate tests: BTCUSDT with mid 100
//! (bid 99.9 / ask 100.1), 10000 USDT and 2 BTC free, nothing open, no losses.
//! Each test bends one thing and looks at one check.
#![allow(clippy::unwrap_used, dead_code)]

use std::str::FromStr;

use vigil::domain::{
    Approval, Balance, Decimal, Instrument, Order, OrderId, OrderIntent, OrderStatus, OrderType, Origin,
    Position, Side, Symbol, SymbolStatus, TradingState, Venue,
};
use vigil::domain::{FeedState, Level};
use vigil::risk::{
    BudgetLeft, CheckId, CheckResult, ExchangeUsage, FeedView, GateResult, KeyPermissions, Limits,
    LiveArming, RiskSnapshot, Submission, evaluate,
};

/// The fixed "now" of every test.
pub const NOW: i64 = 1_700_000_000_000;

/// A decimal from text, so tests read like the numbers they mean.
pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

pub fn level(price: &str, qty: &str) -> Level {
    Level { price: d(price), qty: d(qty) }
}

/// A limit order intent.
pub fn limit(side: Side, qty: &str, price: &str) -> OrderIntent {
    OrderIntent {
        symbol: sym("BTCUSDT"),
        side,
        order_type: OrderType::Limit,
        qty: d(qty),
        price: Some(d(price)),
        origin: Origin::Manual,
        tif: vigil::domain::TimeInForce::Gtc,
        post_only: false,
        quote_qty: None,
        stop: None,
    }
}

/// A market order intent.
pub fn market(side: Side, qty: &str) -> OrderIntent {
    OrderIntent { order_type: OrderType::Market, price: None, ..limit(side, qty, "1") }
}

/// An order the engine knows, in `status`.
pub fn order(id: u64, intent: OrderIntent, status: OrderStatus) -> Order {
    Order {
        id: OrderId(id),
        client_id: format!("vigil-{id}"),
        venue_order_id: None,
        intent,
        status,
        filled_qty: Decimal::ZERO,
        filled_quote: Decimal::ZERO,
        realized_pnl: Decimal::ZERO,
        created_ms: NOW - 10_000,
        updated_ms: NOW - 10_000,
        reason: None,
    }
}

/// A recent submission of a limit order `age_ms` ago.
pub fn sent(side: Side, qty: &str, price: Option<&str>, age_ms: i64) -> Submission {
    Submission { symbol: sym("BTCUSDT"), side, qty: d(qty), price: price.map(d), ts_ms: NOW - age_ms }
}

pub fn btcusdt() -> Instrument {
    Instrument {
        symbol: sym("BTCUSDT"),
        base_asset: "BTC".into(),
        quote_asset: "USDT".into(),
        status: SymbolStatus::Trading,
        tick_size: d("0.01"),
        min_price: d("0.01"),
        max_price: d("1000000"),
        step_size: d("0.001"),
        min_qty: d("0.001"),
        max_qty: d("1000"),
        min_notional: d("10"),
    }
}

/// Owned engine state; [`World::snap`] borrows it as the gate's snapshot.
#[derive(Debug, Clone)]
pub struct World {
    pub venue: Venue,
    pub approval: Approval,
    pub trading_state: TradingState,
    pub kill_switch: bool,
    pub live: LiveArming,
    pub autonomy: Option<BudgetLeft>,
    pub instrument: Option<Instrument>,
    pub feed: FeedView,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    pub balances: Vec<(String, Balance)>,
    pub positions: Vec<Position>,
    pub orders: Vec<Order>,
    pub submissions: Vec<Submission>,
    pub equity: Decimal,
    pub peak_equity: Decimal,
    pub realized_pnl_today: Decimal,
    pub unrealized_pnl: Decimal,
    pub losing_streak: u32,
    pub last_loss_ms: Option<i64>,
    pub clock_skew_ms: Option<i64>,
    pub key_permissions: Option<KeyPermissions>,
    pub exchange: Option<ExchangeUsage<'static>>,
    pub fee_rate: Option<Decimal>,
}

impl World {
    /// The healthy paper world.
    pub fn new() -> Self {
        Self {
            venue: Venue::Paper,
            approval: Approval::Confirm,
            trading_state: TradingState::Active,
            kill_switch: false,
            live: LiveArming::default(),
            autonomy: None,
            instrument: Some(btcusdt()),
            feed: FeedView { state: FeedState::Synced, last_update_ms: Some(NOW - 100) },
            bids: vec![level("99.9", "1"), level("99.8", "5"), level("99", "50")],
            asks: vec![level("100.1", "1"), level("100.9", "1"), level("101", "50")],
            balances: vec![
                ("USDT".into(), Balance { free: d("10000"), locked: Decimal::ZERO }),
                ("BTC".into(), Balance { free: d("2"), locked: Decimal::ZERO }),
            ],
            positions: vec![Position {
                symbol: sym("BTCUSDT"),
                qty: d("2"),
                avg_cost: d("95"),
                realized_pnl: d("0"),
            }],
            orders: Vec::new(),
            submissions: Vec::new(),
            equity: d("10200"),
            peak_equity: d("10200"),
            realized_pnl_today: Decimal::ZERO,
            unrealized_pnl: Decimal::ZERO,
            losing_streak: 0,
            last_loss_ms: None,
            clock_skew_ms: None,
            key_permissions: None,
            exchange: None,
            fee_rate: None,
        }
    }

    /// The same world on an armed live venue with a trade-only key and a synced clock.
    pub fn live() -> Self {
        Self {
            venue: Venue::Live,
            live: LiveArming {
                keystore_unlocked: true,
                key_verified: true,
                reconciling: false,
                test_key: false,
            },
            clock_skew_ms: Some(20),
            key_permissions: Some(KeyPermissions { can_trade: true, ..KeyPermissions::default() }),
            ..Self::new()
        }
    }

    pub fn snap(&self) -> RiskSnapshot<'_> {
        RiskSnapshot {
            venue: self.venue,
            approval: self.approval,
            trading_state: self.trading_state,
            kill_switch: self.kill_switch,
            live: self.live,
            autonomy: self.autonomy,
            instrument: self.instrument.as_ref(),
            feed: self.feed,
            bids: &self.bids,
            asks: &self.asks,
            last_price: None,
            balances: &self.balances,
            positions: &self.positions,
            open_orders: &self.orders,
            recent_submissions: &self.submissions,
            equity: self.equity,
            peak_equity: self.peak_equity,
            realized_pnl_today: self.realized_pnl_today,
            unrealized_pnl: self.unrealized_pnl,
            losing_streak: self.losing_streak,
            last_loss_ms: self.last_loss_ms,
            clock_skew_ms: self.clock_skew_ms,
            key_permissions: self.key_permissions,
            exchange: self.exchange,
            fee_rate: self.fee_rate,
        }
    }

    /// Sets the free and locked balance of `asset`.
    pub fn set_balance(&mut self, asset: &str, free: &str, locked: &str) {
        self.balances.retain(|(a, _)| a != asset);
        self.balances.push((asset.into(), Balance { free: d(free), locked: d(locked) }));
    }

    /// Runs the whole gate.
    pub fn gate(&self, intent: &OrderIntent, limits: &Limits) -> GateResult {
        evaluate(intent, &self.snap(), limits, NOW)
    }

    /// Runs the gate and returns one check's result.
    pub fn check(&self, intent: &OrderIntent, limits: &Limits, id: CheckId) -> CheckResult {
        self.gate(intent, limits).get(id).cloned().unwrap()
    }
}

/// The limits the tests use: the defaults (documented in Limits).
pub fn limits() -> Limits {
    Limits::default()
}

/// Asserts the verdict and that the detail mentions every `needle`.
#[track_caller]
pub fn assert_check(r: &CheckResult, verdict: vigil::risk::Verdict, needles: &[&str]) {
    assert_eq!(r.verdict, verdict, "{}: {}", r.id, r.detail);
    for n in needles {
        assert!(r.detail.contains(n), "{} detail {:?} lacks {:?}", r.id, r.detail, n);
    }
}
