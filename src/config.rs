//! The configuration file (`~/.config/vigil/config.toml` or `--config`).
//!
//! Every section has conservative defaults, so no file at all is a valid
//! configuration. Unknown keys are errors: a typo in a risk limit must not
//! silently leave the default in force.

pub mod ranges;

use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::Symbol;
use crate::engine::OnShutdown;
use crate::exec::FeeSchedule;
use crate::risk::Limits;
use crate::strategy::StrategiesConfig;

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Pre-trade limits (`[risk]`).
    pub risk: Limits,
    /// The paper venue (`[paper]`).
    pub paper: PaperConfig,
    /// Market data (`[feed]`).
    pub feed: FeedSection,
    /// Built-in strategies and their proposals (`[strategies]`,
    /// `[strategies.sma-cross]`, `[strategies.grid]`).
    pub strategies: StrategiesConfig,
    /// The engine's own behaviour (`[engine]`).
    pub engine: EngineSection,
    /// Keeping the audit log's heads off this machine (`[audit]`).
    pub audit: AuditSection,
    /// Autonomous-mode budget offered by default (`[autonomy]`).
    pub autonomy: AutonomyConfig,
    /// The workstation: theme and key bindings (`[tui]`).
    pub tui: crate::tui::TuiConfig,
    /// Where alerts go: a command, a webhook, the TUI's bell (`[alerts]`).
    pub alerts: crate::alerts::AlertsConfig,
    /// How vigil reaches the exchange (`[network]`).
    pub network: NetworkSection,
}

/// `[network]`: the one proxy vigil may use. The environment's
/// `HTTPS_PROXY`/`ALL_PROXY` are never read (see SECURITY.md, "Proxies").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSection {
    /// `http://HOST:PORT` of an HTTP proxy that tunnels (`CONNECT`) the
    /// `https://` and `wss://` connections to the exchange; TLS stays end to
    /// end. Loopback and plaintext URLs always go direct. Unset: no proxy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_proxy: Option<crate::market::proxy::HttpsProxy>,
}

/// `[paper]`: the simulated account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaperConfig {
    /// The asset equity and PnL are measured in.
    pub quote_asset: String,
    /// What a fresh paper account holds, e.g. `{ USDT = "10000" }` (each 0 ..= 10^12).
    #[serde(deserialize_with = "initial_balances")]
    pub initial_balances: std::collections::BTreeMap<String, Decimal>,
    /// Maker and taker fee rates (fractions: "0.001" = 0.1 %).
    pub fees: FeeSchedule,
}

impl Default for PaperConfig {
    fn default() -> Self {
        Self {
            quote_asset: "USDT".to_owned(),
            initial_balances: [("USDT".to_owned(), Decimal::new(10_000, 0))].into(),
            fees: FeeSchedule::default(),
        }
    }
}

/// `[feed]`: which symbols to follow and when data counts as stale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedSection {
    /// Symbols streamed by default (`--symbols` overrides); at most
    /// [`crate::engine::MAX_WATCHED`], the watchlist's own cap.
    #[serde(deserialize_with = "feed_symbols")]
    pub symbols: Vec<Symbol>,
    /// Book levels kept per side for the screen and the paper broker (1 ..= 1000).
    #[serde(deserialize_with = "feed_depth")]
    pub depth: usize,
}

impl Default for FeedSection {
    fn default() -> Self {
        let symbols = ["BTCUSDT", "ETHUSDT"].iter().filter_map(|s| Symbol::new(s).ok()).collect();
        Self { symbols, depth: 20 }
    }
}

/// `[engine]`: what the engine does on its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSection {
    /// What a clean stop does with open orders: `"leave"` (the default: they
    /// stay open and are restored at the next start) or `"cancel"`.
    pub on_shutdown: OnShutdown,
}

/// `[audit]`: a witness for the audit log's head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSection {
    /// Program and arguments run (no shell) with the signed head of the audit
    /// log as one JSON object on stdin, every `witness_every` entries and when
    /// the engine stops; e.g. `["ssh", "backup-host", "cat >> vigil-heads"]`.
    /// Empty: no witness.
    pub witness_command: Vec<String>,
    /// How many entries between two witness runs (1 ..= 1000000).
    #[serde(deserialize_with = "witness_every")]
    pub witness_every: u64,
}

impl Default for AuditSection {
    fn default() -> Self {
        Self { witness_command: Vec::new(), witness_every: 100 }
    }
}

fn witness_every<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    ranges::WITNESS_EVERY.read(d, "witness_every")
}

/// `[autonomy]`: the budget proposed when arming autonomous mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutonomyConfig {
    /// Orders the engine may send on its own before falling back to confirm (1 ..= 10000).
    #[serde(deserialize_with = "autonomy_orders")]
    pub max_orders: u32,
    /// Total notional (quote asset) it may send on its own (0.00000001 ..= 10^12).
    #[serde(deserialize_with = "autonomy_notional")]
    pub max_notional: Decimal,
}

impl Default for AutonomyConfig {
    fn default() -> Self {
        Self { max_orders: 20, max_notional: Decimal::new(2_000, 0) }
    }
}

crate::ranged!(feed_depth, usize, "depth", ranges::FEED_DEPTH);

/// The configured symbols, no more than a watchlist holds: checked as read,
/// so the error points at the list, not at a session that cannot start.
fn feed_symbols<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Symbol>, D::Error> {
    let symbols = Vec::<Symbol>::deserialize(d)?;
    let max = crate::engine::MAX_WATCHED;
    if symbols.len() > max {
        return Err(serde::de::Error::custom(format!(
            "symbols lists {} symbols: allowed at most {max} (the watchlist's limit)",
            symbols.len()
        )));
    }
    Ok(symbols)
}
crate::ranged!(autonomy_orders, u32, "max_orders", ranges::AUTONOMY_ORDERS);
crate::ranged!(autonomy_notional, Decimal, "max_notional", ranges::MONEY);

/// One paper balance, checked as it is read (so an error points at its own
/// line): a balance near `Decimal::MAX` made the engine's sums overflow.
struct InitialBalance(Decimal);

impl<'de> Deserialize<'de> for InitialBalance {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ranges::BALANCE.read(d, "initial balance").map(Self)
    }
}

/// Every paper balance within [`ranges::BALANCE`].
fn initial_balances<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, Decimal>, D::Error> {
    let balances = std::collections::BTreeMap::<String, InitialBalance>::deserialize(d)?;
    Ok(balances.into_iter().map(|(asset, InitialBalance(amount))| (asset, amount)).collect())
}

/// Reads a number and checks it lies in `low ..= high`; the error names the
/// key, so the parser reports it at the value's line and column.
pub(crate) fn in_range<'de, D, T>(d: D, name: &str, low: T, high: T) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + PartialOrd + std::fmt::Display,
{
    let value = T::deserialize(d)?;
    if low <= value && value <= high {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!("{name} = {value} is out of range: allowed {low} ..= {high}")))
    }
}

enum ReadError {
    Io(std::io::Error),
    Unsafe(String),
}

/// Reads the config file (never through a symlink it does not own) and
/// refuses one that someone else owns or can write: it sets the risk limits
/// and `[audit] witness_command` and `[alerts] command`, which vigil runs.
fn read_private(path: &Path) -> Result<String, ReadError> {
    use std::io::Read as _;
    use std::os::unix::fs::MetadataExt as _;
    let mut file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    let me = crate::store::effective_uid();
    if meta.uid() != me {
        return Err(ReadError::Unsafe(format!(
            "is owned by uid {}, not by you (uid {me}): use a config file of your own",
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(ReadError::Unsafe(format!(
            "is writable by group or others (mode {:o}), and it sets the risk limits: run `chmod 600 {}`",
            meta.mode() & 0o777,
            path.display()
        )));
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(ReadError::Io)?;
    Ok(text)
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not valid: {message}")]
    Parse { path: String, message: String },
    /// The file can weaken the gate and names a command the engine runs: only
    /// its owner may be able to change it.
    #[error("{path} {why}")]
    Unsafe { path: String, why: String },
    #[error("{path}: invalid [risk] limit")]
    Limits { path: String, source: crate::risk::LimitsError },
}

/// Where and what: `line L, column C: message`. Not toml's own rendering,
/// which quotes the offending line: that line may hold a secret (a proxy
/// password, a webhook token) and errors reach logs and the journal.
fn describe(err: &toml::de::Error, text: &str) -> String {
    let Some(span) = err.span() else {
        return err.message().to_owned();
    };
    let before = text.get(..span.start).unwrap_or_default();
    let line = before.matches('\n').count().saturating_add(1);
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count().saturating_add(1);
    format!("line {line}, column {column}: {}", without_quoted_strings(err.message().trim_end()))
}

/// serde names a mistyped value by quoting it (`invalid type: string "…",
/// expected a sequence`): the quote goes, the type stays.
fn without_quoted_strings(message: &str) -> String {
    const QUOTED: &str = "string \"";
    let Some(start) = message.find(QUOTED) else { return message.to_owned() };
    let rest = &message[start.saturating_add(QUOTED.len())..];
    match rest.rfind("\", expected") {
        Some(end) => format!("{}string{}", &message[..start], &rest[end.saturating_add(1)..]),
        None => format!("{}string", &message[..start]),
    }
}

impl Config {
    /// Loads `path`. A missing file means defaults unless `required` (the
    /// user named it with `--config`, so its absence is a mistake).
    pub fn load(path: &Path, required: bool) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let text = match read_private(path) {
            Ok(text) => text,
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Self::default());
            }
            Err(ReadError::Io(source)) => return Err(ConfigError::Read { path: shown, source }),
            Err(ReadError::Unsafe(why)) => return Err(ConfigError::Unsafe { path: shown, why }),
        };
        Self::parse(&text, &shown)
    }

    /// Parses configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { path: origin.to_owned(), message: describe(&e, text) })?;
        config.risk.validate().map_err(|source| ConfigError::Limits { path: origin.to_owned(), source })?;
        config
            .alerts
            .validate()
            .map_err(|message| ConfigError::Parse { path: origin.to_owned(), message })?;
        Ok(config)
    }

    /// The effective configuration as TOML (for `vigil config show`).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn defaults_round_trip_through_toml() {
        let text = Config::default().to_toml().unwrap();
        assert_eq!(Config::parse(&text, "defaults").unwrap(), Config::default());
    }

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../config.example.toml");
        let config = Config::parse(text, "config.example.toml").unwrap();
        assert_eq!(config.risk.max_open_orders, Limits::default().max_open_orders);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = Config::parse("[risk]\nmax_oder_notional = \"5\"\n", "x.toml").unwrap_err().to_string();
        assert!(err.contains("max_oder_notional"), "{err}");
    }

    #[test]
    fn invalid_limits_are_errors() {
        let err = Config::parse("[risk]\nprice_band_pct = \"150\"\n", "x.toml").unwrap_err().to_string();
        assert!(err.contains("x.toml") && err.contains("line 2, column 18"), "{err}");
        assert!(err.contains("price_band_pct = 150 is out of range: allowed 0.01 ..= 50"), "{err}");
    }

    #[test]
    fn missing_file_is_defaults_unless_named() {
        let path = Path::new("/nonexistent/vigil/config.toml");
        assert_eq!(Config::load(path, false).unwrap(), Config::default());
        assert!(Config::load(path, true).unwrap_err().to_string().contains("cannot read"));
    }

    #[test]
    fn a_mistyped_value_is_not_quoted_in_the_error() {
        let text = "[alerts]\ncommand = \"curl -H 'Authorization: Bearer s3cret'\"\n";
        let err = Config::parse(text, "test").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(err.contains("line 2") && err.contains("invalid type: string"), "{err}");
    }
}
