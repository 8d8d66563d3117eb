//! The real event loop (`run_loop`) on a TestBackend, with scripted keys and a fake engine
//! task: the whole path from key press to engine command and back to the screen.
#![allow(clippy::unwrap_used)]

#[path = "support/tui_fixture.rs"]
mod fixture;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use vigil::domain::OrderId;
use vigil::engine::{Command, EngineHandle, Event, SubmitOutcome};
use vigil::tui::{App, TuiOptions, run_loop};

/// What the fake engine saw, in order.
#[derive(Debug, PartialEq)]
enum Seen {
    Preview(String),
    Submit,
    Confirm(u64),
    Shutdown,
}

fn press(tx: &mpsc::UnboundedSender<std::io::Result<TermEvent>>, code: KeyCode) {
    tx.send(Ok(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))).unwrap();
}

#[tokio::test]
async fn keys_reach_the_engine_and_answers_reach_the_screen() {
    let (handle, mut ends) = EngineHandle::channel();
    let mut snap = fixture::snapshot(5, 20, 0);
    snap.orders.retain(|o| !o.status.is_open());
    snap.pending.clear();
    ends.snapshots.send(Arc::new(snap.clone())).unwrap();
    let app = App::new(handle, &TuiOptions::default()).unwrap();

    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let events = ends.events.clone();
    let engine = tokio::spawn(async move {
        while let Some(cmd) = ends.commands.recv().await {
            let report = match cmd {
                Command::Preview { request, intent, .. } => {
                    let _ = events.send(Event::Preview { request, checks: fixture::gate(&snap, &intent) });
                    Seen::Preview(intent.qty.to_string())
                }
                Command::Submit { reply, .. } => {
                    let pending = SubmitOutcome::Pending { id: OrderId(9), checks: vec![] };
                    reply.unwrap().send(Ok(pending)).unwrap();
                    Seen::Submit
                }
                Command::Confirm { id, reply } => {
                    reply.unwrap().send(Ok(SubmitOutcome::Sent { id, checks: vec![] })).unwrap();
                    Seen::Confirm(id.0)
                }
                Command::Shutdown => {
                    seen_tx.send(Seen::Shutdown).unwrap();
                    break;
                }
                other => panic!("unexpected {other:?}"),
            };
            seen_tx.send(report).unwrap();
        }
        ends
    });

    let (keys, input) = mpsc::unbounded_channel();
    let input = futures_util::stream::unfold(input, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let ui = tokio::spawn(async move {
        let app = run_loop(&mut terminal, app, Box::pin(input), std::future::pending()).await.unwrap();
        (app, terminal)
    });

    press(&keys, KeyCode::Char('b'));
    for c in "0.01".chars() {
        press(&keys, KeyCode::Char(c));
    }
    let timeout = Duration::from_secs(5);
    // Wait until the engine has answered the preview of the full ticket.
    loop {
        let got = tokio::time::timeout(timeout, seen.recv()).await.unwrap().unwrap();
        if got == Seen::Preview("0.01".into()) {
            break;
        }
    }
    press(&keys, KeyCode::Enter);
    press(&keys, KeyCode::Char('y'));
    assert_eq!(tokio::time::timeout(timeout, seen.recv()).await.unwrap(), Some(Seen::Submit));
    assert_eq!(tokio::time::timeout(timeout, seen.recv()).await.unwrap(), Some(Seen::Confirm(9)));
    // A resize only marks the screen dirty (the backend reports the new size on draw).
    keys.send(Ok(TermEvent::Resize(80, 24))).unwrap();
    press(&keys, KeyCode::Char('q'));
    assert_eq!(tokio::time::timeout(timeout, seen.recv()).await.unwrap(), Some(Seen::Shutdown));

    let (app, terminal) = tokio::time::timeout(timeout, ui).await.unwrap().unwrap();
    assert!(app.should_quit());
    assert_eq!(app.notice(), Some("order #9 sent"), "the engine's answer reached the status line");
    let screen: String = terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(screen.contains("PAPER"), "frames were drawn");
    engine.await.unwrap();
}

#[tokio::test]
async fn stop_signal_sends_shutdown() {
    let (handle, mut ends) = EngineHandle::channel();
    let app = App::new(handle, &TuiOptions::default()).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let input = futures_util::stream::pending::<std::io::Result<TermEvent>>();
    let app = run_loop(&mut terminal, app, input.boxed(), async {}).await.unwrap();
    assert!(app.should_quit());
    assert!(matches!(ends.commands.try_recv(), Ok(Command::Shutdown)));
}
