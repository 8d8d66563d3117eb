#![allow(clippy::unwrap_used)]

use rust_decimal::Decimal;

use super::*;
use crate::domain::{Instrument, OrderType, Origin, Symbol, SymbolStatus};
use crate::market::{BookUpdate, Level, Trade};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn instrument() -> Instrument {
    Instrument {
        symbol: Symbol::new("BTCUSDT").unwrap(),
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
    }
}

fn trade(price: &str, ts_ms: i64) -> MarketEvent {
    let side = Side::Buy;
    MarketEvent::Trade(Trade {
        symbol: Symbol::new("BTCUSDT").unwrap(),
        price: d(price),
        qty: d("1"),
        side,
        ts_ms,
    })
}

fn ctx<'a>(
    inst: &'a Instrument,
    position: &str,
    working: &'a [(Side, Option<Decimal>)],
) -> StrategyContext<'a> {
    StrategyContext { instrument: inst, position_qty: d(position), working }
}

#[test]
fn sma_cross_buys_on_bullish_cross_and_sells_on_bearish() {
    let inst = instrument();
    let config = SmaCrossConfig { fast: 2, slow: 4, sample_ms: 1, ..SmaCrossConfig::default() };
    let mut s = SmaCross::new(config);
    let mut out = Vec::new();
    for (i, px) in ["100", "99", "98", "97", "96", "110"].iter().enumerate() {
        out.extend(s.on_event(&trade(px, i as i64 * 10), &ctx(&inst, "0", &[])));
    }
    assert_eq!(out.len(), 1, "one buy on the upward cross: {out:?}");
    assert_eq!((out[0].side, out[0].qty, out[0].order_type), (Side::Buy, d("0.001"), OrderType::Market));
    assert_eq!(out[0].origin, Origin::Strategy("sma-cross".into()));

    let mut out = Vec::new();
    for (i, px) in ["120", "80", "70"].iter().enumerate() {
        out.extend(s.on_event(&trade(px, 100 + i as i64 * 10), &ctx(&inst, "0.001", &[])));
    }
    assert_eq!(out.len(), 1, "one sell of the holding on the downward cross: {out:?}");
    assert_eq!((out[0].side, out[0].qty), (Side::Sell, d("0.001")));
}

#[test]
fn sma_cross_stays_quiet_while_it_has_working_orders() {
    let inst = instrument();
    let config = SmaCrossConfig { fast: 1, slow: 2, sample_ms: 1, ..SmaCrossConfig::default() };
    let mut s = SmaCross::new(config);
    let working = [(Side::Buy, None)];
    let mut out = Vec::new();
    for (i, px) in ["100", "90", "80", "120"].iter().enumerate() {
        out.extend(s.on_event(&trade(px, i as i64 * 10), &ctx(&inst, "0", &working)));
    }
    assert!(out.is_empty());
}

#[test]
fn grid_places_buy_rungs_on_tick_and_sells_only_what_is_held() {
    let inst = instrument();
    let mut g = Grid::new(GridConfig { levels: 2, spacing_pct: d("1"), ..GridConfig::default() });
    let book = MarketEvent::Book(BookUpdate {
        symbol: Symbol::new("BTCUSDT").unwrap(),
        seq: 1,
        bids: vec![Level { price: d("99.995"), qty: d("1") }],
        asks: vec![Level { price: d("100.005"), qty: d("1") }],
        ts_ms: 1,
    });
    let flat = g.on_event(&book, &ctx(&inst, "0", &[]));
    let prices: Vec<_> = flat.iter().map(|i| (i.side, i.price.unwrap())).collect();
    assert_eq!(prices, vec![(Side::Buy, d("99")), (Side::Buy, d("98"))]);

    let working = [(Side::Buy, Some(d("99"))), (Side::Buy, Some(d("98")))];
    let holding = g.on_event(&book, &ctx(&inst, "0.001", &working));
    let prices: Vec<_> = holding.iter().map(|i| (i.side, i.price.unwrap())).collect();
    assert_eq!(prices, vec![(Side::Sell, d("101"))], "one rung's worth held, one sell");
}

#[test]
fn build_knows_both_names() {
    for name in NAMES {
        assert_eq!(build(name, &StrategiesConfig::default()).unwrap().name(), name);
    }
    assert!(build("martingale", &StrategiesConfig::default()).is_none());
}
