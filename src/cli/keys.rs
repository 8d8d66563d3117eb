//! `vigil keys add|list|verify|remove`: exchange API keys, held only in the vault.
//!
//! Each key is three records: `apikey/NAME/meta` (exchange, when added,
//! verification), `apikey/NAME/key` and `apikey/NAME/secret`. Listing reads
//! only the meta record; no command ever prints a key, not even partly.
//! `verify` (in [`verify`]) asks the exchange what the key may do.

pub(crate) mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use vigil_keystore::Vault;

use super::Context;
use super::prompt::{UnlockArgs, prompt_secret, read_secret_file};
use super::unlock::unlock;

/// Exchanges vigil can hold keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Exchange {
    Binance,
    BinanceTestnet,
}

/// Subcommands of `vigil keys`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Store an API key and secret (prompted without echo, or read from 0600 files)
    Add {
        /// A name for this key, e.g. `main`
        name: String,
        #[arg(long, value_enum)]
        exchange: Exchange,
        /// Read the API key from this file (mode 0600)
        #[arg(long, value_name = "FILE")]
        api_key_file: Option<PathBuf>,
        /// Read the API secret from this file (mode 0600)
        #[arg(long, value_name = "FILE")]
        api_secret_file: Option<PathBuf>,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
    /// List stored keys: name, exchange, when added, verification (never a key value)
    List {
        #[command(flatten)]
        unlock: UnlockArgs,
    },
    /// Ask the exchange what a key may do; refuse it if it can withdraw or transfer funds
    ///
    /// Reads the key's API restrictions (a signed request) and records the
    /// verdict. Exits 1 if the key is refused or cannot trade spot.
    Verify {
        /// The stored key's name (`vigil keys list` shows them)
        name: String,
        /// Exchange REST base URL [default: the key's exchange, e.g. https://api.binance.com]
        #[arg(long, value_name = "URL")]
        rest_url: Option<String>,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
    /// Delete a stored key
    Remove {
        name: String,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
}

/// Non-secret facts about a stored key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyMeta {
    pub exchange: Exchange,
    pub added_at: String,
    /// When `keys verify` last confirmed the key is trade-only; cleared when a
    /// later check finds it is not.
    pub verified_at: Option<String>,
    /// The outcome of the last `keys verify`, whatever it was. Absent in records
    /// written before verification existed, hence the default.
    #[serde(default)]
    pub permissions: Option<KeyCheck>,
}

/// One `keys verify` outcome, kept so `keys list` (and later the live venue)
/// can tell a refused key from one never checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyCheck {
    /// RFC 3339, when the exchange was asked.
    pub checked_at: String,
    pub verdict: KeyVerdict,
    /// Why, in words: what the key can do that vigil refuses, or what it lacks.
    pub detail: String,
    /// The REST base URL that answered. The live venue trusts a verdict only
    /// from the endpoint it trades with (a verdict from another server could
    /// have been laundered by a server that lies). Absent in older records.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The flags the exchange reported, as it reported them.
    #[serde(default)]
    pub restrictions: Option<crate::venue::ApiRestrictions>,
}

/// vigil's judgement of a key's permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyVerdict {
    /// Can trade spot, cannot move funds: usable.
    TradeOnly,
    /// Cannot move funds, but cannot trade spot either.
    CannotTrade,
    /// Can withdraw or transfer funds (or would not say): refused.
    Refused,
}

/// Runs `vigil keys …`.
pub fn run(cmd: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Add { name, exchange, api_key_file, api_secret_file, unlock: args } => {
            check_name(&name)?;
            let vault = unlock(ctx, &args)?;
            if vault.get(&meta_record(&name))?.is_some() {
                bail!("a key named {name:?} already exists; remove it first with `vigil keys remove {name}`");
            }
            let key = read_credential(api_key_file, "API key: ")?;
            let secret = read_credential(api_secret_file, "API secret: ")?;
            let meta = KeyMeta { exchange, added_at: now_rfc3339(), verified_at: None, permissions: None };
            vault.put(&key_record(&name), key.expose_secret().as_bytes())?;
            vault.put(&secret_record(&name), secret.expose_secret().as_bytes())?;
            vault.put(&meta_record(&name), &serde_json::to_vec(&meta)?)?;
            println!("stored key {name:?} for {}", exchange_name(exchange));
        }
        Command::List { unlock: args } => {
            let vault = unlock(ctx, &args)?;
            let keys = list(&vault)?;
            if keys.is_empty() {
                println!("no keys stored; add one with `vigil keys add NAME --exchange binance`");
            } else {
                println!("{:<16} {:<16} {:<26} VERIFIED", "NAME", "EXCHANGE", "ADDED");
                for (name, meta) in keys {
                    println!(
                        "{name:<16} {:<16} {:<26} {}",
                        exchange_name(meta.exchange),
                        meta.added_at,
                        verification(&meta)
                    );
                }
            }
        }
        Command::Verify { name, rest_url, unlock: args } => {
            check_name(&name)?;
            return verify::run(&name, rest_url, &args, ctx);
        }
        Command::Remove { name, unlock: args } => {
            let vault = unlock(ctx, &args)?;
            if !vault.remove(&meta_record(&name))? {
                bail!("no key named {name:?}; `vigil keys list` shows the stored ones");
            }
            vault.remove(&key_record(&name))?;
            vault.remove(&secret_record(&name))?;
            println!("removed key {name:?}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every stored key's name and meta, sorted by name.
pub fn list(vault: &Vault) -> anyhow::Result<Vec<(String, KeyMeta)>> {
    let mut out = Vec::new();
    for record in vault.names("apikey/")? {
        let Some(name) = record.strip_prefix("apikey/").and_then(|r| r.strip_suffix("/meta")) else {
            continue;
        };
        let Some(meta) = read_meta(vault, name)? else { continue };
        out.push((name.to_owned(), meta));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Now, RFC 3339 in UTC to the second: the times a person reads in `keys list`.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One key's meta record, if the key exists.
pub(crate) fn read_meta(vault: &Vault, name: &str) -> anyhow::Result<Option<KeyMeta>> {
    let Some(raw) = vault.get(&meta_record(name))? else { return Ok(None) };
    let meta = serde_json::from_slice(raw.expose_secret())
        .with_context(|| format!("key {name:?} has an unreadable meta record"))?;
    Ok(Some(meta))
}

/// The `VERIFIED` column: when it was verified trade-only, or why not, and
/// which endpoint answered (a live session trusts only its own endpoint's verdict).
fn verification(meta: &KeyMeta) -> String {
    match (&meta.permissions, &meta.verified_at) {
        (Some(check), _) => {
            let by = check.endpoint.as_deref().unwrap_or("an unrecorded endpoint");
            match check.verdict {
                KeyVerdict::TradeOnly => format!("trade-only, {} by {by}", check.checked_at),
                KeyVerdict::CannotTrade => {
                    format!("cannot trade ({}), {} by {by}", check.detail, check.checked_at)
                }
                KeyVerdict::Refused => format!("REFUSED: {}, {} by {by}", check.detail, check.checked_at),
            }
        }
        (None, Some(at)) => at.clone(),
        (None, None) => "never".to_owned(),
    }
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        bail!("invalid key name {name:?}: use 1-32 letters, digits, '-' or '_'");
    }
    Ok(())
}

fn read_credential(file: Option<PathBuf>, prompt: &str) -> anyhow::Result<SecretString> {
    let value = match file {
        Some(path) => read_secret_file(&path)?,
        None => prompt_secret(prompt)?,
    };
    if value.expose_secret().trim().is_empty() {
        bail!("an empty {} is not a credential", prompt.trim_end_matches(": "));
    }
    Ok(value)
}

fn exchange_name(exchange: Exchange) -> &'static str {
    match exchange {
        Exchange::Binance => "binance",
        Exchange::BinanceTestnet => "binance-testnet",
    }
}

pub(crate) fn meta_record(name: &str) -> String {
    format!("apikey/{name}/meta")
}

pub(crate) fn key_record(name: &str) -> String {
    format!("apikey/{name}/key")
}

pub(crate) fn secret_record(name: &str) -> String {
    format!("apikey/{name}/secret")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_meta_record_from_before_verify_still_parses_as_never_verified() {
        let old = r#"{"exchange":"binance","added_at":"2026-01-02T03:04:05+00:00","verified_at":null}"#;
        let meta: KeyMeta = serde_json::from_str(old).unwrap();
        assert!(meta.permissions.is_none());
        assert_eq!(verification(&meta), "never");
    }

    #[test]
    fn the_list_column_names_the_verdict() {
        let mut meta: KeyMeta =
            serde_json::from_str(r#"{"exchange":"binance","added_at":"a","verified_at":null}"#).unwrap();
        meta.permissions = Some(KeyCheck {
            checked_at: "T".into(),
            verdict: KeyVerdict::Refused,
            detail: "it can withdraw funds (enableWithdrawals)".into(),
            endpoint: None,
            restrictions: None,
        });
        assert_eq!(
            verification(&meta),
            "REFUSED: it can withdraw funds (enableWithdrawals), T by an unrecorded endpoint"
        );
        meta.permissions.as_mut().unwrap().endpoint = Some("https://api.binance.com".into());
        assert!(verification(&meta).ends_with(", T by https://api.binance.com"));
        let json = serde_json::to_string(&meta).unwrap();
        assert!(json.contains(r#""verdict":"refused""#), "{json}");
    }
}
