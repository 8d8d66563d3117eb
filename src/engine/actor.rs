//! The actor loop: one task owns [`EngineState`]; commands, market events and
//! the live venue's reports are handled one at a time, and snapshots are
//! published after changes (immediately after a command, before its answer is
//! sent, and after a venue report; for market data at once when the last
//! publish is older than [`PUBLISH_EVERY`], else when that much time has
//! passed: a leading-edge throttle, so a quiet market's tick is seen without
//! waiting for a timer, and a busy one is published at most 20 times a second).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};

use super::api::{Command, CommandError, EngineEnds, Event, Reply};
use super::controls::Change;
use super::state::EngineState;
use crate::exec::{LiveVenue, VenueReport};
use crate::market::MarketEvent;
use crate::store::Actor;

/// How often market-driven changes are published at most.
const PUBLISH_EVERY: Duration = Duration::from_millis(50);
/// Housekeeping cadence: breakers, equity peak, day roll-over.
const TICK_EVERY: Duration = Duration::from_millis(250);

/// How long a clean stop waits for the exchange to answer the cancels that
/// `on_shutdown = "cancel"` sent.
const LIVE_STOP_GRACE: Duration = Duration::from_secs(5);

/// Runs the engine until [`Command::Shutdown`] or until every handle is dropped.
pub async fn run(
    mut state: EngineState,
    mut ends: EngineEnds,
    mut market: mpsc::Receiver<MarketEvent>,
    mut venue: Option<LiveVenue>,
) {
    let mut last_publish = Instant::now();
    let mut tick = interval(TICK_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut market_open = true;
    let mut dirty = true;
    loop {
        tokio::select! {
            command = ends.commands.recv() => match command {
                None | Some(Command::Shutdown) => break,
                Some(command) => {
                    let answer = handle(&mut state, &ends, command);
                    // The snapshot first, then the answer: whoever waited for
                    // the answer sees its effects (fills, states) at once.
                    publish_now(&mut state, &ends);
                    answer.send();
                    last_publish = Instant::now();
                    dirty = false;
                }
            },
            event = market.recv(), if market_open => match event {
                Some(event) => {
                    state.on_market(&event);
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
            Some(report) = next_report(&mut venue) => {
                // An exchange's answer is rare and always worth seeing at once
                // (an acknowledgement, a fill, a refusal): no throttle.
                state.on_venue(report);
                publish_now(&mut state, &ends);
                last_publish = Instant::now();
                dirty = false;
            }
            () = sleep_until(last_publish.checked_add(PUBLISH_EVERY).unwrap_or(last_publish)), if dirty => {
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
    state.shut_down();
    publish_now(&mut state, &ends);
    if let Some(venue) = venue.as_mut() {
        // Cancels sent at the stop: take the exchange's answers while they come.
        let now = Instant::now();
        let deadline = now.checked_add(LIVE_STOP_GRACE).unwrap_or(now);
        while state.cancels_in_flight() {
            match tokio::time::timeout_at(deadline, venue.reports.recv()).await {
                Ok(Some(report)) => state.on_venue(report),
                _ => break,
            }
        }
        publish_now(&mut state, &ends);
    }
}

/// The next report of the live venue; never ready on paper.
async fn next_report(venue: &mut Option<LiveVenue>) -> Option<VenueReport> {
    match venue {
        Some(venue) => venue.reports.recv().await,
        None => std::future::pending().await,
    }
}

fn publish_now(state: &mut EngineState, ends: &EngineEnds) {
    let snapshot = Arc::new(state.snapshot());
    ends.snapshots.send_replace(snapshot);
}

/// A command's answer, held until the snapshot that shows its effects is out.
struct Answer(Option<Box<dyn FnOnce() + Send>>);

impl Answer {
    fn none() -> Self {
        Self(None)
    }

    /// Answers `reply` with `result`; a failure is also a notice on screen.
    fn with<T: Send + 'static>(ends: &EngineEnds, reply: Reply<T>, result: Result<T, CommandError>) -> Self {
        if let Err(err) = &result {
            // No subscribers is fine: nobody is looking.
            let _ = ends.events.send(Event::Notice { text: err.to_string(), warning: true });
        }
        Self::quiet(reply, result)
    }

    /// Answers `reply` with `result`, without a notice.
    fn quiet<T: Send + 'static>(reply: Reply<T>, result: Result<T, CommandError>) -> Self {
        Self(reply.map(|tx| {
            Box::new(move || {
                // The requester may have gone away (e.g. a closed CLI); nothing to do then.
                let _ = tx.send(result);
            }) as Box<dyn FnOnce() + Send>
        }))
    }

    fn send(self) {
        if let Some(send) = self.0 {
            send();
        }
    }
}

/// A notice for a change that went through (a failure has its own).
fn notice_ok<T>(ends: &EngineEnds, result: &Result<T, CommandError>, text: String) {
    if result.is_ok() {
        let _ = ends.events.send(Event::Notice { text, warning: false });
    }
}

fn handle(state: &mut EngineState, ends: &EngineEnds, command: Command) -> Answer {
    match command {
        Command::Preview { request, intent, replacing } => {
            let checks = state.preview(intent, replacing);
            let _ = ends.events.send(Event::Preview { request, checks });
            Answer::none()
        }
        Command::Submit { intent, hold, reply } => Answer::quiet(reply, Ok(state.submit(intent, hold))),
        Command::Confirm { id, reply } => Answer::with(ends, reply, state.confirm(id)),
        Command::Amend { id, price, qty, hold, reply } => {
            Answer::with(ends, reply, state.amend(id, price, qty, hold))
        }
        Command::Reject { id, reply } => Answer::with(ends, reply, state.reject(id)),
        Command::Cancel { id, reply } => {
            Answer::with(ends, reply, state.cancel(id, Actor::Person, "operator request"))
        }
        Command::CancelAll { reply } => {
            Answer::quiet(reply, Ok(state.cancel_all(&Actor::Person, "cancel all by the operator")))
        }
        Command::KillSwitch { engaged, reply } => Answer::with(ends, reply, state.set_kill_switch(engaged)),
        Command::EnableAutonomous { max_orders, max_notional, totp, reply } => {
            Answer::with(ends, reply, state.enable_autonomous(max_orders, max_notional, totp.as_deref()))
        }
        Command::DisableAutonomous { reply } => {
            let result = state.control(Change::Disarm, Actor::Person, "by the operator").map(|_| ());
            Answer::with(ends, reply, result)
        }
        Command::WatchSymbol { symbol, reply } => {
            let text = format!("{symbol} added to the watchlist");
            let result = state.watch_symbol(symbol);
            notice_ok(ends, &result, text);
            Answer::with(ends, reply, result)
        }
        Command::UnwatchSymbol { symbol, reply } => {
            let text = format!("{symbol} removed from the watchlist");
            let result = state.unwatch_symbol(symbol);
            notice_ok(ends, &result, text);
            Answer::with(ends, reply, result)
        }
        Command::Attach { code, client, reply } => {
            Answer::quiet(reply, state.attach(code.as_ref().map(|c| c.0.as_str()), &client))
        }
        Command::AuditPage { after, max, reply } => Answer::quiet(reply, state.audit_page(after, max)),
        Command::OrderHistory { reply } => Answer::quiet(reply, state.order_history()),
        Command::AuditVerify { reply } => Answer::quiet(reply, state.audit_verify()),
        Command::Shutdown => Answer::none(),
    }
}
