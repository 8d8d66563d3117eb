//! The unlocked vault: holds the data key and reads/writes encrypted records.
//!
//! Every write is flushed before the method returns, so an acknowledged `put` survives a
//! crash. Plaintexts are returned in `SecretBox`es and every intermediate copy is zeroized.

use std::sync::Arc;

use hkdf::Hkdf;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

use crate::aead::KEY_LEN;
use crate::error::Error;
use crate::header::Header;
use crate::layout::{self, HEADER_KEY, RECOVERY_KEY, TOTP_KEY, TotpState, USER_PREFIX};
use crate::params::KdfParams;
use crate::recovery::{RecoveryCodes, RecoveryHashes};
use crate::storage::Store;
use crate::totp::{self, STEP_SECS, TotpEnrollment};
use crate::{SecondFactor, record};

/// HKDF info for the audit-log HMAC key.
const AUDIT_INFO: &[u8] = b"vigil audit hmac v1";
/// HKDF info for the recovery-code hashing key.
const RECOVERY_INFO: &[u8] = b"vigil recovery code v1";

/// An unlocked keystore. The data key sits in a `SecretBox` and is zeroized on drop.
pub struct Vault {
    store: Arc<dyn Store>,
    dek: SecretBox<[u8; KEY_LEN]>,
    params: KdfParams,
}

impl Vault {
    pub(crate) fn new(store: Arc<dyn Store>, dek: SecretBox<[u8; KEY_LEN]>, params: KdfParams) -> Self {
        Vault { store, dek, params }
    }

    /// Encrypts `plaintext` under `name` (fresh nonce) and flushes before returning.
    pub fn put(&self, name: &str, plaintext: &[u8]) -> Result<(), Error> {
        let key = layout::user_key(name)?;
        self.put_raw(&key, plaintext)?;
        self.store.flush()
    }

    /// Decrypts the record `name`; `None` if there is none. Returned as `SecretBox<[u8]>`.
    pub fn get(&self, name: &str) -> Result<Option<SecretBox<[u8]>>, Error> {
        let key = layout::user_key(name)?;
        let Some(plain) = self.get_raw(&key, name)? else { return Ok(None) };
        Ok(Some(SecretBox::new(Box::from(plain.as_slice()))))
    }

    /// Deletes the record `name` and flushes; `true` if it existed.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        let existed = self.store.remove(&layout::user_key(name)?)?;
        self.store.flush()?;
        Ok(existed)
    }

    /// Names of the user records starting with `prefix`, in byte order. System records
    /// (header, TOTP, recovery, counter) are never listed.
    pub fn names(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let keys = self.store.scan_prefix(&layout::prefixed(prefix.as_bytes()))?;
        keys.into_iter()
            .map(|k| {
                let name = k.get(USER_PREFIX.len()..).unwrap_or_default();
                String::from_utf8(name.to_vec())
                    .map_err(|_| Error::RecordCorrupted { name: String::from_utf8_lossy(name).into_owned() })
            })
            .collect()
    }

    /// Re-wraps the data key under `new` with a fresh salt (same Argon2id parameters).
    /// Records are untouched; the old passphrase stops working once this returns.
    pub fn change_passphrase(&self, new: &SecretString) -> Result<(), Error> {
        let header = Header::seal(self.params, new.expose_secret().as_bytes(), self.dek.expose_secret())?;
        self.store.insert(HEADER_KEY, &header.encode())?;
        self.store.flush()
    }

    /// Replaces the TOTP secret (after the person confirmed the new one). The last used
    /// time step is kept, so no code for an already used step becomes valid again.
    pub fn reset_totp(&self, enrollment: &TotpEnrollment) -> Result<(), Error> {
        let last_step = self.totp_state()?.last_step;
        self.write_totp(enrollment, last_step)?;
        self.store.flush()
    }

    /// How many recovery codes are still unused.
    pub fn remaining_recovery_codes(&self) -> Result<usize, Error> {
        Ok(self.recovery_hashes()?.remaining())
    }

    /// HKDF-SHA256(DEK, info "vigil audit hmac v1"): the key of the HMAC-chained audit log,
    /// stable for the life of the keystore (a passphrase change does not alter it).
    pub fn audit_key(&self) -> SecretBox<[u8; 32]> {
        self.derive(AUDIT_INFO)
    }

    /// Writes the initial TOTP and recovery records of a new keystore (not flushed).
    /// Verifies a fresh authenticator code while unlocked, with the same ±1
    /// step window and replay refusal as unlock (the step is recorded). Used to
    /// re-confirm the person before arming autonomous trading.
    pub fn verify_totp(&self, code: &str, now_unix: u64) -> Result<bool, Error> {
        self.accept_factor(&SecondFactor::Totp(code.to_owned()), now_unix)
    }

    pub(crate) fn enrol(
        &self,
        enrollment: &TotpEnrollment,
        codes: &RecoveryCodes,
        now_unix: u64,
    ) -> Result<(), Error> {
        // The code typed to confirm enrolment counts as used.
        self.write_totp(enrollment, now_unix / STEP_SECS)?;
        let hashes = RecoveryHashes::of(codes, self.derive(RECOVERY_INFO).expose_secret())?;
        self.put_raw(RECOVERY_KEY, &hashes.encode())
    }

    /// Checks the second factor and, if it is good, consumes it (records the TOTP step or
    /// deletes the recovery code) durably. `false` means wrong, replayed, expired or used.
    pub(crate) fn accept_factor(&self, factor: &SecondFactor, now_unix: u64) -> Result<bool, Error> {
        match factor {
            SecondFactor::Totp(code) => {
                let state = self.totp_state()?;
                let secret = state.secret.expose_secret();
                let Some(step) = totp::matching_step(secret, code, now_unix, Some(state.last_step)) else {
                    return Ok(false);
                };
                let updated = TotpState { last_step: step, ..state };
                self.put_raw(TOTP_KEY, &updated.encode())?;
            }
            SecondFactor::Recovery(code) => {
                let mut hashes = self.recovery_hashes()?;
                let key = self.derive(RECOVERY_INFO);
                if !hashes.consume(key.expose_secret(), code.expose_secret())? {
                    return Ok(false);
                }
                self.put_raw(RECOVERY_KEY, &hashes.encode())?;
            }
        }
        self.store.flush()?;
        Ok(true)
    }

    fn totp_state(&self) -> Result<TotpState, Error> {
        let plain = self.get_raw(TOTP_KEY, "totp")?.ok_or(Error::RecordCorrupted { name: "totp".into() })?;
        TotpState::decode(&plain)
    }

    fn write_totp(&self, enrollment: &TotpEnrollment, last_step: u64) -> Result<(), Error> {
        let secret = SecretBox::new(Box::new(*enrollment.secret()));
        self.put_raw(TOTP_KEY, &TotpState { secret, last_step }.encode())
    }

    fn recovery_hashes(&self) -> Result<RecoveryHashes, Error> {
        let plain = self
            .get_raw(RECOVERY_KEY, "recovery")?
            .ok_or(Error::RecordCorrupted { name: "recovery".into() })?;
        RecoveryHashes::decode(&plain)
    }

    fn put_raw(&self, key: &[u8], plaintext: &[u8]) -> Result<(), Error> {
        let sealed = record::seal(self.dek.expose_secret(), key, plaintext)?;
        self.store.insert(key, &sealed)
    }

    fn get_raw(&self, key: &[u8], label: &str) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, Error> {
        let Some(stored) = self.store.get(key)? else { return Ok(None) };
        record::open(self.dek.expose_secret(), key, &stored, label).map(Some)
    }

    fn derive(&self, info: &[u8]) -> SecretBox<[u8; 32]> {
        let mut out = SecretBox::new(Box::new([0u8; 32]));
        Hkdf::<Sha256>::new(None, self.dek.expose_secret())
            .expand(info, secrecy::ExposeSecretMut::expose_secret_mut(&mut out))
            .expect("32 bytes is far below HKDF-SHA256's 8160-byte output limit");
        out
    }
}
