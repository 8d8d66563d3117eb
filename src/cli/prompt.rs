//! Reading secrets at the CLI edge: from the terminal without echo, or from a
//! file that only its owner can read. Never from argv or the environment,
//! which other local users can read through /proc.

use std::fs;
use std::io::{self, BufRead, IsTerminal, Read as _, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use secrecy::{ExposeSecret, SecretString};
use vigil_keystore::SecondFactor;
use zeroize::Zeroizing;

/// `--passphrase-file`, `--totp` and `--recovery-code-file`: how a command
/// that needs the vault gets its two factors without a person at the keyboard.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UnlockArgs {
    /// Read the passphrase from this file (must be mode 0600; first line is used)
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    /// The current 6-digit code from your authenticator (prompted for without echo if omitted)
    #[arg(long, value_name = "CODE", conflicts_with = "recovery_code_file")]
    pub totp: Option<String>,

    /// Stand in for the authenticator with a recovery code read from this
    /// file (mode 0600); each recovery code works once
    #[arg(long, value_name = "FILE")]
    pub recovery_code_file: Option<PathBuf>,
}

impl UnlockArgs {
    /// The passphrase: from the file if given, else prompted without echo.
    pub fn passphrase(&self, prompt: &str) -> anyhow::Result<SecretString> {
        match &self.passphrase_file {
            Some(path) => read_secret_file(path),
            None => prompt_secret(prompt),
        }
    }

    /// The second factor: a recovery code from its file, the `--totp` code,
    /// or whichever of the two is typed at a no-echo prompt.
    pub fn second_factor(&self) -> anyhow::Result<SecondFactor> {
        if let Some(path) = &self.recovery_code_file {
            return Ok(SecondFactor::Recovery(read_secret_file(path)?));
        }
        match &self.totp {
            Some(code) => {
                let code = code.trim();
                if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                    bail!(
                        "--totp takes the 6-digit authenticator code; give a recovery code with \
                         --recovery-code-file FILE (mode 0600) or at the prompt, never on the command line"
                    );
                }
                Ok(SecondFactor::Totp(code.to_owned()))
            }
            None => Ok(typed_factor(prompt_secret("Authenticator code (or a recovery code): ")?)),
        }
    }
}

/// Reads what a person typed as the second factor: six digits (spaces
/// forgiven) are an authenticator code; anything else is taken as a recovery
/// code (`xxxxx-xxxxx`, with or without the dash), which stays a secret.
pub fn typed_factor(typed: SecretString) -> SecondFactor {
    let digits: String = typed.expose_secret().chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        SecondFactor::Totp(digits)
    } else {
        SecondFactor::Recovery(typed)
    }
}

/// Reads a secret from a file that must not be readable by anyone but its owner, and whose
/// owner must be this user (another user could swap its content). Mode and owner are
/// checked on the opened descriptor, so the file checked is the file read.
pub fn read_secret_file(path: &Path) -> anyhow::Result<SecretString> {
    let mut file = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let meta = file.metadata().with_context(|| format!("cannot read {}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "{} is accessible by group or others (mode {mode:04o}); run `chmod 600 {}` first",
            path.display(),
            path.display()
        );
    }
    let me = crate::store::effective_uid();
    if meta.uid() != me {
        bail!(
            "{} is owned by uid {}, not by you (uid {me}); use a file of your own, or take it \
             back with `chown {me} {}` if it really is yours",
            path.display(),
            meta.uid(),
            path.display()
        );
    }
    let mut raw = Zeroizing::new(String::new());
    file.read_to_string(&mut raw).with_context(|| format!("cannot read {}", path.display()))?;
    let line = raw.lines().next().unwrap_or_default();
    if line.is_empty() {
        bail!("{} is empty: the secret must be on its first line", path.display());
    }
    Ok(SecretString::from(line.to_owned()))
}

/// Prompts on the terminal without echo.
pub fn prompt_secret(prompt: &str) -> anyhow::Result<SecretString> {
    if !io::stdin().is_terminal() {
        bail!("no terminal to prompt on: give the secret in a file (mode 0600); see --help");
    }
    let value = rpassword::prompt_password(prompt).context("cannot read from the terminal")?;
    Ok(SecretString::from(value))
}

/// Prompts for a new passphrase twice and insists they match and are not trivial.
pub fn prompt_new_passphrase() -> anyhow::Result<SecretString> {
    let first = prompt_secret("New passphrase: ")?;
    check_passphrase_strength(&first)?;
    let second = prompt_secret("Repeat passphrase: ")?;
    if first.expose_secret() != second.expose_secret() {
        bail!("the passphrases do not match; nothing was changed");
    }
    Ok(first)
}

/// Refuses passphrases too short to survive an offline guess.
pub fn check_passphrase_strength(passphrase: &SecretString) -> anyhow::Result<()> {
    const MIN_CHARS: usize = 12;
    if passphrase.expose_secret().chars().count() < MIN_CHARS {
        bail!("the passphrase must be at least {MIN_CHARS} characters (a few random words work well)");
    }
    Ok(())
}

/// Reads one visible line (a TOTP code is short-lived and not secret once used).
pub fn prompt_line(prompt: &str) -> anyhow::Result<String> {
    let mut stderr = io::stderr().lock();
    write!(stderr, "{prompt}")?;
    stderr.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line).context("cannot read from standard input")?;
    Ok(line.trim().to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn secret_file_must_be_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        fs::write(&path, "correct horse battery\nignored\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_secret_file(&path).unwrap_err().to_string();
        assert!(err.contains("mode 0644") && err.contains("chmod 600"), "{err}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_secret_file(&path).unwrap().expose_secret(), "correct horse battery");
    }

    /// The tests run as root in CI, so the foreign owner is made with `chown` to nobody.
    #[test]
    fn secret_file_owned_by_another_user_is_refused() {
        if crate::store::effective_uid() != 0 {
            return; // only root can give a file away
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        fs::write(&path, "correct horse battery\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
        let err = read_secret_file(&path).unwrap_err().to_string();
        assert!(err.contains("owned by uid 65534") && err.contains("chown 0"), "{err}");
    }

    #[test]
    fn six_digits_are_a_totp_code_and_anything_else_a_recovery_code() {
        let kind = |typed: &str| match typed_factor(SecretString::from(typed)) {
            SecondFactor::Totp(code) => format!("totp {code}"),
            SecondFactor::Recovery(_) => "recovery".to_owned(),
        };
        assert_eq!(kind("123456"), "totp 123456");
        assert_eq!(kind(" 123 456 "), "totp 123456");
        assert_eq!(kind("7h3kq-x9m2p"), "recovery");
        assert_eq!(kind("7h3kqx9m2p"), "recovery");
        assert_eq!(kind("12345 67890"), "recovery");
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(check_passphrase_strength(&SecretString::from("short")).is_err());
        assert!(check_passphrase_strength(&SecretString::from("four random words here")).is_ok());
    }
}
