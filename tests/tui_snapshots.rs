//! Pictures of every view at 80x24 (compact) and 160x48 (full), plus style dumps in each
//! shipped theme and under NO_COLOR. Regenerate with `INSTA_UPDATE=always cargo test --test
//! tui_snapshots` and review the .snap diffs.
#![allow(clippy::unwrap_used)]

#[path = "support/tui_fixture.rs"]
mod fixture;
#[path = "support/tui_render.rs"]
mod render;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil::engine::{Change, Command, EngineEnds, EngineHandle, Event};
use vigil::store::Actor;
use vigil::tui::{App, TuiOptions, UnlockFailure, UnlockScreen};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn options(theme: &str) -> TuiOptions {
    TuiOptions { theme: theme.into(), ..TuiOptions::default() }
}

fn app_with(options: TuiOptions) -> (App, EngineEnds) {
    let (handle, ends) = EngineHandle::channel();
    ends.snapshots.send(Arc::new(fixture::snapshot(12, 120, 0))).unwrap();
    (App::new(handle, &options).unwrap(), ends)
}

fn screen(app: &App, (w, h): (u16, u16)) -> String {
    render::text(&render::render(w, h, |f| app.draw(f)))
}

fn snap_all(name: &str, app: &App) {
    for size in SIZES {
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen(app, size));
    }
}

/// Answers the last preview sent with the real gate's verdicts on its intent.
fn answer_preview(app: &mut App, ends: &mut EngineEnds) {
    let mut last = None;
    while let Ok(cmd) = ends.commands.try_recv() {
        if let Command::Preview { request, intent, .. } = cmd {
            last = Some((request, intent));
        }
    }
    let (request, intent) = last.unwrap();
    let checks = fixture::gate(app.snapshot(), &intent);
    app.on_engine_event(Event::Preview { request, checks });
}

/// Opens a buy ticket, types 0.01 and answers the preview with the gate's verdicts.
fn ticket_with_checks(app: &mut App, ends: &mut EngineEnds) {
    app.on_key(key('b'));
    for c in "0.01".chars() {
        app.on_key(key(c));
    }
    answer_preview(app, ends);
}

#[test]
fn workstation() {
    let (mut app, _ends) = app_with(options("dark"));
    snap_all("workstation", &app);
    app.on_key(key('2'));
    insta::assert_snapshot!("workstation_portfolio_tab_80x24", screen(&app, (80, 24)));
    app.on_key(key('3'));
    insta::assert_snapshot!("workstation_inbox_tab_80x24", screen(&app, (80, 24)));
}

#[test]
fn ticket_with_live_checks() {
    let (mut app, mut ends) = app_with(options("dark"));
    ticket_with_checks(&mut app, &mut ends);
    snap_all("ticket", &app);
}

#[test]
fn ticket_blocked_by_failing_check() {
    let (mut app, mut ends) = app_with(options("dark"));
    app.on_key(key('s'));
    app.on_key(key('5'));
    answer_preview(&mut app, &mut ends);
    app.on_key(code(KeyCode::Enter));
    insta::assert_snapshot!("ticket_blocked_80x24", screen(&app, (80, 24)));
}

#[test]
fn confirmation_modal() {
    let (mut app, mut ends) = app_with(options("dark"));
    ticket_with_checks(&mut app, &mut ends);
    app.on_key(code(KeyCode::Enter));
    snap_all("confirm", &app);
}

#[test]
fn kill_switch_modal() {
    let (mut app, _ends) = app_with(options("dark"));
    app.on_key(key('K'));
    snap_all("kill_switch", &app);
}

#[test]
fn autonomous_modal() {
    let (mut app, _ends) = app_with(TuiOptions { keystore_unlocked: true, ..options("dark") });
    app.on_key(key('A'));
    snap_all("autonomous", &app);
    // Every size that shows the dialog shows its answer keys, however many limits there are.
    for (w, h) in [(80, 24), (72, 20), (120, 30), (160, 48)] {
        let text = screen(&app, (w, h));
        assert!(text.contains("y arm   n go back"), "{w}x{h}: the arm dialog's keys are cut off:\n{text}");
    }
}

#[test]
fn help_overlay() {
    let (mut app, _ends) = app_with(options("dark"));
    app.on_key(key('?'));
    snap_all("help", &app);
}

#[test]
fn unlock_screen() {
    let theme = vigil::tui::Theme::load("dark", None, false).unwrap();
    let mut screen = UnlockScreen::new(theme);
    let now = tokio::time::Instant::now();
    screen.failed(
        UnlockFailure {
            message: "wrong passphrase or code".into(),
            retry_after: Some(Duration::from_secs(4)),
        },
        now,
    );
    for c in "correct horse".chars() {
        screen.on_key(key(c));
    }
    screen.on_key(code(KeyCode::Tab));
    for c in "7h3kq-x9".chars() {
        screen.on_key(key(c));
    }
    for size in SIZES {
        let text = render::text(&render::render(size.0, size.1, |f| screen.draw(f)));
        assert!(!text.contains("correct horse"), "the passphrase must never be drawn");
        assert!(!text.contains("7h3kq"), "a recovery code must never be drawn");
        insta::assert_snapshot!(format!("unlock_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn unlock_screen_busy() {
    let theme = vigil::tui::Theme::load("dark", None, false).unwrap();
    let mut screen = UnlockScreen::new(theme);
    for c in "pw".chars() {
        screen.on_key(key(c));
    }
    screen.on_key(code(KeyCode::Enter));
    for c in "123456".chars() {
        screen.on_key(key(c));
    }
    assert!(matches!(screen.on_key(code(KeyCode::Enter)), vigil::tui::UnlockInput::Submit(..)));
    insta::assert_snapshot!("unlock_busy_80x24", render::text(&render::render(80, 24, |f| screen.draw(f))));
}

#[test]
fn unlock_screen_takes_a_recovery_code_whole() {
    use secrecy::ExposeSecret;
    let theme = vigil::tui::Theme::load("dark", None, false).unwrap();
    let mut screen = UnlockScreen::new(theme);
    screen.on_key(key('p'));
    screen.on_key(code(KeyCode::Enter));
    for c in "7h3kq-x9m2p".chars() {
        screen.on_key(key(c));
    }
    let vigil::tui::UnlockInput::Submit(_, typed) = screen.on_key(code(KeyCode::Enter)) else {
        panic!("enter with both fields filled submits");
    };
    assert_eq!(typed.expose_secret(), "7h3kq-x9m2p");
}

/// Colours per theme: the header badges, the tab bar and the selected watchlist row.
#[test]
fn theme_styles() {
    for theme in ["dark", "light", "high-contrast", "ansi16"] {
        let (app, _ends) = app_with(options(theme));
        let buffer = render::render(80, 24, |f| app.draw(f));
        insta::assert_snapshot!(format!("styles_{theme}"), render::style_dump(&buffer, &[0, 1, 2, 5]));
    }
    let (app, _ends) = app_with(TuiOptions { no_color: true, ..options("dark") });
    let buffer = render::render(80, 24, |f| app.draw(f));
    insta::assert_snapshot!("styles_no_color", render::style_dump(&buffer, &[0, 1, 2, 5]));
}

/// The kill-switch badge and modal in a 16-colour theme.
#[test]
fn kill_switch_engaged_styles() {
    let (handle, ends) = EngineHandle::channel();
    let mut snap = fixture::snapshot(12, 120, 0);
    snap.controls = fixture::controls(Change::Halt, Actor::Breaker("drawdown_breaker".into()));
    ends.snapshots.send(Arc::new(snap)).unwrap();
    let app = App::new(handle, &options("ansi16")).unwrap();
    let buffer = render::render(80, 24, |f| app.draw(f));
    insta::assert_snapshot!("styles_kill_switch_ansi16", render::style_dump(&buffer, &[0, 1]));
}

/// A live session whose stream is down, paused by the exchange and
/// reconciling at once: one badge (the most urgent) so the first line keeps
/// the feed state and its latency whole at 80 columns, and the key on line two.
#[test]
fn live_header_keeps_the_feed_latency_whole_at_80_columns() {
    let (handle, ends) = EngineHandle::channel();
    let mut snap = fixture::snapshot(12, 120, 0);
    snap.venue = Some(vigil::domain::Venue::Live);
    snap.venue_label = "key main @ api.binance.com".into();
    snap.live = Some(vigil::engine::LiveStatus {
        stream_up: false,
        reconciling: true,
        skew_ms: Some(3),
        paused: Some("too many requests (HTTP 429), Retry-After 30 s (29 s left)".into()),
        external_orders: Vec::new(),
        key_refused: None,
    });
    ends.snapshots.send(Arc::new(snap)).unwrap();
    let app = App::new(handle, &options("dark")).unwrap();
    let text = screen(&app, (80, 24));
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    assert!(first.contains(" LIVE ") && first.contains("NO FILL STREAM"), "{first}");
    assert!(!first.contains("PAUSED") && !first.contains("RECONCILING"), "{first}");
    assert!(first.trim_end().ends_with("12ms"), "the latency is whole: {first:?}");
    let second = lines.next().unwrap();
    assert!(second.contains("key main @ api.binance.com"), "{second}");
}
