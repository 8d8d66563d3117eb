//! Hostile market data (issue 14): a loopback server that lies. Every case
//! must end the same way — the input is counted as malformed, the symbol
//! resyncs (so `market_data_fresh`, which needs `Synced`, fails meanwhile),
//! no book built from the bad data is ever published, and nothing panics.
#![allow(clippy::unwrap_used)]

mod market_support;

use std::time::Duration;

use market_support::{Filters, Server, Step, depth, is_book, snapshot, trade, until};
use rust_decimal::Decimal;
use vigil::domain::Symbol;
use vigil::market::rest::RestClient;
use vigil::market::{Backoff, FeedConfig, FeedHandle, FeedState, MarketEvent, RestError};

fn config(server: &Server) -> FeedConfig {
    let mut c = FeedConfig::custom("sim", &server.ws_url, &server.rest_url, vec![btc()]);
    c.depth = 5;
    c.backoff = Backoff { initial: Duration::from_millis(10), max: Duration::from_millis(50) };
    c.kline_backfill = 0;
    c
}

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

/// BTCUSDT's real filters: tick 0.01 in [0.01, 1000000], step 0.00001, maxQty 9000.
fn btcusdt_filters() -> Filters {
    Filters { tick: "0.01", min_price: "0.01", max_price: "1000000", step: "0.00001", max_qty: "9000" }
}

/// Waits for a resync status of BTCUSDT whose detail contains `why`.
async fn resync_saying(feed: &mut FeedHandle, seen: &mut Vec<MarketEvent>, why: &str) {
    until(
        feed,
        seen,
        |e| matches!(e, MarketEvent::Status(s) if s.state == FeedState::Resyncing && s.detail.contains(why)),
    )
    .await;
}

/// No published book ever showed a price above `limit` or a crossed top.
fn assert_no_bad_book(seen: &[MarketEvent], limit: &str) {
    let limit: Decimal = limit.parse().unwrap();
    for e in seen {
        if let MarketEvent::Book(b) = e {
            assert!(b.bids.iter().chain(&b.asks).all(|l| l.price <= limit), "published {b:?}");
            if let (Some(bid), Some(ask)) = (b.bids.first(), b.asks.first()) {
                assert!(bid.price < ask.price, "published a crossed book {b:?}");
            }
        }
    }
}

/// A snapshot with bid 70000 over ask 60000 is refused; the next, sane one syncs.
#[tokio::test]
async fn crossed_snapshot_is_malformed_and_resyncs() {
    let conn = vec![
        depth("BTCUSDT", 100, 101, &[], &[]),
        Step::AwaitSnapshots(2),
        depth("BTCUSDT", 102, 102, &[], &[]),
    ];
    let server = Server::start(
        vec![conn],
        vec![
            snapshot(101, &[("70000", "1")], &[("60000", "1")]),
            snapshot(102, &[("59999", "1")], &[("60000", "1")]),
        ],
    )
    .await;
    let mut feed = vigil::market::spawn(config(&server)).unwrap();
    let mut seen = Vec::new();
    resync_saying(&mut feed, &mut seen, "crossed book: best bid 70000 >= best ask 60000").await;
    until(&mut feed, &mut seen, is_book(102)).await;
    assert_no_bad_book(&seen, "69999");
    assert!(feed.counters().malformed >= 1, "{:?}", feed.counters());
}

/// A diff that moves the bid onto the ask crosses the book: dropped, resynced.
#[tokio::test]
async fn diff_that_crosses_the_book_is_malformed_and_resyncs() {
    let conn = vec![
        depth("BTCUSDT", 100, 101, &[], &[]),
        Step::Gate(1),
        depth("BTCUSDT", 102, 102, &[("70000", "1")], &[]),
        Step::AwaitSnapshots(2),
        depth("BTCUSDT", 103, 103, &[], &[]),
    ];
    let server = Server::start(
        vec![conn],
        vec![
            snapshot(101, &[("59999", "1")], &[("60000", "1")]),
            snapshot(103, &[("59999", "1")], &[("60000", "1")]),
        ],
    )
    .await;
    let mut feed = vigil::market::spawn(config(&server)).unwrap();
    let mut seen = Vec::new();
    until(&mut feed, &mut seen, is_book(101)).await;
    server.open_gate(1);
    resync_saying(&mut feed, &mut seen, "crossed book: best bid 70000 >= best ask 60000").await;
    until(&mut feed, &mut seen, is_book(103)).await;
    assert_no_bad_book(&seen, "69999");
    assert!(feed.counters().malformed >= 1);
}

/// Prices outside PRICE_FILTER, finer than the tick, or too large for any
/// scale, and quantities finer than the step: each is a malformed depth
/// update that makes the symbol resync; none reaches a published book.
#[tokio::test]
async fn levels_outside_the_instrument_filters_are_malformed_and_resync() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("2000000.00", "1")], "outside PRICE_FILTER"),
        (&[("60000.001", "1")], "price \"60000.001\""),
        (&[("99999999999999999999999999", "1")], "too large"),
        (&[("59000.00", "0.000001")], "quantity \"0.000001\""),
        (&[("-5", "1")], "not a plain decimal"),
    ];
    for (bids, why) in cases {
        let conn = vec![
            depth("BTCUSDT", 100, 101, &[], &[]),
            Step::Gate(1),
            depth("BTCUSDT", 102, 102, bids, &[]),
            Step::AwaitSnapshots(2),
            depth("BTCUSDT", 103, 103, &[], &[]),
        ];
        let good = |id| snapshot(id, &[("59999", "1")], &[("60000", "1")]);
        let server = Server::start(vec![conn], vec![good(101), good(103)]).await;
        server.set_filters(btcusdt_filters());
        let mut feed = vigil::market::spawn(config(&server)).unwrap();
        let mut seen = Vec::new();
        until(&mut feed, &mut seen, is_book(101)).await;
        server.open_gate(1);
        resync_saying(&mut feed, &mut seen, "malformed depth update").await;
        let detail = seen
            .iter()
            .find_map(|e| match e {
                MarketEvent::Status(s) if s.detail.contains("malformed depth update") => {
                    Some(s.detail.clone())
                }
                _ => None,
            })
            .unwrap();
        assert!(detail.contains(why), "{why}: {detail}");
        // Resynced from the second snapshot (taken at 103); the book goes on.
        until(&mut feed, &mut seen, is_book(103)).await;
        assert_no_bad_book(&seen, "60000");
        assert_eq!(feed.counters().malformed, 1, "{why}");
        feed.shutdown().await;
    }
}

/// A trade above LOT_SIZE maxQty or off the tick is counted and skipped.
#[tokio::test]
async fn trades_outside_the_filters_are_skipped() {
    let conn = vec![
        depth("BTCUSDT", 100, 101, &[], &[]),
        Step::Gate(1),
        trade("BTCUSDT", "60000.00", "9000.1", false, 1),
        trade("BTCUSDT", "60000.001", "1", false, 2),
        trade("BTCUSDT", "60000.01", "0.5", false, 3),
    ];
    let server = Server::start(vec![conn], vec![snapshot(101, &[("59999", "1")], &[("60000", "1")])]).await;
    server.set_filters(btcusdt_filters());
    let mut feed = vigil::market::spawn(config(&server)).unwrap();
    let mut seen = Vec::new();
    until(&mut feed, &mut seen, is_book(101)).await;
    server.open_gate(1);
    let MarketEvent::Trade(t) = until(&mut feed, &mut seen, |e| matches!(e, MarketEvent::Trade(_))).await
    else {
        unreachable!()
    };
    assert_eq!(t.ts_ms, 3, "the two bad trades were skipped: {t:?}");
    assert_eq!(feed.counters().malformed, 2);
}

/// `limit=5` asked, six levels served: refused, then a snapshot of five syncs.
#[tokio::test]
async fn snapshot_with_more_levels_than_asked_is_refused() {
    let six: Vec<(String, String)> = (1..=6).map(|p| (format!("{p}"), "1".to_owned())).collect();
    let six: Vec<(&str, &str)> = six.iter().map(|(p, q)| (p.as_str(), q.as_str())).collect();
    let conn = vec![
        depth("BTCUSDT", 100, 101, &[], &[]),
        Step::AwaitSnapshots(2),
        depth("BTCUSDT", 102, 102, &[], &[]),
    ];
    let server = Server::start(
        vec![conn],
        vec![snapshot(101, &six, &[("10", "1")]), snapshot(101, &six[..5], &[("10", "1")])],
    )
    .await;
    let mut c = config(&server);
    c.snapshot_limit = 5;
    let mut feed = vigil::market::spawn(c).unwrap();
    let mut seen = Vec::new();
    resync_saying(&mut feed, &mut seen, "more than the 5 levels asked for").await;
    let MarketEvent::Book(b) = until(&mut feed, &mut seen, is_book(102)).await else { unreachable!() };
    assert_eq!(b.bids.len(), 5);
    assert_eq!(server.depth_queries()[0].get("limit").map(String::as_str), Some("5"));
}

/// The REST deadline covers the whole body: a server that sends its headers
/// at once and then trickles the body forever is cut off.
#[tokio::test]
async fn rest_deadline_covers_a_trickling_body() {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut sock, &mut buf).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                loop {
                    if sock.write_all(b" ").await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            });
        }
    });
    let client = RestClient::with_timeout(&format!("http://{addr}"), Duration::from_millis(300)).unwrap();
    let started = std::time::Instant::now();
    let err = client.server_time().await.unwrap_err();
    assert!(matches!(err, RestError::Http { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "cut off after {:?}", started.elapsed());
}

/// A message over the 1 MiB cap is never read into memory whole: the
/// connection is dropped, the reason said, and the feed reconnects.
#[tokio::test]
async fn an_oversized_message_drops_the_connection_and_the_feed_reconnects() {
    let huge = format!(r#"{{"stream":"btcusdt@trade","data":{{"pad":"{}"}}}}"#, "x".repeat(2 << 20));
    let first = vec![Step::Text(huge)];
    let second = vec![
        depth("BTCUSDT", 100, 101, &[], &[]),
        Step::AwaitSnapshots(1),
        depth("BTCUSDT", 102, 102, &[], &[]),
    ];
    let server =
        Server::start(vec![first, second], vec![snapshot(101, &[("63999", "1")], &[("64001", "1")])]).await;
    let mut feed = vigil::market::spawn(config(&server)).unwrap();
    let mut seen = Vec::new();
    let dropped = until(
        &mut feed,
        &mut seen,
        |e| matches!(e, MarketEvent::Status(s) if s.state == FeedState::Reconnecting),
    )
    .await;
    let MarketEvent::Status(status) = dropped else { unreachable!() };
    assert!(status.detail.contains("too long"), "{}", status.detail);
    until(&mut feed, &mut seen, is_book(102)).await;
    assert_eq!(server.ws_queries().len(), 2, "it connected again");
}
