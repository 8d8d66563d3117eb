//! Own test binary (own process): it changes the process-wide umask, which would race with
//! other tests creating files in parallel.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Fixture, T0, mode, walk};

#[test]
fn private_modes_even_with_umask_zero() {
    // SAFETY: `umask` only swaps the process file-mode creation mask; this binary has a
    // single test, so no other thread is creating files concurrently.
    #[allow(unsafe_code)]
    let previous = unsafe { libc::umask(0) };
    let (fx, vault) = Fixture::with_vault();
    vault.put("big", &vec![1u8; 300 * 1024]).unwrap();
    drop(vault);
    fx.unlock_at(T0 + 30).unwrap();
    for path in walk(&fx.dir) {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), want, "{}", path.display());
    }
    // SAFETY: as above.
    #[allow(unsafe_code)]
    unsafe {
        libc::umask(previous);
    }
}
