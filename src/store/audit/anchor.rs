//! The audit log's anchor: its count, last tag and key kind, MACed with the
//! log's key and written *outside* the sled database (`<state-dir>.anchor`,
//! beside the state directory, not in it), fsynced with every append.
//!
//! The head inside the database is written in the same batch as each entry,
//! so it cannot tell a tail that sled's recovery discarded, or a whole state
//! directory swapped for another one: head and entries go together. The
//! anchor does not: a log shorter than its anchor was truncated, a log whose
//! entry at the anchor's count carries another tag was replaced, a log signed
//! by another kind of key than the anchor names was swapped, and an emptied
//! log still has its anchor.
//!
//! Order of writes: the entry (sled, flushed) first, the anchor second. A
//! crash between the two leaves the log one entry ahead of its anchor, which
//! is accepted (and the anchor is rewritten at the next open); any other gap
//! is a problem.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::key::{AuditKey, KeyKind};
use super::tag::Tag;
use super::verify::Problem;
use crate::domain::TimestampMs;

const ANCHOR_DOMAIN: &[u8] = b"vigil-audit-anchor-v1\0";
/// Anchors larger than this are not anchors.
const MAX_ANCHOR_BYTES: u64 = 4096;

/// The anchor record as stored (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// Entries in the log when it was written.
    pub seq: u64,
    /// The tag of entry `seq` (genesis for an empty log).
    pub tag: Tag,
    pub key_kind: KeyKind,
    pub ts_ms: TimestampMs,
    pub mac: Tag,
}

/// Why the anchor could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("audit anchor {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("audit anchor {} is not an anchor ({detail}): it was edited or replaced", path.display())]
    Malformed { path: PathBuf, detail: String },
}

impl Anchor {
    /// The anchor for a log of `seq` entries ending in `tag`, signed by `key`.
    pub fn new(key: &AuditKey, seq: u64, tag: Tag, ts_ms: TimestampMs) -> Self {
        let key_kind = key.kind();
        Self { seq, tag, key_kind, ts_ms, mac: Tag::from_mac(anchor_mac(key, seq, &tag, key_kind, ts_ms)) }
    }

    /// True when `key` made this anchor (constant-time comparison).
    pub fn is_authentic(&self, key: &AuditKey) -> bool {
        use hmac::Mac;
        anchor_mac(key, self.seq, &self.tag, self.key_kind, self.ts_ms)
            .verify_slice(self.mac.as_bytes())
            .is_ok()
    }
}

fn anchor_mac(
    key: &AuditKey,
    seq: u64,
    tag: &Tag,
    kind: KeyKind,
    ts_ms: TimestampMs,
) -> hmac::Hmac<sha2::Sha256> {
    let kind = kind.to_string();
    key.mac_parts(ANCHOR_DOMAIN, &[&seq.to_be_bytes(), tag.as_bytes(), kind.as_bytes(), &ts_ms.to_be_bytes()])
}

/// Where the anchor of the log in `state_dir` lives: beside it, so replacing
/// the state directory does not replace the anchor.
pub fn anchor_path(state_dir: &Path) -> PathBuf {
    let mut name = state_dir.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "state".into());
    name.push(".anchor");
    state_dir.with_file_name(name)
}

/// What `anchor` says about a log of `count` entries, where `tag_at(n)` is
/// the tag of entry `n`: `None` when they agree. No anchor is fine only for
/// an empty log (a new one; an emptied one whose anchor was deleted too is
/// the whole-data-dir rollback this cannot see, see SECURITY.md).
pub fn check(
    anchor: Option<&Anchor>,
    key: &AuditKey,
    count: u64,
    tag_at: impl Fn(u64) -> Option<Tag>,
) -> Option<Problem> {
    let Some(anchor) = anchor else {
        return (count > 0).then_some(Problem::AnchorMissing { entries: count });
    };
    if anchor.key_kind != key.kind() {
        return Some(Problem::AnchorKeyKind { anchor: anchor.key_kind, log: key.kind() });
    }
    if !anchor.is_authentic(key) {
        return Some(Problem::AnchorForged);
    }
    if count < anchor.seq {
        return Some(Problem::BelowAnchor { anchor: anchor.seq, found: count });
    }
    // One entry ahead is a crash between the entry and its anchor; more is not.
    if count > anchor.seq.saturating_add(1) {
        return Some(Problem::BeyondAnchor { anchor: anchor.seq, found: count });
    }
    let tag = if anchor.seq == 0 { Some(super::tag::GENESIS) } else { tag_at(anchor.seq) };
    (tag != Some(anchor.tag)).then_some(Problem::AnchorTagMismatch { seq: anchor.seq })
}

/// Reads the anchor, if there is one. Never follows a symlink.
pub fn read(path: &Path) -> Result<Option<Anchor>, AnchorError> {
    let io = |source| AnchorError::Io { path: path.to_owned(), source };
    let file = match OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() || meta.len() > MAX_ANCHOR_BYTES {
        let detail = format!("{} bytes", meta.len());
        return Err(AnchorError::Malformed { path: path.to_owned(), detail });
    }
    serde_json::from_reader(file)
        .map(Some)
        .map_err(|e| AnchorError::Malformed { path: path.to_owned(), detail: e.to_string() })
}

/// Writes the anchor durably: a 0600 temp file (never through a symlink),
/// fsynced, renamed over the anchor, and the directory fsynced.
pub fn write(path: &Path, anchor: &Anchor) -> Result<(), AnchorError> {
    let io = |source| AnchorError::Io { path: path.to_owned(), source };
    let tmp = path.with_extension("anchor.tmp");
    let bytes = serde_json::to_vec(anchor).map_err(|e| io(std::io::Error::other(e)))?;
    // A temp file left by a crash is ours to replace; a symlink there is not followed.
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .map_err(io)?;
    file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(io)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir).and_then(|d| d.sync_all()).map_err(io)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::audit::tag::GENESIS;

    fn key() -> AuditKey {
        AuditKey::from_vault(secrecy::SecretBox::new(Box::new([7; 32])))
    }

    fn tag(byte: u8) -> Tag {
        Tag::try_from(hex::encode([byte; 32])).unwrap()
    }

    #[test]
    fn the_anchor_sits_beside_the_state_dir() {
        assert_eq!(anchor_path(Path::new("/d/state")), PathBuf::from("/d/state.anchor"));
        assert_eq!(anchor_path(Path::new("/d/demo")), PathBuf::from("/d/demo.anchor"));
    }

    #[test]
    fn round_trips_and_detects_edits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.anchor");
        let anchor = Anchor::new(&key(), 12, GENESIS, 99);
        write(&path, &anchor).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let back = read(&path).unwrap().unwrap();
        assert!(back.is_authentic(&key()));
        assert!(!Anchor { seq: 11, ..back.clone() }.is_authentic(&key()));
        assert!(!back.is_authentic(&AuditKey::from_vault(secrecy::SecretBox::new(Box::new([8; 32])))));
        fs::write(&path, br#"{"seq": 1}"#).unwrap();
        assert!(matches!(read(&path), Err(AnchorError::Malformed { .. })));
        assert!(read(&dir.path().join("none.anchor")).unwrap().is_none());
    }

    #[test]
    fn check_names_each_disagreement() {
        let k = key();
        let tags = [GENESIS, tag(1), tag(2), tag(3)];
        let at = |n: u64| tags.get(usize::try_from(n).unwrap()).copied();
        let anchor = Anchor::new(&k, 2, tags[2], 5);
        assert_eq!(check(Some(&anchor), &k, 2, at), None);
        assert_eq!(check(Some(&anchor), &k, 3, at), None, "a crash between entry and anchor");
        assert_eq!(check(Some(&anchor), &k, 1, at), Some(Problem::BelowAnchor { anchor: 2, found: 1 }));
        assert_eq!(check(Some(&anchor), &k, 0, at), Some(Problem::BelowAnchor { anchor: 2, found: 0 }));
        assert_eq!(check(Some(&anchor), &k, 4, at), Some(Problem::BeyondAnchor { anchor: 2, found: 4 }));
        let other = |n: u64| (n == 2).then(|| tag(9));
        assert_eq!(check(Some(&anchor), &k, 2, other), Some(Problem::AnchorTagMismatch { seq: 2 }));
        assert_eq!(check(None, &k, 2, at), Some(Problem::AnchorMissing { entries: 2 }));
        assert_eq!(check(None, &k, 0, at), None, "a new log");
        let dir = tempfile::tempdir().unwrap();
        let install = AuditKey::load_or_create_install_key(&dir.path().join("state")).unwrap();
        assert_eq!(
            check(Some(&anchor), &install, 2, at),
            Some(Problem::AnchorKeyKind { anchor: KeyKind::Vault, log: KeyKind::Install })
        );
        let forged = Anchor { seq: 3, ..anchor };
        assert_eq!(check(Some(&forged), &k, 3, at), Some(Problem::AnchorForged));
    }

    #[test]
    fn never_follows_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        fs::write(&target, b"precious").unwrap();
        let path = dir.path().join("state.anchor");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        assert!(read(&path).is_err(), "a symlinked anchor is not read");
        // The temp file name is planted as a symlink too: writing must not touch the target.
        std::os::unix::fs::symlink(&target, path.with_extension("anchor.tmp")).unwrap();
        fs::remove_file(&path).unwrap();
        write(&path, &Anchor::new(&key(), 1, GENESIS, 1)).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"precious");
    }
}
