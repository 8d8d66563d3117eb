//! Single-use recovery codes: ten `xxxxx-xxxxx` codes (Crockford base32, 50 bits each),
//! shown once at init, stored only as keyed hashes inside an encrypted record. A recovery
//! code stands in for a TOTP code exactly once.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::aead::random_bytes;
use crate::error::Error;

/// How many codes an init (or a future re-issue) produces.
pub(crate) const CODE_COUNT: usize = 10;
/// Characters per code, without the dash: 10 × 5 bits = 50 bits.
const CODE_CHARS: usize = 10;
/// Crockford's base32 alphabet (no i, l, o, u), lower case: easy to read aloud and type.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Length of one stored hash.
const HASH_LEN: usize = 32;

/// The ten recovery codes, to be shown once. Secret-ish: no `Debug`, `Clone` or `Display`;
/// zeroized on drop.
pub struct RecoveryCodes {
    codes: Vec<SecretString>,
}

impl RecoveryCodes {
    /// Draws fresh codes from the OS random generator.
    pub(crate) fn generate() -> Result<Self, Error> {
        let mut codes = Vec::with_capacity(CODE_COUNT);
        for _ in 0..CODE_COUNT {
            let raw = Zeroizing::new(random_bytes::<CODE_CHARS>()?);
            let mut text = Zeroizing::new(String::with_capacity(CODE_CHARS + 1));
            for (i, byte) in raw.iter().enumerate() {
                if i == CODE_CHARS / 2 {
                    text.push('-');
                }
                // 256 is a multiple of 32, so masking keeps the distribution uniform.
                text.push(char::from(ALPHABET[usize::from(byte & 31)]));
            }
            codes.push(SecretString::from(text.as_str()));
        }
        Ok(RecoveryCodes { codes })
    }

    /// The codes, in display form (`xxxxx-xxxxx`).
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().map(|c| c.expose_secret())
    }

    /// How many codes there are (ten).
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Always `false` for codes produced by `create`; present for API completeness.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// The hashes of the recovery codes not yet used, as kept in the encrypted `recovery` record.
pub(crate) struct RecoveryHashes {
    hashes: Vec<[u8; HASH_LEN]>,
}

impl RecoveryHashes {
    /// Hashes each code under `key` (HMAC-SHA256, key derived from the DEK).
    pub(crate) fn of(codes: &RecoveryCodes, key: &[u8; 32]) -> Result<Self, Error> {
        let hashes = codes.iter().map(|c| hash(key, c)).collect::<Result<Option<Vec<_>>, _>>()?;
        // Our own codes always normalise; `None` here would be a bug in `generate`.
        let hashes = hashes.ok_or(Error::RecordCorrupted { name: "recovery".into() })?;
        Ok(RecoveryHashes { hashes })
    }

    /// Number of unused codes.
    pub(crate) fn remaining(&self) -> usize {
        self.hashes.len()
    }

    /// If `code` matches an unused code, removes it and returns `true`. Every stored hash is
    /// compared, in constant time, whether or not an earlier one matched.
    pub(crate) fn consume(&mut self, key: &[u8; 32], code: &str) -> Result<bool, Error> {
        let Some(candidate) = mac_of(key, code)? else { return Ok(false) };
        let mut found = None;
        for (i, stored) in self.hashes.iter().enumerate() {
            if candidate.clone().verify_slice(stored).is_ok() {
                found = Some(i);
            }
        }
        Ok(found.map(|i| self.hashes.remove(i)).is_some())
    }

    /// `count (1) ‖ hashes`, the plaintext of the encrypted record.
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(1 + self.hashes.len() * HASH_LEN));
        out.push(u8::try_from(self.hashes.len()).unwrap_or(u8::MAX));
        for h in &self.hashes {
            out.extend_from_slice(h);
        }
        out
    }

    /// Parses [`RecoveryHashes::encode`] output (already authenticated by AES-GCM).
    pub(crate) fn decode(plain: &[u8]) -> Result<Self, Error> {
        let corrupted = || Error::RecordCorrupted { name: "recovery".into() };
        let (&count, rest) = plain.split_first().ok_or_else(corrupted)?;
        if usize::from(count) > CODE_COUNT || rest.len() != usize::from(count) * HASH_LEN {
            return Err(corrupted());
        }
        let hashes = rest
            .chunks_exact(HASH_LEN)
            .map(|c| c.try_into().map_err(|_| corrupted()))
            .collect::<Result<_, _>>()?;
        Ok(RecoveryHashes { hashes })
    }
}

/// Canonical form of a typed code: lower case, dashes and spaces dropped, Crockford's
/// look-alikes mapped (i/l → 1, o → 0). `None` if it cannot be a code.
fn normalize(code: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(CODE_CHARS));
    for c in code.chars().filter(|c| *c != '-' && !c.is_whitespace()) {
        let c = match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || out.len() == CODE_CHARS {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_CHARS).then_some(out)
}

fn mac_of(key: &[u8; 32], code: &str) -> Result<Option<Hmac<Sha256>>, Error> {
    let Some(norm) = normalize(code) else { return Ok(None) };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .map_err(|_| Error::RecordCorrupted { name: "recovery".into() })?;
    mac.update(norm.as_bytes());
    Ok(Some(mac))
}

fn hash(key: &[u8; 32], code: &str) -> Result<Option<[u8; HASH_LEN]>, Error> {
    Ok(mac_of(key, code)?.map(|m| m.finalize().into_bytes().into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const KEY: [u8; 32] = [5; 32];

    #[test]
    fn codes_have_the_documented_shape_and_are_distinct() {
        let codes = RecoveryCodes::generate().unwrap();
        assert_eq!(codes.len(), CODE_COUNT);
        let all: Vec<&str> = codes.iter().collect();
        for c in &all {
            assert_eq!(c.len(), 11, "{c}");
            assert_eq!(&c[5..6], "-");
            assert!(c.bytes().filter(|b| *b != b'-').all(|b| ALPHABET.contains(&b)));
        }
        let mut dedup = all.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), all.len());
    }

    #[test]
    fn each_code_works_once_with_forgiving_typing() {
        let codes = RecoveryCodes::generate().unwrap();
        let mut hashes = RecoveryHashes::of(&codes, &KEY).unwrap();
        let first = codes.iter().next().unwrap().to_owned();
        let typed = format!("  {} ", first.to_uppercase().replace('-', " "));
        assert!(hashes.consume(&KEY, &typed).unwrap());
        assert_eq!(hashes.remaining(), CODE_COUNT - 1);
        assert!(!hashes.consume(&KEY, &first).unwrap(), "second use accepted");
        assert!(!hashes.consume(&[6; 32], codes.iter().nth(1).unwrap()).unwrap(), "wrong key");
        for bad in ["", "abc", "uuuuu-uuuuu", "00000-000000", "ééééé-ééééé"] {
            assert!(!hashes.consume(&KEY, bad).unwrap(), "{bad}");
        }
        let decoded = RecoveryHashes::decode(&hashes.encode()).unwrap();
        assert_eq!(decoded.remaining(), CODE_COUNT - 1);
        let mut decoded = decoded;
        assert!(decoded.consume(&KEY, codes.iter().nth(2).unwrap()).unwrap());
    }

    #[test]
    fn look_alike_characters_are_normalised() {
        assert_eq!(normalize("IlOo0-11000").unwrap().as_str(), "11000-11000".replace('-', ""));
        assert!(normalize("abcde-fghjk-m").is_none());
    }

    #[test]
    fn malformed_records_are_refused() {
        assert!(RecoveryHashes::decode(&[]).is_err());
        assert!(RecoveryHashes::decode(&[1]).is_err());
        assert!(RecoveryHashes::decode(&[11; 1 + 11 * 32]).is_err());
        assert!(RecoveryHashes::decode(&[0]).unwrap().remaining() == 0);
    }
}
