use std::path::{Path, PathBuf};

/// Global options every subcommand sees, with defaults resolved once.
#[derive(Debug, Clone)]
pub struct Context {
    data_dir: PathBuf,
    config_path: PathBuf,
    config_explicit: bool,
}

impl Context {
    /// Resolves `--data-dir` and `--config` against the XDG defaults.
    pub fn new(data_dir: Option<PathBuf>, config: Option<PathBuf>) -> Self {
        let data_dir = data_dir.unwrap_or_else(|| {
            dirs::data_dir().unwrap_or_else(|| PathBuf::from(".local/share")).join("vigil")
        });
        let config_explicit = config.is_some();
        let config_path = config.unwrap_or_else(|| {
            dirs::config_dir().unwrap_or_else(|| PathBuf::from(".config")).join("vigil").join("config.toml")
        });
        Self { data_dir, config_path, config_explicit }
    }

    /// The same options with the data directory moved to `<data-dir>/<name>`
    /// (the demo keeps its state apart from any real account).
    pub fn sub_context(&self, name: &str) -> Self {
        Self { data_dir: self.data_dir.join(name), ..self.clone() }
    }

    /// The data directory (keystore, state, audit log).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where the keystore lives: `<data-dir>/keystore`.
    pub fn keystore_dir(&self) -> PathBuf {
        self.data_dir.join("keystore")
    }

    /// Where orders, fills, positions and the audit log live: `<data-dir>/state`.
    pub fn state_dir(&self) -> PathBuf {
        self.data_dir.join("state")
    }

    /// The configuration file path.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// True when `--config` was given: then a missing file is an error, not "use defaults".
    pub fn config_explicit(&self) -> bool {
        self.config_explicit
    }
}
