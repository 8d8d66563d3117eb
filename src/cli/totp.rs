//! `vigil totp reset`: enrol a new authenticator, proving identity with the
//! passphrase and a recovery code (for a lost or replaced phone).

use std::process::ExitCode;

use anyhow::bail;
use vigil_keystore::TotpEnrollment;

use super::Context;
use super::init::show_enrollment;
use super::prompt::{UnlockArgs, prompt_line};
use super::unlock::{now_unix, open, unlock_with};

/// Subcommands of `vigil totp`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Enrol a new TOTP secret; needs the passphrase and one recovery code
    Reset {
        #[command(flatten)]
        unlock: UnlockArgs,
    },
}

/// Runs `vigil totp …`.
pub fn run(cmd: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    let Command::Reset { unlock: args } = cmd;
    let keystore = open(ctx)?;
    let passphrase = args.passphrase("Passphrase: ")?;
    let code = match &args.totp {
        Some(code) => code.trim().to_owned(),
        None => prompt_line("Recovery code: ")?,
    };
    if !code.contains('-') {
        bail!("`vigil totp reset` needs a recovery code (xxxxx-xxxxx), not an authenticator code");
    }
    let vault = unlock_with(&keystore, &passphrase, code)?;
    let enrollment = TotpEnrollment::generate();
    show_enrollment(&enrollment)?;
    let confirm = prompt_line("Enter the 6-digit code your authenticator shows now: ")?;
    if !enrollment.verify(&confirm, now_unix()) {
        bail!(
            "that code does not match; the old authenticator stays enrolled (the recovery code is used up)"
        );
    }
    vault.reset_totp(&enrollment)?;
    println!("new authenticator enrolled; {} recovery codes left", vault.remaining_recovery_codes()?);
    Ok(ExitCode::SUCCESS)
}
