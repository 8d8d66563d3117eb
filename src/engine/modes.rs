//! The engine's side of the controls: a person arming or disarming autonomy
//! (with a fresh TOTP code when a keystore is unlocked), the kill switch, and
//! breakers. The rules themselves live in [`Controls`](super::controls); here
//! they meet the event tail and the orders a halt cancels.

use rust_decimal::Decimal;
use serde_json::json;

use super::api::{CancelAllReport, CommandError};
use super::controls::{Cause, Change, ControlsError};
use super::state::EngineState;
use crate::domain::TradingState;
use crate::risk::BreakerTrip;
use crate::store::{Actor, AuditKind};

impl From<ControlsError> for CommandError {
    fn from(err: ControlsError) -> Self {
        CommandError::Refused(err.to_string())
    }
}

impl EngineState {
    /// Applies a change to the controls for `actor`, noting it on screen.
    /// Returns whether anything changed.
    pub fn control(&mut self, change: Change, actor: Actor, why: &str) -> Result<bool, CommandError> {
        let cause = Cause::new(actor.clone(), why, self.now());
        let changed = self.controls.apply(change, cause, &mut self.persist);
        match &changed {
            Ok(true) => {
                let text = format!("{} by {actor} ({why})", self.controls.name().replace('_', " "));
                self.note("mode", text);
            }
            Ok(false) => {}
            Err(ControlsError::Storage(err)) => self.storage_failed("trading controls", err),
            Err(ControlsError::Refused(_)) => {}
        }
        Ok(changed?)
    }

    /// Arms autonomous mode with a budget of orders and notional.
    pub fn enable_autonomous(
        &mut self,
        max_orders: u32,
        max_notional: Decimal,
        totp: Option<&str>,
    ) -> Result<(), CommandError> {
        if let Some(check) = self.totp.as_mut() {
            let ok = totp.is_some_and(check);
            if !ok {
                self.audit(
                    AuditKind::ModeChange,
                    Actor::Person,
                    json!({ "to": "autonomous", "result": "refused: bad TOTP code" }),
                );
                return Err(CommandError::Refused(
                    "a fresh, valid authenticator code is required".to_owned(),
                ));
            }
        }
        let why = format!("armed with a budget of {max_orders} orders, {max_notional} notional");
        self.control(Change::Arm { max_orders, max_notional }, Actor::Person, &why)?;
        Ok(())
    }

    /// Engages the kill switch for `actor`: halted (durably) before every open
    /// order is cancelled and every pending one rejected. Engaging it again
    /// cancels whatever is still open (a crash between the halt and the
    /// cancels, say); a breaker that stays breached does nothing more.
    pub fn halt(&mut self, actor: Actor, why: &str) -> CancelAllReport {
        let changed = self.control(Change::Halt, actor.clone(), why);
        match changed {
            Ok(false) if !matches!(actor, Actor::Person) => CancelAllReport::default(),
            // Halted now (or failed to record, which halts too), or a person insists.
            _ => self.cancel_all(&actor, &format!("kill switch: {why}")),
        }
    }

    /// The kill switch from a person: engage, or release (which also lifts a
    /// breaker's halt or reduce-only state; refused after a storage failure).
    pub fn set_kill_switch(&mut self, engaged: bool) -> Result<(), CommandError> {
        if engaged {
            let report = self.halt(Actor::Person, "operator");
            self.note(
                "kill",
                format!(
                    "KILL SWITCH engaged: {} orders cancelled, {} pending rejected",
                    report.cancelled, report.rejected
                ),
            );
        } else {
            self.control(Change::Release, Actor::Person, "operator")?;
        }
        Ok(())
    }

    /// A breaker tripped: halt or reduce per the limits (either ends autonomy).
    /// Once tripped it stays so until a person releases it.
    pub(super) fn trip_breaker(&mut self, trip: &BreakerTrip) {
        let actor = Actor::Breaker(trip.cause.as_str().to_owned());
        match trip.target {
            TradingState::Halted => {
                let report = self.halt(actor, &trip.detail);
                if report.cancelled > 0 || report.rejected > 0 {
                    self.note(
                        "breaker",
                        format!(
                            "{} orders cancelled, {} pending rejected",
                            report.cancelled, report.rejected
                        ),
                    );
                }
            }
            // `reducing` (a breaker never targets `active`).
            _ => {
                // Recording failures are handled (and noted) inside `control`.
                let _ = self.control(Change::Reduce, actor, &trip.detail);
            }
        }
    }
}
