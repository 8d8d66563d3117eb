//! `vigil sim serve` as a real subprocess: it prints its URLs, answers REST, and
//! exits 0 on SIGTERM.
#![allow(clippy::unwrap_used)]
#![allow(unsafe_code)] // one libc::kill to deliver SIGTERM, see the SAFETY note

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server if an assertion fails before it was stopped.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn serve_prints_urls_answers_rest_and_exits_zero_on_sigterm() {
    let mut child = Reap(
        Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args([
                "sim",
                "serve",
                "--port",
                "0",
                "--seed",
                "9",
                "--rate",
                "100",
                "--symbols",
                "BTCUSDT,XRPUSDT",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[..2], ["sim", "listening"], "{line}");
    let ws = fields[2].strip_prefix("ws=").unwrap();
    let rest = fields[3].strip_prefix("rest=").unwrap().to_owned();
    assert!(ws.starts_with("ws://127.0.0.1:") && rest.starts_with("http://127.0.0.1:"), "{line}");
    assert_eq!(ws.trim_start_matches("ws://"), rest.trim_start_matches("http://"));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (time, info): (serde_json::Value, serde_json::Value) = rt.block_on(async {
        let time = reqwest::get(format!("{rest}/api/v3/time")).await.unwrap().json().await.unwrap();
        let info = reqwest::get(format!("{rest}/api/v3/exchangeInfo")).await.unwrap().json().await.unwrap();
        (time, info)
    });
    let now = chrono::Utc::now().timestamp_millis();
    assert!((time["serverTime"].as_i64().unwrap() - now).abs() < 2_000);
    let listed: Vec<&str> =
        info["symbols"].as_array().unwrap().iter().map(|s| s["symbol"].as_str().unwrap()).collect();
    assert_eq!(listed, ["BTCUSDT", "XRPUSDT"]);

    let pid = libc::pid_t::try_from(child.0.id()).unwrap();
    // SAFETY: kill(2) with a pid of our own live child and a valid signal number
    // touches no memory of this process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "vigil sim serve did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn serve_rejects_unknown_symbols() {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["sim", "serve", "--symbols", "DOGEUSDT"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DOGEUSDT") && err.contains("BTCUSDT"), "{err}");
}
