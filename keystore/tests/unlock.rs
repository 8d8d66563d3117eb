//! Unlock flows through the public API on a real sled directory: both factors, replay,
//! expiry, recovery codes, passphrase change, TOTP reset and the lockout delay.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{FAST, Fixture, PASS, T0, app_code, pass};
use secrecy::{ExposeSecret, SecretString};
use vigil_keystore::{Error, KdfParams, Keystore, SecondFactor, TotpEnrollment};

fn is_invalid(r: Result<vigil_keystore::Vault, Error>) -> bool {
    matches!(r, Err(Error::InvalidCredentials))
}

#[test]
fn create_put_reopen_unlock_get() {
    let (fx, vault) = Fixture::with_vault();
    vault.put("binance/api_key", b"AKIA-example").unwrap();
    vault.put("binance/api_secret", &[0u8, 1, 2, 255]).unwrap();
    vault.put("kraken/api_key", b"k").unwrap();
    drop(vault);

    let ks = fx.open();
    assert_eq!(ks.kdf_params(), FAST);
    assert_eq!(ks.failed_attempts().unwrap(), 0);
    let vault = ks.unlock(&pass(PASS), fx.totp(T0 + 30), T0 + 30).unwrap();
    assert_eq!(vault.get("binance/api_key").unwrap().unwrap().expose_secret(), b"AKIA-example");
    assert_eq!(vault.get("binance/api_secret").unwrap().unwrap().expose_secret(), &[0u8, 1, 2, 255]);
    assert!(vault.get("missing").unwrap().is_none());
    assert_eq!(vault.names("binance/").unwrap(), ["binance/api_key", "binance/api_secret"]);
    assert_eq!(vault.names("").unwrap().len(), 3, "system records must not be listed");
    assert!(vault.remove("kraken/api_key").unwrap());
    assert!(!vault.remove("kraken/api_key").unwrap());
    assert!(vault.get("kraken/api_key").unwrap().is_none());
    assert!(matches!(vault.put("", b"x"), Err(Error::InvalidName { .. })));
    assert_eq!(vault.remaining_recovery_codes().unwrap(), 10);
}

#[test]
fn wrong_passphrase_and_wrong_code_are_indistinguishable() {
    let fx = Fixture::new();
    let ks = fx.open();
    let t = T0 + 30;
    let wrong_pass = ks.unlock(&pass("wrong"), fx.totp(t), t).err().unwrap();
    let good = fx.code(t);
    let bad_code = format!("{:06}", (good.parse::<u32>().unwrap() + 1) % 1_000_000);
    let wrong_code = ks.unlock(&pass(PASS), SecondFactor::Totp(bad_code), t).err().unwrap();
    assert!(matches!(wrong_pass, Error::InvalidCredentials));
    assert!(matches!(wrong_code, Error::InvalidCredentials));
    assert_eq!(wrong_pass.to_string(), wrong_code.to_string());
    assert!(is_invalid(ks.unlock(&pass(PASS), SecondFactor::Totp("not a code".into()), t + 60)));
}

#[test]
fn code_replay_is_refused_including_the_enrolment_step() {
    let fx = Fixture::new();
    let ks = fx.open();
    // The step current at init counts as used (the person just typed that code).
    assert!(is_invalid(ks.unlock(&pass(PASS), fx.totp(T0), T0)));
    let t = T0 + 30;
    ks.unlock(&pass(PASS), fx.totp(t), t).unwrap();
    assert!(is_invalid(ks.unlock(&pass(PASS), fx.totp(t), t)), "same code twice");
    // The previous step's code is inside the ±1 window but older than the last used one.
    assert!(is_invalid(ks.unlock(&pass(PASS), fx.totp(t), t + 30)));
    drop(ks);
    // Replay protection is persistent, not just in memory.
    let ks = fx.open();
    assert!(is_invalid(ks.unlock(&pass(PASS), fx.totp(t), t + 30)));
}

#[test]
fn window_is_plus_minus_one_step_only() {
    let fx = Fixture::new();
    let ks = fx.open();
    let now = T0 + 3_000;
    assert!(is_invalid(ks.unlock(&pass(PASS), fx.totp(now - 60), now)), "2 steps old");
    assert!(is_invalid(ks.unlock(&pass(PASS), fx.totp(now + 60), now)), "2 steps ahead");
    ks.unlock(&pass(PASS), fx.totp(now - 30), now).unwrap();
    ks.unlock(&pass(PASS), fx.totp(now), now).unwrap();
    ks.unlock(&pass(PASS), fx.totp(now + 30), now).unwrap();
}

#[test]
fn recovery_code_stands_in_once() {
    let fx = Fixture::new();
    let ks = fx.open();
    let code = fx.codes[3].clone();
    let rec = |c: &str| SecondFactor::Recovery(SecretString::from(c));
    assert!(is_invalid(ks.unlock(&pass("wrong"), rec(&code), T0 + 30)));
    let vault = ks.unlock(&pass(PASS), rec(&code.to_uppercase()), T0 + 30).unwrap();
    assert_eq!(vault.remaining_recovery_codes().unwrap(), 9);
    drop(vault);
    assert!(is_invalid(ks.unlock(&pass(PASS), rec(&code), T0 + 31)), "second use");
    assert!(is_invalid(ks.unlock(&pass(PASS), rec("zzzzz-zzzzz"), T0 + 32)));
    // A recovery unlock does not burn TOTP steps.
    ks.unlock(&pass(PASS), fx.totp(T0 + 30), T0 + 30).unwrap();
}

#[test]
fn passphrase_change_keeps_records() {
    let fx = Fixture::new();
    let vault = fx.unlock_at(T0 + 30).unwrap();
    vault.put("k", b"value").unwrap();
    let audit_before = *vault.audit_key().expose_secret();
    vault.change_passphrase(&pass("new passphrase")).unwrap();
    drop(vault);

    let ks = fx.open();
    assert!(is_invalid(ks.unlock(&pass(PASS), fx.totp(T0 + 60), T0 + 60)));
    let vault = ks.unlock(&pass("new passphrase"), fx.totp(T0 + 60), T0 + 60).unwrap();
    assert_eq!(vault.get("k").unwrap().unwrap().expose_secret(), b"value");
    assert_eq!(*vault.audit_key().expose_secret(), audit_before, "audit key survives a passphrase change");
}

#[test]
fn totp_reset_switches_secret_and_keeps_replay_state() {
    let fx = Fixture::new();
    let vault = fx.unlock_at(T0 + 90).unwrap();
    let new = TotpEnrollment::generate();
    let new_b32 = new.base32().expose_secret().to_owned();
    assert!(new.verify(&app_code(&new_b32, T0 + 95), T0 + 95));
    vault.reset_totp(&new).unwrap();
    drop(vault);
    let ks = fx.open();
    let old_code = SecondFactor::Totp(fx.code(T0 + 120));
    assert!(is_invalid(ks.unlock(&pass(PASS), old_code, T0 + 120)));
    // Step of T0+90 was used before the reset: a new-secret code for it is still refused.
    let replay = SecondFactor::Totp(app_code(&new_b32, T0 + 90));
    assert!(is_invalid(ks.unlock(&pass(PASS), replay, T0 + 100)));
    let fresh = SecondFactor::Totp(app_code(&new_b32, T0 + 150));
    ks.unlock(&pass(PASS), fresh, T0 + 150).unwrap();
}

#[test]
fn lockout_delay_grows_persists_and_resets() {
    let fx = Fixture::new();
    let ks = fx.open();
    let mut now = T0 + 1_000;
    let fail = |now: u64| ks.unlock(&pass("nope"), fx.totp(now), now).err().unwrap();
    assert!(matches!(fail(now), Error::InvalidCredentials));
    assert!(matches!(fail(now), Error::InvalidCredentials));
    assert!(matches!(fail(now), Error::InvalidCredentials));
    assert_eq!(ks.failed_attempts().unwrap(), 3);
    assert_eq!(ks.retry_after(now).unwrap(), Some(Duration::from_secs(2)));
    // Too early: refused with the wait, even with the right credentials, not counted.
    let err = ks.unlock(&pass(PASS), fx.totp(now), now + 1).err().unwrap();
    assert!(matches!(err, Error::TooSoon { wait } if wait == Duration::from_secs(1)), "{err}");
    assert!(err.to_string().contains("wait 1 s"), "{err}");
    assert_eq!(ks.failed_attempts().unwrap(), 3);
    now += 2;
    assert!(matches!(fail(now), Error::InvalidCredentials));
    assert_eq!(ks.retry_after(now).unwrap(), Some(Duration::from_secs(4)));
    now += 4;
    assert!(matches!(fail(now), Error::InvalidCredentials));
    assert_eq!(ks.retry_after(now).unwrap(), Some(Duration::from_secs(8)));
    drop(ks);

    // Survives reopening; success resets it.
    let ks = fx.open();
    assert_eq!(ks.failed_attempts().unwrap(), 5);
    assert!(matches!(ks.unlock(&pass(PASS), fx.totp(now), now), Err(Error::TooSoon { .. })));
    now += 8;
    ks.unlock(&pass(PASS), fx.totp(now), now).unwrap();
    assert_eq!(ks.failed_attempts().unwrap(), 0);
    assert_eq!(ks.retry_after(now).unwrap(), None);
}

#[test]
fn create_refuses_to_overwrite() {
    let fx = Fixture::new();
    let again = Keystore::create(&fx.dir, &pass("other"), FAST, &TotpEnrollment::generate(), T0);
    assert!(matches!(again, Err(Error::AlreadyExists { .. })));
    // A non-empty directory that is not a keystore is refused too.
    let other = fx.tmp.path().join("stuff");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), b"mine").unwrap();
    let res = Keystore::create(&other, &pass("p"), FAST, &TotpEnrollment::generate(), T0);
    assert!(matches!(res, Err(Error::AlreadyExists { .. })));
    assert_eq!(std::fs::read(other.join("notes.txt")).unwrap(), b"mine");
    // The original still unlocks with its own passphrase.
    fx.unlock_at(T0 + 30).unwrap();
}

#[test]
fn create_refuses_params_outside_floor_and_cap() {
    let tmp = tempfile::tempdir().unwrap();
    for params in [KdfParams { m_kib: 1024, t: 2, p: 1 }, KdfParams { m_kib: 19_456, t: 100, p: 1 }] {
        let res =
            Keystore::create(&tmp.path().join("ks"), &pass("p"), params, &TotpEnrollment::generate(), T0);
        assert!(matches!(res, Err(Error::KdfParamsOutOfRange { .. })));
    }
    assert!(!tmp.path().join("ks").exists(), "nothing created for refused params");
}

#[test]
fn missing_keystore_says_run_init() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keystore");
    assert!(!Keystore::exists(&dir));
    let err = Keystore::open(&dir).err().unwrap();
    assert!(matches!(err, Error::NotFound { .. }));
    assert!(err.to_string().contains("run `vigil init`"), "{err}");
}

#[test]
fn second_open_while_in_use_is_refused() {
    let fx = Fixture::new();
    let _first = fx.open();
    let err = Keystore::open(&fx.dir).err().unwrap();
    assert!(matches!(err, Error::InUse { .. }), "{err}");
}

/// Re-confirming the person while unlocked (arming autonomy, attaching):
/// a fresh code is accepted once, a wrong or replayed one is not.
#[test]
fn verify_totp_accepts_a_fresh_code_once_and_refuses_a_wrong_one() {
    let (fx, vault) = Fixture::with_vault();
    let later = T0 + 300;
    let code = fx.code(later);
    let wrong = if code == "000000" { "000001".to_owned() } else { "000000".to_owned() };
    assert!(!vault.verify_totp(&wrong, later).unwrap(), "a wrong code");
    assert!(vault.verify_totp(&code, later).unwrap(), "the fresh code");
    assert!(!vault.verify_totp(&code, later).unwrap(), "the same code again (replay)");
}
