//! The keystore header: magic, format version, KDF parameters, salt and the wrapped DEK.
//!
//! Layout (version 1, 129 bytes, integers big-endian):
//! `magic "vigil-ks" (8) ‖ version (1) ‖ m_kib (4) ‖ t (4) ‖ p (4) ‖ salt (16) ‖
//!  wrap nonce (12) ‖ wrapped DEK + tag (48) ‖ SHA-256 of all preceding bytes (32)`.
//!
//! Bytes 0..37 (magic through salt) are the AAD of the DEK wrap, so parameters and salt are
//! authenticated by the passphrase. The SHA-256 trailer is *not* a security measure: it lets
//! accidental corruption say "header is corrupted" instead of "wrong passphrase".

use secrecy::SecretBox;
use sha2::{Digest, Sha256};

use crate::aead::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::error::Error;
use crate::params::{KdfParams, SALT_LEN};

/// Identifies a vigil keystore header.
const MAGIC: &[u8; 8] = b"vigil-ks";
/// The format this build reads and writes; also bound into every record's AAD.
pub(crate) const FORMAT_VERSION: u8 = 1;

const AAD_END: usize = 8 + 1 + 12 + SALT_LEN;
const WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;
const BODY_END: usize = AAD_END + NONCE_LEN + WRAPPED_LEN;
const CHECKSUM_LEN: usize = 32;
/// Exact encoded length of a version-1 header.
pub(crate) const HEADER_LEN: usize = BODY_END + CHECKSUM_LEN;

/// A parsed (structurally valid, parameters in range) header.
pub(crate) struct Header {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    wrapped: [u8; WRAPPED_LEN],
}

impl Header {
    /// Wraps `dek` under a KEK derived from `passphrase` with a fresh random salt.
    pub(crate) fn seal(params: KdfParams, passphrase: &[u8], dek: &[u8; KEY_LEN]) -> Result<Self, Error> {
        let salt = aead::random_bytes::<SALT_LEN>()?;
        let kek = params.derive_kek(passphrase, &salt)?;
        let mut header = Header { params, salt, nonce: [0; NONCE_LEN], wrapped: [0; WRAPPED_LEN] };
        let aad = header.aad();
        let (nonce, sealed) = aead::seal(&kek, &aad, dek)?;
        header.nonce = nonce;
        header.wrapped = sealed.as_slice().try_into().map_err(|_| Error::TooLarge)?;
        Ok(header)
    }

    /// The Argon2id parameters this header asks for (already validated).
    pub(crate) fn params(&self) -> KdfParams {
        self.params
    }

    /// Runs the KDF and unwraps the DEK. `Ok(None)` means the passphrase is wrong (or the
    /// authenticated fields were tampered with and the checksum recomputed).
    pub(crate) fn unwrap_dek(&self, passphrase: &[u8]) -> Result<Option<SecretBox<[u8; KEY_LEN]>>, Error> {
        let kek = self.params.derive_kek(passphrase, &self.salt)?;
        let Some(plain) = aead::open(&kek, &self.nonce, &self.aad(), &self.wrapped) else {
            return Ok(None);
        };
        let mut dek = SecretBox::new(Box::new([0u8; KEY_LEN]));
        let bytes: &[u8; KEY_LEN] = plain
            .as_slice()
            .try_into()
            .map_err(|_| Error::HeaderCorrupted { detail: "wrapped data key has the wrong length" })?;
        secrecy::ExposeSecretMut::expose_secret_mut(&mut dek).copy_from_slice(bytes);
        Ok(Some(dek))
    }

    fn aad(&self) -> [u8; AAD_END] {
        let mut aad = [0u8; AAD_END];
        aad[..8].copy_from_slice(MAGIC);
        aad[8] = FORMAT_VERSION;
        aad[9..13].copy_from_slice(&self.params.m_kib.to_be_bytes());
        aad[13..17].copy_from_slice(&self.params.t.to_be_bytes());
        aad[17..21].copy_from_slice(&self.params.p.to_be_bytes());
        aad[21..AAD_END].copy_from_slice(&self.salt);
        aad
    }

    /// Serialises to the on-disk layout, checksum included.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(&self.aad());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.wrapped);
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Parses and checks a header without running any KDF: magic, version, length,
    /// checksum, then parameter floor and cap.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let corrupted = |detail| Error::HeaderCorrupted { detail };
        if bytes.len() < 9 || &bytes[..8] != MAGIC {
            return Err(corrupted("not a vigil keystore header: bad magic"));
        }
        if bytes[8] != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion { found: bytes[8], supported: FORMAT_VERSION });
        }
        if bytes.len() != HEADER_LEN {
            return Err(corrupted("wrong length"));
        }
        let (body, sum) = bytes.split_at(BODY_END);
        if Sha256::digest(body).as_slice() != sum {
            return Err(corrupted("checksum mismatch"));
        }
        let u32_at =
            |i: usize| bytes[i..i + 4].try_into().map(u32::from_be_bytes).map_err(|_| corrupted("truncated"));
        let params = KdfParams { m_kib: u32_at(9)?, t: u32_at(13)?, p: u32_at(17)? };
        params.validate()?;
        let field = |range: std::ops::Range<usize>| &bytes[range];
        Ok(Header {
            params,
            salt: field(21..AAD_END).try_into().map_err(|_| corrupted("truncated"))?,
            nonce: field(AAD_END..AAD_END + NONCE_LEN).try_into().map_err(|_| corrupted("truncated"))?,
            wrapped: field(AAD_END + NONCE_LEN..BODY_END).try_into().map_err(|_| corrupted("truncated"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use secrecy::ExposeSecret;

    const FAST: KdfParams = KdfParams { m_kib: 19_456, t: 2, p: 1 };

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let dek = [9u8; KEY_LEN];
        let bytes = Header::seal(FAST, b"correct horse", &dek).unwrap().encode();
        assert_eq!(bytes.len(), HEADER_LEN);
        let header = Header::decode(&bytes).unwrap();
        assert_eq!(header.params(), FAST);
        assert_eq!(header.unwrap_dek(b"correct horse").unwrap().unwrap().expose_secret(), &dek);
        assert!(header.unwrap_dek(b"wrong horse").unwrap().is_none());
    }

    #[test]
    fn every_byte_flip_is_refused_before_any_kdf() {
        let bytes = Header::seal(FAST, b"pw", &[1u8; KEY_LEN]).unwrap().encode();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            let err = Header::decode(&bad).err().unwrap();
            let expected = if i == 8 {
                matches!(err, Error::UnsupportedVersion { found: 0, .. })
            } else {
                matches!(err, Error::HeaderCorrupted { .. })
            };
            assert!(expected, "byte {i}: {err}");
        }
        for len in 0..bytes.len() {
            assert!(Header::decode(&bytes[..len]).is_err(), "len {len}");
        }
    }

    /// Authenticated fields changed with a recomputed checksum (deliberate tampering) are
    /// caught by the DEK wrap, or by the parameter cap before the KDF runs.
    #[test]
    fn tampered_params_with_fixed_checksum() {
        let bytes = Header::seal(FAST, b"pw", &[1u8; KEY_LEN]).unwrap().encode();
        let refix = |mut b: Vec<u8>| {
            let sum = Sha256::digest(&b[..BODY_END]);
            b[BODY_END..].copy_from_slice(&sum);
            b
        };
        let mut hostile = bytes.clone();
        hostile[9..13].copy_from_slice(&u32::MAX.to_be_bytes());
        let err = Header::decode(&refix(hostile)).err().unwrap();
        assert!(matches!(err, Error::KdfParamsOutOfRange { .. }), "{err}");

        let mut salt_flip = bytes.clone();
        salt_flip[30] ^= 0x80;
        let header = Header::decode(&refix(salt_flip)).unwrap();
        assert!(header.unwrap_dek(b"pw").unwrap().is_none());
    }

    #[test]
    fn unknown_version_is_its_own_error() {
        let mut bytes = Header::seal(FAST, b"pw", &[1u8; KEY_LEN]).unwrap().encode();
        bytes[8] = 2;
        bytes.truncate(40); // a future layout may have any length
        let err = Header::decode(&bytes).err().unwrap();
        assert!(matches!(err, Error::UnsupportedVersion { found: 2, supported: 1 }), "{err}");
    }

    #[test]
    fn the_shortest_readable_prefix_is_judged_by_its_version_then_its_length() {
        // Magic and version alone (9 bytes): read far enough to name what is wrong.
        let mut prefix = MAGIC.to_vec();
        prefix.push(FORMAT_VERSION);
        let err = Header::decode(&prefix).err().unwrap();
        assert!(matches!(err, Error::HeaderCorrupted { detail: "wrong length" }), "{err}");
        prefix[8] = 2;
        let err = Header::decode(&prefix).err().unwrap();
        assert!(matches!(err, Error::UnsupportedVersion { found: 2, .. }), "{err}");
        // One byte less is not a header at all.
        let err = Header::decode(&MAGIC[..]).err().unwrap();
        assert!(
            matches!(err, Error::HeaderCorrupted { detail: "not a vigil keystore header: bad magic" }),
            "{err}"
        );
    }
}
