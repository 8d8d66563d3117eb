//! What every trading command needs before a session starts: the config, a
//! runtime, and — when a keystore exists — an unlocked vault, from which the
//! audit key and the TOTP check for arming autonomy are taken.

use vigil_keystore::{Keystore, Vault};

use super::Context;
use super::prompt::UnlockArgs;
use super::unlock::{now_unix, unlock};
use crate::config::Config;
use crate::engine::TotpCheck;
use crate::store::AuditKey;

/// Loads the configuration named by the global options.
pub fn load_config(ctx: &Context) -> anyhow::Result<Config> {
    super::config::load(ctx)
}

/// A multi-threaded tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// The vault, if this data dir has a keystore (then it must be unlocked).
pub struct VaultSession {
    vault: Option<Vault>,
}

impl VaultSession {
    /// Unlocks the keystore when one exists; paper trading without one needs nothing.
    pub fn unlock_if_present(ctx: &Context, args: &UnlockArgs) -> anyhow::Result<Self> {
        if !Keystore::exists(&ctx.keystore_dir()) {
            return Ok(Self { vault: None });
        }
        Ok(Self { vault: Some(unlock(ctx, args)?) })
    }

    /// No keystore: paper trading with the per-install audit key.
    pub fn none() -> Self {
        Self { vault: None }
    }

    /// An already unlocked vault (the TUI's unlock screen).
    pub fn from_vault(vault: Vault) -> Self {
        Self { vault: Some(vault) }
    }

    /// The audit log key derived from the vault's data key.
    pub fn audit_key(&self) -> Option<AuditKey> {
        self.vault.as_ref().map(|v| AuditKey::from_vault(v.audit_key()))
    }

    /// Verifies fresh TOTP codes (replay-protected) for arming autonomous mode.
    pub fn totp_check(self) -> Option<TotpCheck> {
        let vault = self.vault?;
        Some(Box::new(move |code: &str| vault.verify_totp(code, now_unix()).unwrap_or(false)))
    }
}
