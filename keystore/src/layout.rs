//! Where things live in the key-value store, and the plaintext of the TOTP record.
//!
//! Two namespaces: `s/` for the keystore's own records and `u/` for the caller's, so no user
//! name can collide with (or be swapped for) a system record: the full key is in the AAD.

use secrecy::SecretBox;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::totp::SECRET_LEN;

/// The header (plain, checksummed, fields authenticated by the DEK wrap).
pub(crate) const HEADER_KEY: &[u8] = b"s/header";
/// The failed-unlock counter (plain: it must work before unlock).
pub(crate) const LOCKOUT_KEY: &[u8] = b"s/lockout";
/// The TOTP secret and the last accepted time step (encrypted).
pub(crate) const TOTP_KEY: &[u8] = b"s/totp";
/// Hashes of the unused recovery codes (encrypted).
pub(crate) const RECOVERY_KEY: &[u8] = b"s/recovery";
/// The audit and recovery keys, once the data key has been rotated (encrypted).
pub(crate) const DERIVED_KEY: &[u8] = b"s/derived";
/// Prefix of every user record.
pub(crate) const USER_PREFIX: &[u8] = b"u/";
/// Longest accepted user record name, in bytes.
const MAX_NAME_LEN: usize = 1024;

/// The store key of user record `name`, after checking the name is acceptable.
pub(crate) fn user_key(name: &str) -> Result<Vec<u8>, Error> {
    if name.is_empty() {
        return Err(Error::InvalidName { reason: "a record name cannot be empty" });
    }
    if name.len() > MAX_NAME_LEN {
        return Err(Error::InvalidName { reason: "a record name is limited to 1024 bytes" });
    }
    Ok(prefixed(name.as_bytes()))
}

/// `u/` followed by `bytes` (also used for prefix scans, where empty is fine).
pub(crate) fn prefixed(bytes: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(USER_PREFIX.len() + bytes.len());
    key.extend_from_slice(USER_PREFIX);
    key.extend_from_slice(bytes);
    key
}

/// Decrypted content of the TOTP record: `secret (20) ‖ last accepted step (8, BE)`.
pub(crate) struct TotpState {
    pub(crate) secret: SecretBox<[u8; SECRET_LEN]>,
    /// The newest time step a code was accepted for; codes for it or earlier are refused.
    pub(crate) last_step: u64,
}

impl TotpState {
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        use secrecy::ExposeSecret;
        let mut out = Zeroizing::new(Vec::with_capacity(SECRET_LEN + 8));
        out.extend_from_slice(self.secret.expose_secret());
        out.extend_from_slice(&self.last_step.to_be_bytes());
        out
    }

    pub(crate) fn decode(plain: &[u8]) -> Result<Self, Error> {
        let corrupted = || Error::RecordCorrupted { name: "totp".into() };
        if plain.len() != SECRET_LEN + 8 {
            return Err(corrupted());
        }
        let (secret, step) = plain.split_at(SECRET_LEN);
        let mut boxed = SecretBox::new(Box::new([0u8; SECRET_LEN]));
        secrecy::ExposeSecretMut::expose_secret_mut(&mut boxed).copy_from_slice(secret);
        let last_step = step.try_into().map(u64::from_be_bytes).map_err(|_| corrupted())?;
        Ok(TotpState { secret: boxed, last_step })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn names_are_checked_and_namespaced() {
        assert_eq!(user_key("binance/key").unwrap(), b"u/binance/key");
        assert!(user_key("").is_err());
        assert!(user_key(&"x".repeat(1025)).is_err());
        assert!(user_key(&"x".repeat(1024)).is_ok());
    }

    #[test]
    fn totp_state_round_trip() {
        let s = TotpState { secret: SecretBox::new(Box::new([3; SECRET_LEN])), last_step: 42 };
        let back = TotpState::decode(&s.encode()).unwrap();
        assert_eq!(back.secret.expose_secret(), &[3; SECRET_LEN]);
        assert_eq!(back.last_step, 42);
        assert!(TotpState::decode(&s.encode()[1..]).is_err());
    }
}
