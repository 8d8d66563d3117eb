//! The symbol search modal and the watchlist's removal key: pictures of the
//! modal (the fixture's catalog is the simulator's own listing) and the
//! commands a key sequence sends to a fake engine.
#![allow(clippy::unwrap_used)]

#[path = "support/tui_fixture.rs"]
mod fixture;
#[path = "support/tui_render.rs"]
mod render;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil::engine::{Command, CommandError, EngineEnds, EngineHandle, Snapshot};
use vigil::tui::{App, TuiOptions};

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(key(c));
    }
}

fn setup(snap: Snapshot) -> (App, EngineEnds) {
    let (handle, ends) = EngineHandle::channel();
    ends.snapshots.send(Arc::new(snap)).unwrap();
    (App::new(handle, &TuiOptions::default()).unwrap(), ends)
}

/// The fixture with ETHUSDT not (yet) on the watchlist.
fn without_eth() -> Snapshot {
    let mut snap = fixture::snapshot(12, 120, 0);
    snap.markets.retain(|m| m.symbol.as_str() != "ETHUSDT");
    snap
}

fn drain(ends: &mut EngineEnds) -> Vec<Command> {
    std::iter::from_fn(|| ends.commands.try_recv().ok()).collect()
}

#[test]
fn search_modal_pictures() {
    let (mut app, _ends) = setup(fixture::snapshot(12, 120, 0));
    app.on_key(key('/'));
    for (w, h) in [(80, 24), (160, 48)] {
        let screen = render::text(&render::render(w, h, |f| app.draw(f)));
        insta::assert_snapshot!(format!("search_open_{w}x{h}"), screen);
    }
    keys(&mut app, "usdt");
    app.on_key(code(KeyCode::Down));
    let screen = render::text(&render::render(80, 24, |f| app.draw(f)));
    insta::assert_snapshot!("search_usdt_second_80x24", screen);
}

#[tokio::test]
async fn slash_eth_enter_adds_ethusdt() {
    let (mut app, mut ends) = setup(without_eth());
    keys(&mut app, "/eth");
    assert!(drain(&mut ends).is_empty(), "typing sends nothing");
    app.on_key(code(KeyCode::Enter));
    let sent = drain(&mut ends);
    let [Command::WatchSymbol { symbol, reply: Some(reply) }] = <[Command; 1]>::try_from(sent).unwrap()
    else {
        panic!("expected one WatchSymbol");
    };
    assert_eq!(symbol.as_str(), "ETHUSDT");
    reply.send(Ok(())).unwrap();
    let msg = app.next_reply().await.unwrap();
    app.on_msg(msg);
    assert_eq!(app.notice(), Some("ETHUSDT added to the watchlist"));
    // The modal closed: the next letters are normal-mode keys again (`?` opens help).
    app.on_key(key('?'));
    assert!(drain(&mut ends).is_empty());
}

#[test]
fn esc_closes_without_sending_and_letters_do_not_trade() {
    let (mut app, mut ends) = setup(without_eth());
    // `b` and `s` would open tickets in normal mode; in the search they are letters.
    keys(&mut app, "/bs");
    app.on_key(code(KeyCode::Backspace));
    app.on_key(code(KeyCode::Esc));
    assert!(drain(&mut ends).is_empty());
    app.on_key(key('b'));
    assert!(drain(&mut ends).iter().all(|c| matches!(c, Command::Preview { .. })), "b opens a ticket again");
}

#[test]
fn a_watched_symbol_is_not_added_twice() {
    let (mut app, mut ends) = setup(fixture::snapshot(12, 120, 0));
    keys(&mut app, "/btc");
    app.on_key(code(KeyCode::Enter));
    assert!(drain(&mut ends).is_empty());
    assert_eq!(app.notice(), Some("BTCUSDT is already on the watchlist"));
}

#[tokio::test]
async fn x_removes_the_selected_symbol_and_shows_a_refusal_in_the_engines_words() {
    let (mut app, mut ends) = setup(fixture::snapshot(12, 120, 0));
    app.on_key(key('x'));
    let sent = drain(&mut ends);
    let [Command::UnwatchSymbol { symbol, reply: Some(reply) }] = <[Command; 1]>::try_from(sent).unwrap()
    else {
        panic!("expected one UnwatchSymbol");
    };
    assert_eq!(symbol.as_str(), "BTCUSDT");
    let why = "BTCUSDT stays on the watchlist: it has 2 open order(s); cancel them first";
    reply.send(Err(CommandError::Refused(why.into()))).unwrap();
    let msg = app.next_reply().await.unwrap();
    app.on_msg(msg);
    assert_eq!(app.notice(), Some(why));
    // Only the focused watchlist removes: from the orders pane, x says so and sends nothing.
    app.on_key(key('2'));
    app.on_key(key('x'));
    assert!(drain(&mut ends).is_empty());
    assert_eq!(app.notice(), Some("focus the watchlist first"));
}
