//! Durable state: the engine's orders, fills, positions, balances and PnL
//! records ([`Store`]) and the HMAC-chained audit log ([`AuditLog`]).
//!
//! Layout: `<state-dir>/` (0700) holds `db/` (one sled database, files 0600)
//! and, for paper installs without a keystore, `audit.key` (0600). The trees
//! are named in [`tree`]. Storage sits behind [`KvBackend`] so sled can be
//! swapped without touching callers.
//!
//! Durability rule: every call that acknowledges a change flushes (fsync)
//! before returning — sled otherwise syncs only every 500 ms and has open
//! durability reports (spacejam/sled #1452, #1533). Multi-record changes (a
//! fill with its order, balances and position; an audit entry with its head)
//! are one atomic batch, so kill -9 leaves all of it or none of it.
//!
//! There is deliberately no record of the approval mode: autonomous trading is
//! never restored on restart.

pub mod audit;
mod backend;
mod codec;
mod fsperm;
mod portfolio;
mod sled_backend;
mod snapshot;
mod state;
pub mod tree;

pub use audit::{
    Actor, AuditEntry, AuditError, AuditKey, AuditKind, AuditLog, AuditReader, KeyKind, Problem,
    VerifyReport, Witness,
};
pub use backend::{BackendError, BatchOutcome, KvBackend, KvIter, KvPair, WriteBatch, WriteOp};
pub use codec::CodecError;
pub use fsperm::{DIR_MODE, FILE_MODE, check_data_dir, effective_uid, ensure_private_dir, tighten_tree};
pub use sled_backend::{DB_DIR_NAME, ReadOnlyCopy, SledBackend};
pub use snapshot::Snapshot;
pub use state::{FillOutcome, FillStep, Store, StoreError, StoredFill};
