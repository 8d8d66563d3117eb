//! Who may operate the engine from outside its process, and what a
//! one-shot command may read through it: a front end attaching over the
//! socket proves itself with a TOTP code the engine checks (the keystore
//! stays unlocked here only), and `vigil audit show|verify` read the log
//! the engine holds open instead of a copy of it.

use serde_json::json;

use super::api::{AuditCheck, CommandError};
use super::state::EngineState;
use crate::domain::Order;
use crate::store::{Actor, AuditEntry, AuditKind};

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
