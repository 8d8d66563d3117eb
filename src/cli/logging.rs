//! Logs go to a file, never over the screen: a TUI session owns the terminal,
//! and a stray line would corrupt it. Filters come from `VIGIL_LOG`, else
//! `RUST_LOG` (default `info`). Whatever they say, the transport crates are
//! held at `debug`: at `trace` they print frames and headers, which carry the
//! API key (the secret never leaves the signer).
//!
//! `<dir>/vigil.log` is rotated by size (the `file-rotate` crate): past
//! [`MAX_LOG_BYTES`] it becomes `vigil.log.1` (the older ones move up) and at
//! most [`KEPT_LOGS`] old files are kept, so an engine running for months
//! cannot fill the disk. Every file is created 0600 and never through a
//! symlink. Lines are text or, for machines (`vigil run --log-format json`),
//! one JSON object each.

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use anyhow::Context as _;

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// A log file is rotated once it has grown past this (a line is never cut).
pub const MAX_LOG_BYTES: usize = 16 << 20;
/// Rotated files kept beside `vigil.log` (`vigil.log.1` newest … `.5` oldest).
pub const KEPT_LOGS: usize = 5;

/// How each log line is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines
    #[default]
    Text,
    /// One JSON object per line (for journald, Loki, jq)
    Json,
}

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

/// Sends tracing output to `<dir>/vigil.log`, as text, until the guard is dropped.
pub fn to_file(dir: &Path) -> anyhow::Result<WorkerGuard> {
    to_file_as(dir, LogFormat::Text)
}

/// Sends tracing output to `<dir>/vigil.log` in `format` until the guard is
/// dropped. The log names symbols, orders and endpoints (never a secret),
/// which is still nobody else's business: the directory is created 0700 and
/// the files 0600, whatever the umask.
pub fn to_file_as(dir: &Path, format: LogFormat) -> anyhow::Result<WorkerGuard> {
    let writer = rotating(dir, MAX_LOG_BYTES, KEPT_LOGS)?;
    let (writer, guard) = tracing_appender::non_blocking(writer);
    let mut filter = EnvFilter::try_from_env("VIGIL_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // A directive sets a level, it cannot cap one: added only when the filter
    // reaches trace, or `RUST_LOG=warn` would still print the transports' debug lines.
    if filter.max_level_hint().is_none_or(|max| max >= tracing_subscriber::filter::LevelFilter::TRACE) {
        for cap in TRANSPORT_CAP {
            if let Ok(directive) = cap.parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(writer);
    // A second initialisation (tests calling twice) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    Ok(guard)
}

/// `<dir>/vigil.log`, rotated past `max_bytes` with `kept` old files, every
/// file 0600 and opened without following a symlink.
fn rotating(dir: &Path, max_bytes: usize, kept: usize) -> anyhow::Result<FileRotate<AppendCount>> {
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
    // A log left by an older build may predate the 0600 rule; so may rotated ones.
    file.set_permissions(Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {} to its owner", path.display()))?;
    drop(file);
    for n in 1..=kept {
        let old = dir.join(format!("vigil.log.{n}"));
        if let Ok(old) = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&old) {
            old.set_permissions(Permissions::from_mode(0o600))
                .with_context(|| format!("restricting {} to its owner", dir.display()))?;
        }
    }
    // The same rules for every file the rotation creates.
    let mut options = OpenOptions::new();
    options.read(true).create(true).append(true).mode(0o600).custom_flags(libc::O_NOFOLLOW);
    Ok(FileRotate::new(
        &path,
        AppendCount::new(kept),
        ContentLimit::BytesSurpassed(max_bytes),
        Compression::None,
        Some(options),
    ))
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
    fn the_log_rotates_by_size_keeps_a_bounded_count_and_every_file_is_private() {
        use std::io::Write as _;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("logs");
        let mut log = rotating(&dir, 1000, 3).unwrap();
        // 100 lines of 100 bytes: ten files' worth, of which the newest four are kept.
        for i in 0..100 {
            let line = format!("{i:04} {}\n", "x".repeat(94));
            log.write_all(line.as_bytes()).unwrap();
        }
        log.flush().unwrap();
        let mut names: Vec<_> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["vigil.log", "vigil.log.1", "vigil.log.2", "vigil.log.3"]);
        for name in &names {
            let path = dir.join(name);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
            let text = std::fs::read_to_string(&path).unwrap();
            // Rotated past the size, never inside a line.
            assert!(text.len() <= 1000 + 100, "{name}: {} bytes", text.len());
            assert!(text.lines().all(|l| l.len() == 99), "{name}: a line was cut");
        }
        // The newest lines are in vigil.log, the oldest kept ones in the highest number.
        let current = std::fs::read_to_string(dir.join("vigil.log")).unwrap();
        assert!(current.lines().last().unwrap().starts_with("0099"), "{current}");
        let oldest = std::fs::read_to_string(dir.join("vigil.log.3")).unwrap();
        assert!(oldest.lines().next().unwrap() > "0050", "old lines were not dropped: {oldest}");
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
