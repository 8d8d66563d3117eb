//! The tamper-evident audit log: an append-only sled tree where each entry
//! carries HMAC-SHA256(key, previous tag || canonical entry bytes), chained
//! from a fixed genesis tag, plus a MACed head (count + last tag) written in
//! the same atomic step as each entry so a cut-off tail is detectable too.
//!
//! An anchor beside the state directory (see `anchor`) catches what the head
//! inside the database cannot: a tail sled's recovery discarded, an emptied
//! or swapped state directory. What it cannot detect: someone holding the
//! key, or a rollback of the whole data directory (state and anchor
//! together) to an older copy; `[audit] witness_command` keeps heads off the
//! machine for that. Bodies are
//! never secrets; callers record ids, verdicts and outcomes only.

mod anchor;
mod entry;
mod key;
mod log;
mod reader;
mod records;
mod tag;
mod verify;
mod witness;

use std::path::PathBuf;

pub use anchor::{Anchor, AnchorError, anchor_path, read as read_anchor};
pub use entry::{Actor, ActorError, AuditEntry, AuditKind, canonical_bytes};
pub use key::{AuditKey, INSTALL_KEY_FILE, KeyKind};
pub use log::AuditLog;
pub use reader::AuditReader;
pub use records::{AuditMeta, FORMAT_VERSION, Head};
pub use tag::{GENESIS, Tag, TagError};
pub use verify::{Problem, VerifyReport};
pub use witness::Witness;

use super::backend::BackendError;
use super::codec::CodecError;

/// Why the audit log could not be opened, appended to or checked.
/// Tampering found by verify is a [`Problem`] in the report, not an error.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The install key file could not be read or written.
    #[error("audit key {}: {source}", path.display())]
    KeyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The install key file is readable by group or others.
    #[error("audit key {} is accessible by group or others (mode {mode:o}); run `chmod 600` on it", path.display())]
    InsecureKeyFile { path: PathBuf, mode: u32 },
    /// The install key file does not hold exactly 32 bytes.
    #[error("audit key {} holds {len} bytes, expected 32", path.display())]
    BadKeyFile { path: PathBuf, len: usize },
    /// The OS random source failed.
    #[error("random source failed: {0}")]
    Rng(String),
    /// The log is signed by another kind of key than the one given.
    #[error("this audit log is signed by the {log} key, not the {given} key")]
    KeyKindMismatch { log: KeyKind, given: KeyKind },
    /// The key is not the one this log was created with.
    #[error("the {0} key does not match this audit log (wrong or replaced key)")]
    WrongKey(KeyKind),
    /// The log was written by a newer vigil.
    #[error("audit log format version {0} is not supported by this build")]
    UnsupportedVersion(u32),
    /// The log does not match its head; appending is refused to preserve evidence.
    #[error("audit log is inconsistent ({0}); run `vigil audit verify`")]
    Inconsistent(String),
    /// 2^64 - 1 entries.
    #[error("audit log is full")]
    Full,
    /// The anchor file could not be read or written.
    #[error(transparent)]
    AnchorFile(#[from] AnchorError),
    /// The log does not match its anchor (or the data dir's keystore): a
    /// trading session refuses to start until a person looks.
    #[error(
        "audit log refused: {0}; run `vigil audit verify`, then restore a backup or `vigil audit reanchor`"
    )]
    Anchor(Problem),
}
