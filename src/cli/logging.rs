//! Logs go to a file, never over the screen: a TUI session owns the terminal,
//! and a stray line would corrupt it. `RUST_LOG` style filters come from the
//! `VIGIL_LOG` variable (default `info`).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Sends tracing output to `<dir>/vigil.log` until the guard is dropped.
pub fn to_file(dir: &Path) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(dir)?;
    let appender = tracing_appender::rolling::never(dir, "vigil.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("VIGIL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // A second initialisation (tests calling twice) keeps the first subscriber.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(writer).try_init();
    Ok(guard)
}
