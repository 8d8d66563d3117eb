//! On-disk tampering and corruption: every byte class of the header and of a record, a
//! truncated record, records moved under another name, unknown versions and hostile KDF
//! parameters. Each gives a clear error, never a panic, and nothing is rewritten.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Fixture, PASS, T0, pass, with_raw_db};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use vigil_keystore::{Error, Keystore};

const HEADER: &[u8] = b"s/header";
const HEADER_LEN: usize = 129;
/// version (1) + nonce (12): where the ciphertext starts.
const CT_START: usize = 13;
const TAG_LEN: usize = 16;

fn raw_get(fx: &Fixture, key: &[u8]) -> Vec<u8> {
    with_raw_db(&fx.dir, |db| db.get(key).unwrap().unwrap().to_vec())
}

fn raw_put(fx: &Fixture, key: &[u8], value: &[u8]) {
    with_raw_db(&fx.dir, |db| db.insert(key, value).unwrap());
}

#[test]
fn every_header_byte_flip_is_refused_on_open() {
    let fx = Fixture::new();
    let header = raw_get(&fx, HEADER);
    assert_eq!(header.len(), HEADER_LEN);
    for i in 0..header.len() {
        let mut bad = header.clone();
        bad[i] ^= 0x20;
        raw_put(&fx, HEADER, &bad);
        let err = Keystore::open(&fx.dir).err().unwrap();
        let ok = match i {
            8 => matches!(err, Error::UnsupportedVersion { .. }),
            _ => matches!(err, Error::HeaderCorrupted { .. }),
        };
        assert!(ok, "byte {i}: {err}");
    }
    for len in [0, 8, 9, 100, HEADER_LEN - 1] {
        raw_put(&fx, HEADER, &header[..len]);
        let err = Keystore::open(&fx.dir).err().unwrap();
        assert!(matches!(err, Error::HeaderCorrupted { .. }), "len {len}: {err}");
        assert!(err.to_string().contains("keystore header is corrupted"), "{err}");
    }
    raw_put(&fx, HEADER, &header);
    fx.unlock_at(T0 + 30).unwrap();
}

/// Re-seals the SHA-256 trailer, as a deliberate attacker (not bit rot) would.
fn reseal(mut header: Vec<u8>) -> Vec<u8> {
    let sum = Sha256::digest(&header[..HEADER_LEN - 32]);
    header[HEADER_LEN - 32..].copy_from_slice(&sum);
    header
}

#[test]
fn hostile_or_unknown_headers() {
    let fx = Fixture::new();
    let header = raw_get(&fx, HEADER);

    // 64 GiB, t = 1000: refused on open, before any KDF could run.
    let mut hostile = header.clone();
    hostile[9..13].copy_from_slice(&(64u32 * 1024 * 1024 - 1).to_be_bytes());
    hostile[13..17].copy_from_slice(&1000u32.to_be_bytes());
    raw_put(&fx, HEADER, &reseal(hostile));
    let err = Keystore::open(&fx.dir).err().unwrap();
    assert!(matches!(err, Error::KdfParamsOutOfRange { t: 1000, .. }), "{err}");

    // Weakened parameters with a valid checksum: in range, but the DEK wrap's AAD catches it.
    let mut weaker = header.clone();
    weaker[13..17].copy_from_slice(&3u32.to_be_bytes());
    raw_put(&fx, HEADER, &reseal(weaker));
    let err = fx.unlock_at(T0 + 30).err().unwrap();
    assert!(matches!(err, Error::InvalidCredentials), "{err}");

    let mut future = header.clone();
    future[8] = 2;
    raw_put(&fx, HEADER, &reseal(future));
    let err = Keystore::open(&fx.dir).err().unwrap();
    assert!(matches!(err, Error::UnsupportedVersion { found: 2, supported: 1 }), "{err}");

    with_raw_db(&fx.dir, |db| db.remove(HEADER).unwrap());
    assert!(matches!(Keystore::open(&fx.dir), Err(Error::HeaderMissing { .. })));

    raw_put(&fx, HEADER, &header);
    fx.unlock_at(T0 + 60).unwrap();
}

#[test]
fn record_tamper_of_every_byte_class_is_detected_and_nothing_is_rewritten() {
    let (fx, vault) = Fixture::with_vault();
    let secret = b"0123456789abcdef0123456789abcdef";
    vault.put("api", secret).unwrap();
    drop(vault);
    let key = b"u/api";
    let good = raw_get(&fx, key);
    assert_eq!(good.len(), CT_START + secret.len() + TAG_LEN);
    let tag_start = good.len() - TAG_LEN;

    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    for (class, i) in [
        ("version", 0),
        ("nonce first", 1),
        ("nonce last", CT_START - 1),
        ("ciphertext first", CT_START),
        ("ciphertext last", tag_start - 1),
        ("tag first", tag_start),
        ("tag last", good.len() - 1),
    ] {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        cases.push((class, bad));
    }
    for len in [0, 1, CT_START, tag_start, good.len() - 1] {
        cases.push(("truncated", good[..len].to_vec()));
    }
    let mut extended = good.clone();
    extended.push(0);
    cases.push(("extended", extended));

    for (n, (class, bad)) in cases.iter().enumerate() {
        raw_put(&fx, key, bad);
        let now = T0 + 30 * (n as u64 + 1);
        let vault = fx.unlock_at(now).unwrap();
        let err = vault.get("api").err().unwrap_or_else(|| panic!("{class}: tamper accepted"));
        let ok = matches!(err, Error::RecordCorrupted { ref name } if name == "api")
            || (*class == "version" && matches!(err, Error::UnsupportedVersion { .. }));
        assert!(ok, "{class}: {err}");
        drop(vault);
        assert_eq!(&raw_get(&fx, key), bad, "{class}: failed read rewrote the record");
    }
    raw_put(&fx, key, &good);
    let vault = fx.unlock_at(T0 + 30 * 20).unwrap();
    assert_eq!(vault.get("api").unwrap().unwrap().expose_secret(), secret);
}

#[test]
fn records_swapped_or_moved_are_detected() {
    let (fx, vault) = Fixture::with_vault();
    vault.put("a", b"value of a").unwrap();
    vault.put("b", b"value of b").unwrap();
    drop(vault);
    let (a, b) = (raw_get(&fx, b"u/a"), raw_get(&fx, b"u/b"));
    raw_put(&fx, b"u/a", &b);
    raw_put(&fx, b"u/b", &a);
    raw_put(&fx, b"u/c", &a);
    let vault = fx.unlock_at(T0 + 30).unwrap();
    for name in ["a", "b", "c"] {
        let err = vault.get(name).err().unwrap();
        assert!(matches!(err, Error::RecordCorrupted { .. }), "{name}: {err}");
    }
    drop(vault);

    // A user record copied over the TOTP record: unlock reports corruption, not a bad code.
    let totp = raw_get(&fx, b"s/totp");
    raw_put(&fx, b"s/totp", &a);
    let err = fx.unlock_at(T0 + 60).err().unwrap();
    assert!(matches!(err, Error::RecordCorrupted { ref name } if name == "totp"), "{err}");
    assert_eq!(raw_get(&fx, b"s/totp"), a, "failed unlock rewrote the TOTP record");
    raw_put(&fx, b"s/totp", &totp);
    Keystore::open(&fx.dir).unwrap().unlock(&pass(PASS), fx.totp(T0 + 60), T0 + 60).unwrap();
}

#[test]
fn corrupted_lockout_counter_is_reported() {
    let fx = Fixture::new();
    let ks = fx.open();
    assert!(ks.unlock(&pass("wrong"), fx.totp(T0 + 30), T0 + 30).is_err());
    drop(ks);
    raw_put(&fx, b"s/lockout", b"garbage");
    let ks = fx.open();
    assert!(matches!(ks.failed_attempts(), Err(Error::CounterCorrupted)));
    assert!(matches!(ks.unlock(&pass(PASS), fx.totp(T0 + 30), T0 + 30), Err(Error::CounterCorrupted)));
}
