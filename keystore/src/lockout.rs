//! The persistent failed-unlock counter and its growing delay.
//!
//! It lives outside the encryption because it must work before unlock. It slows down
//! someone guessing at the prompt; it does nothing against an offline attack on a copied
//! keystore (Argon2id is the defence there), and whoever can write the directory can reset it.

use std::time::Duration;

use crate::error::Error;

/// Failures allowed before any delay.
const FREE_FAILURES: u32 = 2;
/// Delay after the first delayed failure; doubles with each further one.
const BASE_DELAY_SECS: u64 = 2;
/// Upper bound of the delay.
const MAX_DELAY_SECS: u64 = 15 * 60;
/// Record tag and layout version: `b"lk1\0" ‖ failures u32 ‖ last failure unix u64` (BE).
const MAGIC: &[u8; 4] = b"lk1\0";
const LEN: usize = 16;

/// Failed attempts since the last successful unlock, and when the latest one happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Lockout {
    pub(crate) failures: u32,
    pub(crate) last_failure_unix: u64,
}

impl Lockout {
    /// Delay owed after `failures` failures: none for the first two, then 2 s, 4 s, 8 s, …
    /// capped at 15 minutes.
    pub(crate) fn delay(failures: u32) -> Duration {
        let Some(doublings) = failures.checked_sub(FREE_FAILURES + 1) else {
            return Duration::ZERO;
        };
        let secs = 1u64
            .checked_shl(doublings)
            .and_then(|f| f.checked_mul(BASE_DELAY_SECS))
            .map_or(MAX_DELAY_SECS, |s| s.min(MAX_DELAY_SECS));
        Duration::from_secs(secs)
    }

    /// How long until the next attempt may run, or `None` if it may run now. A clock that
    /// went backwards never yields more than the full delay.
    pub(crate) fn retry_after(&self, now_unix: u64) -> Option<Duration> {
        let delay = Self::delay(self.failures);
        let ready_at = self.last_failure_unix.saturating_add(delay.as_secs());
        let wait = Duration::from_secs(ready_at.saturating_sub(now_unix)).min(delay);
        (!wait.is_zero()).then_some(wait)
    }

    /// This state with one more failure at `now_unix`.
    pub(crate) fn failed(self, now_unix: u64) -> Self {
        Lockout { failures: self.failures.saturating_add(1), last_failure_unix: now_unix }
    }

    /// The stored form.
    pub(crate) fn encode(&self) -> [u8; LEN] {
        let mut out = [0u8; LEN];
        out[..4].copy_from_slice(MAGIC);
        out[4..8].copy_from_slice(&self.failures.to_be_bytes());
        out[8..].copy_from_slice(&self.last_failure_unix.to_be_bytes());
        out
    }

    /// Parses the stored form; a missing record means no failures.
    pub(crate) fn decode(stored: Option<&[u8]>) -> Result<Self, Error> {
        let Some(bytes) = stored else { return Ok(Lockout::default()) };
        if bytes.len() != LEN || &bytes[..4] != MAGIC {
            return Err(Error::CounterCorrupted);
        }
        let failures = bytes[4..8].try_into().map(u32::from_be_bytes).map_err(|_| Error::CounterCorrupted)?;
        let last = bytes[8..].try_into().map(u64::from_be_bytes).map_err(|_| Error::CounterCorrupted)?;
        Ok(Lockout { failures, last_failure_unix: last })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn delay_schedule_grows_and_caps() {
        let secs: Vec<u64> = (0..14).map(|f| Lockout::delay(f).as_secs()).collect();
        assert_eq!(secs, [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
        assert_eq!(Lockout::delay(u32::MAX).as_secs(), 900);
    }

    #[test]
    fn retry_after_counts_down_and_survives_clock_rollback() {
        let l = Lockout::default().failed(100).failed(100).failed(100).failed(100);
        assert_eq!(l.failures, 4);
        assert_eq!(l.retry_after(100), Some(Duration::from_secs(4)));
        assert_eq!(l.retry_after(103), Some(Duration::from_secs(1)));
        assert_eq!(l.retry_after(104), None);
        assert_eq!(l.retry_after(0), Some(Duration::from_secs(4)));
    }

    #[test]
    fn round_trip_and_corruption() {
        let l = Lockout { failures: 7, last_failure_unix: 1_700_000_000 };
        assert_eq!(Lockout::decode(Some(&l.encode())).unwrap(), l);
        assert_eq!(Lockout::decode(None).unwrap(), Lockout::default());
        assert!(Lockout::decode(Some(&l.encode()[..15])).is_err());
        let mut bad = l.encode();
        bad[0] ^= 1;
        assert!(Lockout::decode(Some(&bad)).is_err());
    }
}
