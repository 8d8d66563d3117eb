//! The workstation's panes: every one takes focus, zooms and scrolls; stale markets are
//! marked in words; `ansi16` keeps to the 16 colours; without colour the book's sides still
//! differ; the review and the help show everything at 80 columns. Pictures at 80x24 and
//! 160x48 (regenerate with `INSTA_UPDATE=always cargo test --test tui_panes`, review diffs).
#![allow(clippy::unwrap_used)]

#[path = "support/tui_fixture.rs"]
mod fixture;
#[path = "support/tui_render.rs"]
mod render;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use vigil::domain::FeedState;
use vigil::engine::{Command, EngineEnds, EngineHandle, Event, Snapshot};
use vigil::tui::{App, TuiOptions};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn app_over(snap: Snapshot, options: TuiOptions) -> (App, EngineEnds) {
    let (handle, ends) = EngineHandle::channel();
    ends.snapshots.send(Arc::new(snap)).unwrap();
    (App::new(handle, &options).unwrap(), ends)
}

fn themed(theme: &str) -> TuiOptions {
    TuiOptions { theme: theme.into(), ..TuiOptions::default() }
}

fn screen(app: &App, (w, h): (u16, u16)) -> String {
    render::text(&render::render(w, h, |f| app.draw(f)))
}

/// The rows of `text` whose pane border is thick (the focused pane's).
fn focused_title(text: &str) -> String {
    text.lines()
        .find_map(|l| l.find('┏').map(|i| l[i..].chars().skip(2).take_while(|c| *c != '━').collect()))
        .unwrap_or_default()
}

#[test]
fn every_pane_takes_focus_in_turn_and_zooms() {
    let (mut app, _ends) = app_over(fixture::snapshot(12, 120, 12), themed("dark"));
    let titles = [
        "Watchlist",
        "BTCUSDT",
        "Book",
        "Tape",
        "Positions",
        "Balances",
        "Orders",
        "Fills",
        "Inbox",
        "Events",
    ];
    for size in [(80, 24), (160, 48)] {
        for title in titles {
            let text = screen(&app, size);
            assert!(focused_title(&text).starts_with(title), "{size:?}: expected {title} focused:\n{text}");
            app.on_key(key('z'));
            let zoomed = screen(&app, size);
            assert!(focused_title(&zoomed).starts_with(title), "{size:?}: {title} zoomed:\n{zoomed}");
            // The zoomed pane is the only pane: one top-left corner below the header.
            assert_eq!(zoomed.matches(['┌', '┏']).count(), 1, "{title} zoomed:\n{zoomed}");
            app.on_key(key('z'));
            app.on_key(code(KeyCode::Tab));
        }
        // Back round to the watchlist; shift-tab goes the other way.
        app.on_key(code(KeyCode::BackTab));
        assert!(focused_title(&screen(&app, size)).starts_with("Events"));
        app.on_key(code(KeyCode::Tab));
    }
}

#[test]
fn fills_and_orders_scroll_and_keep_the_selection() {
    let (mut app, _ends) = app_over(fixture::snapshot(12, 120, 12), themed("dark"));
    // `2` focuses the orders; the fills are next.
    app.on_key(key('2'));
    app.on_key(code(KeyCode::Tab));
    // Fills focused: 13 fills, 3 rows shown at 80x24; walk to the last one.
    for _ in 0..12 {
        app.on_key(key('j'));
    }
    let text = screen(&app, (80, 24));
    insta::assert_snapshot!("fills_scrolled_80x24", text);
    // The newest fill (the ETH one, first in the list) has scrolled off; back up, it returns.
    assert!(!text.contains("22:13:50 ETHUSDT"), "{text}");
    for _ in 0..12 {
        app.on_key(key('k'));
    }
    assert!(screen(&app, (80, 24)).contains("22:13:50 ETHUSDT"));
    app.on_key(key('z'));
    snap_all("fills_zoomed", &app);
    app.on_key(key('z'));
    // Orders: the selection walks into the closed orders and the list follows it.
    app.on_key(code(KeyCode::BackTab));
    for _ in 0..14 {
        app.on_key(key('j'));
    }
    let text = screen(&app, (80, 24));
    assert!(text.lines().any(|l| l.contains("▶ 111")), "the last order is selected and shown:\n{text}");
}

fn snap_all(name: &str, app: &App) {
    for size in SIZES {
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen(app, size));
    }
}

#[test]
fn balances_pane() {
    let (mut app, _ends) = app_over(fixture::snapshot(12, 120, 0), themed("dark"));
    // `2` focuses the orders; the balances are just before.
    app.on_key(key('2'));
    app.on_key(code(KeyCode::BackTab));
    app.on_key(key('z'));
    snap_all("balances_zoomed", &app);
    let text = screen(&app, (80, 24));
    // USDT is the quote: its value is itself; BTC is valued at BTCUSDT's mid.
    assert!(text.contains("9140.50 USDT"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("BTC ") && l.contains("0.02000") && l.contains(" USDT")),
        "{text}"
    );
}

/// A market whose book stopped updating: older than the gate's stale limit.
fn stale_snapshot() -> Snapshot {
    let mut snap = fixture::snapshot(12, 120, 0);
    let btc = &mut snap.markets[0];
    btc.last_update_ms = Some(snap.now_ms - i64::try_from(btc.stale_after_ms).unwrap() - 1);
    snap.markets[2].state = FeedState::Connecting;
    snap
}

#[test]
fn stale_markets_are_dimmed_and_say_so() {
    for theme in ["dark", "ansi16"] {
        let (app, _ends) = app_over(stale_snapshot(), themed(theme));
        let buffer = render::render(80, 24, |f| app.draw(f));
        let text = render::text(&buffer);
        let rows: Vec<&str> = text.lines().collect();
        let btc = rows.iter().position(|l| l.contains("BTCUSDT") && l.contains("STALE")).unwrap();
        assert!(rows.iter().any(|l| l.contains("SOLUSDT") && l.contains("STALE")), "{text}");
        assert!(!rows.iter().any(|l| l.contains("ETHUSDT") && l.contains("STALE")), "{text}");
        // The book's spread line says it too.
        assert!(rows.iter().any(|l| l.contains("STALE  spread")), "{text}");
        // The price itself is dimmed, not only the word beside it.
        let x = rows[btc].find("64071.84").map(|b| rows[btc][..b].chars().count()).unwrap();
        let style = buffer[(x as u16, btc as u16)].style();
        assert!(style.add_modifier.contains(Modifier::DIM), "{theme}: {style:?}");
        insta::assert_snapshot!(format!("stale_styles_{theme}"), render::style_dump(&buffer, &[4, 5, 6]));
    }
    let (app, _ends) = app_over(stale_snapshot(), themed("dark"));
    snap_all("stale", &app);
}

fn is_ansi16(c: Option<Color>) -> bool {
    !matches!(c, Some(Color::Rgb(..) | Color::Indexed(_)))
}

fn assert_ansi16(buffer: &Buffer, what: &str) {
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let style = buffer[(x, y)].style();
            assert!(is_ansi16(style.fg) && is_ansi16(style.bg), "{what}: cell {x},{y} is {style:?}");
        }
    }
}

/// Answers the last preview sent with the real gate's verdicts on its intent; returns them.
fn answer_preview(app: &mut App, ends: &mut EngineEnds) -> Vec<vigil::engine::CheckLine> {
    let mut last = None;
    while let Ok(cmd) = ends.commands.try_recv() {
        if let Command::Preview { request, intent, .. } = cmd {
            last = Some((request, intent));
        }
    }
    let (request, intent) = last.unwrap();
    let checks = fixture::gate(app.snapshot(), &intent);
    app.on_engine_event(Event::Preview { request, checks: checks.clone() });
    checks
}

#[test]
fn ansi16_uses_only_the_16_colours() {
    let (mut app, mut ends) = app_over(stale_snapshot(), themed("ansi16"));
    let check = |app: &App, what: &str| {
        for (w, h) in [(80, 24), (160, 48), (250, 70)] {
            assert_ansi16(&render::render(w, h, |f| app.draw(f)), &format!("{what} {w}x{h}"));
        }
    };
    for pane in 0..9 {
        check(&app, &format!("pane {pane} focused"));
        app.on_key(code(KeyCode::Tab));
    }
    app.on_key(key('?'));
    check(&app, "help");
    app.on_key(key('?'));
    app.on_key(key('b'));
    for c in "0.01".chars() {
        app.on_key(key(c));
    }
    answer_preview(&mut app, &mut ends);
    check(&app, "ticket");
    app.on_key(code(KeyCode::Enter));
    check(&app, "review");
}

#[test]
fn without_colour_the_book_sides_still_differ() {
    let (app, _ends) =
        app_over(fixture::snapshot(12, 120, 0), TuiOptions { no_color: true, ..themed("dark") });
    for size in SIZES {
        let buffer = render::render(size.0, size.1, |f| app.draw(f));
        assert!(buffer.content.iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
        let text = render::text(&buffer);
        let asks = text.lines().filter(|l| l.contains("│S 640")).count();
        let bids = text.lines().filter(|l| l.contains("│B 640")).count();
        assert!(asks > 0 && bids > 0, "{size:?}: asks {asks}, bids {bids}:\n{text}");
    }
}

/// Every word of `sentence` appears in `text` in order (wrapping moves words to new lines).
fn has_words(text: &str, sentence: &str) -> bool {
    let flat: Vec<&str> = text.split_whitespace().collect();
    let words: Vec<&str> = sentence.split_whitespace().collect();
    flat.windows(words.len()).any(|w| w == words.as_slice())
}

/// What the modal shows, from the top to the bottom of its scroll.
fn scroll_through(app: &mut App, size: (u16, u16), down: KeyEvent, steps: usize) -> String {
    let mut seen = String::new();
    for _ in 0..steps {
        // Only the inside of the overlay: strip the borders so words join across lines.
        for line in screen(app, size).lines() {
            seen.push_str(&line.replace(['┃', '│'], " "));
            seen.push(' ');
        }
        app.on_key(down);
    }
    seen
}

#[test]
fn the_review_lists_all_21_checks_whole_at_80_columns() {
    let (mut app, mut ends) = app_over(fixture::snapshot(12, 120, 0), themed("dark"));
    app.on_key(key('b'));
    for c in "0.01".chars() {
        app.on_key(key(c));
    }
    let checks = answer_preview(&mut app, &mut ends);
    app.on_key(code(KeyCode::Enter));
    assert_eq!(checks.len(), 21);
    let seen = scroll_through(&mut app, (80, 24), code(KeyCode::Down), 40);
    assert!(seen.contains("21 checks: 18 pass, 3 skip"), "{seen}");
    for c in &checks {
        assert!(seen.contains(&c.id), "{} not listed", c.id);
        assert!(has_words(&seen, &c.detail), "{}: {:?} not shown whole", c.id, c.detail);
    }
}

#[test]
fn help_reaches_every_binding_at_80_columns() {
    let (mut app, _ends) = app_over(fixture::snapshot(12, 120, 0), themed("dark"));
    app.on_key(key('?'));
    let seen = scroll_through(&mut app, (80, 24), key('j'), 40);
    let keymap = vigil::tui::Keymap::load(&Default::default()).unwrap();
    for mode in [vigil::tui::Mode::Normal, vigil::tui::Mode::Ticket, vigil::tui::Mode::Modal] {
        for b in keymap.bindings(mode) {
            assert!(has_words(&seen, &b.desc), "{:?} not shown whole", b.desc);
        }
    }
}

/// Presses `down` until the overlay stops moving, then `extra` times more (with no frame
/// drawn between those presses, as when keys repeat faster than frames), then `up` once:
/// the overlay must move back one line at once, not sit at the end while the overshoot
/// is paid back. Returns the screens at the end and one line before it.
fn overshoot_then_back(app: &mut App, down: KeyEvent, up: KeyEvent, extra: usize) -> (String, String) {
    let size = (80, 24);
    let mut screens = vec![screen(app, size)];
    loop {
        app.on_key(down);
        let now = screen(app, size);
        if Some(&now) == screens.last() {
            break;
        }
        screens.push(now);
        assert!(screens.len() < 200, "the overlay never reached its end");
    }
    assert!(screens.len() >= 3, "the overlay must scroll at 80x24 for this test to mean anything");
    for _ in 0..extra {
        app.on_key(down);
    }
    assert_eq!(&screen(app, size), screens.last().unwrap(), "past the end");
    app.on_key(up);
    assert_eq!(&screen(app, size), &screens[screens.len() - 2], "one key back is one line back");
    app.on_key(up);
    assert_eq!(&screen(app, size), &screens[screens.len() - 3]);
    let end = screens.len() - 1;
    (screens.swap_remove(end), screens.swap_remove(end - 1))
}

#[test]
fn help_scrolling_stops_at_the_end() {
    let (mut app, _ends) = app_over(fixture::snapshot(12, 120, 0), themed("dark"));
    app.on_key(key('?'));
    let (end, before_end) = overshoot_then_back(&mut app, key('j'), key('k'), 30);
    // Keys typed before the overlay's first frame are held to the end that frame finds.
    app.on_key(key('?'));
    app.on_key(key('?'));
    for _ in 0..100 {
        app.on_key(key('j'));
    }
    assert_eq!(screen(&app, (80, 24)), end);
    app.on_key(key('k'));
    assert_eq!(screen(&app, (80, 24)), before_end, "k after keys typed before the first frame");
}

#[test]
fn review_scrolling_stops_at_the_end() {
    let (mut app, mut ends) = app_over(fixture::snapshot(12, 120, 0), themed("dark"));
    app.on_key(key('b'));
    for c in "0.01".chars() {
        app.on_key(key(c));
    }
    answer_preview(&mut app, &mut ends);
    app.on_key(code(KeyCode::Enter));
    overshoot_then_back(&mut app, code(KeyCode::Down), code(KeyCode::Up), 30);
}
