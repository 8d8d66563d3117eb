//! Property tests through the public API on a real sled directory: arbitrary names and
//! bytes round-trip; arbitrary on-disk corruption of records never panics and never yields
//! a plaintext other than the one stored.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::Cell;

use common::{Fixture, T0, with_raw_db};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use secrecy::ExposeSecret;

fn name() -> impl Strategy<Value = String> {
    proptest::string::string_regex("(?s).{1,40}").unwrap()
}

#[test]
fn put_get_round_trip_for_arbitrary_names_and_bytes() {
    let (_fx, vault) = Fixture::with_vault();
    let mut runner = TestRunner::new(Config { cases: 64, ..Config::default() });
    let strategy = (name(), proptest::collection::vec(any::<u8>(), 0..2048));
    runner
        .run(&strategy, |(name, bytes)| {
            vault.put(&name, &bytes).unwrap();
            let got = vault.get(&name).unwrap().unwrap();
            prop_assert_eq!(got.expose_secret(), bytes.as_slice());
            prop_assert!(vault.names("").unwrap().contains(&name));
            Ok(())
        })
        .unwrap();
}

/// One stored record and the corruption applied to it on disk.
#[derive(Debug, Clone)]
struct Case {
    plaintext: Vec<u8>,
    edits: Vec<(prop::sample::Index, u8)>,
    cut: Option<prop::sample::Index>,
    extra: Vec<u8>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        proptest::option::of(any::<prop::sample::Index>()),
        proptest::collection::vec(any::<u8>(), 0..3),
    )
        .prop_map(|(plaintext, edits, cut, extra)| Case { plaintext, edits, cut, extra })
}

#[test]
fn on_disk_corruption_never_panics_nor_returns_wrong_plaintext() {
    let fx = Fixture::new();
    let step = Cell::new(1u64);
    let mut runner = TestRunner::new(Config { cases: 6, ..Config::default() });
    runner
        .run(&proptest::collection::vec(case(), 1..12), |cases| {
            let now = T0 + 30 * step.replace(step.get() + 1);
            let vault = fx.unlock_at(now).unwrap();
            for (i, c) in cases.iter().enumerate() {
                vault.put(&format!("r{i}"), &c.plaintext).unwrap();
            }
            drop(vault);
            let changed: Vec<bool> = with_raw_db(&fx.dir, |db| {
                cases
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let key = format!("u/r{i}");
                        let good = db.get(&key).unwrap().unwrap().to_vec();
                        let mut bad = good.clone();
                        for (idx, byte) in &c.edits {
                            let at = idx.index(bad.len());
                            bad[at] = *byte;
                        }
                        if let Some(cut) = c.cut {
                            bad.truncate(cut.index(bad.len()));
                        }
                        bad.extend_from_slice(&c.extra);
                        db.insert(key.as_bytes(), bad.as_slice()).unwrap();
                        bad != good
                    })
                    .collect()
            });
            let now = T0 + 30 * step.replace(step.get() + 1);
            let vault = fx.unlock_at(now).unwrap();
            for (i, c) in cases.iter().enumerate() {
                match vault.get(&format!("r{i}")) {
                    Ok(Some(got)) => {
                        prop_assert!(!changed[i], "corrupted record {i} was accepted");
                        prop_assert_eq!(got.expose_secret(), c.plaintext.as_slice());
                    }
                    Ok(None) => prop_assert!(false, "record {i} vanished"),
                    Err(_) => prop_assert!(changed[i], "intact record {i} was refused"),
                }
            }
            Ok(())
        })
        .unwrap();
}
