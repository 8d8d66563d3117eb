//! Crash safety: `vigil run --headless --mode autonomous` trades a grid on the
//! embedded simulator and is killed with SIGKILL at random moments. After every
//! kill the state must be consistent — every stored fill is reflected in its
//! order and in the balances, nothing is counted twice — the audit chain must
//! verify, and the next start must resume from it.
//!
//! Rounds: 3 by default; VIGIL_SOAK=1 runs 20.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use vigil::domain::Side;
use vigil::store::{AuditKey, AuditReader, Store};

const CONFIG: &str = r#"
[risk]
max_orders_per_minute = 1000
max_orders_per_10s = 200
dedupe_window_ms = 50
[feed]
symbols = ["BTCUSDT"]
[strategies.grid]
symbol = "BTCUSDT"
levels = 3
spacing_pct = "0.003"
qty = "0.001"
"#;

/// `release`: the previous round was killed, so this start comes up halted
/// ("unclean shutdown") and a person releases it, as `--release-kill-switch` does.
fn run_until_killed(root: &Path, after: Duration, release: bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(root.join("data"))
        .arg("--config")
        .arg(root.join("config.toml"))
        .args(["run", "--headless", "--mode", "autonomous", "--strategy", "grid"])
        .args(["--max-orders", "100000", "--max-notional", "10000000", "--duration", "60"])
        .args(release.then_some("--release-kill-switch"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until it is trading (the first order went out), then let it run a while.
    let start = Instant::now();
    while let Some(Ok(line)) = lines.next() {
        if line.contains(" sent ") || start.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    std::thread::sleep(after);
    // SAFETY-free: libc::kill is not needed, std can send SIGKILL.
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Checks the stored state against the fills it contains, and the audit chain.
fn check_consistency(state_dir: &Path) -> usize {
    let store = Store::open(state_dir).unwrap();
    let snapshot = store.load_all().unwrap();
    let mut filled: BTreeMap<u64, Decimal> = BTreeMap::new();
    let (mut usdt, mut btc) = (Decimal::from(10_000), Decimal::ZERO);
    for f in &snapshot.fills {
        *filled.entry(f.fill.order_id.0).or_default() += f.fill.qty;
        let notional = f.fill.price * f.fill.qty;
        match f.fill.side {
            Side::Buy => {
                usdt -= notional + f.fill.fee;
                btc += f.fill.qty;
            }
            Side::Sell => {
                usdt += notional - f.fill.fee;
                btc -= f.fill.qty;
            }
        }
    }
    for order in &snapshot.orders {
        let stored = filled.get(&order.id.0).copied().unwrap_or_default();
        assert_eq!(order.filled_qty, stored, "order {} filled_qty vs its stored fills", order.id);
    }
    let total = |asset: &str| snapshot.balances.get(asset).map(|b| b.total()).unwrap_or_default();
    assert_eq!(total("USDT"), usdt, "USDT balance vs fills");
    assert_eq!(total("BTC"), btc, "BTC balance vs fills");
    let key = AuditKey::load_install_key(state_dir).unwrap();
    let report = AuditReader::new(store.backend().as_ref()).verify(&key).unwrap();
    assert!(report.is_ok(), "audit chain after kill: {report:?}");
    snapshot.fills.len()
}

#[test]
fn sigkill_during_a_burst_of_paper_orders_loses_and_duplicates_nothing() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("config.toml"), CONFIG).unwrap();
    let rounds = if std::env::var_os("VIGIL_SOAK").is_some() { 20 } else { 3 };
    let mut fills = 0;
    for round in 0..rounds {
        let after = Duration::from_millis(200 + (rand::random::<u64>() % 1500));
        run_until_killed(root.path(), after, round > 0);
        let now = check_consistency(&root.path().join("data").join("state"));
        assert!(now >= fills, "round {round}: fills went from {fills} to {now}");
        fills = now;
    }
    assert!(fills > 0, "the grid traded at all");

    let verify = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(root.path().join("data"))
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}
