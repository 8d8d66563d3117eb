//! `vigil audit verify|show` as a subprocess against a data dir filled through
//! the library (the library handle is closed first: sled holds a file lock),
//! or through the CLI itself.
#![allow(clippy::unwrap_used)]

#[path = "support/cli_vault.rs"]
mod cli_vault;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use vigil::clock::ManualClock;
use vigil::store::{Actor, AuditKey, AuditKind, AuditLog};

const T0: i64 = 1_700_000_000_000;

/// Five entries one minute apart, starting at T0 + 1 min.
fn fill_log(data: &Path) {
    let state = data.join("state");
    let key = AuditKey::load_or_create_install_key(&state).unwrap();
    let clock = ManualClock::new(T0);
    let mut log = AuditLog::open(&state, key, Arc::new(clock.clone())).unwrap();
    let kinds =
        [AuditKind::Intent, AuditKind::Gate, AuditKind::Confirmed, AuditKind::Submitted, AuditKind::Fill];
    for (i, kind) in kinds.into_iter().enumerate() {
        clock.advance(60_000);
        log.append(kind, Actor::Person, serde_json::json!({"order": 1, "i": i})).unwrap();
    }
}

fn vigil(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).arg("--data-dir").arg(data).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

#[test]
fn verify_ok_then_tampered() {
    let (_dir, data) = data_dir();
    fill_log(&data);
    let out = vigil(&data, &["audit", "verify"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.starts_with("audit log OK: 5 entries, head "), "{text}");

    {
        let db = sled::open(data.join("state").join("db")).unwrap();
        let audit = db.open_tree("audit").unwrap();
        let raw = audit.get(3u64.to_be_bytes()).unwrap().unwrap();
        let edited = String::from_utf8(raw.to_vec()).unwrap().replace("\"order\":1", "\"order\":2");
        audit.insert(3u64.to_be_bytes(), edited.as_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = vigil(&data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stdout(&out).contains("entry 3: tag mismatch (edited or forged)"), "{}", stdout(&out));
}

#[test]
fn verify_reports_a_deleted_entry() {
    let (_dir, data) = data_dir();
    fill_log(&data);
    {
        let db = sled::open(data.join("state").join("db")).unwrap();
        db.open_tree("audit").unwrap().remove(2u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = vigil(&data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("entry 2 missing (deleted)"), "{}", stdout(&out));
}

#[test]
fn show_prints_a_table_and_json() {
    let (_dir, data) = data_dir();
    fill_log(&data);
    let out = vigil(&data, &["audit", "show"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "a header and five entries: {text}");
    assert_eq!(lines[0], "TIME (UTC)           SEQ  KIND       ACTOR   WHAT");
    assert!(lines[1].starts_with("2023-11-14 22:14:20   #1  intent     person  "), "{}", lines[1]);
    // A body of a shape no renderer knows is printed whole, never dropped.
    assert!(lines[5].ends_with(r#"  fill       person  {"i":4,"order":1}"#), "{}", lines[5]);

    let out = vigil(&data, &["audit", "show", "--json"]);
    let entries: Vec<serde_json::Value> =
        stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[2]["seq"], 3);
    assert_eq!(entries[2]["kind"], "confirmed");
    assert_eq!(entries[2]["tag"].as_str().unwrap().len(), 64);
}

#[test]
fn show_filters_by_since_and_limit() {
    let (_dir, data) = data_dir();
    fill_log(&data);
    let seqs = |args: &[&str]| -> Vec<u64> {
        let mut all = vec!["audit", "show", "--json"];
        all.extend_from_slice(args);
        let out = vigil(&data, &all);
        assert!(out.status.success(), "{out:?}");
        stdout(&out)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"].as_u64().unwrap())
            .collect()
    };
    let since_ms = (T0 + 3 * 60_000).to_string();
    assert_eq!(seqs(&["--since", &since_ms]), vec![3, 4, 5]);
    assert_eq!(seqs(&["--since", "2023-11-14T22:17:20Z"]), vec![4, 5]);
    assert_eq!(seqs(&["--limit", "2"]), vec![1, 2]);
    assert_eq!(seqs(&["--since", &since_ms, "--limit", "1"]), vec![3]);

    let bad = vigil(&data, &["audit", "show", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(64), "a usage error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("neither unix milliseconds nor RFC 3339"));
}

#[test]
fn missing_log_is_an_error() {
    let (_dir, data) = data_dir();
    let out = vigil(&data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no audit log in"), "{out:?}");
    assert!(!data.exists(), "verify must not create the data dir");
}

/// A refused order placed through the CLI, with a keystore: `audit show`
/// names the failing checks and the unlock that opened the session.
#[test]
fn show_names_a_refused_orders_failing_checks() {
    let mut v = cli_vault::Vault::init();
    let out = v.run(&[
        "order", "place", "--symbol", "BTCUSDT", "--side", "buy", "--type", "limit", "--qty", "0.001",
        "--price", "1", "--feed", "sim",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", cli_vault::text(&out));
    assert!(stdout(&out).contains("refused: a check failed"), "{}", cli_vault::text(&out));

    let out = vigil(&v.data, &["audit", "show"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let line = |kind: &str| {
        text.lines()
            .find(|l| l.contains(&format!("  {kind} ")))
            .unwrap_or_else(|| panic!("no {kind}: {text}"))
    };
    let unlock = line("unlock_attempt");
    assert!(
        unlock.contains(" person ") && unlock.ends_with("  keystore unlocked after 0 failed attempt(s)"),
        "{text}"
    );
    let intent = line("intent");
    assert!(intent.contains(" person "), "{text}");
    assert!(intent.ends_with("  buy limit 0.001 BTCUSDT @1 → refused: min_notional, price_band"), "{text}");
}
