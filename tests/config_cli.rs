//! `[strategies]` and `[engine]` through the binary: a value out of range is an
//! error naming the file, the line and column, and the allowed range, and
//! `config show` prints the values in force.
#![allow(clippy::unwrap_used)]

use std::process::Command;

/// Runs `vigil --config FILE config show` on `text`: (exit code, stdout, stderr).
fn config_show(text: &str) -> (i32, String, String) {
    config_show_with(text, &[])
}

/// `config show` with extra arguments.
fn config_show_with(text: &str, extra: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&path)
        .args(["config", "show"])
        .args(extra)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

#[test]
fn more_symbols_than_a_watchlist_holds_are_refused_at_load() {
    let list = vec!["\"BTCUSDT\""; vigil::engine::MAX_WATCHED + 1].join(", ");
    let (code, _, stderr) = config_show(&format!("[feed]\nsymbols = [{list}]\n"));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("line 2, column 11")
            && stderr.contains("symbols lists 51 symbols: allowed at most 50"),
        "{stderr}"
    );
}

#[test]
fn out_of_range_strategy_values_are_refused_with_their_position() {
    let cases = [
        (
            "[strategies.grid]\nlevels = 4294967295\n",
            "line 2, column 10",
            "levels = 4294967295 is out of range: allowed 1 ..= 50",
        ),
        (
            "[strategies.grid]\nspacing_pct = \"0\"\n",
            "line 1, column 1",
            "grid.spacing_pct = 0 is out of range",
        ),
        ("[strategies.grid]\nlevels = 20\nspacing_pct = \"5\"\n", "line 1", "levels × spacing_pct below 100"),
        ("[strategies.grid]\n\nqty = \"-1\"\n", "line 3, column 7", "qty = -1 is out of range"),
        (
            "[strategies.sma-cross]\nfast = 30\n",
            "line 1",
            "sma-cross.fast = 30 is out of range: at least 1 and below slow (20)",
        ),
        (
            "[strategies.sma-cross]\nsample_ms = 0\n",
            "line 2, column 13",
            "sample_ms = 0 is out of range: allowed 100 ..= 86400000",
        ),
        (
            "\n[strategies]\nproposal_ttl_ms = 5\n",
            "line 3, column 19",
            "proposal_ttl_ms = 5 is out of range: allowed 1000 ..= 3600000",
        ),
        (
            "[strategies]\nreject_mute_ms = -1\n",
            "line 2",
            "reject_mute_ms = -1 is out of range: allowed 0 ..= 86400000",
        ),
        (
            "[engine]\non_shutdown = \"flee\"\n",
            "line 2",
            "unknown variant `flee`, expected `leave` or `cancel`",
        ),
    ];
    for (text, position, message) in cases {
        let (code, _, stderr) = config_show(text);
        assert_eq!(code, 1, "{text}: {stderr}");
        assert!(stderr.contains("config.toml is not valid"), "{text}: {stderr}");
        assert!(stderr.contains(position), "{text}: want {position:?} in {stderr}");
        assert!(stderr.contains(message), "{text}: want {message:?} in {stderr}");
    }
}

#[test]
fn config_show_prints_the_proposal_and_shutdown_settings() {
    let file = "[strategies]\nproposal_ttl_ms = 45000\n[engine]\non_shutdown = \"cancel\"\n";
    let (code, stdout, stderr) = config_show_with(file, &["--toml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("proposal_ttl_ms = 45000"), "{stdout}");
    assert!(stdout.contains("reject_mute_ms = 300000"), "{stdout}");
    assert!(stdout.contains("on_shutdown = \"cancel\""), "{stdout}");
    assert!(toml::from_str::<toml::Table>(&stdout).is_ok(), "--toml prints a config file: {stdout}");

    let (code, stdout, stderr) = config_show(file);
    assert_eq!(code, 0, "{stderr}");
    let row = |section: &str, setting: &str| -> Vec<String> {
        stdout
            .lines()
            .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .find(|words| words.len() >= 3 && words[0] == section && words[1] == setting)
            .unwrap_or_else(|| panic!("no {section} {setting} row in {stdout}"))
    };
    assert_eq!(row("strategies", "proposal_ttl_ms")[2], "45000");
    assert_eq!(row("strategies", "reject_mute_ms")[2], "300000");
    assert_eq!(row("engine", "on_shutdown")[2], "cancel");
    assert_eq!(row("risk", "symbol_allowlist")[2..], ["BTCUSDT,", "ETHUSDT"]);
}

/// The VALUE column: every number's decimal point (or its end, for a whole
/// number) at one character position.
#[test]
fn config_show_aligns_numbers_on_the_decimal_point() {
    let (code, stdout, stderr) =
        config_show("[risk]\nmax_slippage_pct = \"0.25\"\nmax_order_notional = \"12345.5\"\n");
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().skip(1).collect();
    assert!(lines[0].starts_with("SECTION ") && lines[0].ends_with("ALLOWED"), "{stdout}");
    // The VALUE column ends before the ALLOWED column starts (the table is ASCII).
    let allowed_at = lines[0].find("ALLOWED").unwrap();
    let mut points = std::collections::BTreeSet::new();
    let mut numbers = 0;
    for line in &lines[1..] {
        let before = line.get(..allowed_at).unwrap_or(line).trim_end();
        let value = before.split_whitespace().last().unwrap();
        if value.parse::<rust_decimal::Decimal>().is_err() {
            continue;
        }
        numbers += 1;
        let start = before.len() - value.len();
        // Trailing fraction padding is trimmed: measure from the start of the value.
        let int_len = value.find('.').unwrap_or(value.len());
        points.insert(start + int_len);
    }
    assert!(numbers > 20, "{stdout}");
    assert_eq!(points.len(), 1, "decimal points at {points:?}:\n{stdout}");
    assert!(stdout.contains("0.25") && stdout.contains("12345.5"), "{stdout}");
}

/// The range table, through the binary: every setting `config show` prints
/// with an allowed range refuses a value just above it (and, where the type
/// can hold one, just below it) with the line, column and range, and accepts
/// the bounds themselves.
#[test]
fn every_printed_range_is_enforced_at_load() {
    let (code, table, stderr) = config_show("");
    assert_eq!(code, 0, "{stderr}");
    let (_, defaults, _) = config_show_with("", &["--toml"]);
    let defaults: toml::Table = toml::from_str(&defaults).unwrap();
    let mut ranges = Vec::new();
    for line in table.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() >= 5 && words[words.len() - 2] == "..=" {
            let (low, high) = (words[words.len() - 3], words[words.len() - 1]);
            ranges.push((words[0].to_owned(), words[1].to_owned(), low.to_owned(), high.to_owned()));
        }
    }
    assert!(ranges.len() >= 25, "every numeric setting has a range: {table}");
    let must =
        ["stale_after_ms", "price_band_pct", "loss_cooldown_ms", "max_clock_skew_ms", "levels", "taker"];
    for key in must {
        assert!(ranges.iter().any(|(_, k, _, _)| k == key), "{key} has no printed range: {table}");
    }
    for (section, key, low, high) in ranges {
        let default = section.split('.').try_fold(&defaults, |t, s| t.get(s)?.as_table());
        let is_text = default.and_then(|t| t.get(&key)).is_some_and(toml::Value::is_str);
        let one = rust_decimal::Decimal::ONE;
        let low_d: rust_decimal::Decimal = low.parse().unwrap();
        let high_d: rust_decimal::Decimal = high.parse().unwrap();
        let mut out_of_range = vec![(high_d + one).to_string()];
        if is_text || !low_d.is_zero() {
            out_of_range.push((low_d - one).to_string());
        }
        let file = |value: &str| -> (String, usize) {
            let mut config = defaults.clone();
            let table =
                section.split('.').fold(&mut config, |t, s| t.get_mut(s).unwrap().as_table_mut().unwrap());
            let value = if is_text {
                toml::Value::String(value.to_owned())
            } else {
                toml::Value::Integer(value.parse().unwrap())
            };
            table.insert(key.clone(), value);
            let text = toml::to_string(&config).unwrap();
            let header = format!("[{section}]");
            let start = text.lines().position(|l| l == header).unwrap();
            let line = text.lines().skip(start).position(|l| l.starts_with(&format!("{key} = "))).unwrap();
            (text, start + line + 1)
        };
        for bad in out_of_range {
            let (text, line) = file(&bad);
            let (code, _, stderr) = config_show(&text);
            assert_eq!(code, 1, "[{section}] {key} = {bad} was accepted");
            // A per-asset setting (paper balances) names the kind; the line names the key.
            let want = format!("= {bad} is out of range: allowed {low} ..= {high}");
            assert!(stderr.contains(&want), "[{section}] {key} = {bad}: want {want:?} in {stderr}");
            assert!(
                stderr.contains(&format!("line {line}, column")),
                "[{section}] {key}: want line {line} in {stderr}"
            );
        }
        for good in [&low, &high] {
            let (code, _, stderr) = config_show(&file(good).0);
            assert_eq!(code, 0, "[{section}] {key} = {good} is in range: {stderr}");
        }
    }
}

#[test]
fn a_config_writable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[risk]\nprice_band_pct = \"5\"\n").unwrap();
    for mode in [0o666, 0o620, 0o602] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .arg("--config")
            .arg(&path)
            .args(["config", "show"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "mode {mode:o}: {stderr}");
        assert!(stderr.contains("writable by group or others"), "mode {mode:o}: {stderr}");
    }
}
