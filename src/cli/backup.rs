//! `vigil backup FILE` and `vigil restore FILE`: the whole data dir that
//! matters — the keystore (still encrypted), the state store, the install
//! audit key and the audit anchor — in one tar file, written 0600.
//!
//! A backup is taken only while no engine runs on the data dir: the state
//! store is copied under a shared lock on sled's own lock file (which a
//! running engine holds exclusively), so the copy is never torn. A restore
//! refuses a data dir that holds anything, and checks the restored audit log
//! against its anchor before it says "restored".

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};

use super::Context;
use super::prompt::UnlockArgs;
use crate::store::audit::anchor_path;
use crate::store::{DB_DIR_NAME, SledBackend};

/// What a backup holds, relative to the data dir.
const KEYSTORE: &str = "keystore";
const STATE: &str = "state";

/// Options of `vigil backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The file to write (refused if it exists)
    pub file: PathBuf,
}

/// Options of `vigil restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file written by `vigil backup`
    pub file: PathBuf,
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// Writes the backup.
pub fn backup(args: &BackupArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let data = ctx.data_dir();
    let state = ctx.state_dir();
    if !state.join(DB_DIR_NAME).is_dir() && !vigil_keystore::Keystore::exists(&ctx.keystore_dir()) {
        bail!("nothing to back up in {}: no keystore and no state", data.display());
    }
    let staging =
        tempfile::Builder::new().prefix("vigil-backup-").tempdir().context("creating a private temp dir")?;
    // Held until the backup is written: no engine can start (and append to
    // the log and its anchor) between the copies.
    let _state_lock = if state.join(DB_DIR_NAME).is_dir() {
        let lock =
            SledBackend::lock_shared(&state).with_context(|| format!("locking {}", state.display()))?;
        SledBackend::copy_db_locked(&state, &staging.path().join(STATE).join(DB_DIR_NAME))
            .with_context(|| format!("copying the state in {}", state.display()))?;
        copy_file_if_present(
            &state.join(crate::store::audit::INSTALL_KEY_FILE),
            &staging.path().join(STATE),
        )?;
        copy_file_if_present(&anchor_path(&state), staging.path())?;
        Some(lock)
    } else {
        None
    };
    let keystore = ctx.keystore_dir();
    if keystore.is_dir() {
        copy_keystore(&keystore, &staging.path().join(KEYSTORE))?;
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&args.file)
        .with_context(|| format!("creating {} (it must not exist yet)", args.file.display()))?;
    let mut tar = tar::Builder::new(file);
    tar.follow_symlinks(false);
    tar.append_dir_all(".", staging.path()).context("writing the backup")?;
    let file = tar.into_inner().context("finishing the backup")?;
    file.sync_all().context("flushing the backup to disk")?;
    println!(
        "backed up {} to {} (keep it as safe as the data dir: the keystore inside is encrypted, the trading records are not)",
        data.display(),
        args.file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Restores a backup into an empty (or missing) data dir, then checks the audit log.
pub fn restore(args: &RestoreArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let data = ctx.data_dir();
    if fs::read_dir(data).is_ok_and(|mut entries| entries.next().is_some()) {
        bail!(
            "{} is not empty: restore only into an empty data dir (use --data-dir for a new one)",
            data.display()
        );
    }
    let file = File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    // Unpacked into a private staging dir beside the data dir, checked, and
    // only then renamed into place: a bad backup leaves nothing behind.
    let parent = data.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".vigil-restore-")
        .tempdir_in(parent)
        .with_context(|| format!("creating a staging dir in {}", parent.display()))?;
    unpack(file, staging.path(), &args.file)?;
    crate::store::tighten_tree(staging.path()).context("making the restored files private")?;
    if staging.path().join(KEYSTORE).exists() {
        vigil_keystore::Keystore::open(&staging.path().join(KEYSTORE))
            .map(drop)
            .with_context(|| format!("the keystore in {} does not open", args.file.display()))?;
    }
    if data.exists() {
        fs::remove_dir(data).with_context(|| format!("replacing the empty {}", data.display()))?;
    }
    fs::rename(staging.path(), data)
        .with_context(|| format!("moving the restored files to {}", data.display()))?;
    // The staging dir is the data dir now: it must not be deleted on drop.
    let _ = staging.keep();
    println!("restored {} into {}", args.file.display(), data.display());
    if !ctx.state_dir().join(DB_DIR_NAME).is_dir() {
        return Ok(ExitCode::SUCCESS);
    }
    let verified = super::audit::run(super::audit::Command::Verify { unlock: args.unlock.clone() }, ctx)?;
    if verified != ExitCode::SUCCESS {
        println!(
            "the restored audit log did not verify: do not trade from {} before you know why",
            data.display()
        );
    }
    Ok(verified)
}

/// Unpacks a backup into `into`: only regular files and directories under
/// the names a backup has, never outside `into`, and at least one of them.
fn unpack(file: File, into: &Path, shown: &Path) -> anyhow::Result<()> {
    let not_a_backup = |why: &str| anyhow::anyhow!("{} {why}: not a vigil backup", shown.display());
    let mut archive = tar::Archive::new(file);
    archive.set_preserve_permissions(false);
    archive.set_overwrite(false);
    let mut found = false;
    for entry in archive.entries().context("reading the backup")? {
        let mut entry = entry.context("reading the backup")?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            return Err(not_a_backup("holds something that is not a file or a directory"));
        }
        let path = entry.path().context("reading the backup")?.into_owned();
        let top = path.components().find_map(|c| match c {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        });
        match top.as_deref() {
            None if kind.is_dir() => continue,
            Some(KEYSTORE | STATE | "state.anchor") => found = true,
            _ => return Err(not_a_backup(&format!("holds {}", path.display()))),
        }
        // `unpack_in` refuses paths that climb out of `into`.
        if !entry.unpack_in(into).context("restoring a file")? {
            return Err(not_a_backup("holds a path outside the data dir"));
        }
    }
    if found { Ok(()) } else { Err(not_a_backup("holds neither a keystore nor a state")) }
}

/// The keystore's files without its lock file and any half-written
/// generation (names starting with a dot).
fn copy_keystore(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("listing {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "LOCK" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_keystore(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            copy_file_if_present(&entry.path(), to)?;
        }
    }
    Ok(())
}

/// Copies a regular file into `into` (0600), refusing a symlink in its place.
fn copy_file_if_present(from: &Path, into: &Path) -> anyhow::Result<()> {
    let Some(name) = from.file_name() else { return Ok(()) };
    let mut source = match OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(from) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("opening {} (a symlink there is refused)", from.display()));
        }
    };
    if !source.metadata()?.is_file() {
        bail!("{} is not a regular file: not backed up", from.display());
    }
    fs::DirBuilder::new().recursive(true).mode(0o700).create(into)?;
    let mut target = OpenOptions::new().write(true).create_new(true).mode(0o600).open(into.join(name))?;
    std::io::copy(&mut source, &mut target).with_context(|| format!("copying {}", from.display()))?;
    Ok(())
}
