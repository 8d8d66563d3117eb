//! The storage seam: a few byte-level operations over named trees.
//!
//! Callers ([`Store`](super::Store), [`AuditLog`](super::AuditLog)) speak only
//! this trait, so sled can be replaced (or faked in a test) without touching
//! them. Durability is explicit: nothing is promised until [`KvBackend::flush`]
//! returns, and every acknowledged change in vigil calls it before returning.

/// A key/value pair as stored.
pub type KvPair = (Vec<u8>, Vec<u8>);

/// An iterator over a tree in key order (keys compare as bytes).
pub type KvIter<'a> = Box<dyn Iterator<Item = Result<KvPair, BackendError>> + 'a>;

/// Why the storage layer failed. The message names the tree or path involved.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The underlying database reported an error (I/O, corruption, lock held).
    #[error("storage error: {0}")]
    Db(String),
    /// A filesystem operation around the database failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The state directory is readable by other users; we refuse to use it.
    #[error("{path} is accessible by group or others (mode {mode:o}); run `chmod 700 {path}`")]
    InsecureDir { path: String, mode: u32 },
    /// The data directory is writable by other users (or not a directory).
    #[error(
        "{path} is writable by group or others (mode {mode:o}), or not a directory; run `chmod 700 {path}`"
    )]
    WritableDir { path: String, mode: u32 },
    /// A directory of the data dir belongs to another user.
    #[error(
        "{path} is owned by uid {owner}, not by you (uid {me}); use a data dir of your own (`--data-dir`), or take it over with `chown -R {me} {path}` if it is yours"
    )]
    ForeignOwner { path: String, owner: u32, me: u32 },
}

/// One write inside a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Set `key` to `value` in `tree`.
    Insert { tree: &'static str, key: Vec<u8>, value: Vec<u8> },
    /// Delete `key` from `tree` (no error if absent).
    Remove { tree: &'static str, key: Vec<u8> },
}

/// Writes across several trees applied all-or-nothing, optionally guarded by
/// "this key must not exist yet" so an idempotent step (a fill replayed after
/// a crash) is checked and written in the same atomic unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    pub(crate) absent: Vec<(&'static str, Vec<u8>)>,
    pub(crate) ops: Vec<WriteOp>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires `key` to be absent from `tree`; otherwise the batch is skipped whole.
    pub fn require_absent(&mut self, tree: &'static str, key: impl Into<Vec<u8>>) -> &mut Self {
        self.absent.push((tree, key.into()));
        self
    }

    /// Adds an insert.
    pub fn insert(&mut self, tree: &'static str, key: impl Into<Vec<u8>>, value: Vec<u8>) -> &mut Self {
        self.ops.push(WriteOp::Insert { tree, key: key.into(), value });
        self
    }

    /// Adds a removal.
    pub fn remove(&mut self, tree: &'static str, key: impl Into<Vec<u8>>) -> &mut Self {
        self.ops.push(WriteOp::Remove { tree, key: key.into() });
        self
    }

    /// Every tree the batch reads or writes, each once, in first-use order.
    pub fn trees(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        let guarded = self.absent.iter().map(|(t, _)| *t);
        let written = self.ops.iter().map(|op| match op {
            WriteOp::Insert { tree, .. } | WriteOp::Remove { tree, .. } => *tree,
        });
        for name in guarded.chain(written) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }
}

/// Whether a guarded batch was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Every write landed.
    Applied,
    /// A `require_absent` key already existed; nothing was written.
    Skipped,
}

/// Byte-level storage over named trees. Implementations must make
/// [`apply`](KvBackend::apply) atomic across trees (a crash leaves all of it or
/// none of it) and [`flush`](KvBackend::flush) durable (fsync) before returning.
pub trait KvBackend: Send + Sync {
    /// Reads one key.
    fn get(&self, tree: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;
    /// Writes one key (not flushed).
    fn insert(&self, tree: &'static str, key: &[u8], value: &[u8]) -> Result<(), BackendError>;
    /// Deletes one key (not flushed); absent keys are fine.
    fn remove(&self, tree: &'static str, key: &[u8]) -> Result<(), BackendError>;
    /// Every pair whose key starts with `prefix`, in key order.
    fn scan_prefix<'a>(&'a self, tree: &'static str, prefix: &[u8]) -> Result<KvIter<'a>, BackendError>;
    /// Every pair in the tree, in key order.
    fn iter<'a>(&'a self, tree: &'static str) -> Result<KvIter<'a>, BackendError>;
    /// Applies a batch atomically (not flushed).
    fn apply(&self, batch: &WriteBatch) -> Result<BatchOutcome, BackendError>;
    /// Makes every write so far durable on disk.
    fn flush(&self) -> Result<(), BackendError>;
}
