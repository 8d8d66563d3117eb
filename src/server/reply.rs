//! A command's reply channel cannot cross the socket: the client keeps it
//! (as a [`ReplySlot`]) and fills it from the engine's [`ReplyValue`]; the
//! server gives the command a fresh channel of the right type and turns its
//! answer back into a [`ReplyValue`].

use std::future::Future;
use std::pin::Pin;

use tokio::sync::oneshot;

use super::protocol::ReplyValue;
use crate::domain::Order;
use crate::engine::{AuditCheck, CancelAllReport, Command, CommandError, SubmitOutcome};
use crate::store::AuditEntry;

type Sender<T> = oneshot::Sender<Result<T, CommandError>>;

/// The typed reply channel a client-side command carried.
#[derive(Debug)]
pub enum ReplySlot {
    Done(Sender<()>),
    Submit(Sender<SubmitOutcome>),
    CancelAll(Sender<CancelAllReport>),
    AuditPage(Sender<Vec<AuditEntry>>),
    AuditCheck(Sender<AuditCheck>),
    Orders(Sender<Vec<Order>>),
}

/// An answer on its way back from the engine.
pub type PendingReply = Pin<Box<dyn Future<Output = Result<ReplyValue, CommandError>> + Send>>;

/// A command's reply field, by the type of its answer: the one place that
/// knows which command answers with what.
enum ReplyField<'a> {
    Done(&'a mut Option<Sender<()>>),
    Submit(&'a mut Option<Sender<SubmitOutcome>>),
    CancelAll(&'a mut Option<Sender<CancelAllReport>>),
    AuditPage(&'a mut Option<Sender<Vec<AuditEntry>>>),
    AuditCheck(&'a mut Option<Sender<AuditCheck>>),
    Orders(&'a mut Option<Sender<Vec<Order>>>),
}

fn reply_field(command: &mut Command) -> Option<ReplyField<'_>> {
    Some(match command {
        Command::Submit { reply, .. } | Command::Confirm { reply, .. } | Command::Amend { reply, .. } => {
            ReplyField::Submit(reply)
        }
        Command::CancelAll { reply } => ReplyField::CancelAll(reply),
        Command::AuditPage { reply, .. } => ReplyField::AuditPage(reply),
        Command::AuditVerify { reply } => ReplyField::AuditCheck(reply),
        Command::OrderHistory { reply } => ReplyField::Orders(reply),
        Command::Reject { reply, .. }
        | Command::Cancel { reply, .. }
        | Command::KillSwitch { reply, .. }
        | Command::EnableAutonomous { reply, .. }
        | Command::DisableAutonomous { reply }
        | Command::WatchSymbol { reply, .. }
        | Command::UnwatchSymbol { reply, .. }
        | Command::Attach { reply, .. } => ReplyField::Done(reply),
        Command::Preview { .. } | Command::Shutdown => return None,
    })
}

/// Takes `command`'s reply channel, leaving `None`, so the command can be sent.
pub fn take_slot(command: &mut Command) -> Option<ReplySlot> {
    match reply_field(command)? {
        ReplyField::Done(reply) => reply.take().map(ReplySlot::Done),
        ReplyField::Submit(reply) => reply.take().map(ReplySlot::Submit),
        ReplyField::CancelAll(reply) => reply.take().map(ReplySlot::CancelAll),
        ReplyField::AuditPage(reply) => reply.take().map(ReplySlot::AuditPage),
        ReplyField::AuditCheck(reply) => reply.take().map(ReplySlot::AuditCheck),
        ReplyField::Orders(reply) => reply.take().map(ReplySlot::Orders),
    }
}

impl ReplySlot {
    /// Delivers the engine's answer; an answer of the wrong type (a confused
    /// or hostile peer) is an error, never a panic.
    pub fn deliver(self, result: Result<ReplyValue, CommandError>) {
        fn give<T>(tx: Sender<T>, result: Result<T, CommandError>) {
            // The requester may have gone away; nothing to do then.
            let _ = tx.send(result);
        }
        let mismatch = || CommandError::Refused("the engine answered with the wrong type".to_owned());
        match (self, result) {
            (Self::Done(tx), Ok(ReplyValue::Done)) => give(tx, Ok(())),
            (Self::Submit(tx), Ok(ReplyValue::Submit(v))) => give(tx, Ok(v)),
            (Self::CancelAll(tx), Ok(ReplyValue::CancelAll(v))) => give(tx, Ok(v)),
            (Self::AuditPage(tx), Ok(ReplyValue::AuditPage(v))) => give(tx, Ok(v)),
            (Self::AuditCheck(tx), Ok(ReplyValue::AuditCheck(v))) => give(tx, Ok(v)),
            (Self::Orders(tx), Ok(ReplyValue::Orders(v))) => give(tx, Ok(v)),
            (slot, result) => {
                let err = result.err().unwrap_or_else(mismatch);
                match slot {
                    Self::Done(tx) => give(tx, Err(err)),
                    Self::Submit(tx) => give(tx, Err(err)),
                    Self::CancelAll(tx) => give(tx, Err(err)),
                    Self::AuditPage(tx) => give(tx, Err(err)),
                    Self::AuditCheck(tx) => give(tx, Err(err)),
                    Self::Orders(tx) => give(tx, Err(err)),
                }
            }
        }
    }
}

/// Gives a command that arrived over the socket a reply channel of its
/// type; the future resolves to its answer. `None` for a command that has
/// no answer (a preview answers with an event).
pub fn install(command: &mut Command) -> Option<PendingReply> {
    fn wait<T: Send + 'static>(
        slot: &mut Option<Sender<T>>,
        wrap: fn(T) -> ReplyValue,
    ) -> Option<PendingReply> {
        let (tx, rx) = oneshot::channel();
        *slot = Some(tx);
        Some(Box::pin(async move {
            match rx.await {
                Ok(result) => result.map(wrap),
                Err(_) => Err(CommandError::EngineStopped),
            }
        }))
    }
    match reply_field(command)? {
        ReplyField::Done(reply) => wait(reply, |()| ReplyValue::Done),
        ReplyField::Submit(reply) => wait(reply, ReplyValue::Submit),
        ReplyField::CancelAll(reply) => wait(reply, ReplyValue::CancelAll),
        ReplyField::AuditPage(reply) => wait(reply, ReplyValue::AuditPage),
        ReplyField::AuditCheck(reply) => wait(reply, ReplyValue::AuditCheck),
        ReplyField::Orders(reply) => wait(reply, ReplyValue::Orders),
    }
}
