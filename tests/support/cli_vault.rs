//! The CLI as a user meets it, for tests that need a keystore: `vigil` run as
//! a subprocess in a fresh data dir, unlocked with a 0600 passphrase file and
//! a never-reused TOTP code (or a recovery code), and the simulator in this
//! process for the commands that reach an exchange.
#![allow(dead_code, clippy::unwrap_used)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use totp_rs::{Algorithm, Builder, Secret};

pub const PASSPHRASE: &str = "correct horse battery staple";
pub const API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
pub const API_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

pub fn vigil() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
}

pub fn private_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, format!("{text}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// An initialised keystore plus a source of never-before-used second factors.
/// The second factor a command is given.
pub enum Factor {
    Totp(String),
    Recovery(String),
}

pub struct Vault {
    pub root: tempfile::TempDir,
    pub data: PathBuf,
    pub pass: PathBuf,
    pub secret: Vec<u8>,
    pub last_step: u64,
    pub recovery: Vec<String>,
    /// Everything any command printed, for the leak scan.
    pub transcript: String,
}

pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

pub fn code_for(secret: &[u8], step: u64) -> String {
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(0)
        .with_secret(secret.to_vec())
        .build_noncompliant();
    totp.generate(step * 30).to_string()
}

impl Vault {
    pub fn init() -> Self {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let pass = private_file(root.path(), "pass", PASSPHRASE);
        let mut child = vigil()
            .arg("--data-dir")
            .arg(&data)
            .args(["init", "--kdf-memory", "19456", "--kdf-passes", "2", "--passphrase-file"])
            .arg(&pass)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut transcript = String::new();
        let mut base32 = None;
        while base32.is_none() {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "init ended early: {transcript}");
            transcript.push_str(&line);
            base32 = line.strip_prefix("or type the key: ").map(|s| s.trim().to_owned());
        }
        let secret = Secret::try_from_base32(base32.unwrap()).unwrap().as_bytes().to_vec();
        let step = now() / 30;
        writeln!(child.stdin.take().unwrap(), "{}", code_for(&secret, step)).unwrap();
        let out = child.wait_with_output().unwrap();
        let mut rest = String::new();
        stdout.read_to_string_into(&mut rest);
        transcript.push_str(&rest);
        transcript.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "init failed: {transcript}");
        let recovery: Vec<String> = rest
            .lines()
            .map(str::trim)
            .filter(|l| l.len() == 11 && l.as_bytes()[5] == b'-')
            .map(str::to_owned)
            .collect();
        assert_eq!(recovery.len(), 10, "ten recovery codes: {rest}");
        // Enrolment used `step`: the next code must be for a later one.
        Self { root, data, pass, secret, last_step: step, recovery, transcript }
    }

    /// A TOTP code for a step not used yet and still inside the ±1 window,
    /// else a recovery code.
    pub fn second_factor(&mut self) -> Factor {
        let now_step = now() / 30;
        let step = (self.last_step + 1).max(now_step - 1);
        if step <= now_step + 1 {
            self.last_step = step;
            Factor::Totp(code_for(&self.secret, step))
        } else {
            self.recovery()
        }
    }

    pub fn recovery(&mut self) -> Factor {
        Factor::Recovery(self.recovery.pop().unwrap())
    }

    pub fn run(&mut self, args: &[&str]) -> Output {
        let factor = self.second_factor();
        self.run_with(args, &factor)
    }

    /// Runs with the passphrase file and the factor as a script would give
    /// them: a TOTP code on the command line, a recovery code in a 0600 file.
    pub fn run_with(&mut self, args: &[&str], factor: &Factor) -> Output {
        let mut cmd = vigil();
        cmd.arg("--data-dir").arg(&self.data).args(args).arg("--passphrase-file").arg(&self.pass);
        match factor {
            Factor::Totp(code) => cmd.args(["--totp", code]),
            Factor::Recovery(code) => {
                cmd.arg("--recovery-code-file").arg(private_file(self.root.path(), "recovery", code))
            }
        };
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        self.transcript.push_str(&String::from_utf8_lossy(&out.stdout));
        self.transcript.push_str(&String::from_utf8_lossy(&out.stderr));
        out
    }
}

pub trait ReadRest {
    fn read_to_string_into(&mut self, buf: &mut String);
}

impl<R: BufRead> ReadRest for R {
    fn read_to_string_into(&mut self, buf: &mut String) {
        std::io::Read::read_to_string(self, buf).unwrap();
    }
}

pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The simulator in this process, on its own runtime: the commands under test
/// are subprocesses that reach it over loopback. Drop the handle before the runtime.
pub fn start_sim() -> (tokio::runtime::Runtime, vigil::sim::SimHandle) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let config = vigil::sim::SimConfig { rate_per_sec: 1, ..Default::default() };
    let sim = rt.block_on(vigil::sim::start(config)).unwrap();
    (rt, sim)
}

/// `keys add NAME --exchange binance` from 0600 files, which are deleted again.
pub fn add_key(v: &mut Vault, name: &str, key: &str, secret: &str) {
    let key_file = private_file(v.root.path(), "key", key);
    let secret_file = private_file(v.root.path(), "secret", secret);
    let out = v.run(&[
        "keys",
        "add",
        name,
        "--exchange",
        "binance",
        "--api-key-file",
        key_file.to_str().unwrap(),
        "--api-secret-file",
        secret_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    fs::remove_file(key_file).unwrap();
    fs::remove_file(secret_file).unwrap();
}
