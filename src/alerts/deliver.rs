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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Mutex;

    use tokio::sync::Semaphore;

    use super::*;
    use crate::alerts::{AlertKind, Detail};

    /// A destination that takes alerts only when the test lets it, and can fail on demand.
    struct Gate {
        open: Arc<Semaphore>,
        got: Arc<Mutex<Vec<serde_json::Value>>>,
        failures: Mutex<u32>,
    }

    impl Sink for Gate {
        fn name(&self) -> String {
            "gate".into()
        }
        async fn deliver(&self, body: &[u8]) -> Result<(), Failure> {
            self.open.acquire().await.unwrap().forget();
            let fail = {
                let mut left = self.failures.lock().unwrap();
                let fail = *left > 0;
                *left = left.saturating_sub(1);
                fail
            };
            if fail {
                return Err(Failure { reason: "not now".into(), retry: true });
            }
            self.got.lock().unwrap().push(serde_json::from_slice(body).unwrap());
            Ok(())
        }
    }

    fn alert(n: i64) -> Arc<Alert> {
        let detail = Detail::Budget { max_orders: 1, max_notional: 1.into() };
        Arc::new(Alert { kind: AlertKind::BudgetSpent, ts_ms: n, venue: None, text: format!("#{n}"), detail })
    }

    #[tokio::test]
    async fn a_destination_that_falls_behind_loses_the_oldest_and_says_how_many() {
        let (tx, rx) = broadcast::channel(4);
        let open = Arc::new(Semaphore::new(0));
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = Gate { open: open.clone(), got: got.clone(), failures: Mutex::new(0) };
        let task = tokio::spawn(run(sink, rx, Duration::from_millis(1)));
        tx.send(alert(0)).unwrap();
        tokio::task::yield_now().await;
        // #0 is being delivered (held at the gate); ten more arrive, the queue holds four.
        for n in 1..=10 {
            tx.send(alert(n)).unwrap();
        }
        drop(tx);
        open.add_permits(100);
        let tally = task.await.unwrap();
        let got = got.lock().unwrap().clone();
        let seen: Vec<_> = got
            .iter()
            .map(|a| (a["ts_ms"].as_i64().unwrap(), a["dropped_before"].as_u64().unwrap()))
            .collect();
        assert_eq!(seen, [(0, 0), (7, 6), (8, 0), (9, 0), (10, 0)]);
        assert_eq!(tally, Tally { delivered: 5, failed: 0, dropped: 6 });
    }

    #[tokio::test]
    async fn a_failure_is_tried_again_and_given_up_after_the_last_attempt() {
        let (tx, rx) = broadcast::channel(4);
        let got = Arc::new(Mutex::new(Vec::new()));
        let open = Arc::new(Semaphore::new(100));
        // The first alert fails every attempt; the second fails once, then gets through.
        let sink = Gate { open: open.clone(), got: got.clone(), failures: Mutex::new(ATTEMPTS + 1) };
        let task = tokio::spawn(run(sink, rx, Duration::from_millis(1)));
        tx.send(alert(1)).unwrap();
        tx.send(alert(2)).unwrap();
        drop(tx);
        let tally = task.await.unwrap();
        assert_eq!(tally, Tally { delivered: 1, failed: 1, dropped: 0 });
        let got = got.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0]["text"], "#2");
        assert_eq!(100 - open.available_permits(), ATTEMPTS as usize + 2, "4 tries for #1, 2 for #2");
    }
}
