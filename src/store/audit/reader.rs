//! [`AuditReader`]: read-only access to a log without its key: metadata (which
//! key kind to ask for) and entries (for `vigil audit show`). Verification
//! needs the key and lives in `verify.rs`.

use super::AuditError;
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
}
