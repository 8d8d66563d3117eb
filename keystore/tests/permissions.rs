//! Directory 0700 / files 0600, and refusal of a keystore other users can reach.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::{Fixture, T0, mode, walk};
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
    let blobs: Vec<_> = fs::read_dir(fx.dir.join("blobs")).unwrap().collect();
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
    refused(&fx, &fx.dir.join("db"), 0o644);
    refused(&fx, &fx.dir.join("db"), 0o602);
    refused(&fx, &fx.dir.join("conf"), 0o640);
    refused(&fx, &fx.dir.join("blobs"), 0o750);
}

#[test]
fn a_foreign_file_dropped_in_with_loose_mode_is_refused() {
    let fx = Fixture::new();
    let stray = fx.dir.join("stray");
    fs::write(&stray, b"x").unwrap();
    fs::set_permissions(&stray, fs::Permissions::from_mode(0o666)).unwrap();
    assert!(matches!(Keystore::open(&fx.dir), Err(Error::InsecurePermissions { .. })));
}
