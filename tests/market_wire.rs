//! Wire vectors from reference §1.5–§1.7 and §2.7: good payloads parse to the
//! right values, each malformed case is an error (never a panic or a guess).
#![allow(clippy::unwrap_used)]

use rust_decimal::Decimal;
use vigil::domain::{Side, Symbol, SymbolStatus};
use vigil::market::fixed::{FixedLevel, Scales};
use vigil::market::rest::{RestError, parse_exchange_info};
use vigil::market::wire::{DepthDiff, DepthSnapshot, Frame, WireError};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Binance's 8 decimals for prices and quantities, no range rule.
const EIGHT: Scales = Scales::plain(8, 8);

fn parse_frame(text: &str) -> Result<Frame<'_>, WireError> {
    vigil::market::wire::parse_frame(text, &EIGHT, &mut DepthDiff::default())
}

/// A level in units of 1e-8.
fn lv(p: &str, q: &str) -> FixedLevel {
    FixedLevel { price: EIGHT.price.from_decimal(d(p)).unwrap(), qty: EIGHT.qty.from_decimal(d(q)).unwrap() }
}

#[test]
fn barter_depth_sample_in_combined_wrapper() {
    let text = r#"{"stream":"ethusdt@depth@100ms","data":{"e":"depthUpdate","E":1671656397761,"s":"ETHUSDT","U":22611425143,"u":22611425151,
 "b":[["1209.67000000","85.48210000"],["1209.66000000","20.68790000"]],"a":[]}}"#;
    let mut diff = DepthDiff::default();
    let Frame::Depth { symbol } = vigil::market::wire::parse_frame(text, &EIGHT, &mut diff).unwrap() else {
        panic!()
    };
    assert_eq!(symbol, "ETHUSDT");
    assert_eq!(
        (diff.first_update_id, diff.final_update_id, diff.event_time),
        (22611425143, 22611425151, 1671656397761)
    );
    assert_eq!(diff.bids, vec![lv("1209.67", "85.4821"), lv("1209.66", "20.6879")]);
    assert!(diff.asks.is_empty());
}

#[test]
fn trade_payload_old_and_new_shape() {
    let new = r#"{"stream":"bnbbtc@trade","data":{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}}"#;
    let old = r#"{"stream":"bnbbtc@trade","data":{"e":"trade","E":1,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","b":88,"a":50,"T":7,"m":false,"M":true}}"#;
    let Frame::Trade(t) = parse_frame(new).unwrap() else { panic!() };
    assert_eq!(
        (t.symbol.as_ref(), t.price, t.qty, t.side, t.trade_time),
        ("BNBBTC", d("0.001"), d("100"), Side::Sell, 1672515782136)
    );
    let Frame::Trade(t) = parse_frame(old).unwrap() else { panic!() };
    assert_eq!((t.side, t.trade_time), (Side::Buy, 7));
}

#[test]
fn book_ticker_and_shutdown_forms() {
    let bt = r#"{"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}"#;
    let Frame::BookTicker(b) = parse_frame(bt).unwrap() else { panic!() };
    assert_eq!((b.symbol.as_ref(), b.update_id), ("BNBUSDT", 400900217));
    let combined = r#"{"stream": "!serverShutdown", "data": {"e": "serverShutdown", "E": 1770123456789}}"#;
    assert_eq!(parse_frame(combined).unwrap(), Frame::ServerShutdown);
    assert_eq!(parse_frame(r#"{"e": "serverShutdown", "E": 1770123456789}"#).unwrap(), Frame::ServerShutdown);
}

#[test]
fn unconsumed_but_valid_frames_are_unknown() {
    for text in [
        r#"{"result":null,"id":1}"#,
        r#"{"stream":"btcusdt@depth20@100ms","data":{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[]}}"#,
        r#"{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade"}}"#,
        r#"{"stream":"btcusdt@depth@100ms","data":{"e":"somethingNew","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]}}"#,
    ] {
        assert_eq!(parse_frame(text).unwrap(), Frame::Unknown, "{text}");
    }
}

#[test]
fn malformed_frames_are_errors() {
    let cases = [
        "",
        "{not json",
        "[1,2,3]",
        // numbers where Binance sends strings
        r#"{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[[1.5,2]],"a":[]}}"#,
        // missing u
        r#"{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":1,"b":[],"a":[]}}"#,
        // level with three entries
        r#"{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[["1","2","3"]],"a":[]}}"#,
        // not a decimal
        r#"{"stream":"x@trade","data":{"e":"trade","E":1,"s":"X","p":"abc","q":"1","T":1,"m":true}}"#,
    ];
    for text in cases {
        assert!(matches!(parse_frame(text), Err(WireError::Json(_) | WireError::Depth { .. })), "{text}");
    }
    let invalid = [
        r#"{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":5,"u":2,"b":[],"a":[]}}"#,
        r#"{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[["1","-2"]],"a":[]}}"#,
        r#"{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[],"a":[["0","1"]]}}"#,
        r#"{"stream":"x@trade","data":{"e":"trade","E":1,"s":"X","p":"1","q":"0","T":1,"m":true}}"#,
    ];
    for text in invalid {
        assert!(matches!(parse_frame(text), Err(WireError::Invalid(_) | WireError::Depth { .. })), "{text}");
    }
}

#[test]
fn rest_snapshot_vector() {
    let snap = DepthSnapshot::parse(
        r#"{"lastUpdateId": 1027024, "bids": [["4.00000000", "431.00000000"]], "asks": [["4.00000200", "12.00000000"]]}"#,
        &EIGHT,
        1000,
    )
    .unwrap();
    assert_eq!(snap.last_update_id, 1027024);
    assert_eq!(snap.bids, vec![lv("4", "431")]);
    assert_eq!(snap.asks, vec![lv("4.000002", "12")]);
    assert!(
        DepthSnapshot::parse(r#"{"lastUpdateId": 1, "bids": [["4", "-1"]], "asks": []}"#, &EIGHT, 10)
            .is_err()
    );
    assert!(DepthSnapshot::parse(r#"{"code":-1121,"msg":"Invalid symbol."}"#, &EIGHT, 10).is_err());
}

const ETHUSDT: &str = r#"{"symbol":"ETHUSDT","status":"TRADING","baseAsset":"ETH","baseAssetPrecision":8,"quoteAsset":"USDT","quoteAssetPrecision":8,
 "filters":[
  {"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1000000","tickSize":"0.01"},
  {"filterType":"LOT_SIZE","minQty":"0.0001","maxQty":"9000","stepSize":"0.0001"},
  {"filterType":"ICEBERG_PARTS","limit":10},
  {"filterType":"MIN_NOTIONAL","minNotional":"12.34567891","applyToMarket":true,"avgPriceMins":7},
  {"filterType":"NOTIONAL","minNotional":"23.45678912","maxNotional":"98.76543219","applyMinToMarket":false,"applyMaxToMarket":true,"avgPriceMins":3}]}"#;

#[test]
fn exchange_info_filters() {
    let body = format!(
        r#"{{"timezone":"UTC","serverTime":1565246363776,"rateLimits":[],"exchangeFilters":[],"symbols":[{ETHUSDT},
        {{"symbol":"BNBBTC","status":"BREAK","baseAsset":"BNB","quoteAsset":"BTC","filters":[
          {{"filterType":"PRICE_FILTER","minPrice":"0","maxPrice":"0","tickSize":"0.000001"}},
          {{"filterType":"LOT_SIZE","minQty":"0.01","maxQty":"100000","stepSize":"0.01"}}]}}]}}"#
    );
    let wanted = [Symbol::new("BNBBTC").unwrap(), Symbol::new("ETHUSDT").unwrap()];
    let inst = parse_exchange_info(&body, &wanted).unwrap();
    assert_eq!(inst[0].symbol.as_str(), "BNBBTC");
    assert_eq!(
        (inst[0].status, inst[0].min_notional, inst[0].max_price),
        (SymbolStatus::Break, d("0"), d("0"))
    );
    let eth = &inst[1];
    assert_eq!(
        (eth.base_asset.as_str(), eth.quote_asset.as_str(), eth.status),
        ("ETH", "USDT", SymbolStatus::Trading)
    );
    assert_eq!((eth.tick_size, eth.min_price, eth.max_price), (d("0.01"), d("0.01"), d("1000000")));
    assert_eq!((eth.step_size, eth.min_qty, eth.max_qty), (d("0.0001"), d("0.0001"), d("9000")));
    assert_eq!(eth.min_notional, d("23.45678912"), "the larger of NOTIONAL and MIN_NOTIONAL");

    let missing = parse_exchange_info(&body, &[Symbol::new("XRPUSDT").unwrap()]).unwrap_err();
    assert!(matches!(missing, RestError::Instrument { ref symbol, .. } if symbol == "XRPUSDT"), "{missing}");
    let no_lot = r#"{"symbols":[{"symbol":"AB","status":"TRADING","baseAsset":"A","quoteAsset":"B","filters":[
        {"filterType":"PRICE_FILTER","minPrice":"0","maxPrice":"0","tickSize":"0.1"}]}]}"#;
    let err = parse_exchange_info(no_lot, &[Symbol::new("AB").unwrap()]).unwrap_err();
    assert!(err.to_string().contains("LOT_SIZE"), "{err}");
}
