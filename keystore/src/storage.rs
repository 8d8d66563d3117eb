//! The storage seam: a small key-value trait and the generation store behind it.
//!
//! Everything above this file sees only [`Store`], so the backend can change without
//! touching the keystore logic. The backend owns the on-disk guarantees: opening never
//! writes, a flush switches atomically to a complete new generation, and every file it
//! creates is 0600 (directories 0700) whatever the umask.

mod files;
mod generations;
pub(crate) mod pointer;
mod sled_io;

pub(crate) use generations::{GenStore, TEMP_PREFIX, exists};

use crate::error::Error;

/// The operations the keystore needs from a backend. Writes are not durable until
/// [`Store::flush`] returns; the keystore flushes before acknowledging any write.
pub(crate) trait Store: Send + Sync {
    /// The value under `key`, if any.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error>;
    /// Sets `key` to `value`.
    fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), Error>;
    /// Deletes `key`; `true` if it existed.
    fn remove(&self, key: &[u8]) -> Result<bool, Error>;
    /// All keys starting with `prefix`, in byte order.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, Error>;
    /// Makes every previous write durable, all of them or none.
    fn flush(&self) -> Result<(), Error>;
}
