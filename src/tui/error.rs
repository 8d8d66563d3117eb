//! The TUI's error type. Library code returns this; the CLI edge wraps it in `anyhow`.

use std::path::PathBuf;

/// Everything that can stop the workstation from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// A theme name that is neither embedded nor present in the user theme directory.
    #[error("unknown theme {name:?}: available themes are {available}")]
    UnknownTheme { name: String, available: String },
    /// A theme file that does not parse or names something invalid.
    #[error("theme {name:?}: {detail}")]
    BadTheme { name: String, detail: String },
    /// A user theme file exists but cannot be read.
    #[error("cannot read theme file {path}: {source}")]
    ThemeIo { path: PathBuf, source: std::io::Error },
    /// A key binding that does not parse or does not fit its mode.
    #[error("key bindings: {0}")]
    BadKeymap(String),
    /// The terminal could not be set up, drawn to, or read from.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    /// The unlock callback panicked or was cancelled.
    #[error("unlock attempt did not finish: {0}")]
    UnlockAttempt(String),
    /// Installing a signal handler failed.
    #[error("signal handler: {0}")]
    Signal(std::io::Error),
}
