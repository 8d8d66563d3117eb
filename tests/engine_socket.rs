//! One engine per data dir, many front ends, as a person meets them: `vigil
//! run --headless` trades a grid on the embedded simulator, and while it runs
//! `status`, `order list|place`, `audit show|verify` and `vigil attach` (in a
//! real tmux terminal, with a TOTP code) reach it over `<data-dir>/vigil.sock`.
//! Then the stops: SIGTERM is a clean exit 0; SIGKILL leaves the next start
//! halted until a person releases it.
#![allow(clippy::unwrap_used)]

#[path = "support/cli_vault.rs"]
mod cli_vault;
#[path = "support/tmux.rs"]
mod tmux;

use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cli_vault::{Factor, Vault, text};
use tmux::Tmux;

const CONFIG: &str = r#"
[feed]
symbols = ["BTCUSDT"]
[risk]
max_orders_per_minute = 1000
max_orders_per_10s = 200
"#;

struct Dirs {
    _root: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

fn dirs() -> Dirs {
    let root = tempfile::tempdir().unwrap();
    Dirs { data: root.path().join("data"), config: private_config(root.path()), _root: root }
}

fn vigil(d: &Dirs, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil"));
    cmd.arg("--data-dir").arg(&d.data).arg("--config").arg(&d.config).args(args);
    cmd
}

fn output(d: &Dirs, args: &[&str], stdin: &str) -> Output {
    let mut child =
        vigil(d, args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// `vigil run --headless …` in the background, its output kept for the end.
fn run_headless(d: &Dirs, extra: &[&str]) -> Child {
    vigil(d, &["run", "--headless", "--strategy", "grid"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Polls `vigil status` until its exit code is `want`; returns its output.
fn status_becomes(d: &Dirs, want: i32) -> Output {
    status_says(d, want, "")
}

/// Polls `vigil status` until it exits `want` saying `words` (the engine
/// serves its socket before a headless start has armed autonomy).
fn status_says(d: &Dirs, want: i32, words: &str) -> Output {
    let start = Instant::now();
    loop {
        let out = output(d, &["status"], "");
        if code(&out) == want && text(&out).contains(words) {
            return out;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "status never exited {want}: {}", text(&out));
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

/// Waits for the process to end; its exit code and everything it printed.
fn finish(child: Child) -> (i32, String) {
    let out = child.wait_with_output().unwrap();
    (code(&out), text(&out))
}

fn socket(d: &Dirs) -> PathBuf {
    d.data.join("vigil.sock")
}

#[test]
fn an_unattended_engine_is_watched_and_steered_through_its_socket() {
    let d = dirs();
    let engine = run_headless(&d, &["--mode", "autonomous"]);
    status_says(&d, 0, "AUTONOMOUS");

    let meta = std::fs::symlink_metadata(socket(&d)).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600, "the socket is the owner's only");

    let json: serde_json::Value =
        serde_json::from_slice(&output(&d, &["status", "--json"], "").stdout).unwrap();
    assert_eq!(json["mode"], "AUTONOMOUS");
    assert_eq!(json["health"], "healthy");
    assert_eq!(json["strategies"][0], "grid");

    // A person's order on the autonomous engine still shows its checks and asks.
    let declined = output(
        &d,
        &["order", "place", "--symbol", "BTCUSDT", "--side", "buy", "--type", "market", "--qty", "0.001"],
        "n\n",
    );
    assert_eq!(code(&declined), 2, "{}", text(&declined));
    assert!(text(&declined).contains("balance_available"), "the checks are shown: {}", text(&declined));
    let placed = output(
        &d,
        &["order", "place", "--symbol", "BTCUSDT", "--side", "buy", "--type", "market", "--qty", "0.001"],
        "y\n",
    );
    assert_eq!(code(&placed), 0, "{}", text(&placed));
    assert!(text(&placed).contains("placed paper order"), "{}", text(&placed));

    let list = output(&d, &["order", "list"], "");
    assert_eq!(code(&list), 0, "{}", text(&list));
    assert!(text(&list).contains("strategy:grid") && text(&list).contains("manual"), "{}", text(&list));
    let shown = output(&d, &["audit", "show"], "");
    assert_eq!(code(&shown), 0, "{}", text(&shown));
    assert!(text(&shown).contains("confirmed"), "the person's confirmation is audited: {}", text(&shown));
    let verified = output(&d, &["audit", "verify"], "");
    assert_eq!(code(&verified), 0, "{}", text(&verified));
    assert!(text(&verified).contains("checked by the running engine"), "{}", text(&verified));

    // A garbage frame closes that client only.
    let mut rogue = UnixStream::connect(socket(&d)).unwrap();
    rogue.write_all(&[0xff, 0xff, 0xff, 0xff, b'{', b'x']).unwrap();
    rogue.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    assert_eq!(rogue.read_to_end(&mut rest).unwrap(), 0, "the engine hung up on the garbage");
    let mut malformed = UnixStream::connect(socket(&d)).unwrap();
    malformed.write_all(&[0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o']).unwrap();
    malformed.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(malformed.read_to_end(&mut rest).unwrap(), 0, "and on a frame that is not a hello");
    assert_eq!(code(&output(&d, &["status"], "")), 0, "everyone else carries on");

    sigterm(&engine);
    let (exit, printed) = finish(engine);
    assert_eq!(exit, 0, "a SIGTERM is a clean stop: {printed}");
    assert!(printed.contains("stopped:"), "{printed}");
    let gone = output(&d, &["status"], "");
    assert_eq!(code(&gone), 3, "{}", text(&gone));
    assert!(!socket(&d).exists(), "a clean stop removes its socket");
    let after = output(&d, &["audit", "show"], "");
    assert!(text(&after).contains("engine stopped"), "the final audit entry: {}", text(&after));
}

#[test]
fn after_sigkill_the_next_start_is_halted_until_a_person_releases_it() {
    let d = dirs();
    let mut engine = run_headless(&d, &["--mode", "autonomous"]);
    status_becomes(&d, 0);
    engine.kill().unwrap();
    engine.wait().unwrap();
    assert!(socket(&d).exists(), "a killed engine leaves its socket behind");
    assert_eq!(code(&output(&d, &["status"], "")), 3, "a dead socket is no engine");

    let engine = run_headless(&d, &["--mode", "autonomous"]);
    let halted = status_becomes(&d, 1);
    assert!(text(&halted).contains("unclean shutdown"), "{}", text(&halted));
    assert!(text(&halted).contains("CONFIRM"), "autonomy is not re-armed: {}", text(&halted));
    let verified = output(&d, &["audit", "verify"], "");
    assert_eq!(code(&verified), 0, "the chain survived the kill: {}", text(&verified));
    sigterm(&engine);
    let (exit, printed) = finish(engine);
    assert_eq!(exit, 0, "{printed}");
    assert!(printed.contains("not arming autonomous mode"), "it said why it waits: {printed}");

    // The halt outlives a clean restart; a person releases it (audited).
    let engine = run_headless(&d, &["--mode", "autonomous", "--release-kill-switch"]);
    status_says(&d, 0, "AUTONOMOUS");
    sigterm(&engine);
    assert_eq!(finish(engine).0, 0);
    let shown = output(&d, &["audit", "show"], "");
    assert!(text(&shown).contains("unclean shutdown"), "{}", text(&shown));
    assert!(text(&shown).contains("kill_switch"), "the release is audited: {}", text(&shown));
    assert_eq!(code(&output(&d, &["audit", "verify"], "")), 0);
}

fn totp(v: &mut Vault) -> String {
    match v.second_factor() {
        Factor::Totp(code) => code,
        Factor::Recovery(_) => panic!("ran out of TOTP codes for this 30 s window"),
    }
}

#[test]
fn attach_in_a_real_terminal_takes_a_totp_code_and_detaching_leaves_the_engine_running() {
    let mut v = Vault::init();
    let d = Dirs {
        data: v.data.clone(),
        config: private_config(v.root.path()),
        _root: tempfile::tempdir().unwrap(),
    };
    // The engine unlocks with a recovery code: this 30 s window's TOTP codes
    // are for the attach (each code works once).
    let Factor::Recovery(recovery) = v.recovery() else { unreachable!() };
    let recovery_file = cli_vault::private_file(v.root.path(), "recovery", &recovery);
    let pass = v.pass.display().to_string();
    let recovery_arg = recovery_file.display().to_string();
    let engine = run_headless(&d, &["--passphrase-file", &pass, "--recovery-code-file", &recovery_arg]);
    status_becomes(&d, 0);

    let wrong = output(&d, &["attach", "--totp", "000000"], "");
    assert_ne!(code(&wrong), 0);
    assert!(text(&wrong).contains("authenticator code"), "{}", text(&wrong));

    let attach_code = totp(&mut v);
    let tmux = Tmux { socket: format!("vigil-attach-{}", std::process::id()) };
    let program = format!(
        "TERM=xterm-256color {} --data-dir {} --config {} attach --totp {attach_code}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_vigil"),
        d.data.display(),
        d.config.display()
    );
    tmux.cmd(&["new-session", "-d", "-s", "vigil", "-x", "120", "-y", "40", &program]);
    let screen = tmux.wait_for("the workstation on the running engine", |s| {
        s.contains("attached") && s.contains("BTCUSDT") && s.contains("CONFIRM")
    });
    assert!(screen.contains("PAPER"), "{screen}");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the detach message", |s| s.contains("EXIT="));
    assert!(after.contains("detached: the engine keeps running") && after.contains("EXIT=0"), "{after}");
    assert_eq!(code(&output(&d, &["status"], "")), 0, "the engine runs on");

    sigterm(&engine);
    let (exit, printed) = finish(engine);
    assert_eq!(exit, 0, "{printed}");
    let shown = output(&d, &["audit", "show"], "");
    assert!(text(&shown).contains("vigil attach attached"), "the attach is audited: {}", text(&shown));
    assert!(text(&shown).contains("refused: a wrong or reused TOTP code"), "{}", text(&shown));
    for secret in [attach_code.as_str(), recovery.as_str(), cli_vault::PASSPHRASE] {
        assert!(!text(&shown).contains(secret), "no code or passphrase in the audit log");
    }
}

fn private_config(dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, CONFIG).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}
