//! Alerts for the person who is not watching: fills, breaker trips, the kill
//! switch and other halts (an unclean-shutdown halt included), the feed going
//! down and coming back, the autonomous budget running out.
//!
//! Three parts, each with one job:
//! - [`AlertRules`] (`rules.rs`) decides what is an alert, from the engine's
//!   snapshots alone, so the engine knows nothing of alerts and the TUI's
//!   bell uses the very same rules;
//! - a task feeds the rules from an [`EngineHandle`] and puts each alert on a
//!   bounded queue per destination (a `broadcast` channel: sending never
//!   waits, and a destination that falls behind loses the oldest alerts,
//!   counted and reported in its next alert as `dropped_before`);
//! - one delivery loop per destination ([`CommandSink`], [`WebhookSink`]),
//!   with a timeout per attempt and retries with backoff.
//!
//! Nothing here can slow the engine: the rules read the published snapshot
//! (a pointer clone), and nothing the engine does waits for a destination.

mod alert;
mod command;
mod config;
mod deliver;
mod rules;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use alert::{Alert, AlertKind, Detail, Payload};
pub use command::{COMMAND_TIMEOUT, CommandSink};
pub use config::{AlertsConfig, url_origin};
pub use deliver::{ATTEMPTS, FIRST_BACKOFF, Failure, Sink, Tally};
pub use rules::AlertRules;
pub use webhook::{WEBHOOK_TIMEOUT, WebhookError, WebhookSink};

use crate::engine::{EngineHandle, Snapshot};

/// Alerts waiting per destination before the oldest are dropped.
pub const QUEUE: usize = 256;
/// How long a stopping session waits for alerts still on their way.
pub const DRAIN: Duration = Duration::from_secs(5);

/// Timeouts and pauses; the defaults are the product's, tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub command_timeout: Duration,
    pub webhook_timeout: Duration,
    pub first_backoff: Duration,
    pub drain: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            command_timeout: COMMAND_TIMEOUT,
            webhook_timeout: WEBHOOK_TIMEOUT,
            first_backoff: FIRST_BACKOFF,
            drain: DRAIN,
        }
    }
}

/// The running alert tasks of one engine. [`Alerts::finish`] after the
/// engine stopped delivers what is left (up to [`Timing::drain`]).
pub struct Alerts {
    rules: JoinHandle<()>,
    sinks: Vec<(String, JoinHandle<Tally>)>,
    drain: Duration,
}

/// Starts the alert tasks for `handle` if `config` names a destination.
/// Call it right after the engine started: its first snapshot is the baseline.
pub fn spawn(config: &AlertsConfig, handle: &EngineHandle) -> Result<Option<Alerts>, WebhookError> {
    spawn_with(config, handle, Timing::default())
}

/// [`spawn`] with other timeouts and pauses.
pub fn spawn_with(
    config: &AlertsConfig,
    handle: &EngineHandle,
    timing: Timing,
) -> Result<Option<Alerts>, WebhookError> {
    if !config.delivers() {
        return Ok(None);
    }
    let webhook =
        config.webhook_url.as_deref().map(|url| WebhookSink::new(url, timing.webhook_timeout)).transpose()?;
    let (queue, _) = broadcast::channel::<Arc<Alert>>(QUEUE);
    let mut sinks = Vec::new();
    if let Some(sink) = CommandSink::new(&config.command, timing.command_timeout) {
        sinks.push((sink.name(), tokio::spawn(deliver::run(sink, queue.subscribe(), timing.first_backoff))));
    }
    if let Some(sink) = webhook {
        sinks.push((sink.name(), tokio::spawn(deliver::run(sink, queue.subscribe(), timing.first_backoff))));
    }
    let grace = Duration::from_secs(config.feed_down_after_secs);
    let rules = tokio::spawn(follow(AlertRules::new(grace), handle.watch(), queue));
    Ok(Some(Alerts { rules, sinks, drain: timing.drain }))
}

/// Feeds every published snapshot to the rules, and wakes when a rule is due
/// by time alone; ends when the engine stops publishing.
async fn follow(
    mut rules: AlertRules,
    mut snapshots: tokio::sync::watch::Receiver<Arc<Snapshot>>,
    queue: broadcast::Sender<Arc<Alert>>,
) {
    let publish = |alerts: Vec<Alert>| {
        for alert in alerts {
            tracing::info!(kind = ?alert.kind, text = %alert.text, "alert");
            // No receiver left (every destination ended): nothing to do.
            let _ = queue.send(Arc::new(alert));
        }
    };
    let first = snapshots.borrow_and_update().clone();
    publish(rules.observe(&first, std::time::Instant::now()));
    loop {
        let deadline = rules.next_deadline();
        tokio::select! {
            changed = snapshots.changed() => {
                if changed.is_err() {
                    return;
                }
                let snapshot = snapshots.borrow_and_update().clone();
                publish(rules.observe(&snapshot, std::time::Instant::now()));
            }
            () = tokio::time::sleep_until(deadline.map_or_else(Instant::now, Instant::from_std)), if deadline.is_some() => {
                publish(rules.poll(std::time::Instant::now()));
            }
        }
    }
}

impl Alerts {
    /// After the engine stopped: lets the rules see its last snapshot, then
    /// waits up to the drain time for the destinations to deliver what is
    /// queued. Whatever is still on its way after that is given up (logged).
    pub async fn finish(self) {
        let deadline = Instant::now() + self.drain;
        if tokio::time::timeout_at(deadline, self.rules).await.is_err() {
            tracing::warn!("alerts: the rules did not stop with the engine");
        }
        for (name, task) in self.sinks {
            let abort = task.abort_handle();
            match tokio::time::timeout_at(deadline, task).await {
                Ok(Ok(tally)) => tracing::info!(
                    destination = %name,
                    delivered = tally.delivered,
                    failed = tally.failed,
                    dropped = tally.dropped,
                    "alerts: destination done"
                ),
                Ok(Err(err)) => tracing::warn!(destination = %name, %err, "alerts: delivery task failed"),
                Err(_) => {
                    abort.abort();
                    tracing::warn!(destination = %name, "alerts: still delivering at exit, the rest is given up");
                }
            }
        }
    }
}
