//! [`Store`]: the engine's durable trading state (orders, fills, the atomic
//! fill step). Portfolio records live in `portfolio.rs`, start-up loading in
//! `snapshot.rs`; all three are `impl Store` over the same backend.

use std::path::Path;
use std::sync::Arc;

use crate::domain::{Balance, Fill, Order, OrderId, Position};

use super::backend::{BackendError, BatchOutcome, KvBackend, WriteBatch};
use super::codec::{self, CodecError};
use super::sled_backend::SledBackend;
use super::tree;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The key is reserved for state vigil must never persist (see [`Store::put_value`]).
    #[error("refusing to persist {0:?}: approval mode is never stored, autonomous is never restored")]
    ForbiddenKey(String),
    /// A fill step whose parts disagree (a caller bug, refused before any write).
    #[error("inconsistent fill step: {0}")]
    InconsistentStep(String),
    /// The order id counter reached u64::MAX.
    #[error("order id counter exhausted")]
    OrderIdExhausted,
}

/// Durable trading state. The engine actor is the only writer; every setter
/// flushes before it returns, so "returned Ok" means "survives kill -9".
///
/// Deliberately absent: the approval mode. Autonomous trading must be armed by
/// a person (with a fresh TOTP code) in every session, so there is no field,
/// key or tree that could bring it back after a restart.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn KvBackend>,
}

/// A fill as stored: its per-order sequence number plus the execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFill {
    /// Sequence of this fill within its order (the venue's trade order);
    /// `(order id, seq)` identifies a fill, which makes replays idempotent.
    pub seq: u64,
    pub fill: Fill,
}

/// Everything one fill changes, written as one atomic durable step so a crash
/// can never leave a fill without its order, balance and position updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillStep {
    /// Sequence of the fill within its order; `(fill.order_id, fill_seq)` must be unique.
    pub fill_seq: u64,
    pub fill: Fill,
    /// The order after applying the fill.
    pub order: Order,
    /// Every balance the fill moved (asset, new balance): base, quote and fee asset.
    pub balances: Vec<(String, Balance)>,
    /// The position after applying the fill.
    pub position: Position,
}

/// Whether [`Store::apply_fill`] wrote anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillOutcome {
    /// The fill and its effects are now durable.
    Applied,
    /// This `(order id, fill seq)` was already stored; nothing changed.
    Duplicate,
}

impl FillStep {
    /// The fill, order and position must be about the same order and symbol.
    fn check(&self) -> Result<(), StoreError> {
        let (fill, order) = (&self.fill, &self.order);
        if fill.order_id != order.id {
            return Err(StoreError::InconsistentStep(format!(
                "fill of order {} with order {}",
                fill.order_id, order.id
            )));
        }
        if fill.symbol != order.intent.symbol || fill.symbol != self.position.symbol {
            return Err(StoreError::InconsistentStep(format!(
                "fill in {} with order in {} and position in {}",
                fill.symbol, order.intent.symbol, self.position.symbol
            )));
        }
        Ok(())
    }
}

pub(crate) fn fill_key(order: OrderId, seq: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&order.0.to_be_bytes());
    key[8..].copy_from_slice(&seq.to_be_bytes());
    key
}

impl Store {
    /// Opens the sled database under `state_dir` (created 0700, files 0600).
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        Ok(Self::with_backend(Arc::new(SledBackend::open(state_dir)?)))
    }

    /// A store over an already opened backend (shared with the audit log).
    pub fn with_backend(backend: Arc<dyn KvBackend>) -> Self {
        Self { backend }
    }

    /// The backend, so the [`AuditLog`](super::AuditLog) can share the database.
    pub fn backend(&self) -> Arc<dyn KvBackend> {
        Arc::clone(&self.backend)
    }

    pub(crate) fn kv(&self) -> &dyn KvBackend {
        self.backend.as_ref()
    }

    /// Inserts or replaces an order (keyed by id), durably.
    pub fn put_order(&self, order: &Order) -> Result<(), StoreError> {
        let key = codec::u64_key(order.id.0);
        let value = codec::encode(tree::ORDERS, &key, order)?;
        self.backend.insert(tree::ORDERS, &key, &value)?;
        Ok(self.backend.flush()?)
    }

    /// One order by id.
    pub fn order(&self, id: OrderId) -> Result<Option<Order>, StoreError> {
        let key = codec::u64_key(id.0);
        match self.backend.get(tree::ORDERS, &key)? {
            Some(bytes) => Ok(Some(codec::decode(tree::ORDERS, &key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Every order, oldest id first.
    pub fn orders(&self) -> Result<Vec<Order>, StoreError> {
        let mut out = Vec::new();
        for item in self.backend.iter(tree::ORDERS)? {
            let (key, bytes) = item?;
            out.push(codec::decode(tree::ORDERS, &key, &bytes)?);
        }
        Ok(out)
    }

    /// Orders that can still trade (submitted or partially filled).
    pub fn open_orders(&self) -> Result<Vec<Order>, StoreError> {
        Ok(self.orders()?.into_iter().filter(|o| o.status.is_open()).collect())
    }

    /// Every stored fill, by order id then fill sequence.
    pub fn fills(&self) -> Result<Vec<StoredFill>, StoreError> {
        self.decode_fills(self.backend.iter(tree::FILLS)?)
    }

    /// The fills of one order, in sequence.
    pub fn fills_for(&self, order: OrderId) -> Result<Vec<StoredFill>, StoreError> {
        self.decode_fills(self.backend.scan_prefix(tree::FILLS, &order.0.to_be_bytes())?)
    }

    fn decode_fills(&self, iter: super::backend::KvIter<'_>) -> Result<Vec<StoredFill>, StoreError> {
        let mut out = Vec::new();
        for item in iter {
            let (key, bytes) = item?;
            let seq_bytes = key
                .get(8..)
                .filter(|s| s.len() == 8)
                .ok_or_else(|| CodecError::Key { tree: tree::FILLS, key: codec::show_key(&key) })?;
            let seq = codec::parse_u64_key(tree::FILLS, seq_bytes)?;
            out.push(StoredFill { seq, fill: codec::decode(tree::FILLS, &key, &bytes)? });
        }
        Ok(out)
    }

    /// Applies a fill with everything it changes as ONE atomic, flushed step.
    /// A second call with the same `(order id, fill seq)` writes nothing and
    /// returns [`FillOutcome::Duplicate`]: a replay after a crash never
    /// double-counts. The duplicate check runs inside the same transaction.
    pub fn apply_fill(&self, step: &FillStep) -> Result<FillOutcome, StoreError> {
        step.check()?;
        let fkey = fill_key(step.fill.order_id, step.fill_seq);
        let okey = codec::u64_key(step.order.id.0);
        let pkey = step.position.symbol.as_str().as_bytes().to_vec();
        let mut batch = WriteBatch::new();
        batch.require_absent(tree::FILLS, fkey.to_vec());
        batch.insert(tree::FILLS, fkey.to_vec(), codec::encode(tree::FILLS, &fkey, &step.fill)?);
        batch.insert(tree::ORDERS, okey.to_vec(), codec::encode(tree::ORDERS, &okey, &step.order)?);
        batch.insert(tree::POSITIONS, pkey.clone(), codec::encode(tree::POSITIONS, &pkey, &step.position)?);
        for (asset, balance) in &step.balances {
            let key = asset.as_bytes();
            batch.insert(tree::BALANCES, key.to_vec(), codec::encode(tree::BALANCES, key, balance)?);
        }
        match self.backend.apply(&batch)? {
            BatchOutcome::Applied => {
                self.backend.flush()?;
                Ok(FillOutcome::Applied)
            }
            BatchOutcome::Skipped => Ok(FillOutcome::Duplicate),
        }
    }
}
