//! The actor loop: one task owns [`EngineState`]; commands and market events
//! are handled one at a time, and snapshots are published after changes
//! (immediately after a command; for market data at once when the last
//! publish is older than [`PUBLISH_EVERY`], else when that much time has
//! passed: a leading-edge throttle, so a quiet market's tick is seen without
//! waiting for a timer, and a busy one is published at most 20 times a second).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};

use super::api::{Command, CommandError, EngineEnds, Event, Reply};
use super::state::EngineState;
use crate::domain::Approval;
use crate::market::MarketEvent;
use crate::store::{Actor, AuditKind};

/// How often market-driven changes are published at most.
const PUBLISH_EVERY: Duration = Duration::from_millis(50);
/// Housekeeping cadence: breakers, equity peak, day roll-over.
const TICK_EVERY: Duration = Duration::from_millis(250);

/// Runs the engine until [`Command::Shutdown`] or until every handle is dropped.
pub async fn run(mut state: EngineState, mut ends: EngineEnds, mut market: mpsc::Receiver<MarketEvent>) {
    let mut last_publish = Instant::now();
    let mut tick = interval(TICK_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut muted = BTreeMap::new();
    let mut market_open = true;
    let mut dirty = true;
    loop {
        tokio::select! {
            command = ends.commands.recv() => match command {
                None | Some(Command::Shutdown) => break,
                Some(command) => {
                    handle(&mut state, &ends, command);
                    publish_now(&mut state, &ends);
                    last_publish = Instant::now();
                    dirty = false;
                }
            },
            event = market.recv(), if market_open => match event {
                Some(event) => {
                    state.on_market(&event, &mut muted);
                    if last_publish.elapsed() >= PUBLISH_EVERY {
                        publish_now(&mut state, &ends);
                        last_publish = Instant::now();
                        dirty = false;
                    } else {
                        dirty = true;
                    }
                }
                None => {
                    market_open = false;
                    state.note("feed", "market data feed ended");
                    dirty = true;
                }
            },
            () = sleep_until(last_publish + PUBLISH_EVERY), if dirty => {
                publish_now(&mut state, &ends);
                last_publish = Instant::now();
                dirty = false;
            }
            _ = tick.tick() => {
                state.tick();
                dirty = true;
            }
        }
    }
    state.persist_meta();
    state.audit(AuditKind::Note, Actor::Engine, json!({ "text": "engine stopped" }));
    publish_now(&mut state, &ends);
}

fn publish_now(state: &mut EngineState, ends: &EngineEnds) {
    let snapshot = Arc::new(state.snapshot());
    ends.snapshots.send_replace(snapshot);
}

fn respond<T>(reply: Reply<T>, result: Result<T, CommandError>) {
    if let Some(tx) = reply {
        // The requester may have gone away (e.g. a closed CLI); nothing to do then.
        let _ = tx.send(result);
    }
}

fn notice(ends: &EngineEnds, result: &Result<impl Sized, CommandError>) {
    if let Err(err) = result {
        // No subscribers is fine: nobody is looking.
        let _ = ends.events.send(Event::Notice { text: err.to_string(), warning: true });
    }
}

fn handle(state: &mut EngineState, ends: &EngineEnds, command: Command) {
    match command {
        Command::Preview { request, intent } => {
            let checks = state.gate(&intent);
            let _ = ends.events.send(Event::Preview { request, checks });
        }
        Command::Submit { intent, reply } => respond(reply, Ok(state.submit(intent))),
        Command::Confirm { id, reply } => {
            let result = state.confirm(id);
            notice(ends, &result);
            respond(reply, result);
        }
        Command::Reject { id, reply } => {
            let result = state.reject(id);
            notice(ends, &result);
            respond(reply, result);
        }
        Command::Cancel { id, reply } => {
            let result = state.cancel(id, Actor::Person);
            notice(ends, &result);
            respond(reply, result);
        }
        Command::CancelAll { reply } => respond(reply, Ok(state.cancel_all(&Actor::Person))),
        Command::KillSwitch { engaged: false, reply } if state.storage_failed_this_session() => {
            let refused = Err(CommandError::Refused(
                "storage failed in this session: restart vigil, which rebuilds its state from disk".into(),
            ));
            notice(ends, &refused);
            respond(reply, refused);
        }
        Command::KillSwitch { engaged, reply } => {
            state.set_kill_switch(engaged, Actor::Person, "operator");
            respond(reply, Ok(()));
        }
        Command::EnableAutonomous { max_orders, max_notional, totp, reply } => {
            let result = state.enable_autonomous(max_orders, max_notional, totp.as_deref());
            notice(ends, &result);
            respond(reply, result);
        }
        Command::DisableAutonomous { reply } => {
            if state.approval == Approval::Autonomous {
                state.disable_autonomous(Actor::Person, "by the operator");
            }
            respond(reply, Ok(()));
        }
        Command::Shutdown => {}
    }
}
