//! What a connection may ask of the engine. Every client passed the owner
//! check (same uid); beyond that, operating needs proof of the second
//! factor wherever real money is at stake:
//!
//! - reading (snapshots, events, previews, the audit log) is open to every client;
//! - engaging the kill switch is too: anyone may stop trading, nobody is
//!   ever blocked from the brake;
//! - everything else that changes state needs an operator (a client whose
//!   TOTP code the engine accepted, or any client of an engine without a
//!   keystore) — except on paper, where a one-shot `vigil order place`
//!   trades as it does without an engine running;
//! - no client stops the engine: its process owner does (SIGTERM).

use crate::domain::Venue;
use crate::engine::Command;

/// A connection's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The engine accepted this client's code (or has no keystore).
    pub operator: bool,
    pub venue: Venue,
}

/// Whether `command` may run for a client with `access`; the refusal in words.
pub fn permit(command: &Command, access: Access) -> Result<(), String> {
    match command {
        Command::Preview { .. }
        | Command::AuditPage { .. }
        | Command::AuditVerify { .. }
        | Command::OrderHistory { .. } => Ok(()),
        Command::KillSwitch { engaged: true, .. } => Ok(()),
        Command::Shutdown => {
            Err("a client cannot stop the engine: stop its process (SIGTERM) where it runs".to_owned())
        }
        Command::Attach { .. } => Err("attach once, in the hello".to_owned()),
        Command::EnableAutonomous { .. }
        | Command::DisableAutonomous { .. }
        | Command::KillSwitch { engaged: false, .. }
        | Command::WatchSymbol { .. }
        | Command::UnwatchSymbol { .. }
            if !access.operator =>
        {
            Err("this needs an operator: `vigil attach` (with a TOTP code when the engine has a keystore)"
                .to_owned())
        }
        _ if access.operator || access.venue == Venue::Paper => Ok(()),
        _ => Err("trading live through a running engine needs a TOTP code (--totp CODE)".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::OrderId;

    const OBSERVER_LIVE: Access = Access { operator: false, venue: Venue::Live };
    const OBSERVER_PAPER: Access = Access { operator: false, venue: Venue::Paper };
    const OPERATOR_LIVE: Access = Access { operator: true, venue: Venue::Live };

    fn cancel() -> Command {
        Command::Cancel { id: OrderId(1), reply: None }
    }

    #[test]
    fn anyone_may_read_and_pull_the_brake() {
        for access in [OBSERVER_LIVE, OBSERVER_PAPER, OPERATOR_LIVE] {
            assert!(permit(&Command::AuditVerify { reply: None }, access).is_ok());
            assert!(permit(&Command::KillSwitch { engaged: true, reply: None }, access).is_ok());
        }
    }

    #[test]
    fn live_trading_and_releasing_need_an_operator() {
        assert!(permit(&cancel(), OBSERVER_LIVE).is_err());
        assert!(permit(&cancel(), OBSERVER_PAPER).is_ok(), "paper one-shots trade as without an engine");
        assert!(permit(&cancel(), OPERATOR_LIVE).is_ok());
        let release = Command::KillSwitch { engaged: false, reply: None };
        assert!(permit(&release, OBSERVER_PAPER).is_err());
        assert!(permit(&release, OPERATOR_LIVE).is_ok());
        let arm =
            Command::EnableAutonomous { max_orders: 1, max_notional: Decimal::ONE, totp: None, reply: None };
        assert!(permit(&arm, OBSERVER_PAPER).is_err());
    }

    #[test]
    fn no_client_stops_the_engine() {
        assert!(permit(&Command::Shutdown, OPERATOR_LIVE).is_err());
    }
}
