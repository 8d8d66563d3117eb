//! The audit chain: append/verify, then each kind of tampering done directly on
//! the sled tree must be detected and named; keys and key files.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::SecretBox;
use vigil::clock::ManualClock;
use vigil::store::audit::{AuditEntry, Problem};
use vigil::store::{Actor, AuditError, AuditKey, AuditKind, AuditLog, KeyKind, VerifyReport};

const KINDS: [AuditKind; 5] =
    [AuditKind::Intent, AuditKind::Gate, AuditKind::Confirmed, AuditKind::Submitted, AuditKind::Fill];

/// A state dir holding a 25-entry log signed by the install key (handle closed).
fn log_with_25() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let key = AuditKey::load_or_create_install_key(&state).unwrap();
    let clock = ManualClock::new(1_700_000_000_000);
    let mut log = AuditLog::open(&state, key, Arc::new(clock.clone())).unwrap();
    for i in 1..=25u64 {
        clock.advance(1_000);
        let actor = if i % 3 == 0 { Actor::Strategy("grid".into()) } else { Actor::Person };
        let body = serde_json::json!({"order": i, "symbol": "BTCUSDT", "note": format!("step {i}")});
        assert_eq!(log.append(KINDS[(i % 5) as usize], actor, body).unwrap(), i);
    }
    assert_eq!(log.len(), 25);
    (dir, state)
}

fn verify(state: &Path) -> VerifyReport {
    let key = AuditKey::load_install_key(state).unwrap();
    let log = AuditLog::open(state, key, Arc::new(ManualClock::new(0)));
    match log {
        Ok(log) => log.verify().unwrap(),
        // A log whose head no longer matches refuses appends; the reader still verifies it.
        Err(AuditError::Inconsistent(_)) => {
            let backend = vigil::store::SledBackend::open(state).unwrap();
            vigil::store::AuditReader::new(&backend)
                .verify(&AuditKey::load_install_key(state).unwrap())
                .unwrap()
        }
        Err(err) => panic!("{err}"),
    }
}

/// Runs `f` on the raw sled trees (audit, audit_meta), then closes the db.
fn tamper(state: &Path, f: impl FnOnce(&sled::Tree, &sled::Tree)) {
    let db = sled::open(state.join("db")).unwrap();
    let audit = db.open_tree("audit").unwrap();
    let meta = db.open_tree("audit_meta").unwrap();
    f(&audit, &meta);
    db.flush().unwrap();
}

fn raw(tree: &sled::Tree, seq: u64) -> Vec<u8> {
    tree.get(seq.to_be_bytes()).unwrap().unwrap().to_vec()
}

fn problem(state: &Path) -> (Problem, String) {
    let report = verify(state);
    let p = report.problem.unwrap();
    let text = p.to_string();
    (p, text)
}

#[test]
fn intact_log_verifies_and_reopens() {
    let (_dir, state) = log_with_25();
    let report = verify(&state);
    assert!(report.is_ok(), "{:?}", report.problem);
    assert_eq!(report.entries, 25);
    assert_eq!(report.key_kind, Some(KeyKind::Install));

    // Reopen, continue the chain, verify again.
    let key = AuditKey::load_install_key(&state).unwrap();
    let mut log = AuditLog::open(&state, key, Arc::new(ManualClock::new(1_800_000_000_000))).unwrap();
    assert_eq!(log.head_tag(), report.head);
    assert_eq!(log.append(AuditKind::Note, Actor::Cli, serde_json::json!("restart")).unwrap(), 26);
    let again = log.verify().unwrap();
    assert!(again.is_ok());
    assert_eq!(again.entries, 26);
}

#[test]
fn edited_body_byte_is_a_tag_mismatch() {
    let (_dir, state) = log_with_25();
    tamper(&state, |audit, _| {
        let bytes = String::from_utf8(raw(audit, 17)).unwrap().replace("step 17", "step 71");
        audit.insert(17u64.to_be_bytes(), bytes.as_bytes()).unwrap();
    });
    let (p, text) = problem(&state);
    assert_eq!(p, Problem::TagMismatch { seq: 17 });
    assert_eq!(text, "entry 17: tag mismatch (edited or forged)");
}

#[test]
fn garbled_entry_is_unreadable() {
    let (_dir, state) = log_with_25();
    tamper(&state, |audit, _| {
        let mut bytes = raw(audit, 4);
        bytes[0] = b'#';
        audit.insert(4u64.to_be_bytes(), bytes).unwrap();
    });
    let (p, text) = problem(&state);
    assert!(matches!(p, Problem::Unreadable { seq: 4, .. }), "{text}");
}

#[test]
fn deleted_entry_is_named() {
    let (_dir, state) = log_with_25();
    tamper(&state, |audit, _| {
        audit.remove(18u64.to_be_bytes()).unwrap();
    });
    let (p, text) = problem(&state);
    assert_eq!(p, Problem::Missing { seq: 18 });
    assert_eq!(text, "entry 18 missing (deleted)");
}

#[test]
fn swapped_entries_are_out_of_order() {
    let (_dir, state) = log_with_25();
    tamper(&state, |audit, _| {
        let (a, b) = (raw(audit, 20), raw(audit, 21));
        audit.insert(20u64.to_be_bytes(), b).unwrap();
        audit.insert(21u64.to_be_bytes(), a).unwrap();
    });
    let (p, text) = problem(&state);
    assert_eq!(p, Problem::OutOfOrder { seq: 20, found: 21 });
    assert!(text.starts_with("entry 20 out of order"), "{text}");
}

fn wrong_key() -> AuditKey {
    AuditKey::from_vault(SecretBox::new(Box::new([7u8; 32])))
}

fn forged(seq: u64, prev: &AuditEntry) -> Vec<u8> {
    let body = serde_json::json!({"order": 999, "note": "forged"});
    let entry = AuditEntry::new_signed(
        &wrong_key(),
        seq,
        prev.ts_ms + 1,
        AuditKind::Fill,
        Actor::Engine,
        body,
        prev.tag,
    );
    serde_json::to_vec(&entry).unwrap()
}

#[test]
fn forged_entry_inserted_in_the_middle_is_named() {
    let (_dir, state) = log_with_25();
    tamper(&state, |audit, _| {
        let prev: AuditEntry = serde_json::from_slice(&raw(audit, 9)).unwrap();
        audit.insert(10u64.to_be_bytes(), forged(10, &prev)).unwrap();
    });
    let (p, text) = problem(&state);
    assert_eq!(p, Problem::TagMismatch { seq: 10 });
    assert_eq!(text, "entry 10: tag mismatch (edited or forged)");
}

#[test]
fn forged_entry_appended_at_the_end_is_named() {
    let (_dir, state) = log_with_25();
    tamper(&state, |audit, _| {
        let prev: AuditEntry = serde_json::from_slice(&raw(audit, 25)).unwrap();
        audit.insert(26u64.to_be_bytes(), forged(26, &prev)).unwrap();
    });
    assert_eq!(problem(&state).0, Problem::TagMismatch { seq: 26 });
}

#[test]
fn truncated_tail_is_detected_through_the_head() {
    let (_dir, state) = log_with_25();
    tamper(&state, |audit, _| {
        audit.remove(25u64.to_be_bytes()).unwrap();
        audit.remove(24u64.to_be_bytes()).unwrap();
    });
    let (p, text) = problem(&state);
    assert_eq!(p, Problem::Truncated { head: 25, found: 23 });
    assert!(text.starts_with("entry 24 missing: tail truncated"), "{text}");
    // The writer refuses to append on top of a truncated log.
    let key = AuditKey::load_install_key(&state).unwrap();
    let err = AuditLog::open(&state, key, Arc::new(ManualClock::new(0))).err().unwrap();
    assert!(matches!(err, AuditError::Inconsistent(_)), "{err}");
}

#[test]
fn rolled_back_head_is_detected() {
    let (_dir, state) = log_with_25();
    tamper(&state, |audit, meta| {
        audit.remove(25u64.to_be_bytes()).unwrap();
        // Rewrite the head to claim 24 entries ending in entry 24's tag, without the key.
        let last: AuditEntry = serde_json::from_slice(&raw(audit, 24)).unwrap();
        let mut head: serde_json::Value =
            serde_json::from_slice(&meta.get("head").unwrap().unwrap()).unwrap();
        head["count"] = 24.into();
        head["tag"] = last.tag.to_string().into();
        meta.insert("head", serde_json::to_vec(&head).unwrap()).unwrap();
    });
    assert_eq!(problem(&state).0, Problem::HeadForged);
}

#[test]
fn deleted_head_is_detected() {
    let (_dir, state) = log_with_25();
    tamper(&state, |_, meta| {
        meta.remove("head").unwrap();
    });
    assert_eq!(problem(&state).0, Problem::HeadMissing { found: 25 });
}

#[test]
fn a_wrong_key_is_an_error_not_a_forgery_report() {
    let (_dir, state) = log_with_25();
    let backend = vigil::store::SledBackend::open(&state).unwrap();
    let reader = vigil::store::AuditReader::new(&backend);
    let other = tempfile::tempdir().unwrap();
    let other_key = AuditKey::load_or_create_install_key(&other.path().join("state")).unwrap();
    assert!(matches!(reader.verify(&other_key), Err(AuditError::WrongKey(KeyKind::Install))));
    assert!(matches!(
        reader.verify(&wrong_key()),
        Err(AuditError::KeyKindMismatch { log: KeyKind::Install, given: KeyKind::Vault })
    ));
}

#[test]
fn install_key_is_0600_stable_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let key = AuditKey::load_or_create_install_key(&state).unwrap();
    assert_eq!(key.kind(), KeyKind::Install);
    let path = AuditKey::install_key_path(&state);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&state), 0o700);
    assert_eq!(std::fs::read(&path).unwrap().len(), 32);

    // Same key on reload: a log signed before verifies after.
    let mut log = AuditLog::open(&state, key, Arc::new(ManualClock::new(5))).unwrap();
    log.append(AuditKind::Note, Actor::Engine, serde_json::json!({"start": true})).unwrap();
    drop(log);
    assert!(verify(&state).is_ok());

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(AuditKey::load_install_key(&state), Err(AuditError::InsecureKeyFile { .. })));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(&path, [1u8; 31]).unwrap();
    assert!(matches!(AuditKey::load_install_key(&state), Err(AuditError::BadKeyFile { len: 31, .. })));
    let missing = tempfile::tempdir().unwrap();
    assert!(matches!(AuditKey::load_install_key(missing.path()), Err(AuditError::KeyFile { .. })));
}
