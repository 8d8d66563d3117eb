//! Filesystem steps of the generation store, each done the careful way: `O_NOFOLLOW` on
//! every open inside the keystore directory, modes set with `fchmod` on the open descriptor
//! (never by path, so a swapped-in symlink cannot redirect a chmod), and `fsync` on files
//! and on the directories whose entries changed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

/// sled nests one level (`blobs/`); anything deeper is not a sled database.
const MAX_DEPTH: usize = 2;

/// How long a just-dropped sled database may keep its file lock. sled lets go when its
/// background threads drop their last reference, a few milliseconds after the handle.
const RELEASE_WAIT: Duration = Duration::from_secs(5);

fn open_nofollow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(path)
}

/// Opens a directory for `fsync`/`fchmod` without following a symlink.
pub(crate) fn open_dir(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(path)
}

/// The whole content of `path`, refusing a symlink.
pub(crate) fn read_nofollow(path: &Path) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    open_nofollow(path, OpenOptions::new().read(true))?.read_to_end(&mut out)?;
    Ok(out)
}

/// Opens an existing file to `flock` it (never through a symlink).
pub(crate) fn open_lock_file(path: &Path) -> io::Result<File> {
    open_nofollow(path, OpenOptions::new().read(true))
}

/// Writes `bytes` to a new 0600 file at `path` (which must not exist) and fsyncs it.
pub(crate) fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = open_nofollow(path, OpenOptions::new().write(true).create_new(true).mode(0o600))?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Creates `path` as a new directory, 0700 whatever the umask.
pub(crate) fn create_private_dir(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(path)?;
    open_dir(path)?.set_permissions(fs::Permissions::from_mode(0o700))
}

/// `fsync` of a directory, making renames and unlinks inside it durable.
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    open_dir(path)?.sync_all()
}

/// Forces every file under `dir` to 0600 and every directory to 0700 (through the open
/// descriptor) and fsyncs them all, deepest first, ending with `dir` itself.
pub(crate) fn seal_tree(dir: &Path) -> io::Result<()> {
    seal_below(dir, 0)?;
    let d = open_dir(dir)?;
    d.set_permissions(fs::Permissions::from_mode(0o700))?;
    d.sync_all()
}

fn seal_below(dir: &Path, depth: usize) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let kind = fs::symlink_metadata(&path)?.file_type();
        if kind.is_dir() && depth < MAX_DEPTH {
            seal_below(&path, depth + 1)?;
            let d = open_dir(&path)?;
            d.set_permissions(fs::Permissions::from_mode(0o700))?;
            d.sync_all()?;
        } else if kind.is_file() {
            let f = open_nofollow(&path, OpenOptions::new().read(true))?;
            f.set_permissions(fs::Permissions::from_mode(0o600))?;
            f.sync_all()?;
        } else {
            return Err(unexpected(&path));
        }
    }
    Ok(())
}

/// Copies the regular files and directories under `src` for which `wanted(name)` holds (at
/// the top level; everything below a wanted directory is copied) into the existing `dst`.
/// A symlink or special file is an error: a sled database never contains one.
pub(crate) fn copy_tree(src: &Path, dst: &Path, wanted: &dyn Fn(&str) -> bool) -> io::Result<()> {
    copy_level(src, dst, wanted, 0)
}

fn copy_level(src: &Path, dst: &Path, wanted: &dyn Fn(&str) -> bool, depth: usize) -> io::Result<()> {
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let name = entry.file_name();
        if depth == 0 && !name.to_str().is_some_and(wanted) {
            continue;
        }
        let (from, to) = (entry.path(), dst.join(&name));
        let kind = fs::symlink_metadata(&from)?.file_type();
        if kind.is_dir() && depth < MAX_DEPTH {
            create_private_dir(&to)?;
            copy_level(&from, &to, wanted, depth + 1)?;
        } else if kind.is_file() {
            let mut out = open_nofollow(&to, OpenOptions::new().write(true).create_new(true).mode(0o600))?;
            io::copy(&mut open_nofollow(&from, OpenOptions::new().read(true))?, &mut out)?;
        } else {
            return Err(unexpected(&from));
        }
    }
    Ok(())
}

fn unexpected(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{} is not a regular file or directory", path.display()),
    )
}

/// Waits until no sled instance holds the lock on the database in `dir` any more, so its
/// files are complete and nothing writes them after this returns.
pub(crate) fn wait_until_released(dir: &Path) -> io::Result<()> {
    let db = open_nofollow(&dir.join("db"), OpenOptions::new().read(true))?;
    let deadline = Instant::now() + RELEASE_WAIT;
    loop {
        match db.try_lock() {
            Ok(()) => return db.unlock(),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "sled did not release its database"));
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}
