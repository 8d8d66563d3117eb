//! Stop signals for long-running commands: SIGINT, SIGTERM and SIGHUP (a
//! closed SSH session) all mean "stop cleanly".

use tokio::signal::unix::{SignalKind, signal};

/// Resolves when the process is asked to stop.
pub async fn stop_signal() {
    let kinds = [SignalKind::interrupt(), SignalKind::terminate(), SignalKind::hangup()];
    let mut streams: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
    if streams.is_empty() {
        return std::future::pending().await;
    }
    let waits = streams.iter_mut().map(|s| Box::pin(s.recv()));
    futures_util::future::select_all(waits).await;
}
