//! The live venue through the real binary, as a trader scripts it: a keystore
//! holding the simulator's trade-only test key, `vigil order place --venue
//! live` against the simulator on loopback with the confirmation on stdin,
//! `order list`, `order cancel` — and then a scan of everything the session
//! wrote or printed, at `RUST_LOG=trace`, for the API secret.
#![allow(clippy::unwrap_used)]

#[path = "support/cli_vault.rs"]
mod cli_vault;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use base64::Engine as _;
use cli_vault::{Vault, add_key, start_sim, text, vigil};
use vigil::sim::account::{TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET, WITHDRAW_API_KEY, WITHDRAW_SECRET};

/// Runs `args` unlocked, at trace level, with `stdin` typed in.
fn run_live(v: &mut Vault, args: &[&str], stdin: &str) -> Output {
    let mut cmd = vigil();
    cmd.arg("--data-dir").arg(&v.data).args(args).arg("--passphrase-file").arg(&v.pass);
    match v.second_factor() {
        cli_vault::Factor::Totp(code) => cmd.args(["--totp", &code]),
        cli_vault::Factor::Recovery(code) => {
            cmd.arg("--recovery-code-file").arg(cli_vault::private_file(v.root.path(), "recovery", &code))
        }
    };
    let mut child = cmd
        .env("RUST_LOG", "trace")
        .env("VIGIL_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    v.transcript.push_str(&text(&out));
    out
}

fn live_args<'a>(rest: &'a str, ws: &'a str, key: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = extra.to_vec();
    args.extend(["--venue", "live", "--key", key, "--feed", "sim", "--ws-url", ws, "--rest-url", rest]);
    args.extend(["--symbols", "BTCUSDT"]);
    args
}

/// Every file under `dir`, read whole.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    out
}

/// The secret as text, hex (either case) and base64 (standard and URL-safe).
fn forms(secret: &str) -> Vec<Vec<u8>> {
    let b = secret.as_bytes();
    vec![
        b.to_vec(),
        hex::encode(b).into_bytes(),
        hex::encode_upper(b).into_bytes(),
        base64::engine::general_purpose::STANDARD.encode(b).into_bytes(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b).into_bytes(),
    ]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_live_order_placed_listed_and_cancelled_through_the_binary_leaves_the_secret_nowhere() {
    let (_rt, sim) = start_sim();
    let (rest, ws) = (sim.rest_url(), sim.ws_url());
    let mut v = Vault::init();
    add_key(&mut v, "main", TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET);
    let out = v.run(&["keys", "verify", "main", "--rest-url", &rest]);
    assert!(out.status.success(), "{}", text(&out));

    // Far below the market: it rests.
    let args = live_args(
        &rest,
        &ws,
        "main",
        &["order", "place", "--symbol", "BTCUSDT", "--side", "buy", "--type", "limit", "--qty", "0.01"],
    );
    let mut args = args;
    args.extend(["--price", "62500"]);
    let out = run_live(&mut v, &args, "y\n");
    let msg = text(&out);
    assert!(out.status.success(), "{msg}");
    assert!(msg.contains("LIVE: this order goes to the exchange"), "{msg}");
    assert!(msg.contains("Send this LIVE order to the exchange? [y/N]"), "{msg}");
    assert!(msg.contains("placed LIVE order #1: submitted"), "{msg}");
    assert!(msg.contains("exchange order"), "{msg}");
    assert!(msg.contains("PASS  key_permissions"), "{msg}");

    let out = vigil().arg("--data-dir").arg(&v.data).args(["order", "list"]).output().unwrap();
    let listing = text(&out);
    v.transcript.push_str(&listing);
    assert!(listing.lines().any(|l| l.trim_start().starts_with('1') && l.contains("submitted")), "{listing}");

    let args = live_args(&rest, &ws, "main", &["order", "cancel", "1"]);
    let out = run_live(&mut v, &args, "");
    let msg = text(&out);
    assert!(out.status.success(), "{msg}");
    assert!(msg.contains("cancelled order #1"), "{msg}");

    // The secret: in no file under the data dir, no output, in any encoding.
    for form in forms(TRADE_ONLY_SECRET) {
        assert!(!contains(v.transcript.as_bytes(), &form), "the secret was printed");
        for (path, bytes) in files(&v.data) {
            assert!(!contains(&bytes, &form), "the secret is in {path}");
        }
    }
    let log = std::fs::read_to_string(v.data.join("vigil.log")).unwrap();
    assert!(log.lines().count() > 20 && log.contains("TRACE"), "the scan read a trace-level log");
    assert!(!log.contains(TRADE_ONLY_API_KEY), "transport crates are held below trace");
}

#[test]
fn a_live_order_with_a_key_that_can_withdraw_is_refused_before_anything_is_sent() {
    let (_rt, sim) = start_sim();
    let (rest, ws) = (sim.rest_url(), sim.ws_url());
    let mut v = Vault::init();
    add_key(&mut v, "risky", WITHDRAW_API_KEY, WITHDRAW_SECRET);
    let mut args = live_args(
        &rest,
        &ws,
        "risky",
        &["order", "place", "--symbol", "BTCUSDT", "--side", "buy", "--type", "limit", "--qty", "0.01"],
    );
    args.extend(["--price", "62500"]);
    let out = run_live(&mut v, &args, "y\n");
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(msg.contains("FAIL  key_permissions") && msg.contains("can withdraw"), "{msg}");
    assert!(msg.contains("refused: a check failed; nothing was sent"), "{msg}");
    assert!(!msg.contains("Send this LIVE order"), "never asked: {msg}");
}
