//! Entry points for the fuzz targets (`fuzz/`) and their stable regression tests: every
//! decoder of stored keystore bytes, driven with arbitrary input.
//!
//! Compiled only for this crate's tests and with the `fuzzing` feature, so the decoders stay
//! private in normal builds. Each function panics only when an invariant breaks (a decoded
//! value that does not re-encode to the same bytes, an accepted record that was never
//! sealed): a panic is what the fuzzer reports as a crash.

use crate::aead::{KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::header::{HEADER_LEN, Header};
use crate::layout::TotpState;
use crate::lockout::Lockout;
use crate::record;
use crate::recovery::RecoveryHashes;
use crate::storage::pointer::Pointer;

/// A fixed data key: fuzz inputs cannot forge AES-GCM, so records are also sealed and reopened.
const DEK: [u8; KEY_LEN] = [0x5a; KEY_LEN];
/// The storage key records are bound to.
const STORAGE_KEY: &[u8] = b"u/fuzz";

/// The keystore header (`s/header`) and the generation pointer (`CURRENT`): both are read
/// before any key exists, so they are the first thing a hostile file reaches.
pub fn header(data: &[u8]) {
    if let Ok(header) = Header::decode(data) {
        assert_eq!(data.len(), HEADER_LEN, "a header of the wrong length was accepted");
        assert_eq!(header.encode(), data, "an accepted header does not re-encode to its bytes");
        assert!(header.params().validate().is_ok(), "a header with out-of-range KDF parameters was accepted");
    }
    if let Some(pointer) = Pointer::decode(data) {
        assert_eq!(pointer.encode().as_bytes(), data, "an accepted pointer does not re-encode to its bytes");
    }
}

/// An encrypted record and the plaintext decoders behind it (TOTP state, recovery hashes)
/// plus the plain failed-unlock counter.
pub fn record(data: &[u8]) {
    if let Ok(plain) = record::open(&DEK, STORAGE_KEY, data, "fuzz") {
        // Only a genuine record opens (the seeds hold one): version, nonce, plaintext, tag.
        assert_eq!(
            data.len(),
            1 + NONCE_LEN + plain.len() + TAG_LEN,
            "a record opened to a plaintext of the wrong size"
        );
    }
    match record::seal(&DEK, STORAGE_KEY, data) {
        Ok(sealed) => match record::open(&DEK, STORAGE_KEY, &sealed, "fuzz") {
            Ok(plain) => assert_eq!(plain.as_slice(), data, "a sealed record reopened to other bytes"),
            Err(e) => panic!("a freshly sealed record did not open: {e}"),
        },
        Err(e) => panic!("sealing {} bytes failed: {e}", data.len()),
    }
    if let Ok(state) = TotpState::decode(data) {
        assert_eq!(state.encode().as_slice(), data, "TOTP state does not round-trip");
    }
    if let Ok(hashes) = RecoveryHashes::decode(data) {
        assert_eq!(hashes.encode().as_slice(), data, "recovery hashes do not round-trip");
    }
    if let Ok(lockout) = Lockout::decode(Some(data)) {
        assert_eq!(lockout.encode().as_slice(), data, "lockout counter does not round-trip");
    }
}

#[cfg(test)]
mod tests {
    //! The fuzz regression inputs (`fuzz/regressions/keystore_*`) and seeds, replayed on stable.
    use std::path::{Path, PathBuf};

    fn inputs(target: &str) -> Vec<PathBuf> {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        let mut files = Vec::new();
        for dir in ["seeds", "regressions"] {
            if let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) {
                files.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
            }
        }
        files.sort();
        files
    }

    fn replay(target: &str, run: fn(&[u8])) {
        let files = inputs(target);
        assert!(!files.is_empty(), "no seeds for {target}: is fuzz/seeds/{target} in the checkout?");
        for file in files {
            match std::fs::read(&file) {
                Ok(bytes) => run(&bytes),
                Err(e) => panic!("{}: {e}", file.display()),
            }
        }
    }

    /// The accept paths: a real header, pointer and records pass their own checks.
    #[test]
    fn genuine_stored_bytes_pass() {
        use crate::header::Header;
        use crate::params::{KdfParams, MIN_M_KIB, MIN_P, MIN_T};
        use crate::storage::pointer::Pointer;
        let params = KdfParams { m_kib: MIN_M_KIB, t: MIN_T, p: MIN_P };
        let header = Header::seal(params, b"fuzz", &super::DEK).map(|h| h.encode());
        let header = header.unwrap_or_else(|e| panic!("seal: {e}"));
        assert!(Header::decode(&header).is_ok());
        super::header(&header);
        let pointer = Pointer { generation: 7, digest: [0xab; 32] }.encode();
        assert!(Pointer::decode(pointer.as_bytes()).is_some());
        super::header(pointer.as_bytes());
        let lockout = crate::lockout::Lockout { failures: 3, last_failure_unix: 1_700_000_000 }.encode();
        super::record(&lockout);
        if let Ok(dir) = std::env::var("VIGIL_WRITE_KEYSTORE_SEEDS") {
            let dir = Path::new(&dir);
            let write =
                |p: &str, b: &[u8]| std::fs::write(dir.join(p), b).unwrap_or_else(|e| panic!("{p}: {e}"));
            write("keystore_header/header.bin", &header);
            write("keystore_header/current_pointer.txt", pointer.as_bytes());
            write("keystore_record/lockout.bin", &lockout);
            let sealed =
                crate::record::seal(&super::DEK, super::STORAGE_KEY, b"api-secret").unwrap_or_default();
            write("keystore_record/record.bin", &sealed);
            let totp = crate::layout::TotpState {
                secret: secrecy::SecretBox::new(Box::new([3; crate::totp::SECRET_LEN])),
                last_step: 42,
            };
            write("keystore_record/totp_state.bin", &totp.encode());
        }
    }

    #[test]
    fn header_inputs_replay() {
        replay("keystore_header", super::header);
    }

    #[test]
    fn record_inputs_replay() {
        replay("keystore_record", super::record);
    }
}
