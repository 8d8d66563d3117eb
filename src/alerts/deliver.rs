//! One destination's delivery loop: its own queue (a bounded broadcast
//! receiver: when the destination falls behind, the oldest alerts are dropped
//! and counted, never the engine slowed), one alert at a time, each tried a
//! few times with growing pauses.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};

use super::alert::{Alert, Payload};

/// Tries per alert, and the pause before the second (doubled each time after).
pub const ATTEMPTS: u32 = 4;
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Why one attempt failed, and whether trying again could help.
#[derive(Debug)]
pub struct Failure {
    pub reason: String,
    /// False for answers that will not change (a 4xx, a program that does not exist).
    pub retry: bool,
}

/// A destination: a command or a webhook.
pub trait Sink {
    /// Names the destination in logs without anything secret in it.
    fn name(&self) -> String;
    /// Delivers one JSON body, within the destination's own timeout.
    fn deliver(&self, body: &[u8]) -> impl Future<Output = Result<(), Failure>> + Send;
}

/// What a destination did over its life, for the log at the end.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub delivered: u64,
    pub failed: u64,
    pub dropped: u64,
}

/// Delivers every alert from `queue` until it closes (the rules have stopped).
pub async fn run<S: Sink>(sink: S, mut queue: broadcast::Receiver<Arc<Alert>>, backoff: Duration) -> Tally {
    let mut tally = Tally::default();
    let mut dropped_since_last = 0_u64;
    loop {
        let alert = match queue.recv().await {
            Ok(alert) => alert,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(destination = %sink.name(), dropped = n, "alerts: queue full, oldest alerts dropped");
                tally.dropped = tally.dropped.saturating_add(n);
                dropped_since_last = dropped_since_last.saturating_add(n);
                continue;
            }
            Err(RecvError::Closed) => return tally,
        };
        let body = match serde_json::to_vec(&Payload::new(&alert, dropped_since_last)) {
            Ok(body) => body,
            Err(err) => {
                tracing::warn!(%err, "alerts: cannot encode an alert");
                continue;
            }
        };
        if send_with_retries(&sink, &body, backoff).await {
            tally.delivered = tally.delivered.saturating_add(1);
            dropped_since_last = 0;
        } else {
            tally.failed = tally.failed.saturating_add(1);
        }
    }
}

/// Up to [`ATTEMPTS`] tries, pausing `backoff`, then twice that, and so on.
async fn send_with_retries<S: Sink>(sink: &S, body: &[u8], backoff: Duration) -> bool {
    let mut pause = backoff;
    for attempt in 1..=ATTEMPTS {
        match sink.deliver(body).await {
            Ok(()) => return true,
            Err(failure) => {
                let last = attempt == ATTEMPTS || !failure.retry;
                tracing::warn!(
                    destination = %sink.name(),
                    attempt,
                    reason = %failure.reason,
                    gave_up = last,
                    "alerts: delivery failed"
                );
                if last {
                    return false;
                }
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
            }
        }
    }
    false
}
