//! Shared helpers for the keystore integration tests: fast (floor) KDF parameters, a
//! keystore fixture, an "authenticator app" computing codes from the enrolled base32 secret,
//! and raw access to the sled database for tampering.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use vigil_keystore::{KdfParams, Keystore, RecoveryCodes, SecondFactor, TotpEnrollment, Vault};

/// The OWASP floor: the cheapest parameters `validate` accepts, so tests stay fast.
pub const FAST: KdfParams = KdfParams { m_kib: 19_456, t: 2, p: 1 };
/// Creation time of every fixture keystore.
pub const T0: u64 = 1_700_000_000;
pub const PASS: &str = "correct horse battery staple";

pub fn pass(s: &str) -> SecretString {
    SecretString::from(s)
}

/// A created keystore in a temp dir, with what the person saw at init.
pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub base32: String,
    pub codes: Vec<String>,
}

impl Fixture {
    /// Creates a keystore and closes it (the vault is dropped).
    pub fn new() -> Self {
        let (fx, vault) = Self::with_vault();
        drop(vault);
        fx
    }

    /// Creates a keystore and keeps the vault open.
    pub fn with_vault() -> (Self, Vault) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data").join("keystore");
        let enrollment = TotpEnrollment::generate();
        let (vault, codes) = Keystore::create(&dir, &pass(PASS), FAST, &enrollment, T0).unwrap();
        let fx = Fixture {
            tmp,
            dir,
            base32: enrollment.base32().expose_secret().to_owned(),
            codes: collect(&codes),
        };
        (fx, vault)
    }

    /// The code an authenticator app shows at `unix`.
    pub fn code(&self, unix: u64) -> String {
        app_code(&self.base32, unix)
    }

    pub fn totp(&self, unix: u64) -> SecondFactor {
        SecondFactor::Totp(self.code(unix))
    }

    pub fn open(&self) -> Keystore {
        Keystore::open(&self.dir).unwrap()
    }

    /// Opens and unlocks with the right passphrase and the app's code at `unix`.
    pub fn unlock_at(&self, unix: u64) -> Result<Vault, vigil_keystore::Error> {
        Keystore::open(&self.dir)?.unlock(&pass(PASS), self.totp(unix), unix)
    }
}

pub fn collect(codes: &RecoveryCodes) -> Vec<String> {
    codes.iter().map(str::to_owned).collect()
}

/// What a phone app computes from the base32 secret shown at enrolment.
pub fn app_code(base32: &str, unix: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(base32).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret.as_bytes().to_vec()).build().unwrap();
    totp.generate(unix).to_string()
}

/// The live generation directory (`gen-N/`) named by `dir/CURRENT`.
pub fn live_gen(dir: &Path) -> PathBuf {
    let current = std::fs::read_to_string(dir.join("CURRENT")).unwrap();
    let line = current.lines().nth(1).unwrap();
    let n: u64 = line.strip_prefix("generation ").unwrap().parse().unwrap();
    dir.join(format!("gen-{n:08}"))
}

/// SHA-256 over records as `CURRENT` records it: domain, count, then each key and value
/// prefixed by its u64 big-endian length (documented in ARCHITECTURE.md).
pub fn records_digest(records: &BTreeMap<Vec<u8>, Vec<u8>>) -> String {
    let mut h = Sha256::new();
    h.update(b"vigil keystore records v1\0");
    h.update((records.len() as u64).to_be_bytes());
    for (k, v) in records {
        h.update((k.len() as u64).to_be_bytes());
        h.update(k);
        h.update((v.len() as u64).to_be_bytes());
        h.update(v);
    }
    hex::encode(h.finalize())
}

/// Opens sled on `dir` directly (test only: this is what vigil never does to a live
/// generation), waiting for a just-closed handle to let go of the lock.
pub fn open_sled(dir: &Path) -> sled::Db {
    let config = sled::Config::new().path(dir).flush_every_ms(None);
    let mut attempts = 0;
    loop {
        match config.open() {
            Err(sled::Error::Io(io))
                if io.to_string().contains("could not acquire lock") && attempts < 200 =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => break other.unwrap(),
        }
    }
}

/// Every record of a sled database, read from a scratch copy of `dir`.
pub fn read_records(dir: &Path) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let scratch = tempfile::tempdir().unwrap();
    for path in walk(dir).into_iter().skip(1) {
        let to = scratch.path().join(path.strip_prefix(dir).unwrap());
        if path.is_dir() {
            std::fs::create_dir(&to).unwrap()
        } else {
            std::fs::copy(&path, &to).map(drop).unwrap()
        }
    }
    let db = open_sled(scratch.path());
    let out = db.iter().map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap()).collect();
    drop(db);
    // Let sled's threads let go before the scratch dir is deleted.
    drop(open_sled(scratch.path()));
    out
}

/// Runs `f` on the raw sled database of the live generation (the keystore must be
/// closed), then re-seals `CURRENT` with the new records' digest, as an attacker with
/// write access to the directory (not bit rot) would, and restores private permissions.
pub fn with_raw_db<T>(dir: &Path, f: impl FnOnce(&sled::Db) -> T) -> T {
    let generation = live_gen(dir);
    let db = open_sled(&generation);
    let out = f(&db);
    db.flush().unwrap();
    let records = db.iter().map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap()).collect();
    drop(db);
    drop(open_sled(&generation));
    let current = std::fs::read_to_string(dir.join("CURRENT")).unwrap();
    let first_two: Vec<&str> = current.lines().take(2).collect();
    let body = format!("{}\nsha256 {}\n", first_two.join("\n"), records_digest(&records));
    let check = hex::encode(Sha256::digest(body.as_bytes()));
    std::fs::write(dir.join("CURRENT"), format!("{body}check {check}\n")).unwrap();
    chmod_private(dir);
    out
}

/// SHA-256 of every file below `dir`, by path (the directory's whole state).
pub fn file_hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    walk(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let h = hex::encode(Sha256::digest(std::fs::read(&p).unwrap()));
            (p, h)
        })
        .collect()
}

/// `chmod -R go-rwx dir`.
pub fn chmod_private(dir: &Path) {
    for path in walk(dir) {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o700;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// `dir` and everything below it.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_owned()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            let children: Vec<PathBuf> =
                std::fs::read_dir(&out[i]).unwrap().map(|e| e.unwrap().path()).collect();
            out.extend(children);
        }
        i += 1;
    }
    out
}

/// Mode bits of `path`.
pub fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}
