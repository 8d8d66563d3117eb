//! The state store and its audit log under the attacks an adversarial review
//! ran with file access only: a discarded tail, an emptied log, a log swapped
//! for one made without the keystore, a foreign or loose data dir, and what
//! `backup`/`restore` promise. Each is driven through the binary, and every
//! refusal leaves every file's bytes as they were.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use vigil::clock::ManualClock;
use vigil::store::{Actor, AuditKey, AuditKind, AuditLog};

const T0: i64 = 1_700_000_000_000;

fn vigil(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).arg("--data-dir").arg(data).args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Appends `n` entries to the install-keyed, anchored log of `data`.
fn append(data: &Path, n: u64) {
    let state = data.join("state");
    let key = AuditKey::load_or_create_install_key(&state).unwrap();
    let clock = ManualClock::new(T0);
    let mut log = AuditLog::open(&state, key, Arc::new(clock.clone())).unwrap();
    for i in 0..n {
        clock.advance(1_000);
        log.append(AuditKind::Note, Actor::Engine, serde_json::json!({ "i": i })).unwrap();
    }
}

/// SHA-256 of every file under `dir`.
fn hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// `audit verify` fails with `want`, and a trading session refuses to start;
/// neither changes a byte of the data dir.
fn assert_refused(data: &Path, want: &str) {
    assert_refused_unlocking(data, want, &[]);
}

/// The same, for a data dir whose session first unlocks the keystore with `unlock`.
fn assert_refused_unlocking(data: &Path, want: &str, unlock: &[&str]) {
    let before = hashes(data);
    let out = vigil(data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(want), "want {want:?} in {}", text(&out));
    let mut args = vec![
        "order", "place", "--symbol", "BTCUSDT", "--side", "buy", "--type", "limit", "--qty", "0.001",
        "--price", "64000", "--feed", "sim",
    ];
    args.extend_from_slice(unlock);
    let out = vigil(data, &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("refusing to trade"), "{}", text(&out));
    assert!(text(&out).contains(want), "the session names the problem: {}", text(&out));
    if unlock.is_empty() {
        assert_eq!(hashes(data), before, "a refusal changed the data dir");
    } else {
        // An unlock writes the keystore (the used TOTP step); the state is untouched.
        let state = |h: BTreeMap<PathBuf, String>| -> BTreeMap<PathBuf, String> {
            h.into_iter().filter(|(p, _)| !p.starts_with(data.join("keystore"))).collect()
        };
        assert_eq!(state(hashes(data)), state(before), "a refusal changed the state");
    }
}

#[test]
fn a_discarded_tail_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    append(&data, 11);
    let older = dir.path().join("older-db");
    copy_dir(&data.join("state/db"), &older);
    append(&data, 2);
    assert!(text(&vigil(&data, &["audit", "verify"])).contains("audit log OK: 13 entries"));
    // What sled's recovery leaves after a corrupt late record: a consistent, shorter log.
    std::fs::remove_dir_all(data.join("state/db")).unwrap();
    copy_dir(&older, &data.join("state/db"));
    assert_refused(
        &data,
        "entry 12 missing: tail truncated or log emptied (the anchor records 13 entries, found 11)",
    );
}

#[test]
fn a_flipped_byte_in_a_late_record_never_passes_and_is_never_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    append(&data, 13);
    let db = data.join("state/db/db");
    let original = std::fs::read(&db).unwrap();
    let needle = br#""i":11"#;
    let at = original.windows(needle.len()).rposition(|w| w == needle).expect("entry 12 is in the file");
    let mut flipped = original.clone();
    flipped[at + 1] ^= 0x20;
    std::fs::write(&db, &flipped).unwrap();
    for entry in std::fs::read_dir(data.join("state/db")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("snap.") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let before = hashes(&data);
    let out = vigil(&data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "a damaged log verified: {}", text(&out));
    assert_eq!(hashes(&data), before, "verify changed the evidence");
    // The byte restored, the log is whole again: nothing was rewritten by looking.
    std::fs::write(&db, &original).unwrap();
    let out = vigil(&data, &["audit", "verify"]);
    assert!(text(&out).contains("audit log OK: 13 entries"), "{}", text(&out));
}

#[test]
fn an_emptied_log_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    append(&data, 5);
    std::fs::remove_dir_all(data.join("state/db")).unwrap();
    drop(sled::open(data.join("state/db")).unwrap());
    assert_refused(&data, "the anchor records 5 entries, found 0");
}

#[test]
fn a_state_dir_swapped_for_another_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (data, other) = (dir.path().join("data"), dir.path().join("other"));
    append(&data, 5);
    append(&other, 5);
    std::fs::remove_dir_all(data.join("state")).unwrap();
    copy_dir(&other.join("state"), &data.join("state"));
    // Same length, its own install key beside it: only the anchor outside `state/` knows.
    assert_refused(&data, "the state dir was swapped");
}

#[test]
fn a_log_made_without_the_keystore_is_refused_where_a_keystore_exists() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let enrollment = vigil_keystore::TotpEnrollment::generate();
    let fast = vigil_keystore::KdfParams { m_kib: 19_456, t: 2, p: 1 };
    let pass = secrecy::SecretString::from("correct horse battery staple");
    let created =
        vigil_keystore::Keystore::create(&data.join("keystore"), &pass, fast, &enrollment, 1_700_000_000);
    drop(created.unwrap());
    // The attacker's state dir: an install-keyed log, its key beside it.
    append(&data, 3);
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, "correct horse battery staple\n").unwrap();
    std::fs::set_permissions(&pass_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let base32 = secrecy::ExposeSecret::expose_secret(&enrollment.base32()).to_owned();
    let secret = totp_rs::Secret::try_from_base32(&base32).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret.as_bytes().to_vec()).build().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let code = totp.generate(now).to_string();
    assert_refused_unlocking(
        &data,
        "signed by the install key but this data dir has a keystore",
        &["--passphrase-file", pass_file.to_str().unwrap(), "--totp", &code],
    );
}

#[test]
fn a_foreign_or_loose_data_dir_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    append(&data, 1);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o770)).unwrap();
    let out = vigil(&data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("writable by group or others") && text(&out).contains("chmod 700"),
        "{}",
        text(&out)
    );
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();

    // Tests run as root in CI, so a foreign owner is one chown away.
    std::os::unix::fs::chown(&data, Some(65534), None).unwrap();
    for args in [&["audit", "verify"][..], &["order", "list"], &["keys", "list"]] {
        let out = vigil(&data, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("is owned by uid 65534, not by you") && text(&out).contains("chown"),
            "{}",
            text(&out)
        );
    }
    std::os::unix::fs::chown(&data, Some(0), None).unwrap();
    assert!(vigil(&data, &["audit", "verify"]).status.success());
}

#[test]
fn a_new_data_dir_is_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh/data");
    // A trading session creates the data dir, its state and its log under umask 000.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000 && echo n | exec {} --data-dir {} order place --symbol BTCUSDT --side buy --type limit \
             --qty 0.001 --price 64000 --feed sim",
            env!("CARGO_BIN_EXE_vigil"),
            data.display()
        ))
        .output()
        .unwrap();
    assert!(data.join("state/db").is_dir(), "{}", text(&out));
    for private in [data.clone(), data.join("state"), data.join("state/db")] {
        let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}: {}", private.display(), text(&out));
    }
    for (path, _) in hashes(&data) {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
    }
}

#[test]
fn backup_then_restore_round_trips_and_restore_refuses_a_used_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    append(&data, 7);
    let file = dir.path().join("vigil.backup");
    let out = vigil(&data, &["backup", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    // Never over an existing file.
    assert_eq!(vigil(&data, &["backup", file.to_str().unwrap()]).status.code(), Some(1));

    let restored = dir.path().join("restored");
    let out = vigil(&restored, &["restore", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("audit log OK: 7 entries"), "{}", text(&out));
    let strip = |root: &Path, h: BTreeMap<PathBuf, String>| -> BTreeMap<PathBuf, String> {
        h.into_iter().map(|(p, v)| (p.strip_prefix(root).unwrap().to_owned(), v)).collect()
    };
    assert_eq!(
        strip(&restored, hashes(&restored)),
        strip(&data, hashes(&data)),
        "the restored files are the originals"
    );
    assert_eq!(
        std::fs::metadata(restored.join("state/audit.key")).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let before = hashes(&data);
    let out = vigil(&data, &["restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("is not empty"), "{}", text(&out));
    assert_eq!(hashes(&data), before);
}

#[test]
fn restore_refuses_what_is_not_a_backup_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("notes.tar");
    {
        let mut tar = tar::Builder::new(std::fs::File::create(&bogus).unwrap());
        let mut header = tar::Header::new_gnu();
        header.set_size(5);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "notes.txt", &b"hello"[..]).unwrap();
        tar.finish().unwrap();
    }
    let target = dir.path().join("restored");
    let out = vigil(&target, &["restore", bogus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("not a vigil backup"), "{}", text(&out));
    assert!(!target.exists(), "a refused restore created the data dir");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "staging left behind: {left:?}");
}
