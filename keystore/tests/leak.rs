//! Nothing secret reaches the disk in a recognisable form: a known record value, the TOTP
//! secret, the recovery codes and the passphrase are searched for in every file, as raw
//! bytes, hex and base64 (every alignment).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use common::{Fixture, PASS, T0, live_gen, walk};

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
