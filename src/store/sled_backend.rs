//! [`KvBackend`] on sled 0.34: one database directory, one sled tree per
//! logical tree, cross-tree atomicity through sled transactions.
//!
//! sled only fsyncs every 500 ms by default and has open durability reports
//! (spacejam/sled #1452, #1533), so callers flush explicitly; this type never
//! relies on the background flusher for anything acknowledged.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::backend::{BackendError, BatchOutcome, KvBackend, KvIter, WriteBatch, WriteOp};
use super::fsperm;

/// The sled database directory inside the state directory.
pub const DB_DIR_NAME: &str = "db";

/// A sled database opened under `<state-dir>/db`.
pub struct SledBackend {
    db: sled::Db,
    path: PathBuf,
}

fn db_err(err: sled::Error) -> BackendError {
    BackendError::Db(err.to_string())
}

/// One line for a database sled cannot read: which one, and what to do.
fn damaged(path: &Path, err: &sled::Error) -> BackendError {
    let what = match err {
        sled::Error::Corruption { .. } => "is damaged".to_owned(),
        other => format!("cannot be read ({other})"),
    };
    BackendError::Db(format!(
        "the state database {} {what}: it was left as it is; run `vigil audit verify`, and restore a backup (`vigil restore`) into a new data dir",
        path.display()
    ))
}

/// How long a held lock is waited for. sled releases its file lock when the last
/// reference inside it drops, which can trail the owner's drop by a few
/// milliseconds (its flusher thread); a lock held longer than this belongs to
/// another live process, and the error says so.
const LOCK_WAIT: Duration = Duration::from_millis(500);

fn open_waiting_for_lock(config: &sled::Config) -> sled::Result<sled::Db> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match config.open() {
            Err(sled::Error::Io(io))
                if io.to_string().contains("could not acquire lock") && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

impl SledBackend {
    /// Opens (creating if needed) the database in `<state_dir>/db`. The state
    /// directory is created 0700 (an existing group/world-accessible one is
    /// refused) and every file sled wrote is set to 0600.
    pub fn open(state_dir: &Path) -> Result<Self, BackendError> {
        fsperm::ensure_private_dir(state_dir)?;
        let path = state_dir.join(DB_DIR_NAME);
        fsperm::ensure_private_dir(&path)?;
        let db = open_waiting_for_lock(&sled::Config::new().path(&path)).map_err(|e| match e {
            sled::Error::Corruption { .. } => damaged(&path, &e),
            other => db_err(other),
        })?;
        fsperm::tighten_tree(&path)?;
        Ok(Self { db, path })
    }

    /// Opens a private copy of the database in `<state_dir>/db`, for commands
    /// that only read (`audit verify|show`, `order list`): sled's recovery
    /// rewrites a database after a corrupt record, and a read-only command
    /// must never change (or destroy the evidence in) the original. The copy
    /// lives in a 0700 temp dir and is deleted when the returned value drops.
    ///
    /// The original is read under a shared lock on sled's own lock file, so a
    /// running engine (which holds it exclusively) is reported as "in use"
    /// instead of being copied mid-write.
    pub fn open_copy(state_dir: &Path) -> Result<ReadOnlyCopy, BackendError> {
        let io = |context: String| move |source| BackendError::Io { context, source };
        let dir = tempfile::Builder::new()
            .prefix("vigil-readonly-")
            .tempdir()
            .map_err(io("creating a private temp dir".into()))?;
        let copy = dir.path().join(DB_DIR_NAME);
        Self::copy_db(state_dir, &copy)?;
        let db =
            sled::Config::new().path(&copy).open().map_err(|e| damaged(&state_dir.join(DB_DIR_NAME), &e))?;
        Ok(ReadOnlyCopy { backend: Arc::new(Self { db, path: state_dir.join(DB_DIR_NAME) }), _dir: dir })
    }

    /// Copies the database files of `<state_dir>/db` into a new 0700 `to`
    /// (files 0600), never while an engine has it open: sled takes its lock
    /// file exclusively (flock), so the shared lock taken here for the copy
    /// fails while one runs, and the copy is never torn.
    pub fn copy_db(state_dir: &Path, to: &Path) -> Result<(), BackendError> {
        let _lock = Self::lock_shared(state_dir)?;
        Self::copy_db_locked(state_dir, to)
    }

    /// A shared lock on sled's lock file of `<state_dir>/db`, held until the
    /// returned file drops: no engine can open the database meanwhile (and
    /// one that has it open makes this fail as "in use").
    pub fn lock_shared(state_dir: &Path) -> Result<std::fs::File, BackendError> {
        let source = state_dir.join(DB_DIR_NAME).join("db");
        let lock_file =
            std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&source).map_err(
                |e| BackendError::Io { context: format!("opening {}", source.display()), source: e },
            )?;
        if lock_file.try_lock_shared().is_err() {
            return Err(BackendError::Db(format!(
                "{} is in use by a running vigil: stop it first",
                source.display()
            )));
        }
        Ok(lock_file)
    }

    /// [`SledBackend::copy_db`] for a caller that holds [`SledBackend::lock_shared`].
    pub fn copy_db_locked(state_dir: &Path, to: &Path) -> Result<(), BackendError> {
        let source = state_dir.join(DB_DIR_NAME);
        let io = |context: String| move |source| BackendError::Io { context, source };
        if let Some(parent) = to.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(fsperm::DIR_MODE)
                .create(parent)
                .map_err(io(format!("creating {}", parent.display())))?;
        }
        copy_tree(&source, to)
    }

    /// Where the database lives (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn tree(&self, name: &str) -> Result<sled::Tree, BackendError> {
        self.db.open_tree(name).map_err(db_err)
    }
}

/// A database opened from a private copy; the copy is deleted when this
/// drops (keep it alive as long as anything reads the backend).
pub struct ReadOnlyCopy {
    backend: Arc<SledBackend>,
    _dir: tempfile::TempDir,
}

impl ReadOnlyCopy {
    /// The copied database.
    pub fn backend(&self) -> &SledBackend {
        &self.backend
    }

    /// A [`Store`](super::Store) over the copy.
    pub fn store(&self) -> super::Store {
        super::Store::with_backend(self.backend.clone())
    }
}

/// Copies the regular files and directories under `from` into a new 0700
/// `to` (files 0600), following no symlinks.
fn copy_tree(from: &Path, to: &Path) -> Result<(), BackendError> {
    let io = |context: String| move |source| BackendError::Io { context, source };
    std::fs::DirBuilder::new()
        .mode(fsperm::DIR_MODE)
        .create(to)
        .map_err(io(format!("creating {}", to.display())))?;
    for entry in std::fs::read_dir(from).map_err(io(format!("listing {}", from.display())))? {
        let entry = entry.map_err(io(format!("listing {}", from.display())))?;
        let kind = entry.file_type().map_err(io(format!("reading {}", entry.path().display())))?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)
                .map_err(io(format!("copying {}", entry.path().display())))?;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(fsperm::FILE_MODE))
                .map_err(io(format!("setting mode of {}", target.display())))?;
        }
    }
    Ok(())
}

fn collect_iter<'a>(iter: sled::Iter) -> KvIter<'a> {
    Box::new(iter.map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(db_err)))
}

impl KvBackend for SledBackend {
    fn get(&self, tree: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.tree(tree)?.get(key).map_err(db_err)?.map(|v| v.to_vec()))
    }

    fn insert(&self, tree: &'static str, key: &[u8], value: &[u8]) -> Result<(), BackendError> {
        self.tree(tree)?.insert(key, value).map_err(db_err)?;
        Ok(())
    }

    fn remove(&self, tree: &'static str, key: &[u8]) -> Result<(), BackendError> {
        self.tree(tree)?.remove(key).map_err(db_err)?;
        Ok(())
    }

    fn scan_prefix<'a>(&'a self, tree: &'static str, prefix: &[u8]) -> Result<KvIter<'a>, BackendError> {
        Ok(collect_iter(self.tree(tree)?.scan_prefix(prefix)))
    }

    fn iter<'a>(&'a self, tree: &'static str) -> Result<KvIter<'a>, BackendError> {
        Ok(collect_iter(self.tree(tree)?.iter()))
    }

    fn apply(&self, batch: &WriteBatch) -> Result<BatchOutcome, BackendError> {
        let names = batch.trees();
        if names.is_empty() {
            return Ok(BatchOutcome::Applied);
        }
        let trees = names.iter().map(|n| self.tree(n)).collect::<Result<Vec<_>, _>>()?;
        let index = |name: &str| names.iter().position(|n| *n == name).unwrap_or(0);
        let result = trees[..].transaction(|views| {
            for (tree, key) in &batch.absent {
                if views[index(tree)].get(key)?.is_some() {
                    return Err(ConflictableTransactionError::Abort(()));
                }
            }
            for op in &batch.ops {
                match op {
                    WriteOp::Insert { tree, key, value } => {
                        views[index(tree)].insert(key.as_slice(), value.as_slice())?;
                    }
                    WriteOp::Remove { tree, key } => {
                        views[index(tree)].remove(key.as_slice())?;
                    }
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(BatchOutcome::Applied),
            Err(TransactionError::Abort(())) => Ok(BatchOutcome::Skipped),
            Err(TransactionError::Storage(err)) => Err(db_err(err)),
        }
    }

    fn flush(&self) -> Result<(), BackendError> {
        self.db.flush().map_err(db_err)?;
        Ok(())
    }
}
