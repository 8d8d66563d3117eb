//! Logs go to a file, never over the screen: a TUI session owns the terminal,
//! and a stray line would corrupt it. Filters come from `VIGIL_LOG`, else
//! `RUST_LOG` (default `info`). Whatever they say, the transport crates are
//! held at `debug`: at `trace` they print frames and headers, which carry the
//! API key (the secret never leaves the signer).

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use anyhow::Context as _;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Crates whose trace output would show frames or headers.
const TRANSPORT_CAP: [&str; 7] = [
    "tungstenite=debug",
    "tokio_tungstenite=debug",
    "hyper=debug",
    "hyper_util=debug",
    "reqwest=debug",
    "h2=debug",
    "rustls=debug",
];

/// Sends tracing output to `<dir>/vigil.log` until the guard is dropped.
/// The log names symbols, orders and endpoints (never a secret), which is
/// still nobody else's business: the directory is created 0700 and the file
/// 0600, whatever the umask.
pub fn to_file(dir: &Path) -> anyhow::Result<WorkerGuard> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating the log directory {}", dir.display()))?;
    // An existing directory (made by hand, or by an older build) is tightened
    // too, through a descriptor opened without following a symlink.
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
        .open(dir)
        .and_then(|d| d.set_permissions(Permissions::from_mode(0o700)))
        .with_context(|| {
            format!("restricting {} to its owner (is it a directory of yours?)", dir.display())
        })?;
    let path = dir.join("vigil.log");
    // Never through a symlink: a planted `vigil.log -> somewhere` is refused, not followed.
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .with_context(|| format!("opening {} (a symlink there is refused: remove it)", path.display()))?;
    // A log left by an older build may predate the 0600 rule.
    file.set_permissions(Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {} to its owner", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let mut filter = EnvFilter::try_from_env("VIGIL_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    for cap in TRANSPORT_CAP {
        if let Ok(directive) = cap.parse() {
            filter = filter.add_directive(directive);
        }
    }
    // A second initialisation (tests calling twice) keeps the first subscriber.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(writer).try_init();
    Ok(guard)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn the_log_is_private_whatever_the_umask() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        // An old world-readable log and its directory are tightened, not trusted.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join("vigil.log"), "old\n").unwrap();
        std::fs::set_permissions(dir.join("vigil.log"), Permissions::from_mode(0o644)).unwrap();
        let fresh = root.path().join("c/d");
        for d in [&dir, &fresh] {
            let guard = to_file(d).unwrap();
            drop(guard);
            let mode = std::fs::metadata(d.join("vigil.log")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", d.display());
        }
        for d in [&dir, &fresh] {
            let mode = std::fs::metadata(d).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", d.display());
        }
    }

    #[test]
    fn a_planted_symlink_is_refused_and_its_target_untouched() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("logs");
        std::fs::create_dir(&dir).unwrap();
        let target = root.path().join("precious");
        std::fs::write(&target, "keep\n").unwrap();
        std::fs::set_permissions(&target, Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&target, dir.join("vigil.log")).unwrap();
        let err = to_file(&dir).unwrap_err();
        assert!(format!("{err:#}").contains("a symlink there is refused"), "{err:#}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "the target's mode was changed");
    }
}
