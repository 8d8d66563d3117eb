//! AES-256-GCM and randomness: the only two primitives records and the header are built on.
//!
//! Nonces are always fresh random 96-bit values drawn from the OS; the with-nonce function
//! exists because the published NIST vectors need a fixed nonce, and it is the very function
//! the random-nonce path calls.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::TryRng;
use rand::rngs::SysRng;
use zeroize::Zeroizing;

use crate::error::Error;

/// AES-GCM nonce length (96 bits).
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length (128 bits).
pub(crate) const TAG_LEN: usize = 16;
/// AES-256 key length.
pub(crate) const KEY_LEN: usize = 32;

/// `N` bytes from the operating system's CSPRNG.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    SysRng.try_fill_bytes(&mut out).map_err(|e| Error::Random(e.to_string()))?;
    Ok(out)
}

/// Encrypts `plaintext` under `key` with the given nonce; returns ciphertext ‖ tag.
/// Callers other than the vector tests go through [`seal`], which picks the nonce.
pub(crate) fn seal_with_nonce(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    cipher.encrypt(&Nonce::from(*nonce), Payload { msg: plaintext, aad }).map_err(|_| Error::TooLarge)
}

/// Encrypts with a fresh random nonce; returns `(nonce, ciphertext ‖ tag)`.
pub(crate) fn seal(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; NONCE_LEN], Vec<u8>), Error> {
    let nonce = random_bytes::<NONCE_LEN>()?;
    Ok((nonce, seal_with_nonce(key, &nonce, aad, plaintext)?))
}

/// Decrypts and authenticates ciphertext ‖ tag. `None` means authentication failed (wrong
/// key, wrong AAD, or any modified/truncated byte); the caller decides what that means.
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if ciphertext_and_tag.len() < TAG_LEN {
        return None;
    }
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    cipher.decrypt(&Nonce::from(*nonce), Payload { msg: ciphertext_and_tag, aad }).ok().map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct Vector {
        key: &'static str,
        iv: &'static str,
        pt: &'static str,
        aad: &'static str,
        ct: &'static str,
        tag: &'static str,
    }

    /// NIST CAVP gcmEncryptExtIV256.rsp rows and McGrew–Viega TC13–16 (reference §5.4).
    const VECTORS: &[Vector] = &[
        Vector {
            key: "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4",
            iv: "516c33929df5a3284ff463d7",
            pt: "",
            aad: "",
            ct: "",
            tag: "bdc1ac884d332457a1d2664f168c76f0",
        },
        Vector {
            key: "78dc4e0aaf52d935c3c01eea57428f00ca1fd475f5da86a49c8dd73d68c8e223",
            iv: "d79cf22d504cc793c3fb6c8a",
            pt: "",
            aad: "b96baa8c1c75a671bfb2d08d06be5f36",
            ct: "",
            tag: "3e5d486aa2e30b22e040b85723a06e76",
        },
        Vector {
            key: "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22",
            iv: "0d18e06c7c725ac9e362e1ce",
            pt: "2db5168e932556f8089a0622981d017d",
            aad: "",
            ct: "fa4362189661d163fcd6a56d8bf0405a",
            tag: "d636ac1bbedd5cc3ee727dc2ab4a9489",
        },
        Vector {
            key: "92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b",
            iv: "ac93a1a6145299bde902f21a",
            pt: "2d71bcfa914e4ac045b2aa60955fad24",
            aad: "1e0889016f67601c8ebea4943bc23ad6",
            ct: "8995ae2e6df3dbf96fac7b7137bae67f",
            tag: "eca5aa77d51d4a0a14d9c51e1da474ab",
        },
        Vector {
            key: "0000000000000000000000000000000000000000000000000000000000000000",
            iv: "000000000000000000000000",
            pt: "",
            aad: "",
            ct: "",
            tag: "530f8afbc74536b9a963b4f1c4cb738b",
        },
        Vector {
            key: "0000000000000000000000000000000000000000000000000000000000000000",
            iv: "000000000000000000000000",
            pt: "00000000000000000000000000000000",
            aad: "",
            ct: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919",
        },
        Vector {
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            iv: "cafebabefacedbaddecaf888",
            pt: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            aad: "",
            ct: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            tag: "b094dac5d93471bdec1a502270e3cc6c",
        },
        Vector {
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            iv: "cafebabefacedbaddecaf888",
            pt: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ct: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b",
        },
    ];

    #[test]
    fn published_aes256_gcm_vectors_seal_and_open() {
        for (i, v) in VECTORS.iter().enumerate() {
            let key: [u8; KEY_LEN] = hex::decode(v.key).unwrap().try_into().unwrap();
            let iv: [u8; NONCE_LEN] = hex::decode(v.iv).unwrap().try_into().unwrap();
            let pt = hex::decode(v.pt).unwrap();
            let aad = hex::decode(v.aad).unwrap();
            let sealed = seal_with_nonce(&key, &iv, &aad, &pt).unwrap();
            assert_eq!(hex::encode(&sealed), format!("{}{}", v.ct, v.tag), "vector {i}");
            let opened = open(&key, &iv, &aad, &sealed).unwrap();
            assert_eq!(opened.as_slice(), pt.as_slice(), "vector {i}");
            let mut bad = sealed.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(open(&key, &iv, &aad, &bad).is_none(), "vector {i} tag flip accepted");
        }
    }

    #[test]
    fn random_nonces_differ_and_short_input_is_refused() {
        let key = [7u8; KEY_LEN];
        let (n1, c1) = seal(&key, b"a", b"same").unwrap();
        let (n2, c2) = seal(&key, b"a", b"same").unwrap();
        assert_ne!(n1, n2);
        assert_ne!(c1, c2);
        assert!(open(&key, &n1, b"a", &c1[..TAG_LEN - 1]).is_none());
        assert!(open(&key, &n1, b"b", &c1).is_none());
    }
}
