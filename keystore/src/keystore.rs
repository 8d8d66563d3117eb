//! Creating, opening and unlocking a keystore directory.
//!
//! `open` is cheap (permission check, one private copy of the live generation read into
//! memory, header parse, no KDF) so the CLI can report a broken or insecure keystore before
//! prompting for anything, and it never writes to the keystore directory. `unlock` needs the passphrase AND a
//! second factor; a failure of either gives the same error and bumps a persistent counter
//! that imposes a growing delay.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::aead::{KEY_LEN, random_bytes};
use crate::coredump::disable_core_dumps;
use crate::error::Error;
use crate::header::Header;
use crate::layout::{HEADER_KEY, LOCKOUT_KEY};
use crate::lockout::Lockout;
use crate::params::KdfParams;
use crate::perms;
use crate::recovery::RecoveryCodes;
use crate::storage::{self, GenStore, Store};
use crate::totp::TotpEnrollment;
use crate::vault::Vault;

/// What stands in for the passphrase's partner at unlock.
pub enum SecondFactor {
    /// A 6-digit code from the authenticator app.
    Totp(String),
    /// One of the ten single-use recovery codes (`xxxxx-xxxxx`; case, dashes and spaces
    /// are forgiven).
    Recovery(SecretString),
}

/// An opened but still locked keystore directory.
pub struct Keystore {
    dir: PathBuf,
    store: Arc<dyn Store>,
    header: Header,
}

impl Keystore {
    /// `true` if `dir` holds a keystore, in the generation layout (a `CURRENT` pointer) or
    /// the older single-database one (it may still be broken or insecure).
    pub fn exists(dir: &Path) -> bool {
        storage::exists(dir)
    }

    /// Creates a keystore in `dir` (made 0700; every file 0600) with a fresh random data key
    /// wrapped under `passphrase`, the enrolled TOTP secret and ten recovery codes. Refuses
    /// if `dir` already holds anything. Returns the unlocked vault and the codes to show once.
    pub fn create(
        dir: &Path,
        passphrase: &SecretString,
        params: KdfParams,
        enrollment: &TotpEnrollment,
        now_unix: u64,
    ) -> Result<(Vault, RecoveryCodes), Error> {
        disable_core_dumps()?;
        params.validate()?;
        if Self::exists(dir) {
            return Err(Error::AlreadyExists { dir: dir.to_owned() });
        }
        perms::create_private_dir(dir)?;
        let store: Arc<dyn Store> = Arc::new(GenStore::create(dir)?);
        let dek = SecretBox::new(Box::new(random_bytes::<KEY_LEN>()?));
        let header = Header::seal(params, passphrase.expose_secret().as_bytes(), dek.expose_secret())?;
        let vault = Vault::new(Arc::clone(&store), dek, params)?;
        let codes = RecoveryCodes::generate()?;
        vault.enrol(enrollment, &codes, now_unix)?;
        // The header goes last: a keystore interrupted before this point has no header and
        // says so, instead of looking valid with missing factors.
        store.insert(HEADER_KEY, &header.encode())?;
        store.flush()?;
        Ok((vault, codes))
    }

    /// Opens a keystore without running the KDF: refuses a missing keystore, group/world
    /// accessible or foreign-owned files, damaged files ([`Error::Corrupted`]), a corrupted
    /// header, an unknown format version and out-of-range Argon2id parameters.
    ///
    /// Nothing is written: the live generation is read through a private copy outside the
    /// keystore directory. The returned handle is a *writer* from the start (unlock records
    /// the used TOTP step or a failure): it holds the keystore's exclusive lock until it is
    /// dropped, taken before anything is read, so a second vigil gets [`Error::InUse`] and
    /// the records in memory can never be stale. A keystore in the older single-database
    /// layout is converted to generations by its first write.
    pub fn open(dir: &Path) -> Result<Keystore, Error> {
        disable_core_dumps()?;
        if !Self::exists(dir) {
            return Err(Error::NotFound { dir: dir.to_owned() });
        }
        perms::check(dir)?;
        let store: Arc<dyn Store> = Arc::new(GenStore::open(dir)?);
        Self::from_store(dir, store)
    }

    fn from_store(dir: &Path, store: Arc<dyn Store>) -> Result<Keystore, Error> {
        let bytes = store.get(HEADER_KEY)?.ok_or_else(|| Error::HeaderMissing { dir: dir.to_owned() })?;
        let header = Header::decode(&bytes)?;
        Ok(Keystore { dir: dir.to_owned(), store, header })
    }

    /// Unlocks with the passphrase and a second factor. Wrong passphrase, wrong, expired or
    /// replayed code and unknown or used recovery code all return
    /// [`Error::InvalidCredentials`] and count as a failure; while the delay runs, attempts
    /// return [`Error::TooSoon`] without running the KDF. Success resets the counter.
    pub fn unlock(
        &self,
        passphrase: &SecretString,
        factor: SecondFactor,
        now_unix: u64,
    ) -> Result<Vault, Error> {
        let lockout = self.lockout()?;
        if let Some(wait) = lockout.retry_after(now_unix) {
            return Err(Error::TooSoon { wait });
        }
        let Some(dek) = self.header.unwrap_dek(passphrase.expose_secret().as_bytes())? else {
            return Err(self.record_failure(lockout, now_unix));
        };
        let vault = Vault::new(Arc::clone(&self.store), dek, self.header.params())?;
        if !vault.accept_factor(&factor, now_unix)? {
            return Err(self.record_failure(lockout, now_unix));
        }
        if lockout.failures > 0 {
            self.store.remove(LOCKOUT_KEY)?;
            self.store.flush()?;
        }
        Ok(vault)
    }

    /// Failed unlocks since the last successful one.
    pub fn failed_attempts(&self) -> Result<u32, Error> {
        Ok(self.lockout()?.failures)
    }

    /// How long until an unlock attempt will be accepted, or `None` if it would be now.
    pub fn retry_after(&self, now_unix: u64) -> Result<Option<Duration>, Error> {
        Ok(self.lockout()?.retry_after(now_unix))
    }

    /// The Argon2id parameters in the header (validated on open).
    pub fn kdf_params(&self) -> KdfParams {
        self.header.params()
    }

    /// The keystore directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lockout(&self) -> Result<Lockout, Error> {
        Lockout::decode(self.store.get(LOCKOUT_KEY)?.as_deref())
    }

    /// Persists one more failure; returns the error to give the caller (the same one for
    /// every factor, unless the counter itself could not be written).
    fn record_failure(&self, lockout: Lockout, now_unix: u64) -> Error {
        let next = lockout.failed(now_unix).encode();
        match self.store.insert(LOCKOUT_KEY, &next).and_then(|()| self.store.flush()) {
            Ok(()) => Error::InvalidCredentials,
            Err(e) => e,
        }
    }
}
