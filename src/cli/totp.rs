//! `vigil totp reset`: enrol a new authenticator, proving identity with the
//! passphrase and a recovery code (for a lost or replaced phone).

use std::process::ExitCode;

use anyhow::bail;
use vigil_keystore::{SecondFactor, TotpEnrollment};

use super::Context;
use super::init::show_enrollment;
use super::prompt::{UnlockArgs, prompt_line, prompt_secret, read_secret_file, typed_factor};
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
    if args.totp.is_some() {
        bail!("`vigil totp reset` proves who you are with a recovery code, not an authenticator code");
    }
    let code = match &args.recovery_code_file {
        Some(path) => read_secret_file(path)?,
        None => prompt_secret("Recovery code: ")?,
    };
    let SecondFactor::Recovery(code) = typed_factor(code) else {
        bail!("`vigil totp reset` needs a recovery code (xxxxx-xxxxx), not an authenticator code");
    };
    let vault = unlock_with(&keystore, &passphrase, SecondFactor::Recovery(code))?;
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
