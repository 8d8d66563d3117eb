//! Core dumps would write the unlocked data key and plaintexts to disk; turn them off.

use crate::error::Error;

/// Sets `RLIMIT_CORE` to 0 (soft and hard) for this process, so a crash after unlock cannot
/// leave secrets in a core file. Idempotent; `Keystore::open` and `Keystore::create` call it.
pub fn disable_core_dumps() -> Result<(), Error> {
    let zero = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `setrlimit` only reads the fully initialised `rlimit` we pass by reference for
    // the duration of the call; it has no other memory effects on this process.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
    if rc == 0 { Ok(()) } else { Err(Error::CoreDumps(std::io::Error::last_os_error())) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn core_limit_is_zero_afterwards() {
        disable_core_dumps().unwrap();
        disable_core_dumps().unwrap();
        let mut lim = libc::rlimit { rlim_cur: 1, rlim_max: 1 };
        // SAFETY: `getrlimit` writes into the `rlimit` we own for the duration of the call.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut lim) };
        assert_eq!(rc, 0);
        assert_eq!((lim.rlim_cur, lim.rlim_max), (0, 0));
    }
}
