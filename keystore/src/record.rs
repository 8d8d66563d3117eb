//! Encrypted record encoding: `version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`.
//!
//! The AAD is `version ‖ storage key`, so a record copied under another name (or from the
//! user namespace into the system namespace) fails authentication, and a record cannot be
//! replayed across a format change.

use zeroize::Zeroizing;

use crate::aead::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::error::Error;
use crate::header::FORMAT_VERSION;

/// Smallest well-formed record: version, nonce and tag around an empty plaintext.
const MIN_LEN: usize = 1 + NONCE_LEN + TAG_LEN;

/// The additional authenticated data binding a record to its version and storage key.
fn aad(key: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + key.len());
    aad.push(FORMAT_VERSION);
    aad.extend_from_slice(key);
    aad
}

/// Encrypts `plaintext` for storage under `key` with a fresh random nonce.
pub(crate) fn seal(dek: &[u8; KEY_LEN], key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    let (nonce, sealed) = aead::seal(dek, &aad(key), plaintext)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts a record stored under `key`. `label` names the record in the error message.
pub(crate) fn open(
    dek: &[u8; KEY_LEN],
    key: &[u8],
    stored: &[u8],
    label: &str,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let corrupted = || Error::RecordCorrupted { name: label.to_owned() };
    if stored.len() < MIN_LEN {
        return Err(corrupted());
    }
    let (version, rest) = stored.split_at(1);
    if version[0] != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion { found: version[0], supported: FORMAT_VERSION });
    }
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| corrupted())?;
    aead::open(dek, &nonce, &aad(key), sealed).ok_or_else(corrupted)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    const DEK: [u8; KEY_LEN] = [0x42; KEY_LEN];

    #[test]
    fn anything_shorter_than_an_empty_record_is_corrupt_whatever_its_version_byte() {
        // One byte short of version + nonce + tag: not a record, so not "a newer format".
        let mut short = vec![FORMAT_VERSION.wrapping_add(1)];
        short.resize(MIN_LEN - 1, 0);
        let err = open(&DEK, b"k", &short, "k").unwrap_err();
        assert!(matches!(err, Error::RecordCorrupted { .. }), "{err}");
        short.push(0);
        let err = open(&DEK, b"k", &short, "k").unwrap_err();
        assert!(matches!(err, Error::UnsupportedVersion { .. }), "{err}");
    }

    #[test]
    fn every_single_byte_flip_and_every_truncation_is_detected() {
        let stored = seal(&DEK, b"u/binance", b"api-secret-value").unwrap();
        for i in 0..stored.len() {
            for bit in 0..8 {
                let mut bad = stored.clone();
                bad[i] ^= 1 << bit;
                assert!(open(&DEK, b"u/binance", &bad, "binance").is_err(), "byte {i} bit {bit}");
            }
        }
        for len in 0..stored.len() {
            assert!(open(&DEK, b"u/binance", &stored[..len], "binance").is_err(), "len {len}");
        }
    }

    #[test]
    fn record_moved_under_another_name_fails() {
        let stored = seal(&DEK, b"u/a", b"x").unwrap();
        let err = open(&DEK, b"u/b", &stored, "b").err().unwrap();
        assert!(matches!(err, Error::RecordCorrupted { .. }));
        assert!(open(&DEK, b"s/a", &stored, "a").is_err());
    }

    proptest! {
        #[test]
        fn round_trip(key in proptest::collection::vec(any::<u8>(), 0..64),
                      pt in proptest::collection::vec(any::<u8>(), 0..512)) {
            let stored = seal(&DEK, &key, &pt).unwrap();
            let opened = open(&DEK, &key, &stored, "p").unwrap();
            prop_assert_eq!(opened.as_slice(), pt.as_slice());
        }

        /// Arbitrary corruption (overwrite, truncate, extend) never panics and never yields
        /// a plaintext other than the original.
        #[test]
        fn corruption_never_panics_nor_returns_wrong_plaintext(
            pt in proptest::collection::vec(any::<u8>(), 0..256),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
            cut in proptest::option::of(any::<prop::sample::Index>()),
            extra in proptest::collection::vec(any::<u8>(), 0..4),
        ) {
            let stored = seal(&DEK, b"u/k", &pt).unwrap();
            let mut bad = stored.clone();
            for (idx, byte) in &edits {
                let i = idx.index(bad.len());
                bad[i] = *byte;
            }
            if let Some(cut) = cut {
                bad.truncate(cut.index(bad.len()));
            }
            bad.extend_from_slice(&extra);
            match open(&DEK, b"u/k", &bad, "k") {
                Ok(got) => {
                    prop_assert_eq!(&bad, &stored);
                    prop_assert_eq!(got.as_slice(), pt.as_slice());
                }
                Err(_) => prop_assert_ne!(&bad, &stored),
            }
        }
    }
}
