//! Portfolio records of the [`Store`]: positions, balances, the equity peak
//! (drawdown breaker), the order id counter, and a few engine-chosen named
//! values (the day's starting equity, the loss streak, the controls).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::{Balance, OrderId, Position, Symbol};

use super::backend::WriteBatch;
use super::codec::{self, CodecError};
use super::state::{Store, StoreError};
use super::tree;

const EQUITY_PEAK: &[u8] = b"equity_peak";
const NEXT_ORDER_ID: &[u8] = b"next_order_id";

fn utf8_key(tree: &'static str, key: &[u8]) -> Result<String, CodecError> {
    String::from_utf8(key.to_vec()).map_err(|_| CodecError::Key { tree, key: codec::show_key(key) })
}

impl Store {
    fn put<T: Serialize>(&self, tree: &'static str, key: &[u8], value: &T) -> Result<(), StoreError> {
        let bytes = codec::encode(tree, key, value)?;
        self.kv().insert(tree, key, &bytes)?;
        Ok(self.kv().flush()?)
    }

    fn read<T: DeserializeOwned>(&self, tree: &'static str, key: &[u8]) -> Result<Option<T>, StoreError> {
        match self.kv().get(tree, key)? {
            Some(bytes) => Ok(Some(codec::decode(tree, key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Stores a position (keyed by symbol), durably.
    pub fn put_position(&self, position: &Position) -> Result<(), StoreError> {
        self.put(tree::POSITIONS, position.symbol.as_str().as_bytes(), position)
    }

    /// The position in one symbol, if any was stored.
    pub fn position(&self, symbol: &Symbol) -> Result<Option<Position>, StoreError> {
        self.read(tree::POSITIONS, symbol.as_str().as_bytes())
    }

    /// Every stored position by symbol.
    pub fn positions(&self) -> Result<BTreeMap<Symbol, Position>, StoreError> {
        let mut out = BTreeMap::new();
        for item in self.kv().iter(tree::POSITIONS)? {
            let (key, bytes) = item?;
            let position: Position = codec::decode(tree::POSITIONS, &key, &bytes)?;
            out.insert(position.symbol.clone(), position);
        }
        Ok(out)
    }

    /// Stores several balances in one atomic, flushed step.
    pub fn put_balances(&self, balances: &[(String, Balance)]) -> Result<(), StoreError> {
        let mut batch = WriteBatch::new();
        for (asset, balance) in balances {
            let key = asset.as_bytes();
            batch.insert(tree::BALANCES, key.to_vec(), codec::encode(tree::BALANCES, key, balance)?);
        }
        self.kv().apply(&batch)?;
        Ok(self.kv().flush()?)
    }

    /// The balance of one asset, if stored.
    pub fn balance(&self, asset: &str) -> Result<Option<Balance>, StoreError> {
        self.read(tree::BALANCES, asset.as_bytes())
    }

    /// Every stored balance by asset.
    pub fn balances(&self) -> Result<BTreeMap<String, Balance>, StoreError> {
        let mut out = BTreeMap::new();
        for item in self.kv().iter(tree::BALANCES)? {
            let (key, bytes) = item?;
            out.insert(utf8_key(tree::BALANCES, &key)?, codec::decode(tree::BALANCES, &key, &bytes)?);
        }
        Ok(out)
    }

    /// Records the highest equity seen (the drawdown breaker measures from it).
    pub fn set_equity_peak(&self, peak: Decimal) -> Result<(), StoreError> {
        self.put(tree::META, EQUITY_PEAK, &peak)
    }

    /// The recorded equity peak.
    pub fn equity_peak(&self) -> Result<Option<Decimal>, StoreError> {
        self.read(tree::META, EQUITY_PEAK)
    }

    /// The next unused order id, as stored (1 on a fresh store).
    pub fn next_order_id(&self) -> Result<OrderId, StoreError> {
        Ok(OrderId(self.read(tree::META, NEXT_ORDER_ID)?.unwrap_or(1)))
    }

    /// Hands out a fresh order id. The counter is flushed before the id is
    /// returned, so an id is never reused after a crash.
    pub fn allocate_order_id(&self) -> Result<OrderId, StoreError> {
        let id = self.next_order_id()?;
        let next = id.0.checked_add(1).ok_or(StoreError::OrderIdExhausted)?;
        self.put(tree::META, NEXT_ORDER_ID, &next)?;
        Ok(id)
    }

    /// Stores a small named value (e.g. the trading state after a kill switch).
    /// Keys mentioning "approval" are refused: the approval mode is never
    /// persisted, so autonomous mode can never come back by itself on restart.
    pub fn put_value(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        if key.to_ascii_lowercase().contains("approval") {
            return Err(StoreError::ForbiddenKey(key.to_owned()));
        }
        self.put(tree::VALUES, key.as_bytes(), value)
    }

    /// The write of a named value as a batch, to be applied atomically with
    /// something else (the audit entry recording why it changed).
    pub fn value_batch(&self, key: &str, value: &serde_json::Value) -> Result<WriteBatch, StoreError> {
        if key.to_ascii_lowercase().contains("approval") {
            return Err(StoreError::ForbiddenKey(key.to_owned()));
        }
        let mut batch = WriteBatch::new();
        batch.insert(
            tree::VALUES,
            key.as_bytes().to_vec(),
            codec::encode(tree::VALUES, key.as_bytes(), value)?,
        );
        Ok(batch)
    }

    /// A named value.
    pub fn value(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.read(tree::VALUES, key.as_bytes())
    }

    /// Deletes a named value, durably.
    pub fn remove_value(&self, key: &str) -> Result<(), StoreError> {
        self.kv().remove(tree::VALUES, key.as_bytes())?;
        Ok(self.kv().flush()?)
    }

    /// Every named value.
    pub fn values(&self) -> Result<BTreeMap<String, serde_json::Value>, StoreError> {
        let mut out = BTreeMap::new();
        for item in self.kv().iter(tree::VALUES)? {
            let (key, bytes) = item?;
            out.insert(utf8_key(tree::VALUES, &key)?, codec::decode(tree::VALUES, &key, &bytes)?);
        }
        Ok(out)
    }
}
