//! Modals: questions that need an explicit `y` before anything irreversible is sent.

use rust_decimal::Decimal;

use super::ticket::AmendRequest;
use crate::domain::OrderIntent;
use crate::engine::CheckLine;

/// An open modal and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    /// Review of a ticket: summary and every check. `y` submits and confirms (or, for an
    /// amend, asks the engine to replace the order).
    ConfirmOrder {
        intent: OrderIntent,
        checks: Vec<CheckLine>,
        amends: Option<AmendRequest>,
    },
    /// Cancel every open order and reject every pending one. The numbers it
    /// shows are the live snapshot's, so they are what the engine will act on.
    CancelAll,
    KillSwitch {
        engage: bool,
    },
    Autonomous(AutonomyForm),
    /// Asked when quitting would leave something behind: open orders, pending
    /// ones, or autonomous mode. Its text says what happens to each.
    Quit,
}

/// The autonomous-mode modal: budget to grant, and the TOTP code when a keystore is unlocked.
#[derive(Debug, Clone, PartialEq)]
pub struct AutonomyForm {
    /// True to arm, false to return to confirm mode.
    pub enable: bool,
    pub field: usize,
    pub max_orders: String,
    pub max_notional: String,
    /// `None` when no TOTP is asked for (no keystore unlocked, e.g. `vigil demo`).
    pub totp: Option<String>,
    pub error: Option<String>,
}

/// What the form parsed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutonomyRequest {
    pub max_orders: u32,
    pub max_notional: Decimal,
    pub totp: Option<String>,
}

impl AutonomyForm {
    fn field_count(&self) -> usize {
        if self.totp.is_some() { 3 } else { 2 }
    }

    /// Moves focus by `step` fields, wrapping.
    pub fn move_field(&mut self, step: isize) {
        let n = self.field_count() as isize;
        self.field = (self.field as isize + step).rem_euclid(n) as usize;
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.field {
            0 => Some(&mut self.max_orders),
            1 => Some(&mut self.max_notional),
            _ => self.totp.as_mut(),
        }
    }

    /// Types a digit (or the notional's decimal point) into the focused field.
    pub fn type_char(&mut self, c: char) {
        let field = self.field;
        if let Some(text) = self.text_mut() {
            let ok = c.is_ascii_digit() || (field == 1 && c == '.' && !text.contains('.'));
            let cap = if field == 2 { 6 } else { 16 };
            if ok && text.len() < cap {
                text.push(c);
            }
        }
    }

    /// Deletes the last character of the focused field.
    pub fn delete_char(&mut self) {
        if let Some(text) = self.text_mut() {
            text.pop();
        }
    }

    /// The request to send, or the sentence saying what to fix.
    pub fn request(&self) -> Result<AutonomyRequest, String> {
        let max_orders = self
            .max_orders
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or("max orders must be a whole number above zero")?;
        let max_notional = self
            .max_notional
            .parse::<Decimal>()
            .ok()
            .filter(|n| *n > Decimal::ZERO)
            .ok_or("max notional must be a number above zero")?;
        let totp = match &self.totp {
            Some(code) if code.len() == 6 => Some(code.clone()),
            Some(_) => return Err("enter the 6-digit code from your authenticator".into()),
            None => None,
        };
        Ok(AutonomyRequest { max_orders, max_notional, totp })
    }
}
