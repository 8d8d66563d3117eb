//! Candles, the 24 h ticker and the tape from the simulator over loopback, the
//! way vigil reads them from Binance: `GET /api/v3/klines` backfill through the
//! bounded REST client, the `@kline_<interval>` and `@ticker` streams through
//! the feed, and the wire rules (limits honoured, impossible values refused).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use rust_decimal::Decimal;
use serde_json::Value;
use vigil::domain::{Side, Symbol};
use vigil::market::fixed::Scales;
use vigil::market::rest::RestClient;
use vigil::market::wire::{DepthDiff, Frame, WireError};
use vigil::market::{FeedConfig, Interval, MarketEvent, RestError};
use vigil::sim::{SimConfig, SimHandle};

/// A guard against a hung test, not a timing assertion.
const GUARD: Duration = Duration::from_secs(20);

async fn sim() -> SimHandle {
    vigil::sim::start(SimConfig { seed: 11, rate_per_sec: 200, ..SimConfig::default() }).await.unwrap()
}

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

async fn get_json(url: String) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// Waits until the simulator has printed at least one trade for BTCUSDT.
async fn wait_for_trades(rest: &str) {
    tokio::time::timeout(GUARD, async {
        loop {
            let t = get_json(format!("{rest}/api/v3/ticker/24hr?symbol=BTCUSDT")).await;
            if t["count"].as_u64().unwrap() > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn sim_klines_agree_with_its_24h_ticker_in_every_interval() {
    let h = sim().await;
    let rest = h.rest_url();
    wait_for_trades(&rest).await;
    // The market keeps stepping between two requests: retry until a pair of
    // reads saw the same trades (same count before and after the klines).
    let agreed = tokio::time::timeout(GUARD, async {
        loop {
            let before = get_json(format!("{rest}/api/v3/ticker/24hr?symbol=BTCUSDT")).await;
            let mut per_interval = Vec::new();
            for i in Interval::ALL {
                per_interval
                    .push(get_json(format!("{rest}/api/v3/klines?symbol=BTCUSDT&interval={i}")).await);
            }
            let after = get_json(format!("{rest}/api/v3/ticker/24hr?symbol=BTCUSDT")).await;
            if before["count"] == after["count"] {
                return (after, per_interval);
            }
        }
    })
    .await
    .unwrap();
    let (ticker, per_interval) = agreed;
    for (interval, rows) in Interval::ALL.iter().zip(&per_interval) {
        let rows = rows.as_array().unwrap();
        assert!(!rows.is_empty(), "{interval}");
        let volume: Decimal = rows.iter().map(|r| dec(&r[5])).sum();
        let trades: u64 = rows.iter().map(|r| r[8].as_u64().unwrap()).sum();
        let high = rows.iter().map(|r| dec(&r[2])).max().unwrap();
        let low = rows.iter().map(|r| dec(&r[3])).min().unwrap();
        assert_eq!(volume, dec(&ticker["volume"]), "{interval} volume");
        assert_eq!(trades, ticker["count"].as_u64().unwrap(), "{interval} trade count");
        assert_eq!((high, low), (dec(&ticker["highPrice"]), dec(&ticker["lowPrice"])), "{interval}");
        assert_eq!(dec(&rows.last().unwrap()[4]), dec(&ticker["lastPrice"]), "{interval} close");
        for r in rows {
            let open = r[0].as_i64().unwrap();
            assert_eq!(open % interval.ms(), 0, "{interval} candles open on the interval");
            assert_eq!(r[6].as_i64().unwrap(), open + interval.ms() - 1);
        }
    }
    h.shutdown().await;
}

#[tokio::test]
async fn sim_klines_take_limit_start_and_end_like_binance() {
    let h = sim().await;
    let rest = h.rest_url();
    wait_for_trades(&rest).await;
    let all = get_json(format!("{rest}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2")).await;
    let all = all.as_array().unwrap();
    assert!(all.len() <= 2 && !all.is_empty());
    let open = all[0][0].as_i64().unwrap();
    let none =
        get_json(format!("{rest}/api/v3/klines?symbol=BTCUSDT&interval=1m&endTime={}", open - 1)).await;
    assert_eq!(none.as_array().unwrap().len(), 0);
    let from =
        get_json(format!("{rest}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={open}&limit=1")).await;
    assert_eq!(from[0][0].as_i64(), Some(open));
    for (query, code) in [
        ("symbol=BTCUSDT&interval=2m", -1120),
        ("symbol=BTCUSDT", -1102),
        ("symbol=NOPE&interval=1m", -1121),
        ("symbol=BTCUSDT&interval=1m&limit=1001", -1100),
        ("symbol=BTCUSDT&interval=1m&startTime=5&endTime=4", -1023),
    ] {
        let resp = reqwest::get(format!("{rest}/api/v3/klines?{query}")).await.unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{query}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"].as_i64(), Some(code), "{query}: {body}");
    }
    let client = RestClient::new(&rest).unwrap();
    let candles = client.klines(&btc(), Interval::H1, 3).await.unwrap();
    assert!(!candles.is_empty() && candles.len() <= 3);
    h.shutdown().await;
}

#[tokio::test]
async fn feed_backfills_every_timeframe_and_streams_candles_ticker_and_tape() {
    let h = sim().await;
    let mut config = FeedConfig::custom("sim", &h.ws_url(), &h.rest_url(), vec![btc()]);
    config.kline_backfill = 50;
    let mut feed = vigil::market::spawn(config).unwrap();
    let mut backfilled = BTreeSet::new();
    let mut live = BTreeSet::new();
    let (mut ticker, mut buys, mut sells) = (None, 0, 0);
    tokio::time::timeout(GUARD, async {
        while backfilled.len() < 6 || live.len() < 6 || ticker.is_none() || buys == 0 || sells == 0 {
            match feed.recv().await.unwrap() {
                MarketEvent::Candles { symbol, interval, candles } => {
                    assert_eq!(symbol, btc());
                    assert!(candles.len() <= 50);
                    assert!(candles.windows(2).all(|w| w[0].open_time < w[1].open_time));
                    backfilled.insert(interval);
                }
                MarketEvent::Candle { interval, candle, .. } => {
                    assert!(candle.low <= candle.high && candle.volume >= Decimal::ZERO);
                    assert_eq!(candle.open_time % interval.ms(), 0);
                    live.insert(interval);
                }
                MarketEvent::Ticker { ticker: t, .. } => ticker = Some(t),
                MarketEvent::Trade(t) if t.side == Side::Buy => buys += 1,
                MarketEvent::Trade(_) => sells += 1,
                _ => {}
            }
        }
    })
    .await
    .unwrap();
    let t = ticker.unwrap();
    assert!(t.low <= t.last && t.last <= t.high, "{t:?}");
    assert!(t.bid < t.ask, "{t:?}");
    assert_eq!(feed.counters().malformed, 0);
    feed.shutdown().await;
    h.shutdown().await;
}

/// A server answering `/api/v3/klines` with `rows` copies of a valid row, or a huge body.
async fn fake(rows: usize, huge: bool) -> String {
    let answer = move |Query(_q): Query<HashMap<String, String>>| async move {
        if huge {
            return format!("[{}]", "1,".repeat(1 << 20));
        }
        let row = |i: usize| {
            format!(
                r#"[{},"10.0","12.0","9.0","11.0","2.5",{},"27.5",3,"1","11","0"]"#,
                i * 60_000,
                i * 60_000 + 59_999
            )
        };
        format!("[{}]", (0..rows).map(row).collect::<Vec<_>>().join(","))
    };
    let app = Router::new().route("/api/v3/klines", get(answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn rest_klines_refuse_more_rows_than_asked_and_oversized_bodies() {
    let ok = RestClient::new(&fake(2, false).await).unwrap();
    let candles = ok.klines(&btc(), Interval::M1, 2).await.unwrap();
    assert_eq!(candles.len(), 2);
    assert_eq!((candles[1].open_time, candles[1].trades), (60_000, 3));
    assert_eq!(candles[0].quote_volume, "27.5".parse::<Decimal>().unwrap());
    let err = ok.klines(&btc(), Interval::M1, 1).await.unwrap_err();
    assert!(matches!(err, RestError::Parse { .. }), "{err}");
    assert!(err.to_string().contains("2 klines for a limit of 1"), "{err}");
    assert!(matches!(ok.klines(&btc(), Interval::M1, 0).await, Err(RestError::Request(_))));
    let huge = RestClient::new(&fake(0, true).await).unwrap();
    let err = huge.klines(&btc(), Interval::M1, 10).await.unwrap_err();
    assert!(matches!(err, RestError::TooLarge { .. }), "{err}");
}

/// Binance's documented kline event, except `l`: the docs print `"l":"0.0015"`
/// above `"o":"0.0010"`, which no real candle has (that form is refused below).
const KLINE: &str = r#"{"stream":"btcusdt@kline_5m","data":{"e":"kline","E":1672515782136,"s":"BTCUSDT","k":{"t":1672515600000,"T":1672515899999,"s":"BTCUSDT","i":"5m","f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0009","v":"1000","n":100,"x":false,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}}"#;
const TICKER: &str = r#"{"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":123456789,"s":"BTCUSDT","p":"0.0015","P":"250.00","w":"0.0018","x":"0.0009","c":"0.0025","Q":"10","b":"0.0024","B":"10","a":"0.0026","A":"100","o":"0.0010","h":"0.0025","l":"0.0010","v":"10000","q":"18","O":0,"C":86400000,"F":0,"L":18150,"n":18151}}"#;

fn parse_frame(text: &str) -> Result<Frame<'_>, WireError> {
    vigil::market::wire::parse_frame(text, &Scales::plain(8, 8), &mut DepthDiff::default())
}

#[test]
fn documented_kline_and_ticker_frames_parse() {
    let Frame::Kline { symbol, interval, candle } = parse_frame(KLINE).unwrap() else {
        panic!("not a kline")
    };
    assert_eq!(
        (symbol.as_ref(), interval, candle.open_time, candle.trades),
        ("BTCUSDT", Interval::M5, 1672515600000, 100)
    );
    assert_eq!((candle.open, candle.close), ("0.0010".parse().unwrap(), "0.0020".parse().unwrap()));
    let Frame::Ticker { ticker, .. } = parse_frame(TICKER).unwrap() else { panic!("not a ticker") };
    assert_eq!(ticker.price_change_pct, "250.00".parse::<Decimal>().unwrap());
    assert_eq!((ticker.bid, ticker.ask), ("0.0024".parse().unwrap(), "0.0026".parse().unwrap()));
}

#[test]
fn impossible_kline_and_ticker_frames_are_errors_not_panics() {
    let cases = [
        KLINE.replace(r#""l":"0.0009""#, r#""l":"0.0015""#),
        KLINE.replace(r#""l":"0.0009""#, r#""l":"0.0030""#),
        KLINE.replace(r#""v":"1000""#, r#""v":"-1""#),
        KLINE.replace(r#""o":"0.0010""#, r#""o":0.001"#),
        KLINE.replace(r#""n":100,"#, ""),
        TICKER.replace(r#""l":"0.0010""#, r#""l":"0.0100""#),
        TICKER.replace(r#""v":"10000""#, r#""v":"-5""#),
    ];
    for case in &cases {
        assert!(matches!(parse_frame(case), Err(WireError::Invalid(_) | WireError::Json(_))), "{case}");
    }
    // An interval vigil does not chart is not an error, just not consumed.
    let week = KLINE.replace(r#""i":"5m""#, r#""i":"1w""#);
    assert!(matches!(parse_frame(&week), Ok(Frame::Unknown)));
}
