//! Owner-only permissions for everything under the state directory: the
//! directory 0700, files 0600. Orders, balances and the audit log say a lot
//! about an account, and the install audit key must stay private.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use super::backend::BackendError;

/// Owner read/write/execute only.
pub const DIR_MODE: u32 = 0o700;
/// Owner read/write only.
pub const FILE_MODE: u32 = 0o600;

fn io_err(context: String) -> impl FnOnce(std::io::Error) -> BackendError {
    move |source| BackendError::Io { context, source }
}

/// Creates `dir` (and missing parents) with mode 0700, or checks an existing
/// one is not open to group or others. An existing loose directory is refused
/// rather than silently tightened: someone chose that mode, they should know.
pub fn ensure_private_dir(dir: &Path) -> Result<(), BackendError> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(io_err(format!("creating {}", dir.display())))?;
    }
    let mode = fs::metadata(dir).map_err(io_err(format!("reading {}", dir.display())))?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(BackendError::InsecureDir { path: dir.display().to_string(), mode: mode & 0o777 });
    }
    Ok(())
}

/// Sets every file below `dir` to 0600 and every sub-directory to 0700.
/// sled creates its files with the process umask, so this runs after open.
pub fn tighten_tree(dir: &Path) -> Result<(), BackendError> {
    let entries = fs::read_dir(dir).map_err(io_err(format!("listing {}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(io_err(format!("listing {}", dir.display())))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io_err(format!("reading {}", path.display())))?;
        if kind.is_symlink() {
            continue;
        }
        let mode = if kind.is_dir() { DIR_MODE } else { FILE_MODE };
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .map_err(io_err(format!("setting mode of {}", path.display())))?;
        if kind.is_dir() {
            tighten_tree(&path)?;
        }
    }
    Ok(())
}
