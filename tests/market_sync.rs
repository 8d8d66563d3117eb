//! Order-book sync end to end: vigil's feed against a scripted local
//! Binance-shaped server (WebSocket `/stream` + REST `/api/v3/depth`).
#![allow(clippy::unwrap_used)]

mod market_support;

use std::time::Duration;

use market_support::{
    RefBook, Server, Step, book_ticker, depth, is_book, server_shutdown, snapshot, trade, until,
};
use vigil::domain::{Side, Symbol};
use vigil::market::{Backoff, FeedConfig, FeedState, FeedStatus, MarketEvent};

const DEPTH: usize = 5;

fn config(server: &Server, symbols: &[&str]) -> FeedConfig {
    let symbols = symbols.iter().map(|s| Symbol::new(s).unwrap()).collect();
    let mut c = FeedConfig::custom("sim", &server.ws_url, &server.rest_url, symbols);
    c.depth = DEPTH;
    c.backoff = Backoff { initial: Duration::from_millis(10), max: Duration::from_millis(50) };
    c.stale_after = Duration::from_secs(5);
    c
}

fn statuses(events: &[MarketEvent]) -> Vec<&FeedStatus> {
    events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Status(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn has_status(events: &[MarketEvent], symbol: Option<&str>, state: FeedState, detail: &str) -> bool {
    statuses(events).iter().any(|s| {
        s.symbol.as_ref().map(|x| x.as_str()) == symbol && s.state == state && s.detail.contains(detail)
    })
}

/// Normal flow, stale diffs before the snapshot, junk frames, a removed
/// level, a gap with a second snapshot, then a disconnect and a resync on
/// the new connection. The book is checked against an independent model at
/// every step.
#[tokio::test]
async fn sync_gap_junk_and_reconnect() {
    let conn1 = vec![
        depth("BTCUSDT", 95, 99, &[("99", "9")], &[]), // u <= 100: discarded after the snapshot
        depth("BTCUSDT", 100, 102, &[("100", "2")], &[("101", "1")]), // straddles 101
        Step::Gate(1),
        Step::Text("{not json".into()),
        Step::Text(r#"{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT"}}"#.into()),
        Step::Text(r#"{"result":null,"id":1}"#.into()),
        Step::Binary(vec![0, 1, 2, 3]),
        trade("BTCUSDT", "100.5", "0.25", true, 1_700_000_000_123),
        book_ticker("BTCUSDT", 102),
        depth("BTCUSDT", 103, 105, &[("98", "0"), ("97.5", "4")], &[("103", "0")]), // level removals
        Step::Gate(2),
        depth("BTCUSDT", 110, 112, &[("96", "1")], &[]), // gap: expected U=106
        depth("BTCUSDT", 113, 114, &[("100", "0")], &[("101", "3")]),
        Step::Gate(3),
        depth("BTCUSDT", 115, 116, &[("95", "1")], &[("104", "2")]),
        Step::Gate(4),
        Step::Drop,
    ];
    let conn2 = vec![
        depth("BTCUSDT", 199, 201, &[("90", "1")], &[]),
        Step::Gate(5),
        depth("BTCUSDT", 202, 203, &[("90", "0"), ("91", "7")], &[("110", "1")]),
    ];
    let snap1_bids = [("100", "1"), ("99", "1"), ("98", "1")];
    let snap1_asks = [("101", "1"), ("102", "1"), ("103", "1")];
    let snap2_bids = [("100", "2"), ("97.5", "4"), ("96", "1")];
    let snap2_asks = [("101", "1"), ("102", "1")];
    let snap3_bids = [("92", "1"), ("93", "2")];
    let snap3_asks = [("111", "1")];
    let server = Server::start(
        vec![conn1, conn2],
        vec![
            snapshot(100, &snap1_bids, &snap1_asks),
            snapshot(111, &snap2_bids, &snap2_asks),
            snapshot(200, &snap3_bids, &snap3_asks),
        ],
    )
    .await;
    let mut feed = vigil::market::spawn(config(&server, &["BTCUSDT"])).unwrap();
    let mut seen = Vec::new();

    // Snapshot 100 + diff 100..102 (95..99 dropped).
    let mut model = RefBook::default();
    model.set(&snap1_bids, &snap1_asks);
    model.set(&[("100", "2")], &[("101", "1")]);
    let MarketEvent::Book(b) = until(&mut feed, &mut seen, is_book(102)).await else { unreachable!() };
    model.assert_top(&b, DEPTH);
    assert!(!b.bids.iter().any(|l| l.price == "99".parse().unwrap() && l.qty == "9".parse().unwrap()));
    server.open_gate(1);

    let ev = until(&mut feed, &mut seen, |e| matches!(e, MarketEvent::Trade(_))).await;
    let MarketEvent::Trade(t) = ev else { unreachable!() };
    assert_eq!((t.price.to_string().as_str(), t.qty.to_string().as_str()), ("100.5", "0.25"));
    assert_eq!(t.side, Side::Sell, "buyer was maker, so the seller aggressed");
    assert_eq!(t.ts_ms, 1_700_000_000_123);

    model.set(&[("98", "0"), ("97.5", "4")], &[("103", "0")]);
    let MarketEvent::Book(b) = until(&mut feed, &mut seen, is_book(105)).await else { unreachable!() };
    model.assert_top(&b, DEPTH);
    server.open_gate(2);

    // Gap → resync on snapshot 111; buffered 110..112 and 113..114 replayed, then 115..116.
    let mut model = RefBook::default();
    model.set(&snap2_bids, &snap2_asks);
    model.set(&[("96", "1")], &[]);
    model.set(&[("100", "0")], &[("101", "3")]);
    let MarketEvent::Book(b) = until(&mut feed, &mut seen, is_book(114)).await else { unreachable!() };
    model.assert_top(&b, DEPTH);
    server.open_gate(3);
    model.set(&[("95", "1")], &[("104", "2")]);
    let MarketEvent::Book(b) = until(&mut feed, &mut seen, is_book(116)).await else { unreachable!() };
    model.assert_top(&b, DEPTH);
    assert!(has_status(&seen, Some("BTCUSDT"), FeedState::Resyncing, "gap: expected U=106, got 110"));
    server.open_gate(4);

    // Disconnect → reconnect → resync on snapshot 200.
    let mut model = RefBook::default();
    model.set(&snap3_bids, &snap3_asks);
    model.set(&[("90", "1")], &[]);
    let MarketEvent::Book(b) = until(&mut feed, &mut seen, is_book(201)).await else { unreachable!() };
    model.assert_top(&b, DEPTH);
    server.open_gate(5);
    model.set(&[("90", "0"), ("91", "7")], &[("110", "1")]);
    let MarketEvent::Book(b) = until(&mut feed, &mut seen, is_book(203)).await else { unreachable!() };
    model.assert_top(&b, DEPTH);

    assert!(has_status(&seen, None, FeedState::Connecting, ""));
    assert!(has_status(&seen, None, FeedState::Connected, "connected to ws://127.0.0.1"));
    assert!(has_status(&seen, None, FeedState::Reconnecting, ""));
    assert!(has_status(&seen, Some("BTCUSDT"), FeedState::Resyncing, "awaiting depth snapshot"));
    assert!(has_status(&seen, Some("BTCUSDT"), FeedState::Synced, "book synced at update id 102"));
    assert!(has_status(&seen, Some("BTCUSDT"), FeedState::Synced, "book synced at update id 201"));
    let synced = statuses(&seen).iter().filter(|s| s.detail.starts_with("book synced")).count();
    assert_eq!(synced, 3, "one sync per snapshot");
    let counters = feed.counters();
    // The kline frame without its `k` object is malformed now that klines are consumed.
    assert_eq!((counters.malformed, counters.binary, counters.resyncs), (2, 1, 1), "{counters:?}");
    assert_eq!(counters.unknown, 1, "{counters:?}");
    assert!(counters.reconnects >= 1, "{counters:?}");

    let q = server.ws_queries();
    let btc = vigil::domain::Symbol::new("BTCUSDT").unwrap();
    assert_eq!(q[0], format!("streams={}", vigil::market::streams_for(&btc).join("/")));
    let dq = server.depth_queries();
    assert_eq!(dq.len(), 3);
    assert!(dq.iter().all(|q| q["symbol"] == "BTCUSDT" && q["limit"] == "1000"));
    feed.shutdown().await;
}

/// A snapshot older than the first buffered event is fetched again.
#[tokio::test]
async fn too_old_snapshot_is_refetched() {
    let conn = vec![
        depth("ETHUSDT", 120, 122, &[("10", "1")], &[]),
        Step::AwaitSnapshots(2),
        depth("ETHUSDT", 123, 124, &[("11", "1")], &[("12", "5")]),
    ];
    let server = Server::start(
        vec![conn],
        vec![snapshot(100, &[("9", "1")], &[]), snapshot(121, &[("9", "2")], &[("13", "1")])],
    )
    .await;
    let mut feed = vigil::market::spawn(config(&server, &["ETHUSDT"])).unwrap();
    let mut seen = Vec::new();
    let MarketEvent::Book(b) = until(&mut feed, &mut seen, is_book(124)).await else { unreachable!() };
    let mut model = RefBook::default();
    model.set(&[("9", "2")], &[("13", "1")]);
    model.set(&[("10", "1")], &[]);
    model.set(&[("11", "1")], &[("12", "5")]);
    model.assert_top(&b, DEPTH);
    assert!(has_status(
        &seen,
        Some("ETHUSDT"),
        FeedState::Resyncing,
        "lastUpdateId=100 older than first buffered U=120"
    ));
}

/// Two symbols on one connection keep separate books; a data-first frame
/// (keys in another order) is parsed the same; pings are answered.
#[tokio::test]
async fn two_symbols_ping_and_key_order() {
    let data_first = r#"{"data":{"e":"depthUpdate","E":5,"s":"ETHUSDT","U":51,"u":52,"b":[["20","2"]],"a":[]},"stream":"ethusdt@depth@100ms"}"#;
    let conn = vec![
        depth("BTCUSDT", 10, 11, &[("1", "1")], &[]),
        depth("ETHUSDT", 50, 50, &[], &[("30", "1")]),
        Step::Ping(b"hello"),
        Step::AwaitSnapshots(2),
        Step::Text(data_first.into()),
        depth("BTCUSDT", 12, 12, &[("1", "0"), ("2", "2")], &[]),
    ];
    let server = Server::start(
        vec![conn],
        vec![snapshot(10, &[("1", "5")], &[("3", "1")]), snapshot(50, &[("20", "1")], &[("30", "2")])],
    )
    .await;
    let mut feed = vigil::market::spawn(config(&server, &["BTCUSDT", "ETHUSDT"])).unwrap();
    let mut seen = Vec::new();
    let MarketEvent::Book(eth) = until(
        &mut feed,
        &mut seen,
        |e| matches!(e, MarketEvent::Book(b) if b.seq == 52 && b.symbol.as_str() == "ETHUSDT"),
    )
    .await
    else {
        unreachable!()
    };
    let mut eth_model = RefBook::default();
    eth_model.set(&[("20", "1")], &[("30", "2")]);
    eth_model.set(&[("20", "2")], &[]);
    eth_model.assert_top(&eth, DEPTH);
    let MarketEvent::Book(btc) = until(
        &mut feed,
        &mut seen,
        |e| matches!(e, MarketEvent::Book(b) if b.seq == 12 && b.symbol.as_str() == "BTCUSDT"),
    )
    .await
    else {
        unreachable!()
    };
    let mut btc_model = RefBook::default();
    btc_model.set(&[("1", "5")], &[("3", "1")]);
    btc_model.set(&[("1", "1")], &[]);
    btc_model.set(&[("1", "0"), ("2", "2")], &[]);
    btc_model.assert_top(&btc, DEPTH);
    assert_eq!(server.pongs(), vec![b"hello".to_vec()]);
}

/// serverShutdown → immediate reconnect; a quiet symbol goes stale and
/// recovers; a planned reconnect happens at max connection age.
#[tokio::test]
async fn shutdown_stale_and_planned_reconnect() {
    let conn1 = vec![depth("BTCUSDT", 1, 1, &[], &[]), Step::AwaitSnapshots(1), server_shutdown()];
    let conn2 = vec![
        depth("BTCUSDT", 5, 5, &[("1", "1")], &[]),
        Step::AwaitSnapshots(2),
        Step::Gate(1),
        book_ticker("BTCUSDT", 6),
    ];
    let conn3 = vec![];
    let server = Server::start(
        vec![conn1, conn2, conn3],
        vec![snapshot(1, &[("1", "1")], &[]), snapshot(5, &[("1", "2")], &[])],
    )
    .await;
    let mut c = config(&server, &["BTCUSDT"]);
    c.stale_after = Duration::from_millis(100);
    let mut feed = vigil::market::spawn(c).unwrap();
    let mut seen = Vec::new();
    until(&mut feed, &mut seen, |e| {
        matches!(e, MarketEvent::Status(s) if s.state == FeedState::Reconnecting && s.detail.contains("serverShutdown"))
    })
    .await;
    until(&mut feed, &mut seen, is_book(5)).await;
    until(&mut feed, &mut seen, |e| matches!(e, MarketEvent::Status(s) if s.state == FeedState::Stale)).await;
    server.open_gate(1);
    until(&mut feed, &mut seen, |e| {
        matches!(e, MarketEvent::Status(s) if s.state == FeedState::Synced && s.detail == "updates resumed")
    })
    .await;
    feed.shutdown().await;

    // Planned reconnect: a tiny max age on a fresh feed.
    let server = Server::start(vec![vec![], vec![]], vec![]).await;
    let mut c = config(&server, &["BTCUSDT"]);
    c.max_connection_age = Duration::from_millis(50);
    let mut feed = vigil::market::spawn(c).unwrap();
    let mut seen = Vec::new();
    until(&mut feed, &mut seen, |e| {
        matches!(e, MarketEvent::Status(s) if s.state == FeedState::Reconnecting && s.detail.contains("planned reconnect"))
    })
    .await;
}

/// Refused before any connection: clear text to a non-loopback host.
#[tokio::test]
async fn clear_text_to_remote_host_is_refused() {
    let symbols = vec![Symbol::new("BTCUSDT").unwrap()];
    let err = vigil::market::spawn(FeedConfig::custom(
        "x",
        "ws://example.com",
        "https://example.com",
        symbols.clone(),
    ))
    .err()
    .unwrap();
    assert!(err.to_string().contains("ws://example.com"), "{err}");
    let err =
        vigil::market::spawn(FeedConfig::custom("x", "wss://example.com", "http://example.com", symbols))
            .err()
            .unwrap();
    assert!(err.to_string().contains("http://example.com"), "{err}");
}
