//! The headless log as an operator configures it: `vigil run --log-format`
//! text or json into `<data-dir>/vigil.log` (0600), its filter from
//! `VIGIL_LOG`, else `RUST_LOG`, else `info`. (Rotation by size is tested
//! in `cli::logging`.)
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

/// A short headless run in confirm mode on the embedded simulator; returns its log.
fn run(root: &Path, name: &str, format: &str, env: &[(&str, &str)]) -> String {
    let data = root.join(name);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil"));
    // An alert command, so that the stop writes a line at info level for sure
    // (the log opens once the session has started).
    let config = root.join("config.toml");
    std::fs::write(&config, "[alerts]\ncommand = [\"true\"]\n").unwrap();
    cmd.arg("--data-dir").arg(&data).arg("--config").arg(&config);
    cmd.args(["run", "--headless", "--strategy", "grid", "--duration", "2", "--log-format", format]);
    cmd.env_remove("VIGIL_LOG").env_remove("RUST_LOG");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(data.join("vigil.log")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    std::fs::read_to_string(data.join("vigil.log")).unwrap()
}

#[test]
fn text_and_json_lines_filtered_by_vigil_log_then_rust_log() {
    let root = tempfile::tempdir().unwrap();

    let text = run(root.path(), "text", "text", &[]);
    assert!(
        text.lines()
            .any(|l| l.contains(" INFO vigil::alerts: alerts: destination done destination=command true")),
        "{text}"
    );
    assert!(text.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_err()), "{text}");

    let json = run(root.path(), "json", "json", &[]);
    let lines: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        lines.iter().any(|l| l["level"] == "INFO"
            && l["target"] == "vigil::alerts"
            && l["message"] == "alerts: destination done"
            && l["destination"] == "command true"),
        "{json}"
    );

    // RUST_LOG is honoured when VIGIL_LOG is not set; a quieter filter is not overridden
    // by the transports' cap.
    let quiet = run(root.path(), "quiet", "text", &[("RUST_LOG", "warn")]);
    assert!(!quiet.contains(" INFO ") && !quiet.contains(" DEBUG "), "{quiet}");
    // VIGIL_LOG wins over RUST_LOG.
    let vigil_log = run(root.path(), "both", "text", &[("RUST_LOG", "info"), ("VIGIL_LOG", "warn")]);
    assert!(!vigil_log.contains(" INFO "), "{vigil_log}");
    let loud = run(root.path(), "loud", "text", &[("RUST_LOG", "info")]);
    assert!(loud.contains(" INFO "), "{loud}");
}
