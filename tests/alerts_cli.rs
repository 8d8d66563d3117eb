//! Alerts as an operator meets them: `vigil run --headless` trading a grid on
//! the embedded simulator, with `[alerts]` naming a command and a loopback
//! webhook. Its fills and the breaker trip they cause (a drawdown limit set
//! tighter than one fee) reach both; SIGTERM still ends it with exit 0; the
//! JSON log carries the same alerts. A clear-text webhook to another host is
//! refused when the config is read.
#![allow(clippy::unwrap_used)]

#[path = "support/webhook.rs"]
mod webhook;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn vigil() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
}

fn kinds(alerts: &[Value]) -> Vec<String> {
    alerts.iter().map(|a| a["kind"].as_str().unwrap().to_owned()).collect()
}

fn has_fill_and_breaker(alerts: &[Value]) -> bool {
    let k = kinds(alerts);
    k.iter().any(|k| k == "fill") && k.iter().any(|k| k == "breaker")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_run_alerts_its_fills_and_breaker_trip_and_stops_cleanly_on_sigterm() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("alerts.jsonl");
    let (url, received) = webhook::start(false).await;
    let config = format!(
        r#"
[risk]
max_orders_per_minute = 1000
max_orders_per_10s = 200
dedupe_window_ms = 50
max_drawdown_pct = "0.0001"
[feed]
symbols = ["BTCUSDT"]
# The grid may propose before autonomy is armed at start; such proposals wait
# for a person, so let them expire fast and be proposed again.
[strategies]
proposal_ttl_ms = 1000
[strategies.grid]
symbol = "BTCUSDT"
levels = 3
spacing_pct = "0.0005"
qty = "0.001"
[alerts]
command = ["tee", "-a", "{}"]
webhook_url = "{url}"
"#,
        out.display()
    );
    let config_path = root.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let data = root.path().join("data");
    let mut child = vigil()
        .arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(&config_path)
        .args(["run", "--headless", "--mode", "autonomous", "--strategy", "grid", "--log-format", "json"])
        .args(["--max-orders", "1000", "--max-notional", "100000", "--duration", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr as it comes: a child blocked on a full pipe stops trading.
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr_pipe, &mut text);
        text
    });

    let deadline = Instant::now() + Duration::from_secs(45);
    while !(has_fill_and_breaker(&webhook::lines(&out)) && has_fill_and_breaker(&received.all())) {
        assert!(Instant::now() < deadline, "no fill and breaker alerts: {:?}", kinds(&webhook::lines(&out)));
        assert!(child.try_wait().unwrap().is_none(), "vigil run ended early");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    let stderr = stderr.join().unwrap();
    assert!(status.success(), "exit {status:?}: {stderr}");

    let by_command = webhook::lines(&out);
    let by_webhook = received.all();
    for (how, alerts) in [("command", &by_command), ("webhook", &by_webhook)] {
        let fill = alerts.iter().find(|a| a["kind"] == "fill").unwrap();
        assert_eq!(fill["detail"]["symbol"], "BTCUSDT", "{how}: {fill}");
        assert_eq!(fill["detail"]["qty"], "0.001", "{how}: {fill}");
        assert_eq!(fill["venue"], "paper", "{how}: {fill}");
        let trip = alerts.iter().find(|a| a["kind"] == "breaker").unwrap();
        assert_eq!(trip["detail"]["actor"], "breaker:drawdown_breaker", "{how}: {trip}");
    }
    eprintln!(
        "alerts received: {:?}",
        by_command.iter().map(|a| a["text"].as_str().unwrap()).collect::<Vec<_>>()
    );
    // Both destinations got the same alerts, in the same order.
    assert_eq!(kinds(&by_command), kinds(&by_webhook));

    // The log is JSON lines, 0600, and records each alert it raised.
    let log = std::fs::read_to_string(data.join("vigil.log")).unwrap();
    let lines: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().any(|l| l["message"] == "alert" && l["kind"] == "Breaker"), "{log}");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(data.join("vigil.log")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_clear_text_webhook_to_another_host_is_refused_at_config_load() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("config.toml");
    std::fs::write(&config, "[alerts]\nwebhook_url = \"http://hooks.example.com/T0/B1/s3cr3t\"\n").unwrap();
    let output = vigil().arg("--config").arg(&config).args(["config", "show"]).output().unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("[alerts] webhook_url is clear text to hooks.example.com"), "{err}");
    assert!(err.contains("use https:// instead"), "{err}");
    assert!(!err.contains("s3cr3t"), "the URL's path (often a token) is never printed: {err}");
}
