//! [`AuditKey`]: the 32-byte HMAC key that signs the chain, and where it comes
//! from: the vault (`Vault::audit_key()`, wired by the engine) or, for paper
//! trading without a keystore, a per-install random key in
//! `<state-dir>/audit.key` (0600). Which kind signs a log is recorded in the
//! log's metadata so `vigil audit verify` knows what to ask for.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use hmac::{KeyInit, Mac};
use rand::TryRng;
use secrecy::{ExposeSecret, SecretBox};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::AuditError;
use crate::store::fsperm;

/// File name of the install key inside the state directory.
pub const INSTALL_KEY_FILE: &str = "audit.key";

/// Which key signs a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `<state-dir>/audit.key`: protects against edits by anyone without the file.
    Install,
    /// Derived from the unlocked vault: needs the passphrase to verify or forge.
    Vault,
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Install => "install",
            Self::Vault => "vault",
        })
    }
}

/// The audit HMAC key. No Debug, Clone or Serialize: it only ever leaves this
/// type as an initialized HMAC state.
pub struct AuditKey {
    kind: KeyKind,
    secret: SecretBox<[u8; 32]>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AuditError + '_ {
    move |source| AuditError::KeyFile { path: path.to_path_buf(), source }
}

impl AuditKey {
    /// A key derived from the vault.
    pub fn from_vault(secret: SecretBox<[u8; 32]>) -> Self {
        Self { kind: KeyKind::Vault, secret }
    }

    /// Which kind of key this is.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Where the install key of `state_dir` lives.
    pub fn install_key_path(state_dir: &Path) -> PathBuf {
        state_dir.join(INSTALL_KEY_FILE)
    }

    /// Loads `<state_dir>/audit.key`, creating it (32 bytes from the OS RNG,
    /// mode 0600, fsynced) on first use. The state directory is created 0700.
    pub fn load_or_create_install_key(state_dir: &Path) -> Result<Self, AuditError> {
        fsperm::ensure_private_dir(state_dir)?;
        let path = Self::install_key_path(state_dir);
        let created = fs::OpenOptions::new().write(true).create_new(true).mode(fsperm::FILE_MODE).open(&path);
        match created {
            Ok(mut file) => {
                let mut bytes = Zeroizing::new([0u8; 32]);
                rand::rngs::SysRng
                    .try_fill_bytes(bytes.as_mut())
                    .map_err(|e| AuditError::Rng(e.to_string()))?;
                file.write_all(bytes.as_ref()).map_err(io_err(&path))?;
                file.sync_all().map_err(io_err(&path))?;
                fs::File::open(state_dir).and_then(|d| d.sync_all()).map_err(io_err(state_dir))?;
                let secret = SecretBox::init_with_mut(|s: &mut [u8; 32]| s.copy_from_slice(bytes.as_ref()));
                Ok(Self { kind: KeyKind::Install, secret })
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Self::load_install_key(state_dir),
            Err(err) => Err(io_err(&path)(err)),
        }
    }

    /// Loads an existing `<state_dir>/audit.key`; never creates one (verifying
    /// with a fresh key would only report every entry as forged). Refuses a
    /// file readable by group or others, or one that is not exactly 32 bytes.
    pub fn load_install_key(state_dir: &Path) -> Result<Self, AuditError> {
        let path = Self::install_key_path(state_dir);
        // Never through a symlink: the key must be the file vigil wrote.
        let mut file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(io_err(&path))?;
        let meta = file.metadata().map_err(io_err(&path))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(AuditError::InsecureKeyFile { path, mode });
        }
        let mut raw = Zeroizing::new(Vec::with_capacity(33));
        Read::by_ref(&mut file).take(33).read_to_end(&mut raw).map_err(io_err(&path))?;
        if raw.len() != 32 {
            return Err(AuditError::BadKeyFile { path, len: raw.len() });
        }
        let secret = SecretBox::init_with_mut(|s: &mut [u8; 32]| s.copy_from_slice(&raw));
        Ok(Self { kind: KeyKind::Install, secret })
    }

    /// A fresh HMAC-SHA256 state keyed with this key.
    pub(crate) fn mac(&self) -> hmac::Hmac<sha2::Sha256> {
        // A 32-byte key is always accepted by HMAC (any length is).
        <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(self.secret.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC-SHA256 accepts keys of any length"))
    }

    /// A MAC over `domain || parts`, used for the head record and key check.
    pub(crate) fn mac_parts(&self, domain: &[u8], parts: &[&[u8]]) -> hmac::Hmac<sha2::Sha256> {
        let mut mac = self.mac();
        mac.update(domain);
        for part in parts {
            mac.update(part);
        }
        mac
    }
}
