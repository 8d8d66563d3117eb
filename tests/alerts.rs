//! Alerts end to end through the real engine: a fill and a breaker trip reach
//! an alert command and a loopback webhook; a webhook that never answers
//! holds up neither the orders nor the command.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;
#[path = "support/webhook.rs"]
mod webhook;

use std::path::Path;
use std::time::{Duration, Instant};

use fixture::{buy, d, intent, loose_limits, start};
use serde_json::Value;
use vigil::alerts::{self, AlertsConfig, Timing};
use vigil::domain::{OrderType, Side};
use vigil::engine::SubmitOutcome;
use vigil::risk::Limits;

/// Room for a 0.1 BTC position; the drawdown breaker at 1 %.
fn limits() -> Limits {
    Limits {
        max_order_notional: d("10000"),
        max_position_notional: d("20000"),
        max_concentration_pct: d("100"),
        daily_loss_limit: d("100000"),
        max_drawdown_pct: d("1"),
        ..loose_limits()
    }
}

fn config(out: &Path, webhook: &str) -> AlertsConfig {
    AlertsConfig {
        command: vec!["tee".into(), "-a".into(), out.display().to_string()],
        webhook_url: Some(webhook.into()),
        feed_down_after_secs: 0,
        ..AlertsConfig::default()
    }
}

fn quick() -> Timing {
    Timing { first_backoff: Duration::from_millis(20), ..Timing::default() }
}

/// Waits (at most 10 s) until `cond` holds for what `read` returns.
async fn until(read: impl Fn() -> Vec<Value>, cond: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = read();
        if cond(&got) || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn kinds(alerts: &[Value]) -> Vec<&str> {
    alerts.iter().map(|a| a["kind"].as_str().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_and_a_breaker_trip_reach_the_command_and_the_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alerts.jsonl");
    let (url, received) = webhook::start(false).await;
    let h = start(dir.path(), limits(), vec![]).await;
    let running = alerts::spawn_with(&config(&out, &url), &h.handle, quick()).unwrap().unwrap();

    let SubmitOutcome::Sent { id, .. } = h.place(buy(OrderType::Market, "0.1", None)).await else {
        panic!("the buy was not sent")
    };
    // 64000 → 60000: a 0.1 BTC position loses 400 USDT, 4 % of equity: the 1 % breaker trips.
    h.market(fixture::book(60_000, 5, "2", fixture::T0)).await;
    h.wait(|s| s.controls.kill_switch()).await;

    let both = |a: &[Value]| kinds(a).contains(&"fill") && kinds(a).contains(&"breaker");
    let by_command = until(|| webhook::lines(&out), both).await;
    let by_webhook = until(|| received.all(), both).await;
    h.stop().await;
    running.finish().await;

    for (how, alerts) in [("command", &by_command), ("webhook", &by_webhook)] {
        assert_eq!(kinds(alerts), ["fill", "breaker"], "{how}: {alerts:#?}");
        let fill = &alerts[0];
        assert_eq!(fill["source"], "vigil");
        assert_eq!(fill["venue"], "paper");
        assert_eq!(fill["dropped_before"], 0);
        assert_eq!(fill["detail"]["order"], id.0);
        assert_eq!(fill["detail"]["symbol"], "BTCUSDT");
        assert_eq!(fill["detail"]["side"], "buy");
        assert_eq!(fill["detail"]["qty"].as_str().map(d), Some(d("0.1")), "{fill}");
        assert_eq!(fill["detail"]["price"].as_str().map(d), Some(d("64001")), "{fill}");
        assert!(fill["text"].as_str().unwrap().starts_with("filled: buy 0.1 BTCUSDT at 64001"), "{fill}");
        let trip = &alerts[1];
        assert_eq!(trip["detail"]["actor"], "breaker:drawdown_breaker", "{trip}");
        assert_eq!(trip["detail"]["state"], "halted", "{trip}");
        let text = trip["text"].as_str().unwrap();
        assert!(text.starts_with("halted by breaker:drawdown_breaker: drawdown"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_keep_flowing_and_the_command_keeps_up_while_the_webhook_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alerts.jsonl");
    let (url, received) = webhook::start(true).await;
    let many = Limits { dedupe_window_ms: 0, loss_streak: 100, ..limits() };
    let h = start(dir.path(), many, vec![]).await;
    let running = alerts::spawn_with(&config(&out, &url), &h.handle, quick()).unwrap().unwrap();

    // Forty round trips, each a fill and so an alert, while every POST hangs.
    let rounds = 40;
    for i in 0..rounds {
        let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
        let outcome = h.place(intent(side, OrderType::Market, "0.001", None)).await;
        assert!(matches!(outcome, SubmitOutcome::Sent { .. }), "order {i}: {outcome:?}");
    }
    let fills = h.handle.snapshot().fills.len();
    assert_eq!(fills, rounds, "every order filled");
    let by_command = until(|| webhook::lines(&out), |a| a.len() >= rounds).await;
    assert_eq!(by_command.len(), rounds, "the command got every fill, whatever the webhook does");
    assert!(received.all().is_empty(), "the hanging webhook answered nothing");
    h.stop().await;
    // The hanging destination is given up after the drain time; the session still ends.
    let stopped = Instant::now();
    running.finish().await;
    assert!(stopped.elapsed() < Duration::from_secs(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_started_without_a_destination() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), limits(), vec![]).await;
    assert!(alerts::spawn(&AlertsConfig::default(), &h.handle).unwrap().is_none());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workstation_rings_the_bell_once_per_alert_event() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use vigil::tui::{App, TuiOptions, run_loop};

    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), limits(), vec![]).await;
    let rings = Arc::new(AtomicU32::new(0));
    let options = TuiOptions { bell: true, ..TuiOptions::default() };
    let mut app = App::new(h.handle.clone(), &options).unwrap();
    let counter = rings.clone();
    app.set_ringer(Box::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let ui = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let input = futures_util::stream::pending();
        run_loop(&mut terminal, app, input, async {
            let _ = stop_rx.await;
        })
        .await
        .unwrap()
    });
    let rang = |n: u32| {
        let rings = rings.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(5);
            while rings.load(Ordering::SeqCst) < n && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            rings.load(Ordering::SeqCst)
        }
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rings.load(Ordering::SeqCst), 0, "nothing has happened yet");
    assert!(matches!(h.place(buy(OrderType::Market, "0.1", None)).await, SubmitOutcome::Sent { .. }));
    assert_eq!(rang(1).await, 1, "the fill rang");
    h.market(fixture::book(60_000, 5, "2", fixture::T0)).await;
    assert_eq!(rang(2).await, 2, "the breaker trip rang");
    stop_tx.send(()).unwrap();
    let app = ui.await.unwrap();
    assert_eq!(app.bells_rung(), 2);
    h.task.await.unwrap();
}
