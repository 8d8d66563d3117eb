//! Opening and unlocking the vault from the command line.

use anyhow::{Context as _, bail};
use secrecy::SecretString;
use vigil_keystore::{Keystore, SecondFactor, Vault};

use super::Context;
use super::prompt::UnlockArgs;

/// Seconds since the Unix epoch, for TOTP windows and the lockout delay.
pub fn now_unix() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default()
}

/// Opens the keystore under the data dir, refusing early if a lockout delay is running.
pub fn open(ctx: &Context) -> anyhow::Result<Keystore> {
    let dir = ctx.keystore_dir();
    let keystore = Keystore::open(&dir)?;
    if let Some(wait) = keystore.retry_after(now_unix())? {
        bail!("too many failed unlock attempts: wait {} s before trying again", wait.as_secs().max(1));
    }
    Ok(keystore)
}

/// Unlocks with the passphrase and the second factor: a TOTP code, or a
/// recovery code (`xxxxx-xxxxx`) standing in for it once.
pub fn unlock(ctx: &Context, args: &UnlockArgs) -> anyhow::Result<Vault> {
    Ok(unlock_counting(ctx, args)?.0)
}

/// [`unlock`], also reporting how many failed attempts preceded this success
/// (the keystore's persistent counter, which the success resets), so a
/// trading session can put them in its audit log.
pub fn unlock_counting(ctx: &Context, args: &UnlockArgs) -> anyhow::Result<(Vault, u32)> {
    let keystore = open(ctx)?;
    let failed_before = keystore.failed_attempts()?;
    let passphrase = args.passphrase("Passphrase: ")?;
    let factor = args.second_factor()?;
    let vault = unlock_with(&keystore, &passphrase, factor)?;
    if failed_before > 0 {
        // The success resets the counter, so this is the one chance to say it.
        eprintln!("warning: {failed_before} failed unlock attempt(s) since the last successful unlock");
    }
    Ok((vault, failed_before))
}

/// One unlock attempt with already-collected factors.
pub fn unlock_with(
    keystore: &Keystore,
    passphrase: &SecretString,
    factor: SecondFactor,
) -> anyhow::Result<Vault> {
    keystore.unlock(passphrase, factor, now_unix()).context("unlock failed")
}
