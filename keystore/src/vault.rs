//! The unlocked vault: holds the data key and reads/writes encrypted records.
//!
//! Every write is flushed before the method returns, so an acknowledged `put` survives a
//! crash. Plaintexts are returned in `SecretBox`es and every intermediate copy is zeroized.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use hkdf::Hkdf;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

use crate::aead::{KEY_LEN, random_bytes};
use crate::error::Error;
use crate::header::Header;
use crate::layout::{
    self, DERIVED_KEY, HEADER_KEY, LOCKOUT_KEY, RECOVERY_KEY, TOTP_KEY, TotpState, USER_PREFIX,
};
use crate::params::KdfParams;
use crate::recovery::{RecoveryCodes, RecoveryHashes};
use crate::storage::Store;
use crate::totp::{self, STEP_SECS, TotpEnrollment};
use crate::{SecondFactor, record};

/// HKDF info for the audit-log HMAC key.
const AUDIT_INFO: &[u8] = b"vigil audit hmac v1";
/// HKDF info for the recovery-code hashing key.
const RECOVERY_INFO: &[u8] = b"vigil recovery code v1";

/// A storage key and the bytes stored under it.
type StoredRecord = (Vec<u8>, Vec<u8>);

/// The keys an unlocked vault works with, each zeroized on drop.
struct Keys {
    /// Encrypts every record; replaced by [`Vault::change_passphrase`].
    dek: SecretBox<[u8; KEY_LEN]>,
    /// The audit-log HMAC key: stable for the life of the keystore.
    audit: SecretBox<[u8; 32]>,
    /// Keys the recovery-code hashes: stable, or the stored hashes stop matching.
    recovery: SecretBox<[u8; 32]>,
}

/// An unlocked keystore. The keys sit in `SecretBox`es and are zeroized on drop.
pub struct Vault {
    store: Arc<dyn Store>,
    keys: RwLock<Keys>,
    params: KdfParams,
}

impl Vault {
    /// The derived keys come from the `s/derived` record once the data key has been rotated,
    /// and from HKDF over the data key before that (what every keystore starts with).
    pub(crate) fn new(
        store: Arc<dyn Store>,
        dek: SecretBox<[u8; KEY_LEN]>,
        params: KdfParams,
    ) -> Result<Self, Error> {
        let keys = match store.get(DERIVED_KEY)? {
            Some(sealed) => {
                let plain = record::open(dek.expose_secret(), DERIVED_KEY, &sealed, "derived keys")?;
                stored_keys(dek, &plain)?
            }
            None => derived_keys(dek),
        };
        Ok(Vault { store, keys: RwLock::new(keys), params })
    }

    fn keys(&self) -> RwLockReadGuard<'_, Keys> {
        // Keys are replaced in one assignment, so a poisoned lock still holds a whole set.
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
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

    /// Changes the passphrase and rotates the data key: every record is decrypted with the
    /// old data key and sealed again under a fresh random one, which is wrapped under `new`
    /// (fresh salt, same Argon2id parameters). All of it is one flush, so one new
    /// generation: either everything switches or nothing does, and no file keeps the old
    /// wrapped key or an old ciphertext. The audit and recovery keys stay the same (they
    /// are stored in `s/derived`, sealed under the new data key).
    pub fn change_passphrase(&self, new: &SecretString) -> Result<(), Error> {
        let mut guard = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        let fresh = SecretBox::new(Box::new(random_bytes::<KEY_LEN>()?));
        let resealed = self.resealed_records(&guard, fresh.expose_secret())?;
        let derived = derived_plaintext(&guard);
        let header = Header::seal(self.params, new.expose_secret().as_bytes(), fresh.expose_secret())?;
        for (key, sealed) in &resealed {
            self.store.insert(key, sealed)?;
        }
        self.store.insert(DERIVED_KEY, &record::seal(fresh.expose_secret(), DERIVED_KEY, &derived)?)?;
        self.store.insert(HEADER_KEY, &header.encode())?;
        self.store.flush()?;
        guard.dek = fresh;
        Ok(())
    }

    /// Every encrypted record (all but the header, the counter and `s/derived`, which is
    /// rewritten separately), opened with the current data key and sealed under `fresh`.
    fn resealed_records(&self, keys: &Keys, fresh: &[u8; KEY_LEN]) -> Result<Vec<StoredRecord>, Error> {
        let plain_records = [HEADER_KEY, LOCKOUT_KEY, DERIVED_KEY];
        let mut out = Vec::new();
        for key in self.store.scan_prefix(b"")? {
            if plain_records.contains(&key.as_slice()) {
                continue;
            }
            let label = record_label(&key);
            let stored =
                self.store.get(&key)?.ok_or_else(|| Error::RecordCorrupted { name: label.clone() })?;
            let plain = record::open(keys.dek.expose_secret(), &key, &stored, &label)?;
            out.push((key.clone(), record::seal(fresh, &key, &plain)?));
        }
        Ok(out)
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

    /// HKDF-SHA256(first DEK, info "vigil audit hmac v1"): the key of the HMAC-chained audit
    /// log, stable for the life of the keystore (a passphrase change and the data-key
    /// rotation it brings do not alter it).
    pub fn audit_key(&self) -> SecretBox<[u8; 32]> {
        SecretBox::new(Box::new(*self.keys().audit.expose_secret()))
    }

    /// Verifies a fresh authenticator code while unlocked, with the same ±1
    /// step window and replay refusal as unlock (the step is recorded). Used to
    /// re-confirm the person before arming autonomous trading.
    pub fn verify_totp(&self, code: &str, now_unix: u64) -> Result<bool, Error> {
        self.accept_factor(&SecondFactor::Totp(code.to_owned()), now_unix)
    }

    /// Writes the initial TOTP and recovery records of a new keystore (not flushed).
    pub(crate) fn enrol(
        &self,
        enrollment: &TotpEnrollment,
        codes: &RecoveryCodes,
        now_unix: u64,
    ) -> Result<(), Error> {
        // The code typed to confirm enrolment counts as used.
        self.write_totp(enrollment, now_unix / STEP_SECS)?;
        let hashes = RecoveryHashes::of(codes, self.keys().recovery.expose_secret())?;
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
                if !hashes.consume(self.keys().recovery.expose_secret(), code.expose_secret())? {
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
        let sealed = record::seal(self.keys().dek.expose_secret(), key, plaintext)?;
        self.store.insert(key, &sealed)
    }

    fn get_raw(&self, key: &[u8], label: &str) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, Error> {
        let Some(stored) = self.store.get(key)? else { return Ok(None) };
        record::open(self.keys().dek.expose_secret(), key, &stored, label).map(Some)
    }
}

/// The keys of a vault whose data key was never rotated: both derived from it.
fn derived_keys(dek: SecretBox<[u8; KEY_LEN]>) -> Keys {
    let audit = hkdf(dek.expose_secret(), AUDIT_INFO);
    let recovery = hkdf(dek.expose_secret(), RECOVERY_INFO);
    Keys { dek, audit, recovery }
}

/// The keys of a rotated vault: `s/derived` holds `audit key (32) ‖ recovery key (32)`.
fn stored_keys(dek: SecretBox<[u8; KEY_LEN]>, plain: &[u8]) -> Result<Keys, Error> {
    let corrupted = || Error::RecordCorrupted { name: "derived keys".into() };
    let (audit, recovery) = plain.split_at_checked(32).ok_or_else(corrupted)?;
    let boxed = |bytes: &[u8]| -> Result<SecretBox<[u8; 32]>, Error> {
        Ok(SecretBox::new(Box::new(bytes.try_into().map_err(|_| corrupted())?)))
    };
    Ok(Keys { dek, audit: boxed(audit)?, recovery: boxed(recovery)? })
}

fn derived_plaintext(keys: &Keys) -> zeroize::Zeroizing<Vec<u8>> {
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(64));
    out.extend_from_slice(keys.audit.expose_secret());
    out.extend_from_slice(keys.recovery.expose_secret());
    out
}

/// How a record is named in errors: the user's name, or the system record's role.
fn record_label(key: &[u8]) -> String {
    let name = key.strip_prefix(USER_PREFIX).or_else(|| key.strip_prefix(b"s/".as_slice())).unwrap_or(key);
    String::from_utf8_lossy(name).into_owned()
}

fn hkdf(ikm: &[u8; KEY_LEN], info: &[u8]) -> SecretBox<[u8; 32]> {
    let mut out = SecretBox::new(Box::new([0u8; 32]));
    Hkdf::<Sha256>::new(None, ikm)
        .expand(info, secrecy::ExposeSecretMut::expose_secret_mut(&mut out))
        .expect("32 bytes is far below HKDF-SHA256's 8160-byte output limit");
    out
}
