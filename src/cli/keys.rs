//! `vigil keys add|list|remove`: exchange API keys, held only in the vault.
//!
//! Each key is three records: `apikey/NAME/meta` (exchange, when added,
//! verification), `apikey/NAME/key` and `apikey/NAME/secret`. Listing reads
//! only the meta record; no command ever prints a key, not even partly.

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
    /// When `keys verify` last confirmed the key is trade-only, if ever.
    pub verified_at: Option<String>,
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
            let meta = KeyMeta { exchange, added_at: chrono::Utc::now().to_rfc3339(), verified_at: None };
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
                    let verified = meta.verified_at.as_deref().unwrap_or("never");
                    println!(
                        "{name:<16} {:<16} {:<26} {verified}",
                        exchange_name(meta.exchange),
                        meta.added_at
                    );
                }
            }
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
        let Some(raw) = vault.get(&record)? else { continue };
        let meta: KeyMeta = serde_json::from_slice(raw.expose_secret())
            .with_context(|| format!("key {name:?} has an unreadable meta record"))?;
        out.push((name.to_owned(), meta));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
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

fn meta_record(name: &str) -> String {
    format!("apikey/{name}/meta")
}

fn key_record(name: &str) -> String {
    format!("apikey/{name}/key")
}

fn secret_record(name: &str) -> String {
    format!("apikey/{name}/secret")
}
