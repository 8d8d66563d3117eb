//! `vigil audit show` on a log the real engine wrote: every kind of entry the
//! engine records (intent, confirmed, submitted, fill, rejected, cancel,
//! mode_change, breaker, kill_switch, note) reads as one sentence, a refused
//! intent names its failing checks, and the columns line up.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;

use std::process::Command as Process;

use fixture::{T0, buy, d, intent, loose_limits, start};
use vigil::domain::{OrderType, Side};
use vigil::engine::{Command, SubmitOutcome};
use vigil::risk::{BreakerAction, Limits};

/// Drives one engine session through every decision it audits, then stops it.
async fn eventful_log(dir: &std::path::Path) {
    let limits = Limits {
        max_order_notional: d("10000"),
        max_position_notional: d("20000"),
        max_concentration_pct: d("100"),
        daily_loss_limit: d("100000"),
        max_drawdown_pct: d("1"),
        breaker_action: BreakerAction::Reducing,
        ..loose_limits()
    };
    let h = start(dir, limits, vec![]).await;
    // Refused by the gate: a price far below the band, worth under the minimum.
    assert!(matches!(
        h.submit(buy(OrderType::Limit, "0.001", Some("1"))).await,
        SubmitOutcome::Refused { .. }
    ));
    // Placed and filled.
    assert!(matches!(h.place(buy(OrderType::Market, "0.1", None)).await, SubmitOutcome::Sent { .. }));
    // Pending, then rejected by the person.
    let SubmitOutcome::Pending { id, .. } = h.submit(buy(OrderType::Limit, "0.01", Some("63900"))).await
    else {
        panic!("confirm mode holds the order")
    };
    h.handle.request(|reply| Command::Reject { id, reply }).await.unwrap();
    // Resting, then cancelled.
    let SubmitOutcome::Sent { id, .. } = h.place(buy(OrderType::Limit, "0.01", Some("63900"))).await else {
        panic!("the resting order was not sent")
    };
    h.handle.request(|reply| Command::Cancel { id, reply }).await.unwrap();
    // A stop-loss buy above the market, waiting for its trigger, then amended to a lower
    // quantity and confirmed.
    let stop = vigil::domain::OrderIntent {
        stop: Some(vigil::domain::StopTrigger { kind: vigil::domain::StopKind::StopLoss, price: d("64500") }),
        ..buy(OrderType::Limit, "0.02", Some("64600"))
    };
    let SubmitOutcome::Sent { id, .. } = h.place(stop).await else { panic!("the stop was not sent") };
    let amended = h.handle.request(|reply| Command::Amend {
        id,
        price: None,
        qty: Some(d("0.01")),
        hold: false,
        reply,
    });
    let SubmitOutcome::Pending { id: new, .. } = amended.await.unwrap() else { panic!("amend not pending") };
    h.handle.request(|reply| Command::Confirm { id: new, reply }).await.unwrap();
    // Armed and disarmed.
    h.arm(3, "500").await;
    h.handle.request(|reply| Command::DisableAutonomous { reply }).await.unwrap();
    // The kill switch, engaged and released.
    h.handle.request(|reply| Command::KillSwitch { engaged: true, reply }).await.unwrap();
    h.handle.request(|reply| Command::KillSwitch { engaged: false, reply }).await.unwrap();
    // A 6 % fall trips the drawdown breaker into reduce-only.
    h.market(fixture::book(60_000, 5, "2", T0)).await;
    h.wait(|s| s.controls.cause().is_some()).await;
    // A sell of what is held still passes while reducing.
    let sell = intent(Side::Sell, OrderType::Market, "0.05", None);
    assert!(matches!(h.place(sell).await, SubmitOutcome::Sent { .. }));
    h.stop().await;
}

fn audit_show(dir: &std::path::Path) -> String {
    let out = Process::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(dir)
        .args(["audit", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The line of the first entry of `kind` whose text contains `needle`.
fn line<'a>(lines: &[&'a str], kind: &str, needle: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.contains(&format!("  {kind} ")) && l.contains(needle))
        .unwrap_or_else(|| panic!("no {kind} line with {needle:?} in\n{}", lines.join("\n")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_engine_entry_reads_as_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    eventful_log(dir.path()).await;
    let text = audit_show(dir.path());
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("TIME (UTC)  ") && lines[0].ends_with("WHAT"), "{}", lines[0]);

    let refused = line(&lines, "intent", "@1 ");
    assert!(
        refused.contains("person")
            && refused.ends_with("buy limit 0.001 BTCUSDT @1 → refused: min_notional, price_band"),
        "{refused}"
    );
    assert!(line(&lines, "intent", "buy market 0.1 BTCUSDT").ends_with("→ passed"));
    assert!(line(&lines, "intent", "@64600 stop-loss trigger 64500 → passed").contains("0.02 BTCUSDT"));
    assert!(
        line(&lines, "intent", "(amends #").contains("limit 0.01 BTCUSDT @64600 stop-loss trigger 64500")
    );
    assert!(line(&lines, "confirmed", "#1").ends_with("#1 confirmed"));
    assert!(line(&lines, "submitted", "#1").contains("#1 sent to paper as "));
    let fill = line(&lines, "fill", "#1 filled");
    assert!(
        fill.contains("#1 filled: buy ") && fill.contains(" BTCUSDT @") && fill.contains(" USDT (taker)"),
        "{fill}"
    );
    assert!(line(&lines, "rejected", "#2").ends_with("#2 rejected: rejected by the operator"));
    assert!(line(&lines, "cancel", "#3").contains("#3 cancel: "));
    assert!(
        line(&lines, "mode_change", "autonomous")
            .contains("confirm → autonomous (budget 3 orders, 500 notional)")
    );
    assert!(line(&lines, "mode_change", "autonomous →").contains("autonomous → confirm"));
    assert!(line(&lines, "kill_switch", "engaged").contains("engaged: confirm → halted"));
    assert!(line(&lines, "kill_switch", "released").contains("released: halted → confirm"));
    assert!(line(&lines, "breaker", "reducing").contains("confirm → reducing: "));
    assert!(line(&lines, "fill", "sell").contains(", realized "), "a sell realizes PnL");
    assert!(line(&lines, "note", "engine started").contains("engine started (controls=confirm"));
    assert!(line(&lines, "note", "engine stopped").contains("on_shutdown=leave"));

    // Every entry is one line, rendered (no raw body), and the WHAT column starts at one place.
    let json = Process::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["audit", "show", "--json"])
        .output()
        .unwrap();
    let entries = String::from_utf8(json.stdout).unwrap().lines().count();
    assert_eq!(lines.len(), entries + 1, "a header and one line per entry");
    let what = lines[0].find("WHAT").unwrap();
    for l in &lines[1..] {
        assert!(!l[what..].starts_with('{'), "a raw body: {l}");
        assert!(&l[what - 2..what] == "  " && l.as_bytes()[what] != b' ', "misaligned: {l}");
    }
}
