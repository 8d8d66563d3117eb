//! Nothing secret reaches the disk in a recognisable form: a known record value, the TOTP
//! secret, the recovery codes and the passphrase are searched for in every file, as raw
//! bytes, hex and base64 (every alignment).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use common::{Fixture, PASS, T0, app_code, live_gen, pass, read_records, walk};
use secrecy::ExposeSecret;
use vigil_keystore::{Keystore, SecondFactor, TotpEnrollment};

/// The encodings under which `secret` could appear somewhere in a file.
fn needles(secret: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        ("raw".to_owned(), secret.to_vec()),
        ("hex".to_owned(), hex::encode(secret).into_bytes()),
        ("HEX".to_owned(), hex::encode_upper(secret).into_bytes()),
    ];
    for (name, engine) in [("base64", &STANDARD), ("base64url", &URL_SAFE)] {
        for shift in 0..3 {
            let mut shifted = vec![0u8; shift];
            shifted.extend_from_slice(secret);
            let text = engine.encode(&shifted);
            // Drop the groups that depend on the bytes around the secret.
            let middle = text.as_bytes()[4..text.len() - 4].to_vec();
            out.push((format!("{name} shift {shift}"), middle));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Names of the needles found anywhere in `hay`, in one pass: candidates are picked by
/// their first four bytes, so the scan stays fast on multi-megabyte sled files.
fn find_all(hay: &[u8], needles: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut by_prefix: HashMap<&[u8], Vec<&(String, Vec<u8>)>> = HashMap::new();
    for n in needles {
        assert!(n.1.len() >= 8, "needle {} too short to be meaningful", n.0);
        by_prefix.entry(&n.1[..4]).or_default().push(n);
    }
    let mut found = Vec::new();
    for i in 0..hay.len().saturating_sub(3) {
        if let Some(candidates) = by_prefix.get(&hay[i..i + 4]) {
            for (name, needle) in candidates {
                if hay[i..].starts_with(needle) {
                    found.push(name.clone());
                }
            }
        }
    }
    found
}

#[test]
fn no_secret_appears_in_any_file() {
    let canary = b"vigil-leak-canary: BINANCE-SECRET-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    let (fx, vault) = Fixture::with_vault();
    vault.put("binance/api_secret", canary).unwrap();
    vault.put("binance/other", &canary[..40]).unwrap();
    drop(vault);
    // Unlock once more so replay state, lockout and recovery records are rewritten too.
    let vault = fx.unlock_at(T0 + 30).unwrap();
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&vault.get("binance/api_secret").unwrap().unwrap()),
        canary
    );
    drop(vault);

    let totp_secret = totp_rs::Secret::try_from_base32(&fx.base32).unwrap().as_bytes().to_vec();
    let mut secrets: Vec<(String, Vec<u8>)> = vec![
        ("record value".into(), canary.to_vec()),
        ("totp secret".into(), totp_secret),
        ("totp base32".into(), fx.base32.as_bytes().to_vec()),
        ("passphrase".into(), PASS.as_bytes().to_vec()),
    ];
    for (i, code) in fx.codes.iter().enumerate() {
        secrets.push((format!("recovery code {i}"), code.as_bytes().to_vec()));
        secrets.push((format!("recovery code {i} bare"), code.replace('-', "").into_bytes()));
    }

    let files: Vec<_> = walk(&fx.dir).into_iter().filter(|p| p.is_file()).collect();
    assert!(files.iter().any(|p| p.ends_with("db")), "scanned no database file: {files:?}");
    let all: Vec<(String, Vec<u8>)> = secrets
        .iter()
        .flat_map(|(what, secret)| {
            needles(secret).into_iter().map(move |(encoding, n)| (format!("{what} as {encoding}"), n))
        })
        .collect();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let found = find_all(&bytes, &all);
        assert!(found.is_empty(), "found in {}: {found:?}", file.display());
        // The scanner itself works: a planted copy of every needle is found.
        let mut planted = bytes.clone();
        for (_, n) in &all {
            planted.extend_from_slice(n);
        }
        let hits: HashSet<String> = find_all(&planted, &all).into_iter().collect();
        let missed: Vec<&String> = all.iter().map(|(name, _)| name).filter(|n| !hits.contains(*n)).collect();
        assert!(missed.is_empty(), "scanner missed planted needles: {missed:?}");
    }
    // The scan can see what it looks for: the record name is stored in clear.
    let db = std::fs::read(live_gen(&fx.dir).join("db")).unwrap();
    assert!(contains(&db, b"u/binance/api_secret"), "scan does not read the data");
}

/// Every needle of every value in `old`, named.
fn all_needles(old: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    old.iter()
        .flat_map(|(what, value)| {
            needles(value).into_iter().map(move |(enc, n)| (format!("{what} as {enc}"), n))
        })
        .collect()
}

fn scan_dir(dir: &std::path::Path, needles: &[(String, Vec<u8>)]) -> Vec<String> {
    let files: Vec<_> = walk(dir).into_iter().filter(|p| p.is_file()).collect();
    files
        .iter()
        .flat_map(|f| {
            find_all(&std::fs::read(f).unwrap(), needles)
                .into_iter()
                .map(move |n| format!("{n} in {}", f.display()))
        })
        .collect()
}

/// "The old value" at the byte level: the stored bytes of the records a change replaces
/// (the whole old header, its wrapped data key, every old record ciphertext) and the
/// plaintext secrets that were dropped (the removed API secret, the old TOTP secret).
#[test]
fn remove_totp_reset_and_passwd_leave_no_old_value_in_any_file() {
    let canary = b"vigil-residue-canary: REMOVED-SECRET-0a1b2c3d4e5f";
    let (fx, vault) = Fixture::with_vault();
    vault.put("binance/api_secret", canary).unwrap();
    vault.put("keep", b"a value that stays").unwrap();
    let gen_records = || read_records(&live_gen(&fx.dir));
    let mut old: Vec<(String, Vec<u8>)> = Vec::new();

    let before = gen_records();
    assert!(vault.remove("binance/api_secret").unwrap());
    old.push(("removed ciphertext".into(), before[b"u/binance/api_secret".as_slice()].clone()));
    old.push(("removed plaintext".into(), canary.to_vec()));

    let before = gen_records();
    let new_totp = TotpEnrollment::generate();
    vault.reset_totp(&new_totp).unwrap();
    old.push(("old totp ciphertext".into(), before[b"s/totp".as_slice()].clone()));
    let old_secret = totp_rs::Secret::try_from_base32(&fx.base32).unwrap().as_bytes().to_vec();
    old.push(("old totp secret".into(), old_secret));
    old.push(("old totp base32".into(), fx.base32.as_bytes().to_vec()));

    let before = gen_records();
    vault.change_passphrase(&pass("a brand new passphrase")).unwrap();
    let header = before[b"s/header".as_slice()].clone();
    old.push(("old wrapped data key".into(), header[37..97].to_vec()));
    old.push(("old header".into(), header));
    for (key, value) in &before {
        if key.as_slice() != b"s/header" && key.as_slice() != b"s/lockout" {
            old.push((format!("old ciphertext of {}", String::from_utf8_lossy(key)), value.clone()));
        }
    }
    drop(vault);

    let needles = all_needles(&old);
    let found = scan_dir(&fx.dir, &needles);
    assert!(found.is_empty(), "old values left behind: {found:?}");
    // The scan reads the data: today's header and ciphertexts are found.
    let current: Vec<(String, Vec<u8>)> =
        gen_records().into_iter().map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), v)).collect();
    let seen = scan_dir(&fx.dir, &all_needles(&current));
    assert_eq!(seen.len(), current.len(), "each current value found once: {seen:?}");
    assert!(seen.iter().all(|s| s.contains(" as raw in ")), "{seen:?}");

    // And the keystore works: new passphrase, new authenticator, records kept or gone.
    let now = T0 + 60;
    let factor = SecondFactor::Totp(app_code(new_totp.base32().expose_secret(), now));
    let ks = Keystore::open(&fx.dir).unwrap();
    let vault = ks.unlock(&pass("a brand new passphrase"), factor, now).unwrap();
    assert_eq!(vault.get("keep").unwrap().unwrap().expose_secret(), b"a value that stays");
    assert!(vault.get("binance/api_secret").unwrap().is_none());
    assert_eq!(vault.remaining_recovery_codes().unwrap(), 10);
    drop(vault);
    let old_factor = SecondFactor::Totp(fx.code(now + 30));
    assert!(ks.unlock(&pass(PASS), old_factor, now + 30).is_err());
}
