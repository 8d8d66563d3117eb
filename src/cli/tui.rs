//! `vigil tui`: the workstation. With a keystore, an unlock screen comes
//! first (passphrase masked, TOTP code, the growing delay shown after
//! failures); paper trading without a keystore needs none.

use std::process::ExitCode;

use secrecy::SecretString;
use vigil_keystore::{Error as KeystoreError, Keystore};

use super::Context;
use super::prompt::typed_factor;
use super::session::{FeedArgs, Session, SessionOptions, VenueArgs};
use super::trading::{VaultSession, load_config, runtime};
use super::unlock::{now_unix, unlock_with};
use crate::config::Config;
use crate::tui::{AutonomyDefaults, TuiOptions, UnlockFailure};

/// Options of `vigil tui`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub venue: VenueArgs,
    #[command(flatten)]
    pub feed: FeedArgs,
    /// Strategy proposing orders into the inbox (repeatable): sma-cross, grid
    #[arg(long = "strategy")]
    pub strategies: Vec<String>,
    /// Colour theme: dark, light, high-contrast, ansi16, or a user theme
    #[arg(long)]
    pub theme: Option<String>,
}

/// Runs `vigil tui`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = load_config(ctx)?;
    let _log = super::logging::to_file(ctx.data_dir())?;
    let keystore_dir = ctx.keystore_dir();
    let has_keystore = Keystore::exists(&keystore_dir);
    let options = tui_options(ctx, &config, args.theme.as_deref(), has_keystore);
    runtime()?.block_on(async {
        let vault = if has_keystore {
            let keystore = Keystore::open(&keystore_dir)?;
            let attempt = move |passphrase: SecretString, code: SecretString| {
                attempt_unlock(&keystore, &passphrase, code)
            };
            match crate::tui::run_unlock(&options, attempt).await? {
                Some((vault, failed_before)) => VaultSession::from_vault(vault, failed_before),
                None => return Ok(ExitCode::SUCCESS),
            }
        } else {
            VaultSession::none()
        };
        let session_options = SessionOptions {
            venue: args.venue.venue,
            live: vault.live_credentials(&args.venue)?,
            feed: &args.feed,
            strategies: &args.strategies,
            vault_audit_key: vault.audit_key(),
            unlock: vault.unlock_record(),
            totp: vault.totp_check(),
        };
        let mut session = Session::start(ctx, &config, session_options).await?;
        if let Err(err) = session.serve(ctx).await {
            session.shutdown().await;
            return Err(err);
        }
        let result = crate::tui::run(session.handle.clone(), options).await;
        session.shutdown().await;
        result?;
        Ok(ExitCode::SUCCESS)
    })
}

fn attempt_unlock(
    keystore: &Keystore,
    passphrase: &SecretString,
    code: SecretString,
) -> Result<(vigil_keystore::Vault, u32), UnlockFailure> {
    if let Ok(Some(wait)) = keystore.retry_after(now_unix()) {
        return Err(UnlockFailure { message: "too many failed attempts".into(), retry_after: Some(wait) });
    }
    let failed_before = keystore.failed_attempts().unwrap_or_default();
    let unlocked = unlock_with(keystore, passphrase, typed_factor(code)).map(|vault| (vault, failed_before));
    unlocked.map_err(|err| {
        let retry_after = match err.downcast_ref::<KeystoreError>() {
            Some(KeystoreError::TooSoon { wait }) => Some(*wait),
            _ => keystore.retry_after(now_unix()).ok().flatten(),
        };
        let message = err.chain().last().map(ToString::to_string).unwrap_or_else(|| err.to_string());
        UnlockFailure { message, retry_after }
    })
}

/// Workstation options from the config, `--theme`, and the environment.
pub fn tui_options(ctx: &Context, config: &Config, theme: Option<&str>, keystore: bool) -> TuiOptions {
    let config_dir = ctx.config_path().parent();
    let mut options = TuiOptions::from_config(&config.tui, config_dir, keystore);
    if let Some(theme) = theme {
        options.theme = theme.to_owned();
    }
    options.bell = config.alerts.bell;
    options.feed_down_after = std::time::Duration::from_secs(config.alerts.feed_down_after_secs);
    options.autonomy = AutonomyDefaults {
        max_orders: config.autonomy.max_orders,
        max_notional: config.autonomy.max_notional,
    };
    options
}
