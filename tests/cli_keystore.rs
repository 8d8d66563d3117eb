//! The keystore commands as a user meets them: `vigil` run as a subprocess,
//! scripted through stdin and 0600 files, in a fresh data dir.
#![allow(clippy::unwrap_used)]

#[path = "support/cli_vault.rs"]
mod cli_vault;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use base64::Engine as _;
use cli_vault::*;
use totp_rs::Secret;

#[test]
fn keys_round_trip_without_ever_showing_a_key() {
    let mut v = Vault::init();
    add_key(&mut v, "main", API_KEY, API_SECRET);

    let factor = v.second_factor();
    let out = v.run_with(&["keys", "list"], &factor);
    let listing = text(&out);
    assert!(out.status.success() && listing.contains("main") && listing.contains("binance"), "{listing}");
    assert!(listing.contains("never"), "not verified yet: {listing}");
    let replay = v.run_with(&["keys", "list"], &factor);
    assert!(!replay.status.success(), "a used code must not unlock again: {}", text(&replay));
    assert!(text(&replay).contains("wrong passphrase or second-factor code"), "{}", text(&replay));

    let out = v.run(&["keys", "remove", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = v.run(&["keys", "remove", "main"]);
    assert!(!out.status.success() && text(&out).contains("no key named"), "{}", text(&out));

    assert_nothing_leaked(&v, &[(API_KEY, API_SECRET)]);
}

/// No key and no secret (nor its hex or base64) appears in any output, nor in
/// any file under the data dir. Call it once the 0600 input files are gone.
fn assert_nothing_leaked(v: &Vault, pairs: &[(&str, &str)]) {
    let mut needles = Vec::new();
    for (key, secret) in pairs {
        needles.push(secret.as_bytes().to_vec());
        needles.push(hex::encode(secret).into_bytes());
        needles.push(base64::engine::general_purpose::STANDARD.encode(secret).into_bytes());
        needles.push(key.as_bytes().to_vec());
    }
    for needle in &needles {
        assert!(
            !v.transcript.as_bytes().windows(needle.len()).any(|w| w == needle.as_slice()),
            "leaked in output"
        );
    }
    let mut files = vec![v.data.clone()];
    let mut scanned = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        scanned += 1;
        for needle in &needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "leaked into {}",
                path.display()
            );
        }
    }
    assert!(scanned > 0);
}

#[test]
fn wrong_passphrase_and_wrong_code_fail_alike_and_leave_the_keystore_intact() {
    let mut v = Vault::init();
    let good_pass = v.pass.clone();
    v.pass = private_file(v.root.path(), "wrong", "not the passphrase at all");
    let factor = v.second_factor();
    let wrong_pass = v.run_with(&["keys", "list"], &factor);
    v.pass = good_pass;
    let wrong_code = v.run_with(&["keys", "list"], &Factor::Totp("000000".into()));
    assert!(!wrong_pass.status.success() && !wrong_code.status.success());
    let (a, b) = (text(&wrong_pass), text(&wrong_code));
    assert_eq!(a.lines().last(), b.lines().last(), "same message for either factor");
    assert!(!a.contains("panicked"));
    // Nothing was damaged: the right factors still open it (after the lockout delay, if any).
    let mut ok = v.run(&["keys", "list"]);
    for _ in 0..5 {
        if ok.status.success() || !text(&ok).contains("wait") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
        let recovery = v.recovery();
        ok = v.run_with(&["keys", "list"], &recovery);
    }
    assert!(ok.status.success(), "{}", text(&ok));
    // The person is told about the failures the success just reset.
    assert!(
        text(&ok).contains("2 failed unlock attempt(s) since the last successful unlock"),
        "{}",
        text(&ok)
    );
}

#[test]
fn passwd_changes_the_passphrase() {
    let mut v = Vault::init();
    let new_pass = private_file(v.root.path(), "new", "a brand new passphrase here");
    let out = v.run(&["passwd", "--new-passphrase-file", new_pass.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let old = v.run(&["keys", "list"]);
    assert!(!old.status.success(), "old passphrase must stop working");
    v.pass = new_pass;
    let recovery = v.recovery();
    let new = v.run_with(&["keys", "list"], &recovery);
    assert!(new.status.success(), "{}", text(&new));
}

#[test]
fn a_group_readable_passphrase_file_is_refused() {
    let mut v = Vault::init();
    fs::set_permissions(&v.pass, fs::Permissions::from_mode(0o640)).unwrap();
    let out = v.run(&["keys", "list"]);
    let msg = text(&out);
    assert!(!out.status.success() && msg.contains("chmod 600"), "{msg}");
}

#[test]
fn init_refuses_to_overwrite_and_commands_need_a_keystore() {
    let mut v = Vault::init();
    let again = vigil()
        .arg("--data-dir")
        .arg(&v.data)
        .args(["init", "--passphrase-file"])
        .arg(&v.pass)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!again.status.success() && text(&again).contains("refusing to overwrite"), "{}", text(&again));
    v.data = v.root.path().join("elsewhere");
    let missing = v.run(&["keys", "list"]);
    assert!(!missing.status.success() && text(&missing).contains("vigil init"), "{}", text(&missing));
}

#[test]
fn keystore_files_are_private() {
    let v = Vault::init();
    let dir = v.data.join("keystore");
    assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let mut stack = vec![dir];
    while let Some(path) = stack.pop() {
        for entry in fs::read_dir(&path).unwrap() {
            let p = entry.unwrap().path();
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            if p.is_dir() {
                assert_eq!(mode, 0o700, "{}", p.display());
                stack.push(p);
            } else {
                assert_eq!(mode, 0o600, "{}", p.display());
            }
        }
    }
}

#[test]
fn a_recovery_code_is_never_taken_from_the_command_line() {
    let mut v = Vault::init();
    let Factor::Recovery(code) = v.recovery() else { unreachable!() };
    let out = v.run_with(&["keys", "list"], &Factor::Totp(code.clone()));
    let msg = text(&out);
    assert!(!out.status.success() && msg.contains("--recovery-code-file"), "{msg}");
    // Refused before any unlock attempt: the code is still good, and no failure was counted.
    let out = v.run_with(&["keys", "list"], &Factor::Recovery(code));
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("failed unlock attempt"), "{}", text(&out));
}

#[test]
fn totp_reset_enrols_a_new_authenticator_with_a_recovery_code() {
    let mut v = Vault::init();
    let Factor::Recovery(code) = v.recovery() else { unreachable!() };
    let mut child = vigil()
        .arg("--data-dir")
        .arg(&v.data)
        .args(["totp", "reset", "--passphrase-file"])
        .arg(&v.pass)
        .arg("--recovery-code-file")
        .arg(private_file(v.root.path(), "recovery", &code))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut base32 = None;
    while base32.is_none() {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "totp reset ended early: {}", v.transcript);
        v.transcript.push_str(&line);
        base32 = line.strip_prefix("or type the key: ").map(|s| s.trim().to_owned());
    }
    let old_secret = std::mem::replace(
        &mut v.secret,
        Secret::try_from_base32(base32.unwrap()).unwrap().as_bytes().to_vec(),
    );
    v.last_step = now() / 30;
    writeln!(child.stdin.take().unwrap(), "{}", code_for(&v.secret, v.last_step)).unwrap();
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    stdout.read_to_string_into(&mut rest);
    v.transcript.push_str(&rest);
    v.transcript.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "totp reset failed: {}", v.transcript);
    assert!(rest.contains("9 recovery codes left"), "{rest}");

    let old = v.run_with(&["keys", "list"], &Factor::Totp(code_for(&old_secret, now() / 30 + 1)));
    // A step the old authenticator never used, inside the window: only the reset refuses it.
    assert!(!old.status.success(), "the old authenticator must stop working");
    let new = v.run(&["keys", "list"]);
    assert!(new.status.success(), "{}", text(&new));
}

#[test]
fn audit_verify_unlocks_the_vault_for_a_vault_signed_log() {
    let mut v = Vault::init();
    let wrong = v.run_with(&["keys", "list"], &Factor::Totp("000000".into()));
    assert!(!wrong.status.success());
    // A short confirm-mode session writes a log signed with the vault's key,
    // starting with the unlock and the failure before it.
    let out = v.run(&["run", "--headless", "--strategy", "grid", "--duration", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = vigil().arg("--data-dir").arg(&v.data).args(["audit", "show", "--json"]).output().unwrap();
    let first = String::from_utf8_lossy(&shown.stdout).lines().next().unwrap_or_default().to_owned();
    assert!(
        first.contains("unlock_attempt") && first.contains("\"failed_attempts_before\":1"),
        "first entry: {first}"
    );

    let locked =
        vigil().arg("--data-dir").arg(&v.data).args(["audit", "verify"]).stdin(Stdio::null()).output();
    let locked = locked.unwrap();
    let msg = text(&locked);
    assert!(!locked.status.success() && msg.contains("vault key"), "{msg}");

    let out = v.run(&["audit", "verify"]);
    let msg = text(&out);
    assert!(out.status.success() && msg.contains("audit log OK"), "{msg}");
}

#[test]
fn keys_verify_accepts_a_trade_only_key_and_refuses_one_that_can_withdraw() {
    use vigil::sim::account::{TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET, WITHDRAW_API_KEY, WITHDRAW_SECRET};
    let (_rt, sim) = start_sim();
    let rest = sim.rest_url();
    let mut v = Vault::init();
    add_key(&mut v, "good", TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET);
    add_key(&mut v, "risky", WITHDRAW_API_KEY, WITHDRAW_SECRET);

    let out = v.run(&["keys", "verify", "good", "--rest-url", &rest]);
    let msg = text(&out);
    assert!(out.status.success(), "{msg}");
    assert!(msg.contains("verified: \"good\" is trade-only"), "{msg}");
    let flag = |name: &str| msg.lines().find(|l| l.trim_start().starts_with(name)).map(str::split_whitespace);
    assert_eq!(flag("enableWithdrawals").unwrap().last(), Some("no"), "{msg}");
    assert_eq!(flag("enableSpotAndMarginTrading").unwrap().last(), Some("yes"), "{msg}");
    assert!(msg.contains("warning: the key is not restricted to trusted IPs"), "{msg}");

    let out = v.run(&["keys", "verify", "risky", "--rest-url", &rest]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(msg.contains("key \"risky\" refused: it can withdraw funds (enableWithdrawals)"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");

    let out = v.run(&["keys", "list"]);
    let listing = text(&out);
    assert!(out.status.success(), "{listing}");
    let row = |name: &str| listing.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_owned();
    let good = row("good ");
    assert!(good.contains("trade-only, 20") && good.ends_with(&format!("Z by {rest}")), "{listing}");
    assert!(row("risky ").contains("REFUSED: it can withdraw funds"), "{listing}");

    assert!(!v.transcript.contains("signature"), "no signed URL in any output: {}", v.transcript);
    assert_nothing_leaked(
        &v,
        &[(TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET), (WITHDRAW_API_KEY, WITHDRAW_SECRET)],
    );
}

#[test]
fn keys_verify_reports_binance_errors_in_one_line_and_changes_nothing() {
    use vigil::sim::account::TRADE_ONLY_API_KEY;
    const WRONG_SECRET: &str = "ThisIsNotTheSecretOfThatKey0000000000000000000000000000000000000";
    const UNKNOWN_KEY: &str = "NoSuchKeyOnTheExchange000000000000000000000000000000000000000000";
    let (_rt, sim) = start_sim();
    let rest = sim.rest_url();
    let mut v = Vault::init();
    add_key(&mut v, "wrong", TRADE_ONLY_API_KEY, WRONG_SECRET);
    add_key(&mut v, "unknown", UNKNOWN_KEY, WRONG_SECRET);

    let out = v.run(&["keys", "verify", "wrong", "--rest-url", &rest]);
    let msg = text(&out);
    assert!(!out.status.success(), "{msg}");
    assert_eq!(msg.lines().count(), 1, "one line: {msg}");
    assert!(msg.contains("Binance error -1022: Signature for this request is not valid."), "{msg}");
    assert!(msg.contains("secret does not match"), "{msg}");

    let out = v.run(&["keys", "verify", "unknown", "--rest-url", &rest]);
    let msg = text(&out);
    assert!(!out.status.success(), "{msg}");
    assert!(
        msg.contains("Binance error -2015: Invalid API-key, IP, or permissions for action. (HTTP 401)"),
        "{msg}"
    );

    let out = v.run(&["keys", "verify", "wrong", "--rest-url", "http://127.0.0.1:1"]);
    let msg = text(&out);
    assert!(!out.status.success(), "{msg}");
    assert_eq!(msg.lines().count(), 1, "one line: {msg}");
    assert!(msg.contains("cannot read the exchange's clock") && msg.contains("onnection refused"), "{msg}");

    let out = v.run(&["keys", "verify", "wrong", "--rest-url", "http://api.binance.com"]);
    let msg = text(&out);
    assert!(!out.status.success() && msg.contains("refusing clear-text"), "{msg}");

    let out = v.run(&["keys", "list"]);
    let listing = text(&out);
    assert!(out.status.success(), "{listing}");
    assert_eq!(listing.matches("never").count(), 2, "a failed check records nothing: {listing}");

    assert!(!v.transcript.contains("signature="), "no signed URL in any output: {}", v.transcript);
    assert_nothing_leaked(&v, &[(TRADE_ONLY_API_KEY, WRONG_SECRET), (UNKNOWN_KEY, WRONG_SECRET)]);
}

/// SHA-256 of every file under `dir`, by path.
fn hashes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    use sha2::Digest as _;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(path) = stack.pop() {
        for entry in fs::read_dir(&path).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), sha2::Sha256::digest(fs::read(&p).unwrap()).to_vec()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn keys_list_on_a_damaged_keystore_fails_in_one_line_and_changes_nothing() {
    let mut v = Vault::init();
    add_key(&mut v, "main", API_KEY, API_SECRET);
    let dir = v.data.join("keystore");
    let current = fs::read_to_string(dir.join("CURRENT")).unwrap();
    let generation = current.lines().nth(1).unwrap().strip_prefix("generation ").unwrap();
    let db = dir.join(format!("gen-{:08}", generation.parse::<u64>().unwrap())).join("db");
    let good = fs::read(&db).unwrap();
    // The newest record sits in the last non-zero bytes of the data file.
    let last = good.iter().rposition(|&b| b != 0).unwrap();
    for (file, at) in [(&db, last), (&db, last / 2), (&dir.join("CURRENT"), 40)] {
        let original = fs::read(file).unwrap();
        let mut bad = original.clone();
        bad[at] ^= 0x01;
        fs::write(file, &bad).unwrap();
        let before = hashes(&dir);
        let out = v.run(&["keys", "list"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{}: a damaged keystore was used: {}", file.display(), text(&out));
        assert!(stderr.contains("is damaged") && stderr.contains("restore the keystore"), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert_eq!(hashes(&dir), before, "{} byte {at}: `keys list` changed the files", file.display());
        fs::write(file, &original).unwrap();
    }
    let out = v.run(&["keys", "list"]);
    assert!(out.status.success() && text(&out).contains("main"), "{}", text(&out));
}
