//! The storage seam: a small key-value trait and its sled implementation.
//!
//! Everything above this file sees only [`Store`], so the backend can change without
//! touching the keystore logic. The sled backend also owns the "every file 0600" guarantee,
//! since it is the one creating files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::perms;

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
    /// Makes every previous write durable.
    fn flush(&self) -> Result<(), Error>;
}

/// A sled database in a private directory.
pub(crate) struct SledStore {
    db: sled::Db,
    dir: PathBuf,
}

fn storage(e: sled::Error) -> Error {
    match e {
        sled::Error::Io(io) => Error::Storage(Box::new(io)),
        other => Error::Storage(Box::new(other)),
    }
}

impl SledStore {
    /// Opens (or, with `create`, creates) the sled database in `dir`, which must already be
    /// a 0700 directory. Every file and directory sled made is then forced to 0600/0700,
    /// whatever the process umask is; until then the 0700 parent keeps other users out.
    pub(crate) fn open(dir: &Path, create: bool) -> Result<Self, Error> {
        let config = sled::Config::new().path(dir).create_new(create).flush_every_ms(None);
        let db = open_waiting_for_lock(&config).map_err(|e| match e {
            sled::Error::Io(io) if is_lock_error(&io) => Error::InUse { dir: dir.to_owned() },
            other => storage(other),
        })?;
        perms::tighten(dir)?;
        Ok(SledStore { db, dir: dir.to_owned() })
    }
}

/// sled reports a held lock as an `Other` I/O error whose message mentions the lock.
fn is_lock_error(io: &std::io::Error) -> bool {
    io.to_string().contains("could not acquire lock")
}

/// How long a held lock is waited for. sled releases its file lock when the last
/// reference inside it drops, which can trail the owner's drop by a few
/// milliseconds (its background threads); a lock held longer than this belongs to
/// another live process, and the caller says so.
const LOCK_WAIT: Duration = Duration::from_millis(500);

fn open_waiting_for_lock(config: &sled::Config) -> sled::Result<sled::Db> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match config.open() {
            Err(sled::Error::Io(io)) if is_lock_error(&io) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

impl Store for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.db.get(key).map_err(storage)?.map(|v| v.to_vec()))
    }

    fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), Error> {
        self.db.insert(key, value).map_err(storage)?;
        Ok(())
    }

    fn remove(&self, key: &[u8]) -> Result<bool, Error> {
        Ok(self.db.remove(key).map_err(storage)?.is_some())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
        self.db.scan_prefix(prefix).keys().map(|k| k.map(|k| k.to_vec()).map_err(storage)).collect()
    }

    /// Flushes, then re-applies 0600/0700 in case sled created a file (a blob for a large
    /// value, a snapshot) since the last check.
    fn flush(&self) -> Result<(), Error> {
        self.db.flush().map_err(storage)?;
        perms::tighten(&self.dir)
    }
}
