//! Several front ends on one engine, over its real socket: the engine of
//! the test fixture served with `EngineServer`, clients connected with
//! `RemoteEngine` exactly as `vigil attach` and the one-shot commands do.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod engine_fixture;

use std::time::Duration;

use engine_fixture::{buy, loose_limits, start};
use vigil::domain::{OrderType, TradingState};
use vigil::engine::{Command, CommandError, SubmitOutcome};
use vigil::server::{EngineFacts, EngineServer, Hello, RemoteEngine};

fn observer(name: &str) -> Hello {
    Hello { client: name.to_owned(), operate: false, code: None }
}

async fn served(dir: &std::path::Path) -> (engine_fixture::Harness, EngineServer) {
    let h = start(dir, loose_limits(), vec![]).await;
    let facts = EngineFacts { keystore: false, config_toml: String::new(), live_key: None };
    let server = EngineServer::start(dir, h.handle.clone(), facts).await.unwrap();
    (h, server)
}

#[tokio::test]
async fn the_kill_switch_from_any_client_halts_the_engine_every_client_sees() {
    let dir = tempfile::tempdir().unwrap();
    let (h, server) = served(dir.path()).await;
    let first = RemoteEngine::connect(dir.path(), observer("first")).await.unwrap();
    let second = RemoteEngine::connect(dir.path(), observer("second")).await.unwrap();
    assert!(!first.welcome.operator && !first.welcome.keystore);
    assert!(
        first.handle.snapshot().markets.iter().any(|m| m.book.is_some()),
        "the first snapshot came with the welcome"
    );

    // Anyone may pull the brake, even without operating the engine.
    first.handle.request(|reply| Command::KillSwitch { engaged: true, reply }).await.unwrap();
    let mut watch = second.handle.watch();
    tokio::time::timeout(Duration::from_secs(5), async {
        while watch.borrow_and_update().controls.trading_state() != TradingState::Halted {
            watch.changed().await.unwrap();
        }
    })
    .await
    .expect("the second client sees the halt");
    assert_eq!(h.handle.snapshot().controls.trading_state(), TradingState::Halted);

    // Releasing it takes an operator (an attach with a code, or no keystore).
    let released = second.handle.request(|reply| Command::KillSwitch { engaged: false, reply }).await;
    assert!(
        matches!(released, Err(CommandError::Refused(ref why)) if why.contains("attach")),
        "{released:?}"
    );
    let operator =
        RemoteEngine::connect(dir.path(), Hello { operate: true, ..observer("operator") }).await.unwrap();
    assert!(operator.welcome.operator, "no keystore: nothing to check a code against");
    operator.handle.request(|reply| Command::KillSwitch { engaged: false, reply }).await.unwrap();
    assert_eq!(h.handle.snapshot().controls.trading_state(), TradingState::Active);

    // A paper order placed through the socket waits for its person, and is
    // answered like an in-process one.
    let outcome = second
        .handle
        .request(|reply| Command::Submit {
            intent: buy(OrderType::Limit, "0.01", Some("63900")),
            hold: true,
            reply,
        })
        .await
        .unwrap();
    let SubmitOutcome::Pending { id, checks } = outcome else { panic!("{outcome:?}") };
    assert_eq!(checks.len(), 21, "every check crosses the socket");
    second.handle.request(|reply| Command::Reject { id, reply }).await.unwrap();

    // No client can stop the engine; a detaching one just leaves.
    assert!(first.handle.request(|reply| Command::AuditVerify { reply }).await.unwrap().problem.is_none());
    first.detach().await;
    second.detach().await;
    operator.detach().await;
    assert!(!h.task.is_finished(), "the engine runs on after every client left");
    server.stop();
    h.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_does_not_hold_up_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let (h, server) = served(dir.path()).await;
    // Connected, said hello, and then never reads a byte.
    let mut stalled = tokio::net::UnixStream::connect(dir.path().join("vigil.sock")).await.unwrap();
    let hello = serde_json::to_vec(&vigil::server::ClientFrame::Hello {
        protocol: vigil::server::PROTOCOL,
        client: "stalled".into(),
        operate: false,
        code: None,
    })
    .unwrap();
    let len = u32::try_from(hello.len()).unwrap().to_be_bytes();
    tokio::io::AsyncWriteExt::write_all(&mut stalled, &[&len[..], &hello].concat()).await.unwrap();
    // Meanwhile the engine keeps answering commands and publishing.
    for _ in 0..200 {
        let outcome = h.submit(buy(OrderType::Limit, "0.01", Some("63000"))).await;
        let SubmitOutcome::Pending { id, .. } = outcome else { panic!("{outcome:?}") };
        tokio::time::timeout(Duration::from_secs(2), h.handle.request(|reply| Command::Reject { id, reply }))
            .await
            .expect("the engine answers while a client stalls")
            .unwrap();
    }
    drop(stalled);
    server.stop();
    h.stop().await;
}

#[tokio::test]
async fn a_client_picks_neither_its_orders_origin_nor_anothers_previews() {
    let dir = tempfile::tempdir().unwrap();
    let (h, server) = served(dir.path()).await;
    h.arm(10, "100000").await;
    let one = RemoteEngine::connect(dir.path(), observer("one")).await.unwrap();
    let two = RemoteEngine::connect(dir.path(), observer("two")).await.unwrap();

    // Posing as a strategy, on an autonomous engine, asking not to be held:
    // over the socket it is a person's order, and it waits for its person.
    let mut intent = buy(OrderType::Limit, "0.01", Some("63900"));
    intent.origin = vigil::domain::Origin::Strategy("grid".into());
    let outcome = one.handle.request(|reply| Command::Submit { intent, hold: false, reply }).await.unwrap();
    let SubmitOutcome::Pending { id, .. } = outcome else { panic!("held for its person: {outcome:?}") };
    let pending = h.handle.snapshot().pending.iter().find(|p| p.order.id == id).cloned().unwrap();
    assert_eq!(pending.order.intent.origin, vigil::domain::Origin::Manual);

    // Both number their previews from 0; each sees only its own answer.
    let mut seen_by_two = two.handle.events();
    let mut seen_by_one = one.handle.events();
    let preview = |request| Command::Preview {
        request,
        intent: buy(OrderType::Limit, "0.01", Some("1")),
        replacing: None,
    };
    one.handle.send(preview(0)).unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), seen_by_one.recv()).await.unwrap().unwrap();
    assert!(matches!(answer, vigil::engine::Event::Preview { request: 0, .. }), "{answer:?}");
    let leaked = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            if let Ok(vigil::engine::Event::Preview { .. }) = seen_by_two.recv().await {
                return;
            }
        }
    })
    .await;
    assert!(leaked.is_err(), "another client's preview reached this one");
    one.detach().await;
    two.detach().await;
    server.stop();
    h.stop().await;
}

#[test]
fn a_code_crosses_the_socket_but_never_shows_in_debug_output() {
    let code = Some(vigil::engine::OneTimeCode("123456".into()));
    let hello = Hello { client: "vigil attach".into(), operate: true, code: code.clone() };
    assert!(!format!("{hello:?}").contains("123456"), "{hello:?}");
    let frame = vigil::server::ClientFrame::Hello {
        protocol: vigil::server::PROTOCOL,
        client: "x".into(),
        operate: true,
        code,
    };
    assert!(!format!("{frame:?}").contains("123456"));
    assert!(
        serde_json::to_string(&frame).unwrap().contains(r#""code":"123456""#),
        "the engine still receives it"
    );
}
