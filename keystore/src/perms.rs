//! Unix permissions of the keystore directory, like ssh does for private keys: the
//! directory is 0700, everything inside 0600 (subdirectories 0700), and a keystore that
//! other users can read or write, or that another user owns, is refused rather than
//! silently used.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;

use crate::error::Error;

/// Any group or other permission bit.
const SHARED_BITS: u32 = 0o077;
/// Generations nest two levels (`gen-N/blobs/`); a deeper tree is not ours, stop there.
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
                // Missing parents (the data dir itself, usually) are private too,
                // whatever the umask: 0700 is all the umask can narrow.
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(|e| Error::io(parent, e))?;
            }
            fs::DirBuilder::new().mode(0o700).create(dir).map_err(|e| Error::io(dir, e))?;
        }
        Err(e) => return Err(Error::io(dir, e)),
    }
    // The DirBuilder mode is filtered by the umask; set it exactly.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| Error::io(dir, e))
}

/// Refuses `dir` if it, or anything below it, grants any permission to group or others,
/// or is owned by another user. Symlinks inside count as shared (their mode is 0777): the
/// keystore never creates them.
pub(crate) fn check(dir: &Path) -> Result<(), Error> {
    let meta = fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    let me = effective_uid();
    refuse_foreign(dir, dir, &meta, me)?;
    refuse_shared(dir, dir, meta.permissions().mode())?;
    walk(dir, 0, &mut |path, meta| {
        refuse_foreign(dir, path, meta, me)?;
        refuse_shared(dir, path, meta.permissions().mode())
    })
}

/// This process's effective uid: the owner every keystore file must have.
pub(crate) fn effective_uid() -> u32 {
    // SAFETY: `geteuid` takes no arguments, cannot fail and touches no memory of ours.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid()
    }
}

fn refuse_foreign(dir: &Path, path: &Path, meta: &fs::Metadata, me: u32) -> Result<(), Error> {
    if meta.uid() == me {
        return Ok(());
    }
    Err(Error::ForeignOwner { path: path.to_owned(), owner: meta.uid(), me, dir: dir.to_owned() })
}

fn refuse_shared(dir: &Path, path: &Path, mode: u32) -> Result<(), Error> {
    if mode & SHARED_BITS == 0 {
        return Ok(());
    }
    Err(Error::InsecurePermissions { path: path.to_owned(), mode: mode & 0o777, dir: dir.to_owned() })
}

/// Calls `visit` on every entry below `dir` (not following symlinks), depth first. A
/// generation an interrupted write left half-made (`.gen-N.tmp/`, deleted by the next
/// write) is visited but not entered: its own 0700 mode is what keeps others out, and
/// sled's files inside may not have been sealed to 0600 yet.
fn walk(
    dir: &Path,
    depth: usize,
    visit: &mut dyn FnMut(&Path, &fs::Metadata) -> Result<(), Error>,
) -> Result<(), Error> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let meta = fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
        visit(&path, &meta)?;
        let unfinished = depth == 0
            && path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(crate::storage::TEMP_PREFIX));
        if meta.is_dir() && depth < MAX_DEPTH && !unfinished {
            walk(&path, depth + 1, visit)?;
        }
    }
    Ok(())
}
