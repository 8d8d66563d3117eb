//! Who may operate the engine from outside its process, and what a
//! one-shot command may read through it: a front end attaching over the
//! socket proves itself with a TOTP code the engine checks (the keystore
//! stays unlocked here only), and `vigil audit show|verify` read the log
//! the engine holds open instead of a copy of it.

use serde_json::json;

use super::api::{AuditCheck, CommandError};
use super::state::EngineState;
use crate::domain::{Order, TimestampMs};
use crate::store::{Actor, AuditEntry, AuditKind};

/// Wrong codes tolerated before attaching locks: then each one doubles the
/// lock, up to [`MAX_LOCK_MS`]. A code is six digits: without this, a local
/// script could try them all within the hour.
const FREE_FAILURES: u32 = 3;
const MAX_LOCK_MS: i64 = 300_000;

/// Failed attach codes in a row, and until when attaching is locked.
#[derive(Debug, Default)]
pub struct AttachGuard {
    failures: u32,
    locked_until: TimestampMs,
}

impl AttachGuard {
    fn record(&mut self, verified: bool, now: TimestampMs) {
        if verified {
            *self = Self::default();
            return;
        }
        self.failures = self.failures.saturating_add(1);
        if let Some(extra) = self.failures.checked_sub(FREE_FAILURES) {
            let lock_ms = 1000_i64.checked_shl(extra.min(20)).unwrap_or(MAX_LOCK_MS).min(MAX_LOCK_MS);
            self.locked_until = now.saturating_add(lock_ms);
        }
    }
}

/// The most audit entries one page carries (a page crosses the socket as
/// one frame).
pub const AUDIT_PAGE_MAX: u32 = 2_000;

impl EngineState {
    /// A front end asks to operate this engine (`vigil attach`). With a
    /// keystore unlocked, `code` must be a fresh TOTP code (replay-protected
    /// by the vault); without one (paper without `vigil init`, the demo)
    /// there is nothing to check it against and the socket's owner check
    /// is the whole guard. Audited either way; the code never is.
    pub fn attach(&mut self, code: Option<&str>, client: &str) -> Result<(), CommandError> {
        let now = self.now();
        if self.attach_guard.locked_until > now && self.totp.is_some() {
            let secs = (self.attach_guard.locked_until.saturating_sub(now) / 1000).saturating_add(1);
            return Err(CommandError::Refused(format!(
                "too many wrong authenticator codes: attaching is locked for {secs} s"
            )));
        }
        let (verified, how) = match self.totp.as_mut() {
            None => (true, "no keystore: no code to check"),
            Some(check) => (code.is_some_and(check), "TOTP code"),
        };
        let text = if verified {
            format!("{client} attached ({how})")
        } else {
            format!("{client} refused: a wrong or reused TOTP code")
        };
        self.audit(
            AuditKind::UnlockAttempt,
            Actor::Person,
            json!({ "ok": verified, "via": "attach", "client": client, "text": text }),
        );
        self.note("attach", text);
        self.attach_guard.record(verified, now);
        if verified {
            Ok(())
        } else {
            Err(CommandError::Refused("a fresh, valid authenticator code is required to attach".to_owned()))
        }
    }

    /// Up to `max` (at most [`AUDIT_PAGE_MAX`]) entries after entry `after`.
    pub fn audit_page(&self, after: u64, max: u32) -> Result<Vec<AuditEntry>, CommandError> {
        let max = usize::try_from(max.min(AUDIT_PAGE_MAX)).unwrap_or(0);
        self.persist.audit_log().page(after, max).map_err(|e| CommandError::Audit(e.to_string()))
    }

    /// Every order the store holds.
    pub fn order_history(&self) -> Result<Vec<Order>, CommandError> {
        self.persist.stored_orders().map_err(CommandError::Audit)
    }

    /// The chain and its anchor, checked with the key the engine signs with.
    pub fn audit_verify(&self) -> Result<AuditCheck, CommandError> {
        let report =
            self.persist.audit_log().verify_anchored().map_err(|e| CommandError::Audit(e.to_string()))?;
        Ok(AuditCheck {
            entries: report.entries,
            head: report.head.short(),
            problem: report.problem.map(|p| p.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_codes_lock_attaching_for_longer_and_longer_and_a_right_one_resets() {
        let mut guard = AttachGuard::default();
        for _ in 0..FREE_FAILURES {
            guard.record(false, 0);
        }
        assert_eq!(guard.locked_until, 1_000, "the first failure past the free ones locks a second");
        guard.record(false, 0);
        assert_eq!(guard.locked_until, 2_000);
        for _ in 0..40 {
            guard.record(false, 0);
        }
        assert_eq!(guard.locked_until, MAX_LOCK_MS, "capped");
        guard.record(true, 0);
        assert_eq!((guard.failures, guard.locked_until), (0, 0));
    }
}
