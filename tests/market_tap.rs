//! `vigil market tap` as a subprocess: JSON line shapes against a scripted
//! local exchange, the transport policy at the CLI, and a closed stdout.
#![allow(clippy::unwrap_used)]

mod market_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use market_support::{Filters, Server, Step, depth, snapshot, trade};
use serde_json::Value;

const VIGIL: &str = env!("CARGO_BIN_EXE_vigil");

async fn run_tap(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(VIGIL).args(["market", "tap"]).args(&args).env("RUST_LOG", "off").output().unwrap()
    })
    .await
    .unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tap_prints_contract_json_lines() {
    let conn = vec![
        depth("BTCUSDT", 10, 11, &[("64123.00", "1.5"), ("64122.50", "2")], &[("64123.10", "0.3")]),
        Step::Gate(1),
        trade("BTCUSDT", "64123.10", "0.002", false, 1_700_000_000_000),
        depth("BTCUSDT", 12, 12, &[("64122.50", "0")], &[("64124.00", "1")]),
    ];
    let server = Arc::new(
        Server::start(vec![conn], vec![snapshot(10, &[("64000.00", "3")], &[("64200.00", "4")])]).await,
    );
    // BTCUSDT's real filters: the book prints at its tick (0.01) and step (0.00001).
    server.set_filters(Filters {
        tick: "0.01",
        min_price: "0.01",
        max_price: "1000000",
        step: "0.00001",
        max_qty: "9000",
    });
    let args = format!(
        "market tap --feed sim --symbols BTCUSDT --ws-url {} --rest-url {} --depth 2 --count 7 --stats",
        server.ws_url, server.rest_url
    );
    let gate = Arc::clone(&server);
    // Read lines as they come; release the rest of the script once the first book is out.
    let (status, stdout) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(VIGIL).args(args.split(' ')).stdout(Stdio::piped()).spawn().unwrap();
        let mut stdout = String::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if line.contains(r#""seq":11"#) {
                gate.open_gate(1);
            }
            stdout.push_str(&line);
            stdout.push('\n');
        }
        (child.wait().unwrap(), stdout)
    })
    .await
    .unwrap();
    assert!(status.success(), "{status:?}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{stdout}");
    for line in &lines {
        let v: Value = serde_json::from_str(line).unwrap();
        let expected_keys: &[&str] = match v["t"].as_str().unwrap() {
            "trade" => &["px", "qty", "side", "sym", "t", "ts"],
            "book" => &["asks", "bids", "seq", "sym", "t"],
            "status" if v.get("sym").is_some() => &["detail", "feed", "state", "sym", "t"],
            "status" => &["detail", "feed", "state", "t"],
            "stats" => &["elapsed_s", "events", "events_per_s", "t"],
            other => panic!("unknown line type {other}: {line}"),
        };
        assert_eq!(keys(&v), expected_keys, "{line}");
        assert!(line.starts_with(r#"{"t":""#), "t comes first: {line}");
    }
    assert!(lines.contains(
        &r#"{"t":"trade","sym":"BTCUSDT","px":"64123.10","qty":"0.002","side":"buy","ts":1700000000000}"#
    ));
    assert!(
        lines.contains(
            &r#"{"t":"book","sym":"BTCUSDT","seq":11,"bids":[["64123.00","1.50000"],["64122.50","2.00000"]],"asks":[["64123.10","0.30000"],["64200.00","4.00000"]]}"#
        ),
        "{stdout}"
    );
    assert!(lines.contains(
        &r#"{"t":"book","sym":"BTCUSDT","seq":12,"bids":[["64123.00","1.50000"],["64000.00","3.00000"]],"asks":[["64123.10","0.30000"],["64124.00","1.00000"]]}"#
    ));
    assert!(lines[0].starts_with(
        r#"{"t":"status","feed":"sim","state":"connecting","detail":"connecting to ws://127.0.0.1:"#
    ));
    assert!(lines.contains(
        &r#"{"t":"status","feed":"sim","sym":"BTCUSDT","state":"resyncing","detail":"awaiting depth snapshot"}"#
    ));
    let stats: Value = serde_json::from_str(lines[7]).unwrap();
    assert_eq!(stats["events"], 7);
    assert!(stats["elapsed_s"].as_f64().unwrap() > 0.0 && stats["events_per_s"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn clear_text_to_remote_host_is_refused_by_the_cli() {
    let out = run_tap(
        [
            "--feed",
            "sim",
            "--symbols",
            "BTCUSDT",
            "--ws-url",
            "ws://example.com:9443",
            "--rest-url",
            "http://127.0.0.1:1",
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ws://example.com:9443") && stderr.contains("not a loopback host"), "{stderr}");
    assert!(out.stdout.is_empty());

    let out = run_tap(
        ["--feed", "binance", "--symbols", "BTCUSDT", "--rest-url", "http://api.binance.com"]
            .map(String::from)
            .to_vec(),
    )
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("http://api.binance.com"));
}

#[tokio::test]
async fn sim_feed_without_urls_starts_the_embedded_simulator() {
    let out =
        run_tap(["--feed", "sim", "--symbols", "BTCUSDT", "--count", "8"].map(String::from).to_vec()).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 8);
    let kinds = ["trade", "book", "status", "candle", "candles", "ticker"];
    assert!(lines.iter().all(|l| kinds.contains(&l["t"].as_str().unwrap())), "{text}");
    assert!(lines.iter().any(|l| l["t"] == "status" && l["state"] == "connected"), "{text}");
    let out = run_tap(
        ["--feed", "sim", "--symbols", "BTCUSDT", "--ws-url", "ws://127.0.0.1:1"].map(String::from).to_vec(),
    )
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs both --ws-url and --rest-url"));
    let out = run_tap(["--feed", "sim", "--symbols", "BTC-USDT"].map(String::from).to_vec()).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid symbol"));
}

/// A reader that goes away (like `| head -1`) ends tap quietly with exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_stdout_exits_quietly() {
    let mut conn = vec![depth("BTCUSDT", 1, 1, &[], &[]), Step::Gate(1)];
    conn.extend((2..50).map(|id| depth("BTCUSDT", id, id, &[("1", "1")], &[])));
    let server = Arc::new(Server::start(vec![conn], vec![snapshot(1, &[("1", "1")], &[])]).await);
    let (ws, rest) = (server.ws_url.clone(), server.rest_url.clone());
    let gate = Arc::clone(&server);
    let status = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(VIGIL)
            .args([
                "market",
                "tap",
                "--feed",
                "sim",
                "--symbols",
                "BTCUSDT",
                "--ws-url",
                &ws,
                "--rest-url",
                &rest,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(first.contains(r#""state":"connecting""#), "{first}");
        // The reader (and the pipe) are gone now; more events make the next write fail.
        gate.open_gate(1);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
                return (status, err);
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("tap kept running after stdout closed");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    })
    .await
    .unwrap();
    assert!(status.0.success(), "exit {:?}, stderr: {}", status.0, status.1);
    assert!(!status.1.contains("panicked"), "{}", status.1);
}
