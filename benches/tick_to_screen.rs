//! Tick-to-screen latency: from a market event entering the real engine to
//! the first terminal frame that shows it. The real engine actor (store,
//! audit log, publish throttle) feeds the real TUI loop (`run_loop`, frame cap)
//! drawing into a backend that timestamps the flush whose buffer first holds
//! the new price. Each trade carries a fresh price, so the frame that shows
//! it is unambiguous. The WebSocket hop before the engine is measured by
//! `feed_e2e` and shown live in the header (typically 0–3 ms on loopback).
//!
//! Run: `cargo bench --bench tick_to_screen` (VIGIL_TICKS sets the sample count, default 300).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};
use rust_decimal::Decimal;
use tokio::sync::{mpsc, oneshot};
use vigil::clock::{Clock, SystemClock};
use vigil::domain::Side;
use vigil::engine::{self};
use vigil::market::{MarketEvent, Trade};
use vigil::risk::Limits;
use vigil::store::Store;
use vigil::tui::{App, TuiOptions, run_loop};

#[path = "../tests/support/engine_fixture.rs"]
mod fixture;

use fixture::{btc, d};

/// The price a frame must show, and when its trade was handed to the engine.
type Awaited = Arc<Mutex<Option<(String, Instant)>>>;

/// A TestBackend that reports when a flushed frame first contains the awaited text.
struct WatchingBackend {
    inner: TestBackend,
    awaited: Awaited,
    seen: mpsc::UnboundedSender<Duration>,
}

impl WatchingBackend {
    fn check(&self) {
        let mut awaited = self.awaited.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some((text, sent)) = awaited.as_ref() else { return };
        if buffer_contains(self.inner.buffer(), text) {
            let _ = self.seen.send(sent.elapsed());
            *awaited = None;
        }
    }
}

fn buffer_contains(buffer: &Buffer, text: &str) -> bool {
    let width = usize::from(buffer.area.width.max(1));
    buffer.content.chunks(width).any(|row| row.iter().map(Cell::symbol).collect::<String>().contains(text))
}

impl Backend for WatchingBackend {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        self.check();
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    let samples: usize = std::env::var("VIGIL_TICKS").ok().and_then(|v| v.parse().ok()).unwrap_or(300).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let mut latencies = runtime.block_on(measure(samples));
    latencies.sort();
    let mean = latencies.iter().sum::<Duration>() / u32::try_from(latencies.len().max(1)).unwrap_or(1);
    println!(
        "tick_to_screen (engine event → flushed frame, 200x60, {} samples): mean {:.1} ms, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        mean.as_secs_f64() * 1e3,
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.90).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

async fn measure(samples: usize) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let state = dir.path().join("state");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = Store::open(&state).unwrap_or_else(|e| panic!("store: {e}"));
    let (market, rx) = mpsc::channel(64);
    let balances = vec![("USDT".into(), d("10000"))];
    let setup = fixture::paper_setup(&state, store, clock.clone(), Limits::default(), balances, vec![], rx);
    let (handle, engine_task) = engine::start(setup).unwrap_or_else(|e| panic!("engine: {e}"));
    let send = |event| {
        let market = market.clone();
        async move { market.send(event).await.unwrap_or_else(|e| panic!("engine gone: {e}")) }
    };
    for event in fixture::sync_sequence(fixture::book(64_000, 20, "2", clock.now_ms()), clock.now_ms()) {
        send(event).await;
    }

    let awaited: Awaited = Arc::default();
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let backend =
        WatchingBackend { inner: TestBackend::new(200, 60), awaited: awaited.clone(), seen: seen_tx };
    let mut terminal = Terminal::new(backend).unwrap_or_else(|e| panic!("terminal: {e}"));
    let app = App::new(handle.clone(), &TuiOptions::default()).unwrap_or_else(|e| panic!("app: {e}"));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let ui = tokio::spawn(async move {
        let stop = async move {
            let _ = stop_rx.await;
        };
        run_loop(&mut terminal, app, futures_util::stream::pending(), stop).await.map(drop)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut latencies = Vec::with_capacity(samples);
    for i in 0..samples {
        // A price never shown before: 51000.01, 51001.02, …
        let cents = i64::try_from(i % 99 + 1).unwrap_or(1);
        let price = Decimal::new((51_000 + i64::try_from(i).unwrap_or(0)) * 100 + cents, 2);
        *awaited.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((price.normalize().to_string(), Instant::now()));
        let trade = Trade { symbol: btc(), price, qty: d("0.01"), side: Side::Buy, ts_ms: clock.now_ms() };
        send(MarketEvent::Trade(trade)).await;
        match tokio::time::timeout(Duration::from_secs(2), seen.recv()).await {
            Ok(Some(latency)) => latencies.push(latency),
            _ => panic!("trade {i} at {price} never reached the screen"),
        }
        // Gaps of 5–150 ms, spread evenly over the run: some trades land inside
        // the publish (50 ms) and frame (33 ms) throttles, some after a quiet spell.
        tokio::time::sleep(Duration::from_millis(5 + u64::try_from(i * 37 % 146).unwrap_or(0))).await;
    }
    let _ = stop_tx.send(());
    let _ = ui.await;
    let _ = handle.send(engine::Command::Shutdown);
    let _ = engine_task.await;
    latencies
}
