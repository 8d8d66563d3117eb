//! The read-only way into `<data-dir>/state` shared by `order list`,
//! `balances` and `positions`: a private copy of the database, so reading
//! never writes to (or repairs) the original, and one message when a
//! running vigil holds it.

use std::collections::BTreeMap;

use anyhow::Context as _;

use super::Context;
use crate::domain::{Fill, Symbol, TimestampMs};
use crate::store::{DB_DIR_NAME, ReadOnlyCopy, SledBackend, Store};

/// A private copy of the stored state, or `None` when nothing was stored yet.
/// Fails, naming the dir and the running vigil, while an engine has it open.
pub fn open_copy(ctx: &Context) -> anyhow::Result<Option<ReadOnlyCopy>> {
    let dir = ctx.state_dir();
    if !dir.join(DB_DIR_NAME).exists() {
        return Ok(None);
    }
    let copy = SledBackend::open_copy(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
    Ok(Some(copy))
}

/// The last fill vigil booked in each symbol: the only price a read-only
/// command has without reaching an exchange. Latest by fill time, then by
/// order id and fill sequence.
pub fn last_fills(store: &Store) -> anyhow::Result<BTreeMap<Symbol, Fill>> {
    let mut fills = store.fills()?;
    fills.sort_by_key(|f| (f.fill.ts_ms, f.fill.order_id, f.seq));
    Ok(fills.into_iter().map(|f| (f.fill.symbol.clone(), f.fill)).collect())
}

/// A time as `2026-12-03 13:01:02` (UTC), as the tables print it.
pub fn utc(ts_ms: TimestampMs) -> String {
    chrono::DateTime::from_timestamp_millis(ts_ms)
        .map_or_else(|| format!("@{ts_ms}ms"), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}
