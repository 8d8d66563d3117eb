//! Walking the chain: every entry's position, sequence, link and tag, then the
//! head. The first problem found is reported with the entry it concerns.

use std::fmt;

use super::AuditError;
use super::entry::AuditEntry;
use super::key::{AuditKey, KeyKind};
use super::log::check_meta;
use super::records;
use super::tag::{GENESIS, Tag};
use crate::store::backend::KvBackend;
use crate::store::{codec, tree};

/// What is wrong with a log, naming the first entry concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No entry is stored at `seq` although later ones are.
    Missing { seq: u64 },
    /// The slot for `seq` holds the entry numbered `found`.
    OutOfOrder { seq: u64, found: u64 },
    /// The stored bytes at `seq` are not an entry.
    Unreadable { seq: u64, detail: String },
    /// A key in the audit tree that is not an 8-byte sequence number.
    MalformedKey { after: u64, key: String },
    /// The entry's `prev_tag` is not the previous entry's tag.
    ChainBroken { seq: u64 },
    /// The entry's tag does not match its contents under the key.
    TagMismatch { seq: u64 },
    /// Entries exist but the head record does not.
    HeadMissing { found: u64 },
    /// The head record's MAC is wrong.
    HeadForged,
    /// The head records more entries than exist: the tail was cut off.
    Truncated { head: u64, found: u64 },
    /// Entries exist past the recorded head.
    BeyondHead { seq: u64, head: u64 },
    /// The head's tag is not the last entry's tag.
    HeadMismatch { seq: u64 },
    /// Entries exist but the metadata record does not.
    MetaMissing,
    /// The log has entries but no anchor beside its state dir.
    AnchorMissing { entries: u64 },
    /// The anchor's MAC is wrong: edited, or made with another key.
    AnchorForged,
    /// The anchor names another kind of key than the log's.
    AnchorKeyKind { anchor: KeyKind, log: KeyKind },
    /// The log holds fewer entries than its anchor recorded.
    BelowAnchor { anchor: u64, found: u64 },
    /// The log holds more entries than its anchor recorded (and more than a
    /// crash between an entry and its anchor explains).
    BeyondAnchor { anchor: u64, found: u64 },
    /// The entry at the anchor's count is not the one the anchor recorded.
    AnchorTagMismatch { seq: u64 },
    /// The log is signed by the install key although the data dir has a keystore.
    InstallKeyedWithKeystore,
}

impl Problem {
    /// True for the disagreements between a sound chain and its anchor (the
    /// ones `vigil audit reanchor` may accept); false for a broken chain.
    pub fn is_anchor_problem(&self) -> bool {
        matches!(
            self,
            Self::AnchorMissing { .. }
                | Self::AnchorForged
                | Self::AnchorKeyKind { .. }
                | Self::BelowAnchor { .. }
                | Self::BeyondAnchor { .. }
                | Self::AnchorTagMismatch { .. }
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { seq } => write!(f, "entry {seq} missing (deleted)"),
            Self::OutOfOrder { seq, found } => {
                write!(f, "entry {seq} out of order (slot {seq} holds entry {found})")
            }
            Self::Unreadable { seq, detail } => {
                write!(f, "entry {seq}: unreadable (edited or corrupted): {detail}")
            }
            Self::MalformedKey { after, key } => {
                write!(f, "entry after {after}: malformed key {key} (inserted or corrupted)")
            }
            Self::ChainBroken { seq } => {
                write!(f, "entry {seq}: chain broken (prev tag is not entry {}'s tag)", seq.saturating_sub(1))
            }
            Self::TagMismatch { seq } => write!(f, "entry {seq}: tag mismatch (edited or forged)"),
            Self::HeadMissing { found } => write!(f, "head record missing with {found} entries present"),
            Self::HeadForged => write!(f, "head record: MAC mismatch (edited or forged)"),
            Self::Truncated { head, found } => write!(
                f,
                "entry {} missing: tail truncated (head records {head} entries, found {found})",
                found.saturating_add(1)
            ),
            Self::BeyondHead { seq, head } => {
                write!(f, "entry {seq}: beyond the recorded head of {head} entries (inserted)")
            }
            Self::HeadMismatch { seq } => write!(f, "head record: tag does not match entry {seq}"),
            Self::MetaMissing => write!(f, "log metadata missing while entries exist"),
            Self::AnchorMissing { entries } => write!(
                f,
                "the log has {entries} entries but its anchor is missing (deleted, or the state dir was put in place by hand)"
            ),
            Self::AnchorForged => write!(
                f,
                "the anchor's MAC does not match: it was edited, or the state dir was swapped for another one"
            ),
            Self::AnchorKeyKind { anchor, log } => write!(
                f,
                "the anchor was made with the {anchor} key but the log is signed by the {log} key: the state dir was swapped"
            ),
            Self::BelowAnchor { anchor, found } => write!(
                f,
                "entry {} missing: tail truncated or log emptied (the anchor records {anchor} entries, found {found})",
                found.saturating_add(1)
            ),
            Self::BeyondAnchor { anchor, found } => write!(
                f,
                "{found} entries but the anchor records {anchor}: the anchor was rolled back or the log replaced"
            ),
            Self::AnchorTagMismatch { seq } => {
                write!(f, "entry {seq} is not the entry the anchor recorded: the log was replaced")
            }
            Self::InstallKeyedWithKeystore => write!(
                f,
                "the log is signed by the install key but this data dir has a keystore: the state dir may have been swapped for one made without it"
            ),
        }
    }
}

/// The outcome of a verification that could run to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries that checked out, from 1 (all of them when `problem` is None).
    pub entries: u64,
    /// The last good entry's tag (genesis for an empty log).
    pub head: Tag,
    /// Which key kind signs the log (None: the log was never written).
    pub key_kind: Option<KeyKind>,
    /// The first problem found, if any.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    /// True when the log is intact.
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Checks the chain and the head. Errors are reserved for "cannot check"
/// (storage failure, wrong key, unknown format); tampering is a [`Problem`].
pub fn verify_chain(kv: &dyn KvBackend, key: &AuditKey) -> Result<VerifyReport, AuditError> {
    let meta = records::read_meta(kv)?;
    let mut report = VerifyReport { entries: 0, head: GENESIS, key_kind: None, problem: None };
    if let Some(meta) = &meta {
        check_meta(meta, key)?;
        report.key_kind = Some(meta.key_kind);
    }
    report.problem = walk_entries(kv, key, &mut report)?;
    if report.problem.is_none() {
        report.problem = check_head(kv, key, &report)?;
    }
    if report.problem.is_none() && meta.is_none() && report.entries > 0 {
        report.problem = Some(Problem::MetaMissing);
    }
    Ok(report)
}

fn walk_entries(
    kv: &dyn KvBackend,
    key: &AuditKey,
    report: &mut VerifyReport,
) -> Result<Option<Problem>, AuditError> {
    for item in kv.iter(tree::AUDIT)? {
        let (raw_key, bytes) = item?;
        let expected = report.entries.saturating_add(1);
        let Ok(slot) = codec::parse_u64_key(tree::AUDIT, &raw_key) else {
            return Ok(Some(Problem::MalformedKey { after: report.entries, key: codec::show_key(&raw_key) }));
        };
        if slot != expected {
            return Ok(Some(Problem::Missing { seq: expected }));
        }
        let entry: AuditEntry = match serde_json::from_slice(&bytes) {
            Ok(entry) => entry,
            Err(err) => return Ok(Some(Problem::Unreadable { seq: slot, detail: err.to_string() })),
        };
        if entry.seq != slot {
            return Ok(Some(Problem::OutOfOrder { seq: slot, found: entry.seq }));
        }
        if entry.prev_tag != report.head {
            return Ok(Some(Problem::ChainBroken { seq: slot }));
        }
        if !entry.tag_is_valid(key) {
            return Ok(Some(Problem::TagMismatch { seq: slot }));
        }
        report.entries = slot;
        report.head = entry.tag;
    }
    Ok(None)
}

fn check_head(
    kv: &dyn KvBackend,
    key: &AuditKey,
    report: &VerifyReport,
) -> Result<Option<Problem>, AuditError> {
    let found = report.entries;
    let Some(head) = records::read_head(kv)? else {
        return Ok((found > 0).then_some(Problem::HeadMissing { found }));
    };
    Ok(if !head.is_authentic(key) {
        Some(Problem::HeadForged)
    } else if head.count > found {
        Some(Problem::Truncated { head: head.count, found })
    } else if head.count < found {
        Some(Problem::BeyondHead { seq: head.count.saturating_add(1), head: head.count })
    } else if head.tag != report.head {
        Some(Problem::HeadMismatch { seq: found })
    } else {
        None
    })
}
