//! What every trading command needs before a session starts: the config, a
//! runtime, and — when a keystore exists — an unlocked vault, from which the
//! audit key and the TOTP check for arming autonomy are taken.

use std::sync::Arc;

use anyhow::bail;
use vigil_keystore::{Keystore, Vault};

use super::Context;
use super::live::LiveCredentials;
use super::prompt::UnlockArgs;
use super::session::VenueArgs;
use super::unlock::{now_unix, unlock_counting};
use crate::config::Config;
use crate::domain::Venue;
use crate::engine::TotpCheck;
use crate::store::AuditKey;

/// A successful unlock, as the trading session's audit log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnlockRecord {
    /// Failed attempts (wrong passphrase or code) since the previous success.
    pub failed_before: u32,
}

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
    /// Shared: the TOTP check and a live session's signer both use it.
    vault: Option<Arc<Vault>>,
    /// Failed unlock attempts since the previous success, for the audit log.
    failed_before: u32,
}

impl VaultSession {
    /// Unlocks the keystore when one exists; paper trading without one needs nothing.
    pub fn unlock_if_present(ctx: &Context, args: &UnlockArgs) -> anyhow::Result<Self> {
        if !Keystore::exists(&ctx.keystore_dir()) {
            return Ok(Self::none());
        }
        let (vault, failed_before) = unlock_counting(ctx, args)?;
        Ok(Self { vault: Some(Arc::new(vault)), failed_before })
    }

    /// No keystore: paper trading with the per-install audit key.
    pub fn none() -> Self {
        Self { vault: None, failed_before: 0 }
    }

    /// A vault the TUI's unlock screen opened after `failed_before` failures.
    pub fn from_vault(vault: Vault, failed_before: u32) -> Self {
        Self { vault: Some(Arc::new(vault)), failed_before }
    }

    /// The successful unlock, for the session's audit log: how many failed
    /// attempts came before it. `None` without a keystore.
    pub fn unlock_record(&self) -> Option<UnlockRecord> {
        self.vault.as_ref().map(|_| UnlockRecord { failed_before: self.failed_before })
    }

    /// The audit log key derived from the vault's data key.
    pub fn audit_key(&self) -> Option<AuditKey> {
        self.vault.as_ref().map(|v| AuditKey::from_vault(v.audit_key()))
    }

    /// Verifies fresh TOTP codes (replay-protected) for arming autonomous mode.
    pub fn totp_check(&self) -> Option<TotpCheck> {
        let vault = self.vault.clone()?;
        Some(Box::new(move |code: &str| vault.verify_totp(code, now_unix()).unwrap_or(false)))
    }

    /// The key a live session trades with: `--key NAME` from the unlocked
    /// keystore. `None` on paper.
    pub fn live_credentials(&self, venue: &VenueArgs) -> anyhow::Result<Option<LiveCredentials>> {
        if venue.venue != Venue::Live {
            return Ok(None);
        }
        let Some(name) = venue.key.clone() else {
            bail!("--venue live needs --key NAME: the stored API key to trade with (`vigil keys list`)");
        };
        let Some(vault) = self.vault.clone() else {
            bail!(
                "the live venue needs a keystore holding the key: `vigil init`, then `vigil keys add {name}` \
                 and `vigil keys verify {name}`"
            );
        };
        Ok(Some(LiveCredentials::Keystore { vault, name }))
    }
}
