//! Frame render cost at 200x60: 20-level book, 500-point chart, 100-row order and fill
//! tables. Target: well under 1 ms per frame (the loop draws at most ~30 per second).
//! `frame_200x60_market_tick` is the streaming case: a new snapshot, a tick apart, per frame.
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/tui_fixture.rs"]
mod fixture;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use vigil::engine::{EngineHandle, Snapshot};
use vigil::tui::{App, TuiOptions};

/// The fixture after one market tick: every book level and last price a tick higher, as the
/// engine publishes it while the feed streams (orders, fills, inbox and events unchanged).
fn ticked(snapshot: &Snapshot) -> Snapshot {
    let mut next = snapshot.clone();
    next.version += 1;
    for m in &mut next.markets {
        let tick = m.tick_size.unwrap_or(Decimal::new(1, 2));
        m.last_price = m.last_price.map(|p| p + tick);
        if let Some(book) = m.book.as_mut() {
            for level in book.bids.iter_mut().chain(book.asks.iter_mut()) {
                level.price += tick;
            }
        }
    }
    next
}

fn render(c: &mut Criterion) {
    let (handle, ends) = EngineHandle::channel();
    let snapshot = fixture::snapshot(20, 500, 100);
    let ticks = [Arc::new(ticked(&snapshot)), Arc::new(snapshot.clone())];
    ends.snapshots.send(Arc::new(snapshot)).unwrap();
    let mut app = App::new(handle, &TuiOptions::default()).unwrap();
    for (w, h) in [(200, 60), (80, 24)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        // Steady state, as in the loop: every widget renders the whole frame into the
        // buffer, which is then diffed against the previous frame.
        c.bench_function(&format!("frame_{w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| black_box(&app).draw(f)).unwrap();
            })
        });
        // Worst case (first frame, after a resize): the previous frame is blank, so every
        // cell differs and is written to the backend.
        c.bench_function(&format!("frame_{w}x{h}_full_repaint"), |b| {
            b.iter(|| {
                terminal.clear().unwrap();
                terminal.draw(|f| black_box(&app).draw(f)).unwrap();
            })
        });
    }
    // Streaming, as in the demo: each frame shows a new snapshot whose market moved a tick,
    // so the tables, the ladder and the diff all change while the wrapped text does not.
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut n = 0usize;
    c.bench_function("frame_200x60_market_tick", |b| {
        b.iter(|| {
            n += 1;
            ends.snapshots.send(Arc::clone(&ticks[n % 2])).unwrap();
            app.refresh_snapshot();
            terminal.draw(|f| black_box(&app).draw(f)).unwrap();
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = render
}
criterion_main!(benches);
