//! End to end over loopback: the embedded simulator stepping as fast as it
//! can, read by (a) a client that only receives WebSocket frames — the
//! transport limit — and (b) the real Binance adapter (parse, book sync,
//! top-N book events). Prints frames/s, events/s and their ratio.
//!
//! Run: `cargo bench --bench feed_e2e` (VIGIL_E2E_SECS sets the window, default 5).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use vigil::domain::Symbol;
use vigil::market::{self, FeedConfig, MarketEvent};
use vigil::sim::{self, SimConfig};

const RATE: u32 = 1_000_000;

fn symbols() -> Vec<Symbol> {
    ["BTCUSDT", "ETHUSDT", "SOLUSDT"].iter().filter_map(|s| Symbol::new(s).ok()).collect()
}

async fn start_sim() -> sim::SimHandle {
    let config = SimConfig { rate_per_sec: RATE, ..SimConfig::default() };
    sim::start(config).await.unwrap_or_else(|e| panic!("sim: {e}"))
}

/// Frames per second a do-nothing client receives.
async fn raw_frames(window: Duration) -> f64 {
    let sim = start_sim().await;
    let url = FeedConfig::custom("sim", &sim.ws_url(), &sim.rest_url(), symbols()).stream_url();
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap_or_else(|e| panic!("connect: {e}"));
    let start = Instant::now();
    let mut frames: u64 = 0;
    while start.elapsed() < window {
        match ws.next().await {
            Some(Ok(Message::Text(_) | Message::Binary(_))) => frames += 1,
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    let rate = frames as f64 / start.elapsed().as_secs_f64();
    sim.shutdown().await;
    rate
}

/// Normalized events per second out of the real adapter.
async fn adapter_events(window: Duration) -> (f64, u64) {
    let sim = start_sim().await;
    let mut config = FeedConfig::custom("sim", &sim.ws_url(), &sim.rest_url(), symbols());
    config.depth = 20;
    let mut feed = market::spawn(config).unwrap_or_else(|e| panic!("feed: {e}"));
    let start = Instant::now();
    let (mut events, mut books): (u64, u64) = (0, 0);
    while start.elapsed() < window {
        match tokio::time::timeout(Duration::from_secs(1), feed.recv()).await {
            Ok(Some(event)) => {
                events += 1;
                books += u64::from(matches!(event, MarketEvent::Book(_)));
            }
            Ok(None) => break,
            Err(_) => {}
        }
    }
    let rate = events as f64 / start.elapsed().as_secs_f64();
    let resyncs = feed.counters().resyncs;
    feed.shutdown().await;
    sim.shutdown().await;
    let _ = books;
    (rate, resyncs)
}

fn main() {
    let secs = std::env::var("VIGIL_E2E_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let window = Duration::from_secs(secs);
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let frames = rt.block_on(raw_frames(window));
    let (events, resyncs) = rt.block_on(adapter_events(window));
    println!("feed_e2e: sim at up to {RATE} steps/s, 3 symbols, {secs} s windows over loopback");
    println!("  transport limit (frames received, no parsing): {frames:>12.0} frames/s");
    println!("  Binance adapter (parse + book sync + events):  {events:>12.0} events/s  ({resyncs} resyncs)");
    println!("  ratio adapter/transport: {:.2}", events / frames);
}
