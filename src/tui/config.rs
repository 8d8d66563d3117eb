//! The `[tui]` section of the config file and the options the CLI passes to [`run`](super::run).

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::keymap::KeyOverrides;

/// `[tui]` in `config.toml`. Unknown fields are errors so a typo never goes unnoticed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TuiConfig {
    /// Theme name: an embedded theme (`dark`, `light`, `high-contrast`, `ansi16`) or a file
    /// `<config-dir>/themes/NAME.toml`.
    pub theme: String,
    /// Key binding overrides per mode; see `src/tui/keymap-default.toml` for the format.
    pub keys: KeyOverrides,
}

impl Default for TuiConfig {
    fn default() -> Self {
        Self { theme: "dark".into(), keys: KeyOverrides::default() }
    }
}

/// Default budget offered by the autonomous-mode modal. Deliberately small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutonomyDefaults {
    pub max_orders: u32,
    pub max_notional: Decimal,
}

impl Default for AutonomyDefaults {
    fn default() -> Self {
        Self { max_orders: 10, max_notional: Decimal::from(1000) }
    }
}

/// Everything [`run`](super::run) needs besides the engine handle.
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    pub theme: String,
    /// Where user themes live (`<config-dir>/themes`); `None` means embedded themes only.
    pub themes_dir: Option<PathBuf>,
    pub keymap_overrides: KeyOverrides,
    pub autonomy: AutonomyDefaults,
    /// Strip all colours (the `NO_COLOR` convention); modifiers still mark things.
    pub no_color: bool,
    /// A keystore is unlocked, so arming autonomous mode asks for a TOTP code.
    pub keystore_unlocked: bool,
    /// The engine runs in another process (`vigil attach`): quitting detaches
    /// and leaves it running, so it asks nothing.
    pub attached: bool,
    /// Ring the terminal bell on alert events (`[alerts] bell`).
    pub bell: bool,
    /// How long the feed must be down before that is an event (`[alerts] feed_down_after_secs`).
    pub feed_down_after: std::time::Duration,
}

impl TuiOptions {
    /// Options from the `[tui]` config section, the config directory, and the environment
    /// (`NO_COLOR`).
    pub fn from_config(config: &TuiConfig, config_dir: Option<&Path>, keystore_unlocked: bool) -> Self {
        Self {
            theme: config.theme.clone(),
            themes_dir: config_dir.map(|d| d.join("themes")),
            keymap_overrides: config.keys.clone(),
            autonomy: AutonomyDefaults::default(),
            no_color: no_color_requested(std::env::var_os("NO_COLOR").as_deref()),
            keystore_unlocked,
            attached: false,
            bell: false,
            feed_down_after: std::time::Duration::ZERO,
        }
    }
}

/// The `NO_COLOR` rule (no-color.org): set and non-empty disables colour.
pub fn no_color_requested(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}
