//! Pictures of the candle chart (each timeframe key), the tape and the 24 h
//! watchlist columns at 80x24 and 160x48, from candles, ticker and trades the
//! real simulator produced (see `fixture::sim_market_data`). Regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_market_views` and review.
#![allow(clippy::unwrap_used)]

#[path = "support/tui_fixture.rs"]
mod fixture;
#[path = "support/tui_render.rs"]
mod render;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil::engine::{EngineEnds, EngineHandle};
use vigil::tui::{App, TuiOptions};

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn app(no_color: bool) -> (App, EngineEnds) {
    let (handle, ends) = EngineHandle::channel();
    ends.snapshots.send(Arc::new(fixture::snapshot(12, 120, 0))).unwrap();
    let options = TuiOptions { theme: "dark".into(), no_color, ..TuiOptions::default() };
    (App::new(handle, &options).unwrap(), ends)
}

fn screen(app: &App, (w, h): (u16, u16)) -> String {
    render::text(&render::render(w, h, |f| app.draw(f)))
}

#[test]
fn candle_chart_in_every_timeframe_with_tape_and_24h_columns() {
    let (mut app, _ends) = app(false);
    for tf in ["1m", "5m", "15m", "1h", "4h", "1d"] {
        for (w, h) in [(80, 24), (160, 48)] {
            let text = screen(&app, (w, h));
            assert!(text.contains(&format!("BTCUSDT {tf} ")), "{tf} not in the chart title:\n{text}");
            insta::assert_snapshot!(format!("market_{tf}_{w}x{h}"), text);
        }
        app.on_key(key(']'));
    }
    // `]` wraps from 1d to 1m, `[` goes back.
    assert!(screen(&app, (160, 48)).contains("BTCUSDT 1m "));
    app.on_key(key('['));
    assert!(screen(&app, (160, 48)).contains("BTCUSDT 1d "));
}

#[test]
fn tape_marks_the_aggressor_without_colour() {
    let (app, _ends) = app(true);
    let text = screen(&app, (160, 48));
    assert!(text.contains("Tape BTCUSDT"), "{text}");
    assert!(text.contains('▲') && text.contains('▼'), "buys and sells marked:\n{text}");
    assert!(text.contains("24h%"), "{text}");
    let narrow = screen(&app, (80, 24));
    // At 80 columns the lowest-priority column (24h Vol) gives way first, whole.
    assert!(narrow.contains("24h High") && !narrow.contains("24h Vol"), "{narrow}");
}

#[test]
fn candles_follow_the_selected_symbol() {
    let (mut app, _ends) = app(false);
    app.on_key(key('j'));
    let text = screen(&app, (160, 48));
    assert!(text.contains("ETHUSDT 1m ") && text.contains("Tape ETHUSDT"), "{text}");
}

#[test]
fn the_tape_takes_focus_zooms_and_scrolls_back_through_older_trades() {
    let (mut app, _ends) = app(true);
    // Watchlist → chart → book → tape.
    for _ in 0..3 {
        app.on_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    }
    app.on_key(key('z'));
    let newest = screen(&app, (80, 24));
    assert!(newest.contains("Tape BTCUSDT"), "{newest}");
    let first_row =
        |text: &str| text.lines().find(|l| l.contains('▲') || l.contains('▼')).unwrap().to_owned();
    for _ in 0..40 {
        app.on_key(key('j'));
    }
    let older = screen(&app, (80, 24));
    assert_ne!(first_row(&newest), first_row(&older), "scrolled back:\n{older}");
    for _ in 0..40 {
        app.on_key(key('k'));
    }
    assert_eq!(first_row(&newest), first_row(&screen(&app, (80, 24))));
}
