//! The engine's controls as one state machine: approval mode and its budget,
//! the trading state with its cause, the kill switch and a storage failure.
//!
//! Before this type the rule "a halt drops to confirm mode and ends the
//! budget" was written out wherever a halt happened, and `approval` and
//! `autonomy` could disagree. Here the illegal combinations cannot be written
//! down: the budget exists only inside `Autonomous`, and autonomous mode only
//! while trading is active. Every change goes through [`Controls::apply`],
//! which refuses what is not allowed, records who acted and why (the audit
//! entry and the durable record, through a [`ControlsRecorder`]) and only
//! then changes state. If recording fails, the controls fall to
//! `StorageFailed`, the safest state there is.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::api::AutonomyBudget;
use crate::domain::{Approval, TimestampMs, TradingState};
use crate::store::{Actor, AuditKind};

/// Who changed the controls, why, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    pub actor: Actor,
    pub why: String,
    pub at_ms: TimestampMs,
}

impl Cause {
    pub fn new(actor: Actor, why: impl Into<String>, at_ms: TimestampMs) -> Self {
        Self { actor, why: why.into(), at_ms }
    }
}

/// The one state the controls are in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Posture {
    /// Trading is active; a person confirms every order.
    #[default]
    Confirm,
    /// Trading is active; gate-approved orders are sent within the budget.
    Autonomous { budget: AutonomyBudget },
    /// Only orders that shrink a position pass (a breaker's `reducing` action).
    Reducing { cause: Cause },
    /// The kill switch: new orders are refused, cancels go through.
    Halted { cause: Cause },
    /// A write failed: halted, and releasable only by a restart, which
    /// rebuilds state from disk.
    StorageFailed { cause: Cause },
}

impl Posture {
    fn name(&self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Autonomous { .. } => "autonomous",
            Self::Reducing { .. } => "reducing",
            Self::Halted { .. } => "halted",
            Self::StorageFailed { .. } => "storage_failed",
        }
    }
}

/// A change someone asks of the controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Arm autonomous mode with a fresh budget (a person, after the TOTP check).
    Arm { max_orders: u32, max_notional: Decimal },
    /// Back to confirm-each-order.
    Disarm,
    /// Only position-reducing orders pass.
    Reduce,
    /// The kill switch: halt new orders.
    Halt,
    /// Lift a halt or a reduce-only state: trading active, confirm mode.
    Release,
}

/// A change that was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlsError {
    #[error("{0}")]
    Refused(String),
    /// Recording the change failed; the controls are now `StorageFailed`.
    #[error("storage failed while recording the change: {0}")]
    Storage(String),
}

/// One change as it is recorded: the audit entry and the durable record of
/// the state after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub kind: AuditKind,
    pub cause: Cause,
    pub body: serde_json::Value,
    /// What a restart restores (`Controls::restore` reads it back).
    pub durable: serde_json::Value,
}

/// Where transitions are written: the audit log and the store, durably,
/// before the change takes effect.
pub trait ControlsRecorder {
    fn record(&mut self, transition: &Transition) -> Result<(), String>;
}

/// The controls. Private state; read through the accessors, changed only by
/// [`Controls::apply`], [`Controls::charge`] and [`Controls::fail_storage`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Controls {
    posture: Posture,
}

/// What a restart restores: never autonomous, never a storage failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Durable {
    Active,
    Reducing { cause: Cause },
    Halted { cause: Cause },
}

impl Controls {
    /// Confirm mode, trading active: how a fresh engine starts.
    pub fn confirm() -> Self {
        Self::default()
    }

    /// The controls a restart comes up with, from the durable record an
    /// earlier session stored. Never autonomous. A halt or reduce-only state
    /// is kept; a record that cannot be read restarts halted (a halt is never
    /// lost by a bad byte).
    pub fn restore(stored: Option<&serde_json::Value>, now: TimestampMs) -> Self {
        let Some(value) = stored else { return Self::confirm() };
        let posture = match Durable::deserialize(value) {
            Ok(Durable::Active) => Posture::Confirm,
            Ok(Durable::Reducing { cause }) => Posture::Reducing { cause },
            Ok(Durable::Halted { cause }) => Posture::Halted { cause },
            Err(_) => Posture::Halted {
                cause: Cause::new(
                    Actor::Restart,
                    "the stored trading state could not be read: check it, then release the halt",
                    now,
                ),
            },
        };
        Self { posture }
    }

    /// The controls from the record versions before this type stored them
    /// (`{"kill_switch": bool, "trading_state": "active" | "reducing" |
    /// "halted"}` under `trading_state`): a halt or reduce-only state is kept
    /// (its cause was not stored, so the restart is named), and a record that
    /// cannot be read restarts halted, as with the current record.
    pub fn restore_legacy(stored: &serde_json::Value, now: TimestampMs) -> Self {
        let kill = stored.get("kill_switch").and_then(serde_json::Value::as_bool);
        let state = stored.get("trading_state").and_then(|v| TradingState::deserialize(v).ok());
        let cause = |why: &str| Cause::new(Actor::Restart, why, now);
        let posture = match (kill, state) {
            (Some(false), Some(TradingState::Active)) => Posture::Confirm,
            (Some(false), Some(TradingState::Reducing)) => {
                Posture::Reducing { cause: cause("reduce-only since an earlier version of vigil") }
            }
            (Some(_), Some(_)) => {
                Posture::Halted { cause: cause("halted since an earlier version of vigil") }
            }
            _ => Posture::Halted {
                cause: cause("the stored trading state could not be read: check it, then release the halt"),
            },
        };
        Self { posture }
    }

    /// Confirm or autonomous (every state but `Autonomous` confirms).
    pub fn approval(&self) -> Approval {
        match self.posture {
            Posture::Autonomous { .. } => Approval::Autonomous,
            _ => Approval::Confirm,
        }
    }

    /// The budget, only while autonomous.
    pub fn budget(&self) -> Option<&AutonomyBudget> {
        match &self.posture {
            Posture::Autonomous { budget } => Some(budget),
            _ => None,
        }
    }

    /// Active, reducing or halted (a storage failure is halted).
    pub fn trading_state(&self) -> TradingState {
        match self.posture {
            Posture::Confirm | Posture::Autonomous { .. } => TradingState::Active,
            Posture::Reducing { .. } => TradingState::Reducing,
            Posture::Halted { .. } | Posture::StorageFailed { .. } => TradingState::Halted,
        }
    }

    /// True while halted (by a person, a breaker, a restart or a storage failure).
    pub fn kill_switch(&self) -> bool {
        matches!(self.posture, Posture::Halted { .. } | Posture::StorageFailed { .. })
    }

    /// True once a write failed in this session: nothing is routed or filled,
    /// and only a restart releases it.
    pub fn storage_failed(&self) -> bool {
        matches!(self.posture, Posture::StorageFailed { .. })
    }

    /// Who halted or restricted trading and why, while they are in force.
    pub fn cause(&self) -> Option<&Cause> {
        match &self.posture {
            Posture::Reducing { cause } | Posture::Halted { cause } | Posture::StorageFailed { cause } => {
                Some(cause)
            }
            Posture::Confirm | Posture::Autonomous { .. } => None,
        }
    }

    /// The state's name: confirm, autonomous, reducing, halted, storage_failed.
    pub fn name(&self) -> &'static str {
        self.posture.name()
    }

    /// Applies `change` for `cause`: refused if not allowed, `Ok(false)` if it
    /// changes nothing (halting what is halted), else recorded and applied.
    pub fn apply(
        &mut self,
        change: Change,
        cause: Cause,
        recorder: &mut impl ControlsRecorder,
    ) -> Result<bool, ControlsError> {
        let Some(next) = self.next(change, &cause)? else { return Ok(false) };
        let transition = self.transition(change, &next, cause);
        if let Err(err) = recorder.record(&transition) {
            self.fail_storage(Cause::new(
                Actor::Engine,
                format!("storage failure: {err}"),
                transition.cause.at_ms,
            ));
            return Err(ControlsError::Storage(err));
        }
        self.posture = next;
        Ok(true)
    }

    /// Charges one autonomous order of `notional` to the budget. Once either
    /// side of the budget is spent, the controls return to confirm mode
    /// (recorded as the engine's act). Returns true if that happened.
    pub fn charge(
        &mut self,
        notional: Decimal,
        now: TimestampMs,
        recorder: &mut impl ControlsRecorder,
    ) -> Result<bool, ControlsError> {
        let Posture::Autonomous { budget } = &mut self.posture else { return Ok(false) };
        budget.orders_used = budget.orders_used.saturating_add(1);
        budget.notional_used =
            budget.notional_used.checked_add(notional.max(Decimal::ZERO)).unwrap_or(Decimal::MAX);
        if budget.orders_used < budget.max_orders && budget.notional_used < budget.max_notional {
            return Ok(false);
        }
        self.apply(Change::Disarm, Cause::new(Actor::Engine, "autonomous budget spent", now), recorder)
    }

    /// A write failed: halt for good (until a restart). Not recorded, since
    /// recording would fail the same way; the engine logs it and says so on
    /// screen.
    pub fn fail_storage(&mut self, cause: Cause) {
        if !self.storage_failed() {
            self.posture = Posture::StorageFailed { cause };
        }
    }

    fn next(&self, change: Change, cause: &Cause) -> Result<Option<Posture>, ControlsError> {
        let refuse = |why: String| Err(ControlsError::Refused(why));
        let since = |c: &Cause| format!("{} ({})", c.why, c.actor);
        match (change, &self.posture) {
            (Change::Arm { max_orders, max_notional }, Posture::Confirm) => {
                if max_orders == 0 || max_notional <= Decimal::ZERO {
                    return refuse("an autonomous budget needs at least one order and some notional".into());
                }
                let budget =
                    AutonomyBudget { max_orders, max_notional, orders_used: 0, notional_used: Decimal::ZERO };
                Ok(Some(Posture::Autonomous { budget }))
            }
            (Change::Arm { .. }, Posture::Autonomous { .. }) => {
                refuse("autonomous mode is already armed: return to confirm mode first".into())
            }
            (Change::Arm { .. }, Posture::Reducing { cause }) => {
                refuse(format!("trading is reduce-only since {}: release it first", since(cause)))
            }
            (Change::Arm { .. }, Posture::Halted { cause }) => {
                refuse(format!("trading is halted since {}: release the kill switch first", since(cause)))
            }
            (Change::Release, Posture::StorageFailed { .. })
            | (Change::Arm { .. }, Posture::StorageFailed { .. }) => refuse(
                "storage failed in this session: restart vigil, which rebuilds its state from disk".into(),
            ),
            (Change::Disarm, Posture::Autonomous { .. }) => Ok(Some(Posture::Confirm)),
            (Change::Reduce, Posture::Confirm | Posture::Autonomous { .. }) => {
                Ok(Some(Posture::Reducing { cause: cause.clone() }))
            }
            (Change::Halt, Posture::Confirm | Posture::Autonomous { .. } | Posture::Reducing { .. }) => {
                Ok(Some(Posture::Halted { cause: cause.clone() }))
            }
            (Change::Release, Posture::Reducing { .. } | Posture::Halted { .. }) => {
                Ok(Some(Posture::Confirm))
            }
            // Everything else changes nothing: disarming in confirm mode,
            // halting what is halted, reducing what is halted, releasing
            // what is active.
            (Change::Disarm | Change::Reduce | Change::Halt | Change::Release, _) => Ok(None),
        }
    }

    fn transition(&self, change: Change, next: &Posture, cause: Cause) -> Transition {
        let (from, to) = (self.posture.name(), next.name());
        let (kind, body) = match change {
            Change::Arm { max_orders, max_notional } => (
                AuditKind::ModeChange,
                json!({ "from": from, "to": to, "max_orders": max_orders, "max_notional": max_notional, "why": cause.why }),
            ),
            Change::Disarm => (AuditKind::ModeChange, json!({ "from": from, "to": to, "why": cause.why })),
            Change::Reduce => (AuditKind::Breaker, json!({ "from": from, "to": to, "why": cause.why })),
            Change::Halt | Change::Release => (
                AuditKind::KillSwitch,
                json!({ "engaged": change == Change::Halt, "from": from, "to": to, "why": cause.why }),
            ),
        };
        let durable = match next {
            Posture::Confirm | Posture::Autonomous { .. } => Durable::Active,
            Posture::Reducing { cause } => Durable::Reducing { cause: cause.clone() },
            Posture::Halted { cause } | Posture::StorageFailed { cause } => {
                Durable::Halted { cause: cause.clone() }
            }
        };
        let durable = serde_json::to_value(durable).unwrap_or(serde_json::Value::Null);
        Transition { kind, cause, body, durable }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[derive(Default)]
    struct Log {
        entries: Vec<Transition>,
        fail: bool,
    }

    impl ControlsRecorder for Log {
        fn record(&mut self, transition: &Transition) -> Result<(), String> {
            if self.fail {
                return Err("disk full".into());
            }
            self.entries.push(transition.clone());
            Ok(())
        }
    }

    fn person(why: &str) -> Cause {
        Cause::new(Actor::Person, why, 1)
    }

    fn arm(orders: u32, notional: i64) -> Change {
        Change::Arm { max_orders: orders, max_notional: Decimal::from(notional) }
    }

    #[test]
    fn a_halt_ends_autonomy_and_its_budget() {
        let (mut c, mut log) = (Controls::confirm(), Log::default());
        assert!(c.apply(arm(3, 100), person("arm"), &mut log).unwrap());
        assert_eq!(c.approval(), Approval::Autonomous);
        let breaker = Cause::new(Actor::Breaker("drawdown_breaker".into()), "drawdown 12% >= 10%", 2);
        assert!(c.apply(Change::Halt, breaker.clone(), &mut log).unwrap());
        assert_eq!(
            (c.approval(), c.budget(), c.trading_state()),
            (Approval::Confirm, None, TradingState::Halted)
        );
        assert!(c.kill_switch());
        assert_eq!(c.cause(), Some(&breaker));
        let last = log.entries.last().unwrap();
        assert_eq!(last.kind, AuditKind::KillSwitch);
        assert_eq!(last.cause.actor.to_string(), "breaker:drawdown_breaker");
        assert_eq!(last.body["from"], "autonomous");
    }

    #[test]
    fn reducing_drops_to_confirm_and_refuses_arming() {
        let (mut c, mut log) = (Controls::confirm(), Log::default());
        c.apply(arm(3, 100), person("arm"), &mut log).unwrap();
        c.apply(Change::Reduce, Cause::new(Actor::Breaker("daily_loss_limit".into()), "loss", 2), &mut log)
            .unwrap();
        assert_eq!((c.approval(), c.trading_state()), (Approval::Confirm, TradingState::Reducing));
        let err = c.apply(arm(3, 100), person("again"), &mut log).unwrap_err();
        assert!(err.to_string().contains("reduce-only since loss (breaker:daily_loss_limit)"), "{err}");
        assert!(c.apply(Change::Release, person("ok"), &mut log).unwrap());
        assert_eq!(c, Controls::confirm());
    }

    #[test]
    fn arming_is_refused_while_halted_and_without_a_budget() {
        let (mut c, mut log) = (Controls::confirm(), Log::default());
        assert!(c.apply(arm(0, 100), person("arm"), &mut log).is_err());
        assert!(c.apply(arm(1, 0), person("arm"), &mut log).is_err());
        c.apply(Change::Halt, person("panic"), &mut log).unwrap();
        assert!(
            c.apply(arm(1, 1), person("arm"), &mut log)
                .unwrap_err()
                .to_string()
                .contains("halted since panic")
        );
        assert_eq!(log.entries.len(), 1, "refusals change and record nothing");
    }

    #[test]
    fn no_op_changes_record_nothing() {
        let (mut c, mut log) = (Controls::confirm(), Log::default());
        assert!(!c.apply(Change::Disarm, person("x"), &mut log).unwrap());
        assert!(!c.apply(Change::Release, person("x"), &mut log).unwrap());
        c.apply(Change::Halt, person("x"), &mut log).unwrap();
        assert!(!c.apply(Change::Halt, person("y"), &mut log).unwrap());
        assert!(
            !c.apply(Change::Reduce, person("y"), &mut log).unwrap(),
            "a halt is stronger than reduce-only"
        );
        assert_eq!(log.entries.len(), 1);
    }

    #[test]
    fn the_budget_is_charged_and_spending_it_returns_to_confirm() {
        let (mut c, mut log) = (Controls::confirm(), Log::default());
        c.apply(arm(2, 1_000), person("arm"), &mut log).unwrap();
        assert!(!c.charge(Decimal::from(100), 5, &mut log).unwrap());
        assert_eq!(c.budget().map(|b| (b.orders_used, b.notional_used)), Some((1, Decimal::from(100))));
        assert!(c.charge(Decimal::from(100), 6, &mut log).unwrap());
        assert_eq!(c.approval(), Approval::Confirm);
        let last = log.entries.last().unwrap();
        assert_eq!(
            (last.cause.actor.clone(), last.cause.why.as_str()),
            (Actor::Engine, "autonomous budget spent")
        );
        // Charging in confirm mode does nothing.
        assert!(!c.charge(Decimal::MAX, 7, &mut log).unwrap());
    }

    #[test]
    fn a_failed_record_means_storage_failed_and_only_a_restart_releases_it() {
        let (mut c, mut log) = (Controls::confirm(), Log { fail: true, ..Log::default() });
        assert!(matches!(c.apply(Change::Halt, person("x"), &mut log), Err(ControlsError::Storage(_))));
        assert!(c.storage_failed() && c.kill_switch());
        log.fail = false;
        assert!(
            c.apply(Change::Release, person("x"), &mut log)
                .unwrap_err()
                .to_string()
                .contains("restart vigil")
        );
        assert!(c.apply(arm(1, 1), person("x"), &mut log).is_err());
    }

    #[test]
    fn restore_keeps_a_halt_and_never_autonomy() {
        let (mut c, mut log) = (Controls::confirm(), Log::default());
        c.apply(Change::Halt, person("stop"), &mut log).unwrap();
        let restored = Controls::restore(Some(&log.entries[0].durable), 9);
        assert_eq!(restored, c);

        c.apply(Change::Release, person("go"), &mut log).unwrap();
        c.apply(arm(1, 1), person("arm"), &mut log).unwrap();
        assert_eq!(Controls::restore(Some(&log.entries[2].durable), 9), Controls::confirm());
        assert_eq!(Controls::restore(None, 9), Controls::confirm());

        let garbage = json!({ "state": "flying" });
        let halted = Controls::restore(Some(&garbage), 9);
        assert!(halted.kill_switch());
        assert_eq!(halted.cause().map(|c| c.actor.clone()), Some(Actor::Restart));
    }

    #[test]
    fn the_earlier_record_format_keeps_its_halt() {
        let legacy = |kill: bool, state: &str| json!({ "kill_switch": kill, "trading_state": state });
        assert_eq!(Controls::restore_legacy(&legacy(false, "active"), 9), Controls::confirm());
        assert_eq!(
            Controls::restore_legacy(&legacy(false, "reducing"), 9).trading_state(),
            TradingState::Reducing
        );
        for (kill, state) in [(true, "active"), (true, "halted"), (false, "halted"), (true, "reducing")] {
            assert!(Controls::restore_legacy(&legacy(kill, state), 9).kill_switch(), "{kill} {state}");
        }
        assert!(Controls::restore_legacy(&json!("halted"), 9).kill_switch(), "unreadable restarts halted");
    }
}
