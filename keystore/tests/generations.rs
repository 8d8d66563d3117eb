//! The generation layout on disk: damage to any file never costs the last good state and
//! is never "repaired" by opening; leftovers of an interrupted write are ignored and then
//! cleaned; a killed writer leaves the previous generation live; a keystore in the older
//! single-database layout opens and is converted by its first write.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Fixture, PASS, T0, chmod_private, file_hashes, live_gen, open_sled, pass, read_records, walk};
use secrecy::ExposeSecret;
use vigil_keystore::{Error, Keystore};

/// A keystore whose newest write is the failed-attempt counter (1), the record a silent
/// rollback would lose first.
fn damaged_sweep_fixture() -> Fixture {
    let (fx, vault) = Fixture::with_vault();
    vault.put("binance/api_secret", b"sweep secret value 0123456789").unwrap();
    drop(vault);
    let ks = fx.open();
    assert!(ks.unlock(&pass("wrong passphrase"), fx.totp(T0 + 30), T0 + 30).is_err());
    drop(ks);
    assert_eq!(fx.open().failed_attempts().unwrap(), 1);
    fx
}

/// Offsets worth flipping in `bytes`: every non-zero byte (sampled evenly past `budget`),
/// plus the first and last byte and an even spread over the zero regions.
fn flip_offsets(bytes: &[u8], budget: usize) -> Vec<usize> {
    let nonzero: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] != 0).collect();
    let stride = nonzero.len().div_ceil(budget).max(1);
    let mut out: Vec<usize> = nonzero.into_iter().step_by(stride).collect();
    let spread = 48.min(bytes.len());
    out.extend((0..spread).map(|k| k * bytes.len() / spread));
    out.extend(bytes.len().checked_sub(1));
    out.sort_unstable();
    out.dedup();
    out
}

/// Lengths to truncate a `len`-byte file to.
fn truncations(len: usize) -> Vec<usize> {
    let mut out: Vec<usize> = (0..16).map(|k| k * len / 16).collect();
    out.extend([1, len.saturating_sub(1), len.saturating_sub(16)]);
    out.retain(|&l| l < len);
    out.sort_unstable();
    out.dedup();
    out
}

/// Opens after a change to one file: either a clean [`Error::Corrupted`] in one line, or a
/// keystore with exactly the original state; in both cases no byte on disk changed.
/// Returns `true` if the open failed.
fn open_and_check(fx: &Fixture, what: &str) -> bool {
    let before = file_hashes(&fx.dir);
    let failed = match Keystore::open(&fx.dir) {
        Ok(ks) => {
            assert_eq!(ks.failed_attempts().unwrap(), 1, "{what}: opened with other content");
            false
        }
        Err(err @ Error::Corrupted { .. }) => {
            let msg = err.to_string();
            assert!(!msg.contains('\n') && msg.contains("restore the keystore"), "{what}: {msg}");
            true
        }
        Err(other) => panic!("{what}: expected a corruption error, got {other}"),
    };
    assert_eq!(file_hashes(&fx.dir), before, "{what}: opening changed the files");
    failed
}

#[test]
fn byte_flips_and_truncations_of_every_file_never_lose_or_rewrite_the_last_good_state() {
    let fx = damaged_sweep_fixture();
    let started = Instant::now();
    let files: Vec<PathBuf> = file_hashes(&fx.dir).into_keys().collect();
    assert!(files.iter().any(|p| p.ends_with("CURRENT")), "{files:?}");
    assert!(files.iter().any(|p| p.ends_with("db")), "{files:?}");
    let (mut opens, mut refused) = (0, 0);
    for file in &files {
        let good = fs::read(file).unwrap();
        for (n, at) in flip_offsets(&good, 600).into_iter().enumerate() {
            let mut bad = good.clone();
            bad[at] ^= [0x01, 0x80, 0xff][n % 3];
            fs::write(file, &bad).unwrap();
            refused += usize::from(open_and_check(&fx, &format!("{} byte {at}", file.display())));
            fs::write(file, &good).unwrap();
            opens += 1;
        }
        for len in truncations(good.len()) {
            fs::write(file, &good[..len]).unwrap();
            refused += usize::from(open_and_check(&fx, &format!("{} cut to {len}", file.display())));
            fs::write(file, &good).unwrap();
            opens += 1;
        }
        // Restored: the keystore opens with its content, every time.
        assert_eq!(fx.open().failed_attempts().unwrap(), 1, "{} restored", file.display());
    }
    eprintln!("{opens} damaged opens ({refused} refused) in {:?}", started.elapsed());
    assert!(refused > opens / 4, "the sweep hardly hit anything sled reads: {refused}/{opens}");
    let vault = fx.unlock_at(T0 + 60).unwrap();
    assert_eq!(
        vault.get("binance/api_secret").unwrap().unwrap().expose_secret(),
        b"sweep secret value 0123456789"
    );
}

#[test]
fn a_missing_generation_or_pointer_is_a_clean_error_and_nothing_is_touched() {
    let fx = damaged_sweep_fixture();
    let generation = live_gen(&fx.dir);
    let aside = fx.tmp.path().join("aside");
    fs::rename(&generation, &aside).unwrap();
    let before = file_hashes(&fx.dir);
    let err = Keystore::open(&fx.dir).err().unwrap();
    assert!(matches!(err, Error::Corrupted { ref path, .. } if *path == generation), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
    assert_eq!(file_hashes(&fx.dir), before);
    fs::rename(&aside, &generation).unwrap();

    fs::write(fx.dir.join("CURRENT"), b"").unwrap();
    let err = Keystore::open(&fx.dir).err().unwrap();
    assert!(matches!(err, Error::Corrupted { ref path, .. } if path.ends_with("CURRENT")), "{err}");
}

#[test]
fn opening_and_reading_write_nothing() {
    let fx = damaged_sweep_fixture();
    let before = file_hashes(&fx.dir);
    let names_before: Vec<PathBuf> = walk(&fx.dir);
    for _ in 0..3 {
        let ks = fx.open();
        assert_eq!(ks.failed_attempts().unwrap(), 1);
        assert!(ks.retry_after(T0 + 31).unwrap().is_none());
    }
    assert_eq!(file_hashes(&fx.dir), before);
    assert_eq!(walk(&fx.dir), names_before, "no file was created or removed");
}

#[test]
fn leftovers_of_an_interrupted_write_are_ignored_then_cleaned() {
    let fx = Fixture::new();
    let live = live_gen(&fx.dir);
    for stale in [".gen-00000099.tmp", "gen-00000042"] {
        fs::create_dir(fx.dir.join(stale)).unwrap();
        fs::write(fx.dir.join(stale).join("db"), b"half-written junk").unwrap();
    }
    fs::write(fx.dir.join("CURRENT.tmp"), b"vigil keystore generation pointer v1\ngeneration 42\n").unwrap();
    // A crashed writer's temp generation may hold sled files it never sealed to 0600.
    chmod_private(&fx.dir);
    fs::write(fx.dir.join(".gen-00000099.tmp").join("snap.0000"), b"x").unwrap();
    let ks = fx.open();
    assert_eq!(live_gen(&fx.dir), live);
    let vault = ks.unlock(&pass(PASS), fx.totp(T0 + 30), T0 + 30).unwrap();
    vault.put("k", b"v").unwrap();
    let mut names: Vec<String> =
        fs::read_dir(&fx.dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    let live_now = live_gen(&fx.dir).file_name().unwrap().to_str().unwrap().to_owned();
    assert_eq!(names, ["CURRENT", live_now.as_str()], "leftovers were not cleaned");
}

/// Child half of the crash test: unlocks, then writes `counter = i` for i = 0, 1, … and
/// reports each acknowledged write on stdout, until it is killed.
#[test]
#[ignore = "run by crash_mid_write_leaves_the_previous_generation_live"]
fn crash_child_writer() {
    let Ok(dir) = std::env::var("VIGIL_CRASH_DIR") else { return };
    let base32 = std::env::var("VIGIL_CRASH_BASE32").unwrap();
    let now: u64 = std::env::var("VIGIL_CRASH_NOW").unwrap().parse().unwrap();
    let factor = vigil_keystore::SecondFactor::Totp(common::app_code(&base32, now));
    let vault = Keystore::open(Path::new(&dir)).unwrap().unlock(&pass(PASS), factor, now).unwrap();
    for i in 0u64.. {
        vault.put("counter", i.to_string().as_bytes()).unwrap();
        println!("acked {i}");
    }
}

#[test]
fn crash_mid_write_leaves_the_previous_generation_live() {
    let fx = Fixture::new();
    let mut interrupted = 0;
    for round in 0..6u64 {
        let child_now = T0 + 60 * round + 30;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child_writer", "--ignored", "--nocapture", "--test-threads=1"])
            .env("VIGIL_CRASH_DIR", &fx.dir)
            .env("VIGIL_CRASH_BASE32", &fx.base32)
            .env("VIGIL_CRASH_NOW", child_now.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // The test harness prints its own lines first; wait for a few acknowledged writes.
        let acked = lines
            .by_ref()
            .filter_map(|l| l.unwrap().strip_prefix("acked ").map(|n| n.parse::<u64>().unwrap()))
            .nth(usize::try_from(round).unwrap() + 2);
        // Land the kill at different points of the next write.
        std::thread::sleep(Duration::from_micros(700 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        drop(lines);
        let acked = acked.unwrap();
        let debris =
            fs::read_dir(&fx.dir).unwrap().filter(|e| e.as_ref().unwrap().file_name() != "LOCK").count() > 2;
        interrupted += usize::from(debris);

        let now = child_now + 30;
        let vault = fx.unlock_at(now).unwrap_or_else(|e| panic!("round {round}: {e}"));
        let got: u64 = std::str::from_utf8(vault.get("counter").unwrap().unwrap().expose_secret())
            .unwrap()
            .parse()
            .unwrap();
        assert!(got == acked || got == acked + 1, "round {round}: acked {acked}, found {got}");
        drop(vault);
        assert_eq!(
            fs::read_dir(&fx.dir).unwrap().filter(|e| e.as_ref().unwrap().file_name() != "LOCK").count(),
            2,
            "round {round}: the unlock's write cleaned up"
        );
    }
    eprintln!("{interrupted} of 6 kills left a write half-done");
}

/// Builds a keystore the way vigil did before generations: the same records in one sled
/// database directly in the keystore directory.
fn legacy_keystore(fx: &Fixture) -> (PathBuf, BTreeMap<Vec<u8>, Vec<u8>>) {
    let records = read_records(&live_gen(&fx.dir));
    let dir = fx.tmp.path().join("legacy").join("keystore");
    fs::create_dir_all(&dir).unwrap();
    let db = open_sled(&dir);
    for (k, v) in &records {
        db.insert(k.as_slice(), v.as_slice()).unwrap();
    }
    db.flush().unwrap();
    drop(db);
    drop(open_sled(&dir)); // waits until the first handle let go of its lock
    chmod_private(&dir);
    (dir, records)
}

#[test]
fn a_keystore_in_the_older_layout_opens_and_is_converted_by_its_first_write() {
    let (fx, vault) = Fixture::with_vault();
    vault.put("binance/api_secret", b"legacy secret").unwrap();
    drop(vault);
    let (dir, records) = legacy_keystore(&fx);
    assert!(dir.join("db").is_file() && !dir.join("CURRENT").exists());
    assert!(Keystore::exists(&dir));

    let before = file_hashes(&dir);
    let ks = Keystore::open(&dir).unwrap();
    assert_eq!(ks.failed_attempts().unwrap(), 0);
    assert_eq!(file_hashes(&dir), before, "opening the older layout wrote to it");
    // The old layout is locked on `db`, as older vigil builds lock it.
    assert!(matches!(Keystore::open(&dir), Err(Error::InUse { .. })));

    let vault = ks.unlock(&pass(PASS), fx.totp(T0 + 30), T0 + 30).unwrap();
    let mut names: Vec<String> =
        fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["CURRENT", "gen-00000001"], "converted, old sled files removed");
    assert!(matches!(Keystore::open(&dir), Err(Error::InUse { .. })), "the new layout is locked too");
    drop(vault);
    drop(ks);

    let converted = read_records(&dir.join("gen-00000001"));
    assert_eq!(converted.len(), records.len());
    assert_eq!(
        converted.get(b"u/binance/api_secret".as_slice()),
        records.get(b"u/binance/api_secret".as_slice())
    );
    let vault = Keystore::open(&dir).unwrap().unlock(&pass(PASS), fx.totp(T0 + 60), T0 + 60).unwrap();
    assert_eq!(vault.get("binance/api_secret").unwrap().unwrap().expose_secret(), b"legacy secret");
}
