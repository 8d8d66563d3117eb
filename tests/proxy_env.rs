//! The proxy rule (issue 14, item 4): vigil never sends a request through a
//! proxy taken from the environment. With every proxy variable pointing at a
//! loopback listener, a whole `order place` session against the embedded
//! simulator (exchangeInfo, depth snapshots, klines over plaintext loopback
//! HTTP) works and nothing reaches the listener. `keys verify` and the live
//! venue build their client through the same `RestClient::build`.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn proxy_variables_are_ignored() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = reached.clone();
    std::thread::spawn(move || {
        // Accept and drop at once, so a client that did use the proxy fails fast.
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_vigil"));
    command
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["order", "place", "--symbol", "BTCUSDT", "--feed", "sim"])
        .args(["--side", "buy", "--type", "limit", "--qty", "0.001", "--price", "63000"])
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        command.env(var, &proxy);
    }
    let mut child = command.spawn().unwrap();
    let _ = writeln!(child.stdin.take().unwrap(), "n");
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "the session ran to the question and was declined: {text}");
    assert_eq!(reached.load(Ordering::SeqCst), 0, "a request went to the proxy: {text}");
}
