//! [`AuditLog`]: the append side. One writer (the engine actor); each append
//! writes the entry and the new head in one atomic batch and flushes before
//! returning its sequence number.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::AuditError;
use super::anchor::{self, Anchor};
use super::entry::{Actor, AuditEntry, AuditKind};
use super::key::AuditKey;
use super::reader::AuditReader;
use super::records::{self, AuditMeta, FORMAT_VERSION, Head};
use super::tag::{GENESIS, Tag};
use super::verify::VerifyReport;
use super::witness::Witness;
use crate::clock::Clock;
use crate::store::backend::{KvBackend, WriteBatch};
use crate::store::sled_backend::SledBackend;
use crate::store::{codec, tree};

/// The HMAC-chained, append-only audit log.
pub struct AuditLog {
    kv: Arc<dyn KvBackend>,
    key: AuditKey,
    clock: Arc<dyn Clock>,
    count: u64,
    last: Tag,
    /// Where the anchor is kept current, once [`AuditLog::anchored`].
    anchor: Option<PathBuf>,
    witness: Option<Witness>,
}

impl AuditLog {
    /// Opens the log in the sled database under `state_dir`, anchored beside
    /// it (its own handle: use [`AuditLog::with_backend`] to share the
    /// [`Store`](crate::store::Store)'s).
    pub fn open(state_dir: &Path, key: AuditKey, clock: Arc<dyn Clock>) -> Result<Self, AuditError> {
        Self::with_backend(Arc::new(SledBackend::open(state_dir)?), key, clock)?.anchored(state_dir)
    }

    /// Opens the log over `kv`. A new log records which kind of key signs it.
    /// An existing one must have been created with this same key, and its head
    /// must match its last entry: a log that fails that is left untouched
    /// (appending would bury the evidence) and `vigil audit verify` says why.
    pub fn with_backend(
        kv: Arc<dyn KvBackend>,
        key: AuditKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, AuditError> {
        let (count, last) = match records::read_meta(kv.as_ref())? {
            None => {
                if kv.iter(tree::AUDIT)?.next().is_some() || records::read_head(kv.as_ref())?.is_some() {
                    return Err(AuditError::Inconsistent(
                        "entries exist but the log metadata is missing".into(),
                    ));
                }
                let meta = AuditMeta::for_key(&key);
                kv.insert(
                    tree::AUDIT_META,
                    records::META_KEY,
                    &codec::encode(tree::AUDIT_META, b"meta", &meta)?,
                )?;
                kv.flush()?;
                (0, GENESIS)
            }
            Some(meta) => {
                check_meta(&meta, &key)?;
                check_head(kv.as_ref(), &key)?
            }
        };
        Ok(Self { kv, key, clock, count, last, anchor: None, witness: None })
    }

    /// Checks the log against its anchor beside `state_dir` and keeps the
    /// anchor current from now on (every append rewrites it, durably). A log
    /// that disagrees with its anchor is refused with the [`Problem`], and
    /// nothing is written. A log with entries and no anchor (one written
    /// before anchors existed, or one whose anchor was deleted: the two look
    /// alike) is refused too; `vigil audit reanchor` is how a person accepts it.
    pub fn anchored(mut self, state_dir: &Path) -> Result<Self, AuditError> {
        let path = anchor::anchor_path(state_dir);
        let stored = anchor::read(&path)?;
        let reader = AuditReader::new(self.kv.as_ref());
        let problem = anchor::check(stored.as_ref(), &self.key, self.count, |seq| reader.tag_at(seq));
        if let Some(problem) = problem {
            return Err(AuditError::Anchor(problem));
        }
        anchor::write(&path, &Anchor::new(&self.key, self.count, self.last, self.clock.now_ms()))?;
        self.anchor = Some(path);
        Ok(self)
    }

    /// Writes a fresh anchor for the log as it is and keeps it current: the
    /// person's decision (`vigil audit reanchor`) to accept a log its old
    /// anchor disagreed with. The caller records why first.
    pub fn reanchor(mut self, state_dir: &Path) -> Result<Self, AuditError> {
        let path = anchor::anchor_path(state_dir);
        anchor::write(&path, &Anchor::new(&self.key, self.count, self.last, self.clock.now_ms()))?;
        self.anchor = Some(path);
        Ok(self)
    }

    /// Hands the signed head to `witness` every so many entries and at
    /// [`AuditLog::witness_now`].
    pub fn with_witness(mut self, witness: Witness) -> Self {
        self.witness = Some(witness);
        self
    }

    /// Hands the current head to the witness, if there is one (at shutdown).
    pub fn witness_now(&self) {
        if let Some(witness) = &self.witness {
            witness.send(&Anchor::new(&self.key, self.count, self.last, self.clock.now_ms()));
        }
    }

    /// Appends an entry and returns its sequence number once it is durable.
    pub fn append(
        &mut self,
        kind: AuditKind,
        actor: Actor,
        body: serde_json::Value,
    ) -> Result<u64, AuditError> {
        self.append_with(kind, actor, body, WriteBatch::new())
    }

    /// Appends an entry together with `also` (writes to other trees of the
    /// same database) in one atomic batch: the change and the entry that
    /// records it are durable together or not at all.
    pub fn append_with(
        &mut self,
        kind: AuditKind,
        actor: Actor,
        body: serde_json::Value,
        also: WriteBatch,
    ) -> Result<u64, AuditError> {
        let seq = self.count.checked_add(1).ok_or(AuditError::Full)?;
        let ts_ms = self.clock.now_ms();
        let entry = AuditEntry::new_signed(&self.key, seq, ts_ms, kind, actor, body, self.last);
        let tag = entry.tag;
        let head = Head::new(&self.key, seq, tag);
        let key = codec::u64_key(seq);
        let mut batch = also;
        batch.require_absent(tree::AUDIT, key.to_vec());
        batch.insert(tree::AUDIT, key.to_vec(), codec::encode(tree::AUDIT, &key, &entry)?);
        batch.insert(tree::AUDIT_META, records::HEAD_KEY, codec::encode(tree::AUDIT_META, b"head", &head)?);
        if self.kv.apply(&batch)? == crate::store::BatchOutcome::Skipped {
            return Err(AuditError::Inconsistent(format!("entry {seq} already exists (another writer?)")));
        }
        self.kv.flush()?;
        self.count = seq;
        self.last = tag;
        if let Some(path) = &self.anchor {
            let head = Anchor::new(&self.key, seq, tag, ts_ms);
            anchor::write(path, &head)?;
            if let Some(witness) = self.witness.as_ref().filter(|w| w.due(seq)) {
                witness.send(&head);
            }
        }
        Ok(seq)
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// True before the first append.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The last entry's tag (the genesis tag when empty).
    pub fn head_tag(&self) -> Tag {
        self.last
    }

    /// Checks the whole chain with this log's key.
    pub fn verify(&self) -> Result<VerifyReport, AuditError> {
        AuditReader::new(self.kv.as_ref()).verify(&self.key)
    }

    /// Checks the chain, then the anchor this log keeps current (when it is
    /// [`AuditLog::anchored`]): what `vigil audit verify` reports.
    pub fn verify_anchored(&self) -> Result<VerifyReport, AuditError> {
        let reader = AuditReader::new(self.kv.as_ref());
        match &self.anchor {
            Some(path) => reader.verify_against_anchor(&self.key, path),
            None => reader.verify(&self.key),
        }
    }

    /// Up to `max` entries after entry `after`, oldest first (read by key:
    /// a page costs its own length, not the log's).
    pub fn page(&self, after: u64, max: usize) -> Result<Vec<AuditEntry>, AuditError> {
        let first = after.saturating_add(1);
        let last = after.saturating_add(u64::try_from(max).unwrap_or(u64::MAX)).min(self.count);
        let mut entries = Vec::new();
        for seq in first..=last {
            let key = codec::u64_key(seq);
            if let Some(bytes) = self.kv.get(tree::AUDIT, &key)? {
                entries.push(codec::decode(tree::AUDIT, &key, &bytes)?);
            }
        }
        Ok(entries)
    }
}

/// Format version, key kind and key check of an existing log.
pub(super) fn check_meta(meta: &AuditMeta, key: &AuditKey) -> Result<(), AuditError> {
    if meta.version != FORMAT_VERSION {
        return Err(AuditError::UnsupportedVersion(meta.version));
    }
    if meta.key_kind != key.kind() {
        return Err(AuditError::KeyKindMismatch { log: meta.key_kind, given: key.kind() });
    }
    if !meta.matches(key) {
        return Err(AuditError::WrongKey(meta.key_kind));
    }
    Ok(())
}

/// The head, checked against the last entry: MAC valid, entry `count` carries
/// the head's tag, and nothing lies beyond it.
fn check_head(kv: &dyn KvBackend, key: &AuditKey) -> Result<(u64, Tag), AuditError> {
    let Some(head) = records::read_head(kv)? else {
        if kv.iter(tree::AUDIT)?.next().is_some() {
            return Err(AuditError::Inconsistent("entries exist but the head record is missing".into()));
        }
        return Ok((0, GENESIS));
    };
    if !head.is_authentic(key) {
        return Err(AuditError::Inconsistent("head record MAC mismatch".into()));
    }
    let last_tag = match kv.get(tree::AUDIT, &codec::u64_key(head.count))? {
        Some(bytes) if head.count > 0 => {
            codec::decode::<AuditEntry>(tree::AUDIT, &codec::u64_key(head.count), &bytes)?.tag
        }
        None if head.count == 0 => GENESIS,
        _ => return Err(AuditError::Inconsistent(format!("entry {} (the head) is missing", head.count))),
    };
    if last_tag != head.tag {
        return Err(AuditError::Inconsistent(format!("entry {} does not carry the head tag", head.count)));
    }
    if kv.get(tree::AUDIT, &codec::u64_key(head.count.saturating_add(1)))?.is_some() {
        return Err(AuditError::Inconsistent(format!(
            "entry {} lies beyond the head",
            head.count.saturating_add(1)
        )));
    }
    Ok((head.count, head.tag))
}
