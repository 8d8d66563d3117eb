//! Byte flips and truncations over every file of the state store and its
//! anchor, read the way every command reads it first (a private copy, the
//! chain and the anchor checked): each read either reports a problem (or an
//! error) or finds exactly the original log, and no file's bytes change. The
//! store opens as before once the byte is restored.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use vigil::clock::ManualClock;
use vigil::store::audit::Tag;
use vigil::store::{Actor, AuditKey, AuditKind, AuditLog, AuditReader, SledBackend};

/// What the read found: entries and head, or that something is wrong.
#[derive(Debug, PartialEq, Eq)]
enum Read {
    Intact { entries: u64, head: Tag },
    Refused,
}

fn read(state: &Path) -> Read {
    let Ok(copy) = SledBackend::open_copy(state) else { return Read::Refused };
    let Ok(key) = AuditKey::load_install_key(state) else { return Read::Refused };
    match AuditReader::new(copy.backend()).verify_anchored(&key, state) {
        Ok(report) if report.is_ok() => Read::Intact { entries: report.entries, head: report.head },
        _ => Read::Refused,
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { stack.push(path) } else { out.push(path) }
        }
    }
    out.sort();
    out
}

fn hashes(paths: &[PathBuf]) -> BTreeMap<PathBuf, String> {
    paths.iter().map(|p| (p.clone(), hex::encode(Sha256::digest(std::fs::read(p).unwrap())))).collect()
}

/// Every non-zero byte, and a spread of others, at most about `budget` offsets.
fn offsets(bytes: &[u8], budget: usize) -> Vec<usize> {
    let nonzero: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] != 0).collect();
    let stride = nonzero.len().div_ceil(budget).max(1);
    let mut picked: Vec<usize> = nonzero.into_iter().step_by(stride).collect();
    let spread = (bytes.len() / 16).max(1);
    picked.extend((0..bytes.len()).step_by(spread));
    picked.extend(bytes.len().checked_sub(1));
    picked.sort_unstable();
    picked.dedup();
    picked
}

#[test]
fn flips_and_truncations_never_pass_as_another_log_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("data/state");
    let key = AuditKey::load_or_create_install_key(&state).unwrap();
    let clock = ManualClock::new(1_700_000_000_000);
    let mut log = AuditLog::open(&state, key, Arc::new(clock.clone())).unwrap();
    for i in 0..13 {
        clock.advance(1_000);
        log.append(AuditKind::Note, Actor::Engine, serde_json::json!({ "i": i, "text": "sweep" })).unwrap();
    }
    drop(log);
    let original = read(&state);
    assert!(matches!(original, Read::Intact { entries: 13, .. }), "{original:?}");

    let mut paths = files(&state);
    paths.push(vigil::store::audit::anchor_path(&state));
    let before = hashes(&paths);
    let (mut flips, mut refused) = (0, 0);
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        for at in offsets(&bytes, 120) {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x01;
            std::fs::write(path, &damaged).unwrap();
            let after_flip = hashes(&paths);
            let got = read(&state);
            assert!(got == Read::Refused || got == original, "{} byte {at}: read as {got:?}", path.display());
            assert_eq!(hashes(&paths), after_flip, "{} byte {at}: reading changed a file", path.display());
            refused += usize::from(got == Read::Refused);
            flips += 1;
        }
        for len in [0, bytes.len() / 3, bytes.len() / 2, bytes.len().saturating_sub(1)] {
            std::fs::write(path, &bytes[..len]).unwrap();
            let after_cut = hashes(&paths);
            let got = read(&state);
            assert!(
                got == Read::Refused || got == original,
                "{} cut to {len}: read as {got:?}",
                path.display()
            );
            assert_eq!(hashes(&paths), after_cut, "{} cut to {len}: reading changed a file", path.display());
        }
        std::fs::write(path, &bytes).unwrap();
    }
    assert_eq!(hashes(&paths), before);
    assert_eq!(read(&state), original, "restored bytes read as before");
    assert!(refused > 0 && flips > 100, "{refused} of {flips} flips refused");
}
