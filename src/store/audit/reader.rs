//! [`AuditReader`]: read-only access to a log without its key: metadata (which
//! key kind to ask for) and entries (for `vigil audit show`). Verification
//! needs the key and lives in `verify.rs`.

use super::AuditError;
use super::anchor;
use super::entry::AuditEntry;
use super::key::AuditKey;
use super::records::{self, AuditMeta};
use super::verify::{self, VerifyReport};
use crate::store::backend::KvBackend;
use crate::store::{codec, tree};

/// A read-only view of the audit trees in a backend.
pub struct AuditReader<'a> {
    kv: &'a dyn KvBackend,
}

impl<'a> AuditReader<'a> {
    /// A reader over `kv`.
    pub fn new(kv: &'a dyn KvBackend) -> Self {
        Self { kv }
    }

    /// The log metadata (None for a log never opened for writing).
    pub fn meta(&self) -> Result<Option<AuditMeta>, AuditError> {
        records::read_meta(self.kv)
    }

    /// Every entry in key order. An undecodable entry is an error naming its
    /// key; run verify to learn what else is wrong.
    pub fn entries(&self) -> Result<impl Iterator<Item = Result<AuditEntry, AuditError>> + 'a, AuditError> {
        Ok(self.kv.iter(tree::AUDIT)?.map(|item| {
            let (key, bytes) = item?;
            Ok(codec::decode(tree::AUDIT, &key, &bytes)?)
        }))
    }

    /// Checks the whole chain against `key`; see [`VerifyReport`].
    pub fn verify(&self, key: &AuditKey) -> Result<VerifyReport, AuditError> {
        verify::verify_chain(self.kv, key)
    }

    /// Checks the chain, then the log against its anchor beside `state_dir`
    /// (a discarded tail, an emptied, swapped or replaced log): the first
    /// problem of either is the report's.
    pub fn verify_anchored(
        &self,
        key: &AuditKey,
        state_dir: &std::path::Path,
    ) -> Result<VerifyReport, AuditError> {
        self.verify_against_anchor(key, &anchor::anchor_path(state_dir))
    }

    /// Checks the chain, then the log against the anchor file at `anchor_path`.
    pub fn verify_against_anchor(
        &self,
        key: &AuditKey,
        anchor_path: &std::path::Path,
    ) -> Result<VerifyReport, AuditError> {
        let mut report = self.verify(key)?;
        if report.problem.is_some() {
            return Ok(report);
        }
        let stored = anchor::read(anchor_path)?;
        let tag_at = |seq| self.tag_at(seq);
        report.problem = anchor::check(stored.as_ref(), key, report.entries, tag_at);
        Ok(report)
    }

    /// The tag of entry `seq`, if it is there and readable.
    pub(crate) fn tag_at(&self, seq: u64) -> Option<super::tag::Tag> {
        let key = codec::u64_key(seq);
        let bytes = self.kv.get(tree::AUDIT, &key).ok()??;
        codec::decode::<AuditEntry>(tree::AUDIT, &key, &bytes).ok().map(|e| e.tag)
    }
}
