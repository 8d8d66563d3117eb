//! The fuzz targets on the stable toolchain, so CI exercises them without
//! nightly or libFuzzer:
//! - every seed (`fuzz/seeds/TARGET/*`) and every crash the fuzzer ever found
//!   (`fuzz/regressions/TARGET/*`) is replayed through the target's harness;
//! - a short mutation loop (proptest: bit flips, splices, hostile tokens such as
//!   numbers past `Decimal::MAX`) runs over the seeds of each target.
//!
//! The harness is the same file the cargo-fuzz targets call
//! (`fuzz/src/harness.rs`); see `scripts/fuzz.sh` for the real fuzzing run.

#![allow(clippy::unwrap_used)]

#[path = "../fuzz/src/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `fuzz/KIND/TARGET`, sorted; none when the directory is absent.
fn files(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    paths.sort();
    paths.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

fn run(name: &str) -> harness::Target {
    harness::TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f).unwrap()
}

#[test]
fn every_target_has_seeds_and_a_cargo_fuzz_binary() {
    for (name, _) in harness::TARGETS {
        assert!(!files("seeds", name).is_empty(), "fuzz/seeds/{name} is empty");
        assert!(
            fuzz_dir().join("fuzz_targets").join(format!("{name}.rs")).is_file(),
            "no fuzz target {name}"
        );
    }
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    let bins = manifest.matches("[[bin]]").count();
    assert_eq!(bins, harness::TARGETS.len(), "fuzz/Cargo.toml and the harness list different targets");
}

#[test]
fn seeds_and_kept_crashes_replay_without_a_panic() {
    let mut replayed = 0;
    for (name, target) in harness::TARGETS {
        for kind in ["seeds", "regressions"] {
            for (path, bytes) in files(kind, name) {
                let outcome = std::panic::catch_unwind(|| target(&bytes));
                assert!(outcome.is_ok(), "{} panicked", path.display());
                replayed += 1;
            }
        }
    }
    assert!(replayed >= harness::TARGETS.len());
}

/// One edit of an input, at positions taken modulo its length.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Duplicate(usize, usize, usize),
    Token(usize, usize),
}

/// What a hostile peer or a tampered file tends to put in: structure, numbers
/// past every bound, exponents, separators.
const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "=",
    "\n",
    "-",
    "0",
    ".",
    "null",
    "true",
    "\"\"",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "-79228162514264337593543950335",
    "0.0000000000000000000000000001",
    "1e400",
    "1e-3",
    "64_000",
    "18446744073709551615",
    "18446744073709551616",
    "-1",
    "\"79228162514264337593543950335\"",
    "\"0\"",
    "\"-1\"",
    "NaN",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), 1usize..64, any::<usize>()).prop_map(|(i, n, at)| Mutation::Duplicate(i, n, at)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Token(i, t)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Token(i, t)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Mutation]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len().max(1);
        match *edit {
            Mutation::FlipBit(i, bit) if !bytes.is_empty() => bytes[i % len] ^= 1 << bit,
            Mutation::FlipBit(..) => {}
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Delete(i, n) if !bytes.is_empty() => {
                let start = i % len;
                let end = (start + n).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Delete(..) => {}
            Mutation::Duplicate(i, n, at) if !bytes.is_empty() => {
                let start = i % len;
                let chunk: Vec<u8> = bytes[start..(start + n).min(bytes.len())].to_vec();
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, chunk);
            }
            Mutation::Duplicate(..) => {}
            Mutation::Token(i, t) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, TOKENS[t].bytes());
            }
        }
    }
    bytes
}

/// Seeds of every target, flattened for the strategy.
fn all_seeds() -> &'static [(&'static str, Vec<u8>)] {
    static SEEDS: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        harness::TARGETS
            .iter()
            .flat_map(|(name, _)| files("seeds", name).into_iter().map(move |(_, bytes)| (*name, bytes)))
            .collect()
    })
}

/// 256 mutants per target on average (about a second); PROPTEST_CASES=N runs N instead
/// (scripts/fuzz.sh does without nightly).
fn cases() -> u32 {
    let default = 256 * u32::try_from(harness::TARGETS.len()).unwrap();
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn mutated_seeds_never_panic(pick in any::<usize>(), edits in prop::collection::vec(mutation(), 1..8)) {
        let seeds = all_seeds();
        let (name, seed) = &seeds[pick % seeds.len()];
        let input = mutate(seed.clone(), &edits);
        run(name)(&input);
    }
}
