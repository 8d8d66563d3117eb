//! Unlock at the default Argon2id parameters (m = 64 MiB, t = 3, p = 1), and record
//! put (encrypt + write + flush) / get (read + decrypt) on an unlocked vault.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use secrecy::{ExposeSecret, SecretString};
use vigil_keystore::{KdfParams, Keystore, SecondFactor, TotpEnrollment};

const T0: u64 = 1_700_000_000;

fn app_code(base32: &str, unix: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(base32).unwrap();
    totp_rs::Builder::new()
        .with_secret(secret.as_bytes().to_vec())
        .build()
        .unwrap()
        .generate(unix)
        .to_string()
}

fn benches(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keystore");
    let pass = SecretString::from("bench passphrase");
    let enrollment = TotpEnrollment::generate();
    let base32 = enrollment.base32().expose_secret().to_owned();
    let (vault, _codes) = Keystore::create(&dir, &pass, KdfParams::default(), &enrollment, T0).unwrap();
    drop(vault);
    let ks = Keystore::open(&dir).unwrap();

    let mut group = c.benchmark_group("keystore");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    // Each unlock consumes a TOTP step (replay protection), so time moves on 30 s per call.
    let mut now = T0;
    group.bench_function("unlock_default_params_64MiB_t3_p1", |b| {
        b.iter_batched(
            || {
                now += 30;
                (SecondFactor::Totp(app_code(&base32, now)), now)
            },
            |(factor, at)| black_box(ks.unlock(&pass, factor, at).unwrap()),
            BatchSize::PerIteration,
        )
    });
    group.finish();

    now += 30;
    let vault = ks.unlock(&pass, SecondFactor::Totp(app_code(&base32, now)), now).unwrap();
    let value = [0x5au8; 64];
    vault.put("bench/record", &value).unwrap();
    let mut group = c.benchmark_group("record");
    group.bench_function("get_64B", |b| b.iter(|| black_box(vault.get("bench/record").unwrap())));
    group.bench_function("put_64B_flushed", |b| {
        b.iter(|| vault.put("bench/record", black_box(&value)).unwrap())
    });
    group.finish();
}

criterion_group!(unlock, benches);
criterion_main!(unlock);
