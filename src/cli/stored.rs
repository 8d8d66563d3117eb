//! The read-only way into `<data-dir>/state` shared by `order list`,
//! `balances` and `positions`: a private copy of the database, so reading
//! never writes to (or repairs) the original, and one message when a
//! running vigil holds it.

use anyhow::Context as _;

use super::Context;
use crate::store::{DB_DIR_NAME, ReadOnlyCopy, SledBackend};

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
