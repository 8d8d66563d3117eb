//! Frame render cost at 200x60: 20-level book, 500-point chart, 100-row order and fill
//! tables. Target: well under 1 ms per frame (the loop draws at most ~30 per second).
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/tui_fixture.rs"]
mod fixture;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use vigil::engine::EngineHandle;
use vigil::tui::{App, TuiOptions};

fn render(c: &mut Criterion) {
    let (handle, ends) = EngineHandle::channel();
    ends.snapshots.send(Arc::new(fixture::snapshot(20, 500, 100))).unwrap();
    let app = App::new(handle, &TuiOptions::default()).unwrap();
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
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = render
}
criterion_main!(benches);
