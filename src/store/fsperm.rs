//! Owner-only permissions for the data directory and everything under the
//! state directory: directories 0700, files 0600, every one owned by the user
//! running vigil. Orders, balances and the audit log say a lot about an
//! account, the install audit key must stay private, and a directory another
//! user can write lets them move files away and plant symlinks.
//!
//! Modes are set through an open descriptor (`fchmod`) that was opened without
//! following a symlink, never by path, so a path swapped between a check and a
//! change cannot redirect the change.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::backend::BackendError;

/// Owner read/write/execute only.
pub const DIR_MODE: u32 = 0o700;
/// Owner read/write only.
pub const FILE_MODE: u32 = 0o600;

fn io_err(context: String) -> impl FnOnce(std::io::Error) -> BackendError {
    move |source| BackendError::Io { context, source }
}

/// This process's effective uid: the owner every file of the data dir must have.
pub fn effective_uid() -> u32 {
    // SAFETY: `geteuid` takes no arguments, cannot fail and touches no memory of ours.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid()
    }
}

/// Creates `dir` (and missing parents) with mode 0700, or checks an existing
/// one is ours and not open to group or others. An existing loose directory is
/// refused rather than silently tightened: someone chose that mode, they
/// should know.
pub fn ensure_private_dir(dir: &Path) -> Result<(), BackendError> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(io_err(format!("creating {}", dir.display())))?;
    }
    let meta = fs::symlink_metadata(dir).map_err(io_err(format!("reading {}", dir.display())))?;
    refuse_foreign(dir, &meta)?;
    let mode = meta.permissions().mode();
    if !meta.is_dir() || mode & 0o077 != 0 {
        return Err(BackendError::InsecureDir { path: dir.display().to_string(), mode: mode & 0o777 });
    }
    Ok(())
}

/// The data directory, as ssh treats `~/.ssh`: if it exists it must be a
/// directory owned by this user and writable by nobody else (another user who
/// can write it can move `state/` away or plant a symlink). A missing one is
/// fine here: whoever needs it creates it 0700.
pub fn check_data_dir(dir: &Path) -> Result<(), BackendError> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(format!("reading {}", dir.display()))(e)),
    };
    refuse_foreign(dir, &meta)?;
    let mode = meta.permissions().mode();
    if !meta.is_dir() || mode & 0o022 != 0 {
        return Err(BackendError::WritableDir { path: dir.display().to_string(), mode: mode & 0o777 });
    }
    Ok(())
}

fn refuse_foreign(path: &Path, meta: &fs::Metadata) -> Result<(), BackendError> {
    let me = effective_uid();
    if meta.uid() == me {
        Ok(())
    } else {
        Err(BackendError::ForeignOwner { path: path.display().to_string(), owner: meta.uid(), me })
    }
}

/// Opens `path` for a mode change without following a symlink.
fn open_nofollow(path: &Path, dir: bool) -> std::io::Result<File> {
    let flags = libc::O_NOFOLLOW | if dir { libc::O_DIRECTORY } else { 0 };
    OpenOptions::new().read(true).custom_flags(flags).open(path)
}

/// Sets every file below `dir` to 0600 and every sub-directory to 0700.
/// sled creates its files with the process umask, so this runs after open.
pub fn tighten_tree(dir: &Path) -> Result<(), BackendError> {
    let entries = fs::read_dir(dir).map_err(io_err(format!("listing {}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(io_err(format!("listing {}", dir.display())))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io_err(format!("reading {}", path.display())))?;
        // Only our own files and directories: a symlink, FIFO or device
        // planted here is neither followed nor opened (a FIFO would hang).
        if !kind.is_file() && !kind.is_dir() {
            continue;
        }
        let mode = if kind.is_dir() { DIR_MODE } else { FILE_MODE };
        open_nofollow(&path, kind.is_dir())
            .and_then(|f| f.set_permissions(fs::Permissions::from_mode(mode)))
            .map_err(io_err(format!("setting mode of {}", path.display())))?;
        if kind.is_dir() {
            tighten_tree(&path)?;
        }
    }
    Ok(())
}
