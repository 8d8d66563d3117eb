//! vigil's encrypted vault.
//!
//! A directory of immutable generations (each a sled database, switched atomically through a
//! `CURRENT` pointer, read only through a private copy): a header (magic, format version, Argon2id
//! parameters, salt, and a random 256-bit data key wrapped by the passphrase-derived key),
//! records encrypted with AES-256-GCM under that data key, a TOTP second factor with replay
//! protection, ten single-use recovery codes and a persistent failed-unlock counter.
//!
//! This crate knows nothing of trading, async runtimes, terminals or networks. See
//! `README.md` beside this crate for the on-disk format and the threat notes.

mod aead;
mod coredump;
mod error;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod header;
mod keystore;
mod layout;
mod lockout;
mod params;
mod perms;
mod record;
mod recovery;
mod storage;
mod totp;
mod vault;

pub use coredump::disable_core_dumps;
pub use error::Error;
pub use keystore::{Keystore, SecondFactor};
pub use params::{KdfParams, MAX_M_KIB, MAX_P, MAX_T, MIN_M_KIB, MIN_P, MIN_T};
pub use recovery::RecoveryCodes;
pub use totp::TotpEnrollment;
pub use vault::Vault;

#[cfg(test)]
mod tests {
    /// The CLI and engine may hold these across threads (e.g. tokio tasks).
    #[test]
    fn public_handles_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Keystore>();
        assert_send_sync::<crate::Vault>();
        assert_send_sync::<crate::TotpEnrollment>();
        assert_send_sync::<crate::RecoveryCodes>();
        assert_send_sync::<crate::Error>();
    }
}
