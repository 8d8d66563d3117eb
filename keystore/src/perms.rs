//! Unix permissions of the keystore directory, like ssh does for private keys: the
//! directory is 0700, everything inside 0600 (subdirectories 0700), and a keystore that
//! other users can read or write is refused rather than silently used.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use crate::error::Error;

/// Any group or other permission bit.
const SHARED_BITS: u32 = 0o077;
/// sled nests at most one level (`blobs/`); a deeper tree is not ours, stop walking there.
const MAX_DEPTH: usize = 4;

/// Creates `dir` (and missing parents) with mode 0700, or adopts an existing *empty*
/// directory after forcing it to 0700. Anything non-empty is refused: init never overwrites.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), Error> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::AlreadyExists { dir: dir.to_owned() });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            fs::DirBuilder::new().mode(0o700).create(dir).map_err(|e| Error::io(dir, e))?;
        }
        Err(e) => return Err(Error::io(dir, e)),
    }
    // The DirBuilder mode is filtered by the umask; set it exactly.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| Error::io(dir, e))
}

/// Refuses `dir` if it, or anything below it, grants any permission to group or others.
/// Symlinks inside count as shared (their mode is 0777): sled never creates them.
pub(crate) fn check(dir: &Path) -> Result<(), Error> {
    let meta = fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    refuse_shared(dir, dir, meta.permissions().mode())?;
    walk(dir, 0, &mut |path, meta| refuse_shared(dir, path, meta.permissions().mode()))
}

/// Forces files to 0600 and directories to 0700 under (and including) `dir`.
pub(crate) fn tighten(dir: &Path) -> Result<(), Error> {
    set_mode(dir, 0o700)?;
    walk(dir, 0, &mut |path, meta| {
        let want = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.file_type().is_symlink() || meta.permissions().mode() & 0o777 == want {
            return Ok(());
        }
        set_mode(path, want)
    })
}

fn set_mode(path: &Path, mode: u32) -> Result<(), Error> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| Error::io(path, e))
}

fn refuse_shared(dir: &Path, path: &Path, mode: u32) -> Result<(), Error> {
    if mode & SHARED_BITS == 0 {
        return Ok(());
    }
    Err(Error::InsecurePermissions { path: path.to_owned(), mode: mode & 0o777, dir: dir.to_owned() })
}

/// Calls `visit` on every entry below `dir` (not following symlinks), depth first.
fn walk(
    dir: &Path,
    depth: usize,
    visit: &mut dyn FnMut(&Path, &fs::Metadata) -> Result<(), Error>,
) -> Result<(), Error> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let meta = fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
        visit(&path, &meta)?;
        if meta.is_dir() && depth < MAX_DEPTH {
            walk(&path, depth + 1, visit)?;
        }
    }
    Ok(())
}
