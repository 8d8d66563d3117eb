//! `vigil passwd`: change the passphrase. The data key is rotated with it: every
//! record is re-encrypted under a fresh key, in one atomic keystore write.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Context;
use super::prompt::{UnlockArgs, check_passphrase_strength, prompt_new_passphrase, read_secret_file};
use super::unlock::unlock;

/// Options of `vigil passwd`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub unlock: UnlockArgs,

    /// Read the NEW passphrase from this file (mode 0600) instead of prompting twice
    #[arg(long, value_name = "FILE")]
    pub new_passphrase_file: Option<PathBuf>,
}

/// Runs `vigil passwd`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let vault = unlock(ctx, &args.unlock)?;
    let new = match &args.new_passphrase_file {
        Some(path) => read_secret_file(path)?,
        None => prompt_new_passphrase()?,
    };
    check_passphrase_strength(&new)?;
    vault.change_passphrase(&new)?;
    println!("passphrase changed; the old one no longer opens the keystore");
    Ok(ExitCode::SUCCESS)
}
