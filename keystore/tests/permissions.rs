//! Directory 0700 / files 0600, and refusal of a keystore other users can reach.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::{Fixture, T0, live_gen, mode, walk};
use secrecy::ExposeSecret;
use vigil_keystore::{Error, Keystore};

fn assert_private(dir: &std::path::Path) {
    for path in walk(dir) {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), want, "{}", path.display());
    }
}

#[test]
fn created_private_and_stays_private_after_large_writes() {
    let (fx, vault) = Fixture::with_vault();
    assert_private(&fx.dir);
    // Large values make sled create blob files after open; they must be 0600 too.
    vault.put("big", &vec![7u8; 300 * 1024]).unwrap();
    let blobs: Vec<_> = fs::read_dir(live_gen(&fx.dir).join("blobs")).unwrap().collect();
    assert!(!blobs.is_empty(), "expected sled to write a blob file for a 300 KiB value");
    assert_private(&fx.dir);
    drop(vault);
    let vault = fx.unlock_at(T0 + 30).unwrap();
    assert_eq!(vault.get("big").unwrap().unwrap().expose_secret().len(), 300 * 1024);
}

fn refused(fx: &Fixture, path: &std::path::Path, bad_mode: u32) {
    let good_mode = mode(path);
    fs::set_permissions(path, fs::Permissions::from_mode(bad_mode)).unwrap();
    let err = Keystore::open(&fx.dir).err().unwrap();
    match &err {
        Error::InsecurePermissions { path: p, mode, .. } => {
            assert_eq!(p, path);
            assert_eq!(*mode, bad_mode);
        }
        other => panic!("{}: expected InsecurePermissions, got {other}", path.display()),
    }
    let msg = err.to_string();
    assert!(msg.contains(&format!("chmod -R go-rwx {}", fx.dir.display())), "{msg}");
    fs::set_permissions(path, fs::Permissions::from_mode(good_mode)).unwrap();
    Keystore::open(&fx.dir).unwrap();
}

#[test]
fn group_or_world_access_is_refused_with_the_fix() {
    let fx = Fixture::new();
    refused(&fx, &fx.dir, 0o755);
    refused(&fx, &fx.dir, 0o710);
    let generation = live_gen(&fx.dir);
    refused(&fx, &generation, 0o750);
    refused(&fx, &generation.join("db"), 0o644);
    refused(&fx, &generation.join("db"), 0o602);
    refused(&fx, &generation.join("conf"), 0o640);
    refused(&fx, &generation.join("blobs"), 0o750);
    refused(&fx, &fx.dir.join("CURRENT"), 0o644);
}

#[test]
fn a_foreign_file_dropped_in_with_loose_mode_is_refused() {
    let fx = Fixture::new();
    let stray = fx.dir.join("stray");
    fs::write(&stray, b"x").unwrap();
    fs::set_permissions(&stray, fs::Permissions::from_mode(0o666)).unwrap();
    assert!(matches!(Keystore::open(&fx.dir), Err(Error::InsecurePermissions { .. })));
}

/// The tests run as root in CI, so the foreign owner is made with `chown` to nobody.
fn refused_foreign(fx: &Fixture, path: &std::path::Path) {
    std::os::unix::fs::chown(path, Some(65534), None).unwrap();
    let err = Keystore::open(&fx.dir).err().unwrap();
    assert!(matches!(&err, Error::ForeignOwner { path: p, owner: 65534, .. } if p == path), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("owned by uid 65534") && msg.contains(&format!("chown -R 0 {}", fx.dir.display())),
        "{msg}"
    );
    std::os::unix::fs::chown(path, Some(0), None).unwrap();
    Keystore::open(&fx.dir).unwrap();
}

#[test]
fn a_keystore_owned_by_another_user_is_refused_with_the_fix() {
    // SAFETY: `geteuid` takes no arguments and cannot fail.
    #[allow(unsafe_code)]
    if unsafe { libc::geteuid() } != 0 {
        return; // only root can give files away
    }
    let fx = Fixture::new();
    refused_foreign(&fx, &fx.dir);
    refused_foreign(&fx, &fx.dir.join("CURRENT"));
    refused_foreign(&fx, &live_gen(&fx.dir).join("db"));
}
