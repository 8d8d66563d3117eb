//! Approval modes. Autonomous mode is armed only by a person, with a budget,
//! and — when a keystore is unlocked — a fresh TOTP code. It is never
//! restored on restart: the engine always boots in confirm mode.

use rust_decimal::Decimal;
use serde_json::json;

use super::api::{AutonomyBudget, CommandError};
use super::state::EngineState;
use crate::domain::{Approval, TradingState};
use crate::store::{Actor, AuditKind};

impl EngineState {
    /// Arms autonomous mode with a budget of orders and notional.
    pub fn enable_autonomous(
        &mut self,
        max_orders: u32,
        max_notional: Decimal,
        totp: Option<&str>,
    ) -> Result<(), CommandError> {
        if self.kill_switch || self.trading_state == TradingState::Halted {
            return Err(CommandError::Refused("trading is halted: release the kill switch first".to_owned()));
        }
        if max_orders == 0 || max_notional <= Decimal::ZERO {
            return Err(CommandError::Refused(
                "an autonomous budget needs at least one order and some notional".into(),
            ));
        }
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
        self.approval = Approval::Autonomous;
        self.autonomy =
            Some(AutonomyBudget { max_orders, max_notional, orders_used: 0, notional_used: Decimal::ZERO });
        self.audit(
            AuditKind::ModeChange,
            Actor::Person,
            json!({ "to": "autonomous", "max_orders": max_orders, "max_notional": max_notional }),
        );
        self.note("mode", format!("AUTONOMOUS armed: up to {max_orders} orders, {max_notional} notional"));
        Ok(())
    }

    /// Back to confirm-each-order.
    pub fn disable_autonomous(&mut self, actor: Actor, why: &str) {
        self.approval = Approval::Confirm;
        self.autonomy = None;
        self.note("mode", format!("confirm mode ({why})"));
        self.audit(AuditKind::ModeChange, actor, json!({ "to": "confirm", "why": why }));
    }
}
