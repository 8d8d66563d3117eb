//! `vigil init`: create the keystore, enrol TOTP, hand out recovery codes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use secrecy::ExposeSecret;
use vigil_keystore::{KdfParams, Keystore, TotpEnrollment};

use super::Context;
use super::prompt::{check_passphrase_strength, prompt_line, prompt_new_passphrase, read_secret_file};
use super::unlock::now_unix;

/// Options of `vigil init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read the new passphrase from this file (mode 0600) instead of prompting twice
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    /// Argon2id memory in KiB (default 65536 = 64 MiB; at least 19456)
    #[arg(long, value_name = "KIB")]
    pub kdf_memory: Option<u32>,

    /// Argon2id passes (default 3; at least 2)
    #[arg(long, value_name = "N")]
    pub kdf_passes: Option<u32>,
}

/// Runs `vigil init`. The confirmation code is read from standard input
/// after the secret is shown, so a script can answer it too.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let dir = ctx.keystore_dir();
    if Keystore::exists(&dir) {
        bail!("a keystore already exists at {}; refusing to overwrite it", dir.display());
    }
    let defaults = KdfParams::default();
    let params = KdfParams {
        m_kib: args.kdf_memory.unwrap_or(defaults.m_kib),
        t: args.kdf_passes.unwrap_or(defaults.t),
        p: defaults.p,
    };
    params.validate()?;
    let passphrase = match &args.passphrase_file {
        Some(path) => {
            let p = read_secret_file(path)?;
            check_passphrase_strength(&p)?;
            p
        }
        None => prompt_new_passphrase()?,
    };

    let enrollment = TotpEnrollment::generate();
    show_enrollment(&enrollment)?;
    let code = prompt_line("Enter the 6-digit code your authenticator shows now: ")?;
    if !enrollment.verify(&code, now_unix()) {
        bail!(
            "that code does not match; nothing was created. Check your device's clock and run `vigil init` again"
        );
    }

    let (_vault, recovery) = Keystore::create(&dir, &passphrase, params, &enrollment, now_unix())?;
    println!("\nKeystore created at {}.", dir.display());
    println!("\nRecovery codes: each works once in place of an authenticator code.");
    println!("Write them down and keep them offline. They will not be shown again.\n");
    for code in recovery.iter() {
        println!("    {code}");
    }
    println!();
    Ok(ExitCode::SUCCESS)
}

/// Prints the enrolment secret three ways: otpauth URI, QR code, base32.
pub fn show_enrollment(enrollment: &TotpEnrollment) -> anyhow::Result<()> {
    let uri = enrollment.otpauth_uri("vigil");
    let qr = QrCode::new(uri.expose_secret().as_bytes())?;
    let picture = qr.render::<Dense1x2>().quiet_zone(true).build();
    println!("Add vigil to your authenticator app (shown once; anyone who sees it can make codes):\n");
    println!("{picture}");
    println!("otpauth URI: {}", uri.expose_secret());
    println!("or type the key: {}\n", enrollment.base32().expose_secret());
    Ok(())
}
