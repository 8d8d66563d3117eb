//! Numbers on the command line as a script meets them (issue 14, item 7):
//! exact decimal syntax only, nothing rounded, a price with a market order is
//! an error, and usage errors exit 64 so 0/1/2 keep their meaning for
//! `vigil order place` (placed / refused / declined).
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `vigil order place --symbol BTCUSDT --feed sim …`, answering `answer`.
fn place(data: &Path, args: &[&str], answer: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(data)
        .args(["order", "place", "--symbol", "BTCUSDT", "--feed", "sim"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The refused cases exit before reading stdin: a closed pipe is fine.
    let _ = writeln!(child.stdin.take().unwrap(), "{answer}");
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn numbers_that_are_not_plain_decimals_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cases: [(&[&str], &str); 5] = [
        (&["--side", "buy", "--type", "limit", "--qty", "0.001", "--price", "64_000"], "not a plain decimal"),
        (&["--side", "buy", "--type", "market", "--qty", "1e-3"], "not a plain decimal"),
        (&["--side", "buy", "--type", "limit", "--qty", "-0.001", "--price", "64000"], "unexpected argument"),
        (
            &[
                "--side",
                "buy",
                "--type",
                "limit",
                "--qty",
                "0.001",
                "--price",
                "64000.000000000000000000000000001",
            ],
            "refused rather than rounded",
        ),
        (&["--side", "buy", "--type", "limit", "--qty", "0.001", "--price", "64,000"], "not a plain decimal"),
    ];
    for (args, want) in cases {
        let out = place(&data, args, "n");
        assert_eq!(out.status.code(), Some(64), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(want), "{args:?}: want {want:?} in {}", text(&out));
    }
    assert!(!data.join("state").exists(), "a usage error must not start a session");

    // Any other usage error too (an unknown flag, a missing value).
    let out = place(&data, &["--side", "buy", "--type", "limit", "--bogus"], "n");
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
    // Help is not an error.
    let out = Command::new(env!("CARGO_BIN_EXE_vigil")).args(["order", "place", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_price_with_a_market_order_is_refused_and_exact_numbers_go_through() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Flags that do not go together are usage errors too, found before any session starts.
    let combinations: [(&[&str], &str); 4] = [
        (
            &["--side", "buy", "--type", "market", "--qty", "0.01", "--price", "1"],
            "--price is for limit orders",
        ),
        (&["--side", "buy", "--type", "limit", "--qty", "0.01"], "needs --price"),
        (&["--side", "buy", "--type", "stop-limit", "--qty", "0.01", "--price", "1"], "needs --stop"),
        (&["--side", "buy", "--type", "market", "--qty", "0.01", "--tif", "ioc"], "--tif and --post-only"),
    ];
    for (args, want) in combinations {
        let out = place(&data, args, "y");
        assert_eq!(out.status.code(), Some(64), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(want), "{args:?}: want {want:?} in {}", text(&out));
    }
    assert!(!data.join("state").exists(), "a usage error must not start a session");

    // More precision than the instrument's tick: refused by the price_tick check, by name.
    let out =
        place(&data, &["--side", "buy", "--type", "limit", "--qty", "0.001", "--price", "63000.001"], "y");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("price_tick") && text(&out).contains("63000.001"), "{}", text(&out));

    // Declined keeps its own code.
    let out =
        place(&data, &["--side", "buy", "--type", "limit", "--qty", "0.001", "--price", "63000.00"], "n");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
