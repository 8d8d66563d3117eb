#![allow(clippy::unwrap_used)]

use super::*;
use crate::domain::{OrderIntent, OrderStatus, Origin};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn sym() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

fn book() -> BookUpdate {
    BookUpdate {
        symbol: sym(),
        seq: 1,
        bids: vec![Level { price: d("99"), qty: d("1") }, Level { price: d("98"), qty: d("2") }],
        asks: vec![Level { price: d("101"), qty: d("1") }, Level { price: d("102"), qty: d("2") }],
        ts_ms: 1,
    }
}

fn order(id: u64, side: Side, order_type: OrderType, qty: &str, price: Option<&str>) -> Order {
    Order {
        id: OrderId(id),
        client_id: format!("t{id}"),
        venue_order_id: None,
        intent: OrderIntent {
            symbol: sym(),
            side,
            order_type,
            qty: d(qty),
            price: price.map(d),
            origin: Origin::Manual,
            tif: crate::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
        },
        status: OrderStatus::Submitted,
        filled_qty: Decimal::ZERO,
        filled_quote: Decimal::ZERO,
        realized_pnl: Decimal::ZERO,
        created_ms: 0,
        updated_ms: 0,
        reason: None,
    }
}

#[test]
fn market_buy_walks_the_asks_and_pays_taker_fees() {
    let mut broker = PaperBroker::new(FeeSchedule::default());
    let (fills, done) =
        broker.submit(&order(1, Side::Buy, OrderType::Market, "2.5", None), &book(), "USDT", 5);
    assert!(done);
    let got: Vec<_> = fills.iter().map(|f| (f.price, f.qty, f.liquidity)).collect();
    assert_eq!(got, vec![(d("101"), d("1"), Liquidity::Taker), (d("102"), d("1.5"), Liquidity::Taker)]);
    assert_eq!(fills[1].fee, d("0.153")); // 102 * 1.5 * 0.001
    assert_eq!(fills[0].fee_asset, "USDT");
}

#[test]
fn market_order_larger_than_the_book_fills_what_is_there() {
    let mut broker = PaperBroker::new(FeeSchedule::default());
    let (fills, done) =
        broker.submit(&order(1, Side::Sell, OrderType::Market, "10", None), &book(), "USDT", 5);
    assert!(done);
    assert_eq!(fills.iter().map(|f| f.qty).sum::<Decimal>(), d("3"));
    assert_eq!(broker.resting_count(), 0);
}

#[test]
fn marketable_limit_takes_to_its_price_then_rests() {
    let mut broker = PaperBroker::new(FeeSchedule::default());
    let (fills, done) =
        broker.submit(&order(1, Side::Buy, OrderType::Limit, "2", Some("101")), &book(), "USDT", 5);
    assert!(!done);
    assert_eq!(fills.len(), 1);
    assert_eq!((fills[0].price, fills[0].qty), (d("101"), d("1")));
    assert_eq!(broker.resting_count(), 1);
}

#[test]
fn resting_limit_fills_only_when_traded_through() {
    let mut broker = PaperBroker::new(FeeSchedule { maker: d("0.0005"), taker: d("0.001") });
    let o = order(7, Side::Buy, OrderType::Limit, "1", Some("100"));
    let (fills, _) = broker.submit(&o, &book(), "USDT", 5);
    assert!(fills.is_empty());
    let at = Trade { symbol: sym(), price: d("100"), qty: d("5"), side: Side::Sell, ts_ms: 6 };
    assert!(broker.on_trade(&at).is_empty(), "a print AT the limit is not through it");
    let through = Trade { price: d("99.5"), qty: d("0.4"), ..at };
    let fills = broker.on_trade(&through);
    assert_eq!(fills.len(), 1);
    let (id, fill) = &fills[0];
    assert_eq!(*id, OrderId(7));
    assert_eq!((fill.price, fill.qty, fill.liquidity), (d("100"), d("0.4"), Liquidity::Maker));
    assert_eq!(fill.fee, d("0.02")); // 100 * 0.4 * 0.0005
    assert_eq!(broker.resting_count(), 1, "0.6 still resting");
}

#[test]
fn resting_sell_fills_when_bids_move_above_it() {
    let mut broker = PaperBroker::new(FeeSchedule::default());
    broker.submit(&order(3, Side::Sell, OrderType::Limit, "1", Some("103")), &book(), "USDT", 5);
    let mut moved = book();
    moved.bids = vec![Level { price: d("104"), qty: d("3") }];
    let fills = broker.on_book(&moved);
    assert_eq!(fills.len(), 1);
    assert_eq!((fills[0].1.price, fills[0].1.qty), (d("103"), d("1")));
    assert_eq!(broker.resting_count(), 0);
}

#[test]
fn cancel_and_restore() {
    let mut broker = PaperBroker::new(FeeSchedule::default());
    let o = order(4, Side::Buy, OrderType::Limit, "1", Some("90"));
    broker.submit(&o, &book(), "USDT", 5);
    assert!(broker.cancel(OrderId(4)));
    assert!(!broker.cancel(OrderId(4)));
    broker.restore(&o, "USDT");
    assert_eq!(broker.resting_count(), 1);
}

#[test]
fn a_stop_limit_is_held_until_a_trade_reaches_its_trigger_and_survives_a_restart() {
    let trade =
        |price: &str| Trade { symbol: sym(), price: d(price), qty: d("1"), side: Side::Buy, ts_ms: 2 };
    let mut stop = order(9, Side::Sell, OrderType::Limit, "1", Some("95"));
    stop.intent.stop = Some(StopTrigger { kind: crate::domain::StopKind::StopLoss, price: d("96") });
    stop.status = OrderStatus::AwaitingTrigger;
    let mut broker = PaperBroker::default();
    assert!(broker.hold(&stop));
    assert!(
        !broker.hold(&order(3, Side::Sell, OrderType::Limit, "1", Some("95"))),
        "no trigger, nothing held"
    );
    assert!(broker.triggered(&trade("97")).is_empty(), "a sell stop-loss fires at or below its stop");
    assert!(broker.on_trade(&trade("90")).is_empty(), "untriggered, it is not on the book");
    let mut restarted = PaperBroker::default();
    restarted.restore(&stop, "USDT");
    assert_eq!((restarted.waiting_count(), restarted.resting_count()), (1, 0));
    assert_eq!(restarted.triggered(&trade("96")), vec![OrderId(9)]);
    assert_eq!(restarted.waiting_count(), 0);
    assert!(broker.cancel(OrderId(9)), "a waiting order can be cancelled");
    assert!(broker.triggered(&trade("90")).is_empty());
}
