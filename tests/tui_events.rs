//! Key sequences → the commands a fake engine receives. The engine side is played with
//! `EngineHandle::channel()`: snapshots published, commands read, answers sent back.
#![allow(clippy::unwrap_used)]

#[path = "support/tui_fixture.rs"]
mod fixture;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil::domain::{OrderId, OrderType, Origin, Side};
use vigil::engine::{
    Change, CheckVerdict, Command, EngineEnds, EngineHandle, Event, Snapshot, SubmitOutcome,
};
use vigil::store::Actor;
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

fn setup_with(snap: Snapshot, options: TuiOptions) -> (App, EngineEnds) {
    let (handle, ends) = EngineHandle::channel();
    ends.snapshots.send(Arc::new(snap)).unwrap();
    (App::new(handle, &options).unwrap(), ends)
}

fn setup() -> (App, EngineEnds) {
    setup_with(fixture::snapshot(5, 20, 0), TuiOptions::default())
}

fn arm() -> Change {
    Change::Arm { max_orders: 10, max_notional: fixture::dec("1000") }
}

/// Every command sent so far.
fn drain(ends: &mut EngineEnds) -> Vec<Command> {
    std::iter::from_fn(|| ends.commands.try_recv().ok()).collect()
}

/// Answers the last preview in `commands` with the real gate's verdicts on its intent,
/// and returns them.
fn answer_last_preview(app: &mut App, commands: &[Command]) -> Vec<vigil::engine::CheckLine> {
    let (request, intent) = commands
        .iter()
        .rev()
        .find_map(|c| match c {
            Command::Preview { request, intent, .. } => Some((*request, intent.clone())),
            _ => None,
        })
        .unwrap();
    let checks = fixture::gate(app.snapshot(), &intent);
    app.on_engine_event(Event::Preview { request, checks: checks.clone() });
    checks
}

#[tokio::test]
async fn ticket_enter_y_submits_then_confirms_the_pending_order() {
    let (mut app, mut ends) = setup();
    app.on_key(key('b'));
    keys(&mut app, "0.01");
    let sent = drain(&mut ends);
    assert!(sent.iter().all(|c| matches!(c, Command::Preview { .. })), "typing only previews: {sent:?}");
    // The last preview describes the full ticket.
    let Some(Command::Preview { intent, .. }) = sent.last() else { panic!("no preview") };
    assert_eq!(intent.qty, fixture::dec("0.01"));

    // Enter and y before the verdicts arrive: nothing is sent yet, and nothing is lost —
    // the review opens when the checks come back and the `y` typed meanwhile confirms it.
    app.on_key(code(KeyCode::Enter));
    app.on_key(key('y'));
    assert!(drain(&mut ends).is_empty());

    answer_last_preview(&mut app, &sent);
    let sent = drain(&mut ends);
    let [Command::Submit { intent, reply: Some(reply), .. }] = <[Command; 1]>::try_from(sent).unwrap() else {
        panic!("expected one Submit with a reply channel");
    };
    // A buy ticket is priced at the best bid.
    let best_bid = app.snapshot().markets[0].book.as_ref().map(|b| b.bids[0].price);
    assert_eq!(intent.symbol.as_str(), "BTCUSDT");
    assert_eq!(intent.side, Side::Buy);
    assert_eq!(intent.order_type, OrderType::Limit);
    assert_eq!(intent.qty, fixture::dec("0.01"));
    assert_eq!(intent.price, best_bid);
    assert_eq!(intent.origin, Origin::Manual);

    // Confirm mode: the engine parks it; the screen confirms exactly that order, once.
    reply.send(Ok(SubmitOutcome::Pending { id: OrderId(42), checks: vec![] })).unwrap();
    let msg = app.next_reply().await.unwrap();
    app.on_msg(msg);
    let sent = drain(&mut ends);
    let [Command::Confirm { id, reply: Some(reply) }] = <[Command; 1]>::try_from(sent).unwrap() else {
        panic!("expected one Confirm");
    };
    assert_eq!(id, OrderId(42));
    reply.send(Ok(SubmitOutcome::Sent { id, checks: vec![] })).unwrap();
    let msg = app.next_reply().await.unwrap();
    app.on_msg(msg);
    assert!(drain(&mut ends).is_empty());
    assert!(app.next_reply().await.is_none());
}

#[test]
fn failing_check_blocks_the_review() {
    let (mut app, mut ends) = setup();
    app.on_key(key('s'));
    keys(&mut app, "5");
    let sent = drain(&mut ends);
    let checks = answer_last_preview(&mut app, &sent);
    let failing: Vec<_> =
        checks.iter().filter(|c| c.verdict == CheckVerdict::Fail).map(|c| c.id.as_str()).collect();
    assert!(failing.contains(&"balance_available"), "selling 5 BTC with 0.015 held: {failing:?}");
    app.on_key(code(KeyCode::Enter));
    app.on_key(key('y'));
    assert!(drain(&mut ends).is_empty(), "a failing check must block sending");
    assert_eq!(app.mode(), vigil::tui::Mode::Ticket);
}

#[test]
fn stale_preview_answers_are_ignored() {
    let (mut app, mut ends) = setup();
    app.on_key(key('b'));
    keys(&mut app, "1");
    let first = drain(&mut ends);
    keys(&mut app, "0");
    // The answer to the *first* preview (qty 1) arrives after the ticket changed to 10.
    answer_last_preview(&mut app, &first);
    app.on_key(code(KeyCode::Enter));
    app.on_key(key('y'));
    assert!(drain(&mut ends).iter().all(|c| matches!(c, Command::Preview { .. })));
}

#[test]
fn market_orders_need_no_price_and_esc_sends_nothing() {
    let (mut app, mut ends) = setup();
    app.on_key(key('b'));
    app.on_key(code(KeyCode::BackTab)); // qty -> type
    app.on_key(key(' ')); // limit -> market
    app.on_key(code(KeyCode::Tab)); // -> qty
    keys(&mut app, "2");
    let sent = drain(&mut ends);
    let Some(Command::Preview { intent, .. }) = sent.last() else { panic!("no preview") };
    assert_eq!((intent.order_type, intent.price), (OrderType::Market, None));
    answer_last_preview(&mut app, &sent);
    app.on_key(code(KeyCode::Enter)); // review modal
    app.on_key(code(KeyCode::Esc)); // back to the ticket
    app.on_key(code(KeyCode::Esc)); // close the ticket
    assert!(drain(&mut ends).is_empty());
    assert_eq!(app.mode(), vigil::tui::Mode::Normal);
}

#[test]
fn kill_switch_engage_and_release() {
    let (mut app, mut ends) = setup();
    app.on_key(key('K'));
    app.on_key(key('n'));
    assert!(drain(&mut ends).is_empty(), "n must cancel");
    app.on_key(key('K'));
    app.on_key(key('y'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::KillSwitch { engaged: true, .. }]));

    let mut snap = fixture::snapshot(5, 20, 0);
    snap.controls = fixture::controls(Change::Halt, Actor::Person);
    let (mut app, mut ends) = setup_with(snap, TuiOptions::default());
    app.on_key(key('K'));
    app.on_key(key('y'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::KillSwitch { engaged: false, .. }]));

    // A breaker's reduce-only state (kill switch off) is released, not engaged on top.
    let mut snap = fixture::snapshot(5, 20, 0);
    snap.controls = fixture::controls(Change::Reduce, Actor::Breaker("daily_loss_limit".into()));
    let (mut app, mut ends) = setup_with(snap, TuiOptions::default());
    app.on_key(key('K'));
    app.on_key(key('y'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::KillSwitch { engaged: false, .. }]));
}

#[test]
fn autonomous_mode_needs_a_totp_code_when_a_keystore_is_unlocked() {
    let options = TuiOptions { keystore_unlocked: true, ..TuiOptions::default() };
    let (mut app, mut ends) = setup_with(fixture::snapshot(5, 20, 0), options);
    app.on_key(key('A'));
    app.on_key(key('y'));
    assert!(drain(&mut ends).is_empty(), "no code, nothing sent");
    app.on_key(code(KeyCode::Tab));
    app.on_key(code(KeyCode::Tab));
    keys(&mut app, "123456");
    app.on_key(key('y'));
    let sent = drain(&mut ends);
    let [Command::EnableAutonomous { max_orders, max_notional, totp, .. }] = sent.as_slice() else {
        panic!("expected EnableAutonomous, got {sent:?}");
    };
    assert_eq!((*max_orders, *max_notional, totp.as_deref()), (10, fixture::dec("1000"), Some("123456")));

    // Without a keystore (demo) no code is asked for; when armed, A disarms.
    let mut snap = fixture::snapshot(5, 20, 0);
    snap.controls = fixture::controls(arm(), Actor::Person);
    let (mut app, mut ends) = setup_with(snap, TuiOptions::default());
    app.on_key(key('A'));
    app.on_key(key('y'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::DisableAutonomous { .. }]));
}

#[test]
fn inbox_approve_and_reject_only_with_the_inbox_focused() {
    let (mut app, mut ends) = setup();
    app.on_key(key('y'));
    app.on_key(code(KeyCode::Enter));
    assert!(drain(&mut ends).is_empty(), "approving needs the inbox focused");
    app.on_key(key('3'));
    app.on_key(key('y'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::Confirm { id: OrderId(4), .. }]));
    app.on_key(key('n'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::Reject { id: OrderId(4), .. }]));
}

#[test]
fn cancel_selected_and_cancel_all() {
    let (mut app, mut ends) = setup();
    app.on_key(key('2'));
    app.on_key(key('j'));
    app.on_key(key('c'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::Cancel { id: OrderId(2), .. }]));
    app.on_key(key('C'));
    app.on_key(code(KeyCode::Esc));
    assert!(drain(&mut ends).is_empty());
    app.on_key(key('C'));
    app.on_key(key('y'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::CancelAll { .. }]));
}

#[test]
fn quit_asks_when_orders_are_open_and_sends_shutdown() {
    let (mut app, mut ends) = setup();
    app.on_key(key('q'));
    assert!(!app.should_quit());
    app.on_key(key('n'));
    assert!(drain(&mut ends).is_empty());
    app.on_key(key('q'));
    app.on_key(key('y'));
    assert!(app.should_quit());
    assert!(matches!(drain(&mut ends).as_slice(), [Command::Shutdown]));

    let (mut app, mut ends) = setup_with(Snapshot::default(), TuiOptions::default());
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.should_quit(), "nothing open: ctrl-c quits at once");
    assert!(matches!(drain(&mut ends).as_slice(), [Command::Shutdown]));
}

#[test]
fn help_is_closed_by_any_key_without_acting() {
    let (mut app, mut ends) = setup();
    app.on_key(key('?'));
    app.on_key(key('K'));
    assert_eq!(app.mode(), vigil::tui::Mode::Normal);
    assert!(drain(&mut ends).is_empty());
}

#[test]
fn overridden_key_drives_the_action() {
    let overrides: vigil::tui::KeyOverrides =
        toml::from_str("[[normal]]\nkeys = [\"x\"]\naction = \"kill_switch\"\n").unwrap();
    let options = TuiOptions { keymap_overrides: overrides, ..TuiOptions::default() };
    let (mut app, mut ends) = setup_with(fixture::snapshot(5, 20, 0), options);
    app.on_key(key('x'));
    app.on_key(key('y'));
    assert!(matches!(drain(&mut ends).as_slice(), [Command::KillSwitch { engaged: true, .. }]));
}
