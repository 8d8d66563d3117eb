//! The two records beside the entries in the `audit_meta` tree: the log's
//! metadata (format version, which key kind signs it, a key check) and the
//! head (entry count + last tag, MACed), rewritten atomically with every
//! append so a truncated tail is detectable.

use serde::{Deserialize, Serialize};

use super::AuditError;
use super::key::{AuditKey, KeyKind};
use super::tag::Tag;
use crate::store::backend::KvBackend;
use crate::store::{codec, tree};

pub(crate) const META_KEY: &[u8] = b"meta";
pub(crate) const HEAD_KEY: &[u8] = b"head";
const HEAD_DOMAIN: &[u8] = b"vigil-audit-head-v1\0";
const CHECK_DOMAIN: &[u8] = b"vigil-audit-key-check-v1\0";

/// The only log format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// What kind of key signs the log, and a MAC that tells a wrong key apart
/// from a tampered entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditMeta {
    pub version: u32,
    pub key_kind: KeyKind,
    pub key_check: Tag,
}

impl AuditMeta {
    /// Metadata for a new log signed by `key`.
    pub fn for_key(key: &AuditKey) -> Self {
        Self { version: FORMAT_VERSION, key_kind: key.kind(), key_check: key_check(key) }
    }

    /// True when `key` is the key this log was created with.
    pub fn matches(&self, key: &AuditKey) -> bool {
        use hmac::Mac;
        self.key_kind == key.kind()
            && key.mac_parts(CHECK_DOMAIN, &[]).verify_slice(self.key_check.as_bytes()).is_ok()
    }
}

fn key_check(key: &AuditKey) -> Tag {
    Tag::from_mac(key.mac_parts(CHECK_DOMAIN, &[]))
}

/// Count and last tag of the log, MACed so it cannot be rolled back to match a
/// truncated tail without the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    pub count: u64,
    pub tag: Tag,
    pub mac: Tag,
}

impl Head {
    /// The head after `count` entries ending in `tag`.
    pub fn new(key: &AuditKey, count: u64, tag: Tag) -> Self {
        Self { count, tag, mac: Tag::from_mac(head_mac(key, count, &tag)) }
    }

    /// True when the MAC matches (constant-time comparison).
    pub fn is_authentic(&self, key: &AuditKey) -> bool {
        use hmac::Mac;
        head_mac(key, self.count, &self.tag).verify_slice(self.mac.as_bytes()).is_ok()
    }
}

fn head_mac(key: &AuditKey, count: u64, tag: &Tag) -> hmac::Hmac<sha2::Sha256> {
    key.mac_parts(HEAD_DOMAIN, &[&count.to_be_bytes(), tag.as_bytes()])
}

/// Reads the metadata record, if the log has one.
pub fn read_meta(kv: &dyn KvBackend) -> Result<Option<AuditMeta>, AuditError> {
    read(kv, META_KEY)
}

/// Reads the head record, if the log has one.
pub fn read_head(kv: &dyn KvBackend) -> Result<Option<Head>, AuditError> {
    read(kv, HEAD_KEY)
}

fn read<T: serde::de::DeserializeOwned>(kv: &dyn KvBackend, key: &[u8]) -> Result<Option<T>, AuditError> {
    match kv.get(tree::AUDIT_META, key)? {
        Some(bytes) => Ok(Some(codec::decode(tree::AUDIT_META, key, &bytes)?)),
        None => Ok(None),
    }
}
