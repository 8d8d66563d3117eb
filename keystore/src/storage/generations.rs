//! The generation store: the keystore's records live in memory; every flush writes them all
//! as a fresh, immutable sled database (`gen-N/`) and switches the `CURRENT` pointer to it
//! with one atomic rename. See `ARCHITECTURE.md` ("Keystore layout") for why.
//!
//! Locking: a [`GenStore`] holds an exclusive `flock` on the keystore directory itself (and
//! on `db` for a keystore in the older single-database layout, which is what older vigil
//! builds lock) from open to drop, taken *before* anything is read. So the records in memory
//! can never be stale: no other process can switch `CURRENT` while this one may still write.
//! Locking the directory creates nothing: opening a keystore to read it writes no file.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::Store;
use super::files;
use super::pointer::{self, CURRENT, CURRENT_TMP, Pointer, Records};
use super::sled_io::{self, SledIoError};
use crate::error::Error;

/// The sled data file of the older layout (sled files directly in the keystore directory).
const LEGACY_DB: &str = "db";
/// Prefix of a generation being written; never named by `CURRENT`.
pub(crate) const TEMP_PREFIX: &str = ".gen-";

/// Where the records in memory came from, i.e. what the next flush replaces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Nothing on disk yet (`create`).
    Fresh,
    /// sled files directly in the keystore directory, as written before generations.
    Legacy,
    /// `gen-N/`, named by `CURRENT`.
    Generation(u64),
}

struct State {
    /// What the live generation holds.
    committed: Records,
    /// `committed` plus the writes not yet flushed.
    working: Records,
    source: Source,
    /// Held for the life of the store; dropping a file releases its `flock`. Two while a
    /// keystore in the older layout is converted (`db`, then `LOCK` too).
    _locks: Vec<File>,
}

/// The [`Store`] over a keystore directory in the generation layout.
pub(crate) struct GenStore {
    dir: PathBuf,
    state: Mutex<State>,
}

/// `true` if `dir` holds a keystore in either layout (it may still be broken).
pub(crate) fn exists(dir: &Path) -> bool {
    fs::symlink_metadata(dir.join(CURRENT)).is_ok() || dir.join(LEGACY_DB).is_file()
}

impl GenStore {
    /// A store for a new keystore in the empty 0700 directory `dir`; nothing but `LOCK` is
    /// written until the first flush.
    pub(crate) fn create(dir: &Path) -> Result<Self, Error> {
        let lock = lock_exclusive(dir)?;
        Ok(Self::with_state(dir, Records::new(), Source::Fresh, lock))
    }

    /// Opens the keystore in `dir` without writing to it: locks it, then loads the live
    /// generation (or the older layout's database) through a private copy.
    pub(crate) fn open(dir: &Path) -> Result<Self, Error> {
        let legacy = fs::symlink_metadata(dir.join(CURRENT)).is_err();
        let lock = if legacy { lock_file(dir, LEGACY_DB)? } else { lock_exclusive(dir)? };
        // Another vigil may have converted the layout between the check and the lock.
        if legacy && fs::symlink_metadata(dir.join(CURRENT)).is_ok() {
            drop(lock);
            return Self::open(dir);
        }
        let (records, source) = if legacy {
            (load_legacy(dir)?, Source::Legacy)
        } else {
            let (records, n) = load_current(dir)?;
            (records, Source::Generation(n))
        };
        Ok(Self::with_state(dir, records, source, lock))
    }

    fn with_state(dir: &Path, records: Records, source: Source, lock: File) -> Self {
        let state = State { committed: records.clone(), working: records, source, _locks: vec![lock] };
        GenStore { dir: dir.to_owned(), state: Mutex::new(state) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave `working` half-updated (each change
        // is one map operation), so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `state.working` as the next generation and makes it live.
    fn commit(&self, state: &mut State) -> Result<(), Error> {
        if state.source == Source::Legacy && state._locks.len() == 1 {
            state._locks.push(lock_exclusive(&self.dir)?);
        }
        let next = match state.source {
            Source::Fresh | Source::Legacy => 1,
            Source::Generation(n) => n + 1,
        };
        self.remove_leftovers(state.source)?;
        let name = pointer::generation_dir(next);
        let temp = self.dir.join(format!(".{name}.tmp"));
        self.write_generation(&temp, &state.working)?;
        let live = self.dir.join(&name);
        fs::rename(&temp, &live).map_err(|e| Error::io(&temp, e))?;
        self.sync()?;
        self.switch_current(&Pointer { generation: next, digest: pointer::digest(&state.working) })?;
        let old = state.source;
        state.source = Source::Generation(next);
        state.committed = state.working.clone();
        self.remove_old(old)
    }

    /// Writes every record into a new sled database in `temp` and seals it (0600/0700,
    /// fsynced). sled's transient files (`snap.*`, `blobs/`) are only ever created in here.
    fn write_generation(&self, temp: &Path, records: &Records) -> Result<(), Error> {
        files::create_private_dir(temp).map_err(|e| Error::io(temp, e))?;
        sled_io::write_all(temp, records).map_err(|e| match e {
            SledIoError::Io(io) => Error::io(temp, io),
            sled => Error::Storage(Box::new(sled)),
        })?;
        files::seal_tree(temp).map_err(|e| Error::io(temp, e))
    }

    /// Points `CURRENT` at a sealed generation: write `CURRENT.tmp`, fsync, rename, fsync
    /// the directory.
    fn switch_current(&self, pointer: &Pointer) -> Result<(), Error> {
        let tmp = self.dir.join(CURRENT_TMP);
        files::write_new_private(&tmp, pointer.encode().as_bytes()).map_err(|e| Error::io(&tmp, e))?;
        fs::rename(&tmp, self.dir.join(CURRENT)).map_err(|e| Error::io(&tmp, e))?;
        self.sync()
    }

    /// Deletes what an interrupted earlier write left behind: temp generations, a stray
    /// `CURRENT.tmp`, generation directories `CURRENT` does not name, and the older
    /// layout's files once converted. Safe because this process holds the lock, so no
    /// other writer is mid-way.
    fn remove_leftovers(&self, live: Source) -> Result<(), Error> {
        for entry in fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))? {
            let entry = entry.map_err(|e| Error::io(&self.dir, e))?;
            if entry.file_name().to_str().is_some_and(|name| is_leftover(name, live)) {
                remove_all(&entry.path())?;
            }
        }
        Ok(())
    }

    /// Deletes the generation (or the older layout's sled files) just replaced.
    fn remove_old(&self, old: Source) -> Result<(), Error> {
        match old {
            Source::Fresh => return Ok(()),
            Source::Generation(n) => remove_all(&self.dir.join(pointer::generation_dir(n)))?,
            Source::Legacy => {
                for entry in fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))? {
                    let entry = entry.map_err(|e| Error::io(&self.dir, e))?;
                    if entry.file_name().to_str().is_some_and(is_legacy_file) {
                        remove_all(&entry.path())?;
                    }
                }
            }
        }
        self.sync()
    }

    fn sync(&self) -> Result<(), Error> {
        files::sync_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }
}

impl Store for GenStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.state().working.get(key).cloned())
    }

    fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), Error> {
        self.state().working.insert(key.to_vec(), value.to_vec());
        Ok(())
    }

    fn remove(&self, key: &[u8]) -> Result<bool, Error> {
        Ok(self.state().working.remove(key).is_some())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
        let state = self.state();
        Ok(state
            .working
            .range(prefix.to_vec()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }

    /// Writes a new generation if anything changed. On failure the unflushed changes are
    /// dropped, so what this store returns is again exactly what is on disk.
    fn flush(&self) -> Result<(), Error> {
        let mut state = self.state();
        if state.working == state.committed && state.source != Source::Fresh {
            return Ok(());
        }
        let result = self.commit(&mut state);
        if result.is_err() {
            state.working = state.committed.clone();
        }
        result
    }
}

/// Whether `name` in the keystore directory is debris of an earlier write, given what is live.
fn is_leftover(name: &str, live: Source) -> bool {
    let stale_generation = pointer::parse_generation_dir(name).is_some_and(|n| live != Source::Generation(n));
    let converted = matches!(live, Source::Generation(_)) && is_legacy_file(name);
    name.starts_with(TEMP_PREFIX) || name == CURRENT_TMP || stale_generation || converted
}

/// The sled files of the older layout: `db`, `conf`, `blobs/`, `snap.*`.
fn is_legacy_file(name: &str) -> bool {
    matches!(name, "db" | "conf" | "blobs") || name.starts_with("snap.")
}

/// How long a held lock is waited for before the keystore is reported in use. A lock can be
/// held for an instant by something that is not a live vigil: a child process forked by
/// this one (it shares the descriptor until it execs), or a vigil that is just exiting.
const LOCK_WAIT: Duration = Duration::from_millis(500);

/// Takes an exclusive `flock` on the keystore directory.
fn lock_exclusive(dir: &Path) -> Result<File, Error> {
    let file = files::open_dir(dir).map_err(|e| Error::io(dir, e))?;
    wait_for_lock(file, dir, dir)
}

/// Takes an exclusive `flock` on the existing file `dir/name` (the older layout's `db`).
fn lock_file(dir: &Path, name: &str) -> Result<File, Error> {
    let path = dir.join(name);
    let file = files::open_lock_file(&path).map_err(|e| Error::io(&path, e))?;
    wait_for_lock(file, &path, dir)
}

/// Waits for `file`'s exclusive lock; one still held after [`LOCK_WAIT`] is [`Error::InUse`].
fn wait_for_lock(file: File, path: &Path, dir: &Path) -> Result<File, Error> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(fs::TryLockError::WouldBlock) => return Err(Error::InUse { dir: dir.to_owned() }),
            Err(fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
    }
}

/// Loads the generation `CURRENT` names and checks it against the digest there.
fn load_current(dir: &Path) -> Result<(Records, u64), Error> {
    let current = dir.join(CURRENT);
    let bytes = files::read_nofollow(&current).map_err(|e| corrupted(&current, &e.to_string()))?;
    let pointer =
        Pointer::decode(&bytes).ok_or_else(|| corrupted(&current, "not a valid generation pointer"))?;
    let gen_dir = dir.join(pointer::generation_dir(pointer.generation));
    if !fs::symlink_metadata(&gen_dir).is_ok_and(|m| m.is_dir()) {
        return Err(corrupted(&gen_dir, "the generation named by CURRENT is missing"));
    }
    let records = load_copy(&gen_dir, &|_| true)?;
    if pointer::digest(&records) != pointer.digest {
        return Err(corrupted(&gen_dir, "its records do not match the SHA-256 in CURRENT"));
    }
    Ok((records, pointer.generation))
}

/// Loads the older layout's sled database (no digest exists to check it against).
fn load_legacy(dir: &Path) -> Result<Records, Error> {
    load_copy(dir, &is_legacy_file)
}

/// Copies the sled files under `src` into a private 0700 temp directory outside the
/// keystore directory, reads every record from the copy, and deletes the copy. sled's
/// recovery may rewrite the copy; the originals are only ever read.
fn load_copy(src: &Path, wanted: &dyn Fn(&str) -> bool) -> Result<Records, Error> {
    let tmp = tempfile::Builder::new()
        .prefix("vigil-keystore-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let copy = tmp.path().join("db");
    files::create_private_dir(&copy).map_err(|e| Error::io(&copy, e))?;
    files::copy_tree(src, &copy, wanted).map_err(|e| corrupted(src, &e.to_string()))?;
    let records = sled_io::read_all(&copy).map_err(|e| corrupted(src, &e.to_string()));
    tmp.close().map_err(|e| Error::io(&copy, e))?;
    records
}

fn corrupted(path: &Path, detail: &str) -> Error {
    Error::Corrupted { path: path.to_owned(), detail: detail.replace('\n', " ") }
}

fn remove_all(path: &Path) -> Result<(), Error> {
    let is_dir = fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?.is_dir();
    if is_dir { fs::remove_dir_all(path) } else { fs::remove_file(path) }.map_err(|e| Error::io(path, e))
}
