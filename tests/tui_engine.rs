//! The workstation on the real engine: what a dialog says is what the engine
//! then does. And the order ticket under hostile input: it refuses, it never
//! panics.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;
#[path = "support/tui_render.rs"]
mod render;
#[path = "support/tui_fixture.rs"]
mod tui_fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixture::{Harness, T0, buy, loose_limits, start, start_with};
use proptest::prelude::*;
use vigil::domain::OrderType;
use vigil::engine::{EngineHandle, OnShutdown, SubmitOutcome};
use vigil::tui::{App, TuiOptions};

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn screen(app: &App, w: u16, h: u16) -> String {
    render::text(&render::render(w, h, |f| app.draw(f)))
}

/// `open` resting orders sent and `pending` orders awaiting confirmation.
async fn with_orders(h: &Harness, open: usize, pending: usize) {
    for i in 0..open {
        let price = format!("{}", 63_000 - i * 10);
        assert!(matches!(
            h.place(buy(OrderType::Limit, "0.01", Some(&price))).await,
            SubmitOutcome::Sent { .. }
        ));
    }
    for i in 0..pending {
        let price = format!("{}", 62_000 - i * 10);
        assert!(matches!(
            h.submit(buy(OrderType::Limit, "0.01", Some(&price))).await,
            SubmitOutcome::Pending { .. }
        ));
    }
}

fn workstation(handle: &EngineHandle) -> App {
    let mut app = App::new(handle.clone(), &TuiOptions::default()).unwrap();
    app.refresh_snapshot();
    app
}

#[tokio::test]
async fn cancel_all_says_what_it_does_and_does_what_it_says() {
    for (open, pending) in [(1, 1), (3, 0), (0, 2), (2, 3)] {
        let dir = tempfile::tempdir().unwrap();
        let h = start(dir.path(), loose_limits(), vec![]).await;
        with_orders(&h, open, pending).await;
        let mut app = workstation(&h.handle);
        app.on_key(key('C'));
        let text = screen(&app, 80, 24);
        assert!(text.contains(&format!("{open} open order(s) will be cancelled,")), "{text}");
        assert!(
            text.contains(&format!("{pending} pending order(s) awaiting confirmation rejected.")),
            "{text}"
        );
        app.on_key(key('y'));
        let answer = app.next_reply().await.unwrap();
        app.on_msg(answer);
        assert_eq!(
            app.notice(),
            Some(format!("{open} open order(s) cancelled, {pending} pending rejected").as_str())
        );
        let snap = h.handle.snapshot();
        assert!(snap.pending.is_empty() && snap.orders.iter().all(|o| !o.status.is_open()));
        h.stop().await;
    }
}

#[tokio::test]
async fn quit_asks_when_it_would_leave_something_and_says_what_happens() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    let mut app = workstation(&h.handle);
    app.on_key(key('q'));
    assert!(app.should_quit(), "nothing open, nothing pending, confirm mode: quit at once");
    h.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    h.arm(5, "1000").await;
    let mut app = workstation(&h.handle);
    app.on_key(key('q'));
    assert!(!app.should_quit(), "autonomous mode alone asks first");
    let text = screen(&app, 80, 24);
    assert!(text.contains("Autonomous mode ends; the next start is in confirm mode."), "{text}");
    h.stop().await;

    for (policy, says) in [
        (OnShutdown::Leave, "1 open order(s) stay open (paper: no fills while vigil is stopped)."),
        (OnShutdown::Cancel, "1 open order(s) will be cancelled before vigil stops."),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let tweak = move |c: &mut vigil::engine::EngineConfig| c.on_shutdown = policy;
        let h =
            start_with(dir.path(), loose_limits(), vec![], tweak, fixture::book(64_000, 5, "2", T0)).await;
        with_orders(&h, 1, 1).await;
        let mut app = workstation(&h.handle);
        app.on_key(key('q'));
        let text = screen(&app, 80, 24);
        assert!(text.contains(says), "{policy:?}: {text}");
        assert!(text.contains("1 order(s) awaiting confirmation will be rejected, unsent."), "{text}");
        assert!(text.contains("y quit"), "the answer keys are on screen: {text}");
        app.on_key(key('y'));
        assert!(app.should_quit());
        h.task.await.unwrap();
        // What it said happened.
        let h = start(dir.path(), loose_limits(), vec![]).await;
        let open = h.handle.snapshot().orders.iter().filter(|o| o.status.is_open()).count();
        assert_eq!(open, usize::from(policy == OnShutdown::Leave), "{policy:?}");
        assert!(h.handle.snapshot().pending.is_empty());
        h.stop().await;
    }
}

/// A ticket with `qty` and `price` typed in, drawn at `w`x`h`.
fn ticket_screen(qty: &str, price: &str, w: u16, h: u16) -> String {
    let (handle, ends) = EngineHandle::channel();
    ends.snapshots.send(std::sync::Arc::new(tui_fixture::snapshot(5, 20, 0))).unwrap();
    let mut app = App::new(handle, &TuiOptions::default()).unwrap();
    app.on_key(key('b'));
    for c in qty.chars() {
        app.on_key(key(c));
    }
    app.on_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    for _ in 0..40 {
        app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    }
    for c in price.chars() {
        app.on_key(key(c));
    }
    drop(ends);
    screen(&app, w, h)
}

#[test]
fn a_ticket_whose_notional_overflows_says_so() {
    let huge = "999999999999999999999999999999";
    let text = ticket_screen(huge, huge, 120, 40);
    assert!(text.contains("notional too large"), "{text}");
}

/// The keys a person might hit in and around the ticket.
fn ticket_key() -> impl Strategy<Value = KeyEvent> {
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    prop_oneof![
        4 => "[0-9.]".prop_map(move |c| plain(KeyCode::Char(c.chars().next().unwrap_or('0')))),
        1 => Just(plain(KeyCode::Tab)),
        1 => Just(plain(KeyCode::BackTab)),
        1 => Just(plain(KeyCode::Char(' '))),
        1 => Just(plain(KeyCode::Backspace)),
        1 => Just(plain(KeyCode::Enter)),
        1 => Just(plain(KeyCode::Char('y'))),
        1 => Just(plain(KeyCode::Char('n'))),
        1 => Just(plain(KeyCode::Esc)),
        1 => Just(plain(KeyCode::Char('b'))),
        1 => Just(plain(KeyCode::Char('s'))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever is typed, at whatever size, the ticket draws (and refuses) without a panic.
    #[test]
    fn the_ticket_never_panics(
        qty in "[0-9.]{0,30}",
        price in "[0-9.]{0,30}",
        w in 20u16..200,
        h in 6u16..60,
    ) {
        let _ = ticket_screen(&qty, &price, w, h);
    }

    /// Any sequence of ticket keys (side and type toggles, review, yes, no, close), drawn
    /// after every key at a random size: no panic.
    #[test]
    fn any_key_sequence_in_the_ticket_never_panics(
        keys in proptest::collection::vec(ticket_key(), 1..60),
        w in 20u16..200,
        h in 6u16..60,
    ) {
        let (handle, ends) = EngineHandle::channel();
        ends.snapshots.send(std::sync::Arc::new(tui_fixture::snapshot(5, 20, 0))).unwrap();
        let mut app = App::new(handle, &TuiOptions::default()).unwrap();
        app.on_key(key('b'));
        for key in keys {
            app.on_key(key);
            let _ = screen(&app, w, h);
        }
    }
}
