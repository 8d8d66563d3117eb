//! The engine task's last word. A panic inside the actor (a bug, or input it
//! failed to refuse) would otherwise end the task silently: the snapshots
//! stop, commands fail with "engine stopped", and `vigil run` used to report a
//! clean stop. The supervisor catches the panic, records its message where
//! every [`EngineHandle`](super::EngineHandle) can read it, logs it, and only
//! then lets the actor's channel ends drop, so a front end that sees the
//! snapshots end always finds the reason already there.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};

use futures_util::FutureExt as _;

/// Runs `actor` to completion; if it panics, stores the panic's message in
/// `failure` before the actor (and the channel ends it owns) is dropped.
pub(super) async fn supervise(actor: impl Future<Output = ()>, failure: Arc<OnceLock<String>>) {
    // Boxed so it can be dropped explicitly after the failure is recorded: the
    // actor's state (its watch sender among it) outlives the unwinding.
    let mut guarded = Box::pin(AssertUnwindSafe(actor).catch_unwind());
    let outcome = (&mut guarded).await;
    if let Err(payload) = outcome {
        let reason = format!("the engine task panicked: {}", panic_message(payload.as_ref()));
        tracing::error!(%reason, "engine failed");
        // Only the supervisor sets it, once per engine.
        let _ = failure.set(reason);
    }
    drop(guarded);
}

/// The text a `panic!` carries (`&str` or `String`), or a placeholder.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_is_recorded_before_the_actor_state_drops() {
        let failure = Arc::new(OnceLock::new());
        let (tx, mut rx) = tokio::sync::watch::channel(0_u8);
        let seen = failure.clone();
        let watcher = tokio::spawn(async move {
            // The sender drops with the actor: by then the reason must be set.
            while rx.changed().await.is_ok() {}
            seen.get().cloned()
        });
        let actor = async move {
            let _ends = tx;
            tokio::task::yield_now().await;
            panic!("attempt to add with overflow");
        };
        supervise(actor, failure.clone()).await;
        let reason = watcher.await.ok().flatten().unwrap_or_default();
        assert!(reason.contains("attempt to add with overflow"), "{reason:?}");
    }

    #[tokio::test]
    async fn a_clean_stop_records_nothing() {
        let failure = Arc::new(OnceLock::new());
        supervise(async {}, failure.clone()).await;
        assert!(failure.get().is_none());
    }
}
