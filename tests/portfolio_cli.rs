//! `vigil order list`, `vigil balances` and `vigil positions` as a user meets
//! them: after paper orders placed through the real CLI (engine, gate and
//! paper broker against the embedded simulator), the tables line up on the
//! decimal point, the numbers are the stored ones, the read-only commands
//! leave the data dir byte for byte as it was, and a held store gets the
//! same "running vigil" answer from all three.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rust_decimal::Decimal;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vigil(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).arg("--data-dir").arg(data).args(args).output().unwrap()
}

/// `order place … --feed sim`, answering the confirmation with `answer`.
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
    writeln!(child.stdin.take().unwrap(), "{answer}").unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(out));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn d(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap()
}

/// Every file under `dir` with the SHA-256 of its bytes.
fn hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.clone(), hex::encode(Sha256::digest(std::fs::read(&path).unwrap())));
            }
        }
    }
    out
}

/// For each whitespace-separated column of the body lines, the char index of
/// every decimal point in it: one index per column when the points line up.
fn point_columns(table: &str) -> Vec<Vec<usize>> {
    let mut columns: Vec<Vec<usize>> = Vec::new();
    for line in table.lines().skip(1) {
        let chars: Vec<char> = line.chars().collect();
        let mut col = 0;
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == ' ' {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && chars[i] != ' ' {
                i += 1;
            }
            if columns.len() <= col {
                columns.push(Vec::new());
            }
            if let Some(p) = chars[start..i].iter().position(|c| *c == '.') {
                columns[col].push(start + p);
            }
            col += 1;
        }
    }
    columns
}

#[test]
fn balances_and_positions_after_a_paper_fill_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for cmd in [&["balances"][..], &["positions"], &["order", "list"]] {
        let out = vigil(&data, cmd);
        assert!(stdout(&out).contains("holds no state"), "{}", text(&out));
    }
    assert!(!data.join("state").exists(), "a read-only command created the state");

    let out = place(&data, &["--side", "buy", "--type", "market", "--qty", "0.01"], "y");
    assert!(stdout(&out).contains("placed paper order #1: filled"), "{}", text(&out));
    let out = place(&data, &["--side", "buy", "--type", "limit", "--qty", "0.0015", "--price", "63000"], "y");
    assert!(stdout(&out).contains("placed paper order #2"), "{}", text(&out));
    let out = place(&data, &["--side", "buy", "--type", "limit", "--qty", "0.001", "--price", "1"], "y");
    assert_eq!(out.status.code(), Some(1), "refused: {}", text(&out));

    let before = hashes(&data);
    let list = stdout(&vigil(&data, &["order", "list"]));
    let balances = stdout(&vigil(&data, &["balances"]));
    let positions = stdout(&vigil(&data, &["positions"]));
    let balances_json: Value = serde_json::from_str(&stdout(&vigil(&data, &["balances", "--json"]))).unwrap();
    let positions_json: Value =
        serde_json::from_str(&stdout(&vigil(&data, &["positions", "--json"]))).unwrap();
    assert_eq!(hashes(&data), before, "a read-only command changed the data dir");

    // order list: newest first, a header, decimal points aligned per column.
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with("ID  SYMBOL ") && lines[0].ends_with("ORIGIN"), "{list}");
    assert!(lines[1].trim_start().starts_with("2  BTCUSDT  buy   limit "), "{list}");
    assert!(lines[2].trim_start().starts_with("1  BTCUSDT  buy   market"), "{list}");
    let points = point_columns(&list);
    let aligned: Vec<&Vec<usize>> = points.iter().filter(|c| c.len() > 1).collect();
    assert!(!aligned.is_empty(), "two numbers with points share a column: {list}");
    for column in &points {
        assert!(column.windows(2).all(|w| w[0] == w[1]), "points not aligned: {points:?}\n{list}");
    }

    // balances: BTC bought, USDT spent and locked for the resting order.
    let rows = balances_json["balances"].as_array().unwrap();
    let asset = |name: &str| rows.iter().find(|r| r["asset"] == name).unwrap();
    let (btc, usdt) = (asset("BTC"), asset("USDT"));
    assert_eq!(d(&btc["total"]), "0.01".parse().unwrap());
    assert_eq!(d(&btc["locked"]), Decimal::ZERO);
    let price = d(&btc["priced_by"]["price"]);
    assert_eq!(d(&btc["value"]), d(&btc["total"]) * price, "valued at the last fill");
    assert_eq!(btc["priced_by"]["symbol"], "BTCUSDT");
    assert!(d(&usdt["locked"]) > Decimal::ZERO, "the resting buy locks quote: {usdt}");
    assert_eq!(d(&usdt["free"]) + d(&usdt["locked"]), d(&usdt["total"]));
    assert!(d(&usdt["total"]) < "10000".parse().unwrap(), "the buy and its fee were paid: {usdt}");
    assert_eq!(d(&usdt["value"]), d(&usdt["total"]));
    let line = |table: &str, first: &str| -> String {
        table
            .lines()
            .find(|l| l.starts_with(first))
            .unwrap_or_else(|| panic!("no {first}: {table}"))
            .to_owned()
    };
    assert!(line(&balances, "BTC ").contains(&format!("last fill BTCUSDT @{price} (")), "{balances}");
    assert!(line(&balances, "USDT ").ends_with("quote asset"), "{balances}");
    assert!(balances.contains("at the last price vigil filled at"), "says where the price comes from");
    for column in point_columns(balances.lines().take(3).collect::<Vec<_>>().join("\n").as_str()) {
        assert!(column.windows(2).all(|w| w[0] == w[1]), "points not aligned:\n{balances}");
    }

    // positions: the bought quantity at a cost that includes the fee.
    let rows = positions_json["positions"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{positions_json}");
    let p = &rows[0];
    assert_eq!(p["symbol"], "BTCUSDT");
    assert_eq!(d(&p["qty"]), "0.01".parse().unwrap());
    assert_eq!(d(&p["realized_pnl"]), Decimal::ZERO, "nothing sold");
    assert_eq!(positions_json["avg_cost_includes_fees"], true);
    assert!(d(&p["avg_cost"]) > d(&p["last_fill"]["price"]), "the fee is in the cost: {p}");
    assert_eq!(d(&p["unrealized_pnl"]), (d(&p["last_fill"]["price"]) - d(&p["avg_cost"])) * d(&p["qty"]));
    let row = line(&positions, "BTCUSDT ");
    assert!(row.contains(&p["avg_cost"].as_str().unwrap().to_owned()), "{positions}");
    assert!(positions.contains("AVG COST includes the buy fees"), "{positions}");
}

#[test]
fn a_held_store_gets_the_same_answer_from_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = place(&data, &["--side", "buy", "--type", "market", "--qty", "0.001"], "n");
    assert_eq!(out.status.code(), Some(2), "declined: {}", text(&out));
    // A running engine holds sled's lock exclusively; so does this handle.
    let db = sled::open(data.join("state").join("db")).unwrap();
    let answers: Vec<String> = [&["order", "list"][..], &["balances"], &["positions"]]
        .iter()
        .map(|cmd| {
            let out = vigil(&data, cmd);
            assert_eq!(out.status.code(), Some(1), "{cmd:?}: {}", text(&out));
            String::from_utf8(out.stderr).unwrap()
        })
        .collect();
    drop(db);
    assert!(answers[0].contains("is in use by a running vigil: stop it first"), "{}", answers[0]);
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:#?}");
}

/// `vigil order amend` then `vigil order cancel` as a person runs them: the amend shows its
/// checks, asks, and replaces the order; the cancel ends the replacement.
#[test]
fn amend_then_cancel_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = place(&data, &["--side", "buy", "--type", "limit", "--qty", "0.0015", "--price", "63000"], "y");
    assert!(stdout(&out).contains("placed paper order #1"), "{}", text(&out));

    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(&data)
        .args(["order", "amend", "1", "--price", "63100", "--feed", "sim", "--symbols", "BTCUSDT"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "y").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout(&out).contains("balance_available"), "the checks are shown: {}", text(&out));

    let out = vigil(&data, &["order", "cancel", "2", "--feed", "sim", "--symbols", "BTCUSDT"]);
    assert!(stdout(&out).contains("cancelled order #2"), "{}", text(&out));
    let list = stdout(&vigil(&data, &["order", "list"]));
    let row = |id: &str| list.lines().find(|l| l.split_whitespace().next() == Some(id)).unwrap_or_default();
    assert!(row("1").contains("63000") && row("1").contains("cancelled"), "{list}");
    assert!(row("2").contains("63100") && row("2").contains("cancelled"), "{list}");
}
