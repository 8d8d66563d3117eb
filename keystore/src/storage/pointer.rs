//! The `CURRENT` file: which generation is live, and the SHA-256 of its records.
//!
//! Text, so a person can read it: `vigil keystore generation pointer v1`, then
//! `generation N`, `sha256 HEX` (the records' digest) and `check HEX` (SHA-256 of the lines
//! before it), one per line. Parsing is strict (the decoded value must re-encode to exactly
//! the same bytes) and the check line makes any damaged byte of the file itself a clear
//! "CURRENT is damaged", rather than a pointer to another generation.
//!
//! The digest covers every record, in key order, each key and value prefixed with its length
//! (u64 big-endian), after a domain string and the record count. It is a corruption check,
//! not a MAC: someone who can write the directory can rewrite it, and the records' own
//! AES-GCM tags are what stop them from forging content.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// File name of the pointer inside the keystore directory.
pub(crate) const CURRENT: &str = "CURRENT";
/// Where the next pointer is written before it is renamed over [`CURRENT`].
pub(crate) const CURRENT_TMP: &str = "CURRENT.tmp";
const FIRST_LINE: &str = "vigil keystore generation pointer v1";
const DIGEST_DOMAIN: &[u8] = b"vigil keystore records v1\0";

/// The records of one generation, in key order.
pub(crate) type Records = BTreeMap<Vec<u8>, Vec<u8>>;

/// A parsed `CURRENT`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Pointer {
    pub(crate) generation: u64,
    pub(crate) digest: [u8; 32],
}

impl Pointer {
    /// The bytes written to `CURRENT`.
    pub(crate) fn encode(&self) -> String {
        let body = format!("{FIRST_LINE}\ngeneration {}\nsha256 {}\n", self.generation, hex(&self.digest));
        let check = hex(&Sha256::digest(body.as_bytes()).into());
        format!("{body}check {check}\n")
    }

    /// Parses `CURRENT`; `None` unless the bytes are exactly what [`Pointer::encode`] writes.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Pointer> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.lines();
        if lines.next()? != FIRST_LINE {
            return None;
        }
        let generation = lines.next()?.strip_prefix("generation ")?.parse().ok()?;
        let hex = lines.next()?.strip_prefix("sha256 ")?;
        let pointer = Pointer { generation, digest: decode_hex(hex)? };
        (pointer.encode().as_bytes() == bytes).then_some(pointer)
    }
}

fn hex(bytes: &[u8; 32]) -> String {
    let mut out = String::with_capacity(64);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn decode_hex(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The directory name of generation `n`.
pub(crate) fn generation_dir(n: u64) -> String {
    format!("gen-{n:08}")
}

/// The generation number of a directory named by [`generation_dir`].
pub(crate) fn parse_generation_dir(name: &str) -> Option<u64> {
    let n = name.strip_prefix("gen-")?.parse().ok()?;
    (generation_dir(n) == name).then_some(n)
}

/// SHA-256 over every record (see the module documentation for the exact bytes).
pub(crate) fn digest(records: &Records) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DIGEST_DOMAIN);
    h.update((records.len() as u64).to_be_bytes());
    for (key, value) in records {
        h.update((key.len() as u64).to_be_bytes());
        h.update(key);
        h.update((value.len() as u64).to_be_bytes());
        h.update(value);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pointer_round_trip_and_every_flip_refused() {
        let p = Pointer { generation: 7, digest: [0xab; 32] };
        let bytes = p.encode().into_bytes();
        assert_eq!(Pointer::decode(&bytes), Some(p));
        for i in 0..bytes.len() {
            for bit in [0x01, 0x20, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= bit;
                assert_eq!(Pointer::decode(&bad), None, "byte {i} bit {bit:#x}");
            }
        }
        for len in 0..bytes.len() {
            assert_eq!(Pointer::decode(&bytes[..len]), None, "len {len}");
        }
    }

    #[test]
    fn generation_names() {
        assert_eq!(generation_dir(7), "gen-00000007");
        assert_eq!(parse_generation_dir("gen-00000007"), Some(7));
        assert_eq!(parse_generation_dir("gen-7"), None);
        assert_eq!(parse_generation_dir(".gen-00000007.tmp"), None);
    }

    #[test]
    fn digest_is_length_prefixed() {
        let a: Records = [(b"ab".to_vec(), b"c".to_vec())].into();
        let b: Records = [(b"a".to_vec(), b"bc".to_vec())].into();
        assert_ne!(digest(&a), digest(&b));
        assert_ne!(digest(&a), digest(&Records::new()));
    }
}
