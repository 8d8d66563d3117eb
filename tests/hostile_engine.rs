//! Hostile prices through the real engine and the real screen, and what an
//! engine that dies looks like from the outside (issue 14, items 1 and 2).
//!
//! Prices near `Decimal::MAX` used to overflow the strategies' and the screen's
//! unchecked arithmetic and panic the engine task; an engine that died anyway
//! was reported as a clean stop.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use vigil::domain::{OrderType, Side};
use vigil::market::{BookUpdate, Level, MarketEvent, Trade};
use vigil::strategy::{Grid, GridConfig, SmaCross, SmaCrossConfig, Strategy, StrategyContext};
use vigil::tui::{App, TuiOptions, run_loop};

use fixture::*;

/// A book whose bid + ask exceed `Decimal::MAX`.
fn hostile_book(ts_ms: i64) -> MarketEvent {
    let huge = Decimal::MAX;
    let below = Decimal::MAX.checked_sub(Decimal::ONE).unwrap();
    MarketEvent::Book(BookUpdate {
        symbol: btc(),
        seq: 2,
        bids: vec![Level { price: below, qty: Decimal::MAX }],
        asks: vec![Level { price: huge, qty: Decimal::MAX }],
        ts_ms,
    })
}

fn hostile_trade(ts_ms: i64) -> MarketEvent {
    MarketEvent::Trade(Trade {
        symbol: btc(),
        price: Decimal::MAX,
        qty: Decimal::MAX,
        side: Side::Buy,
        ts_ms,
    })
}

fn strategies() -> Vec<Box<dyn Strategy>> {
    let sma = SmaCrossConfig { fast: 2, slow: 3, sample_ms: 100, ..SmaCrossConfig::default() };
    vec![Box::new(Grid::new(GridConfig::default())), Box::new(SmaCross::new(sma))]
}

/// Draws the whole workstation once, over what the real engine published.
fn draw(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|frame| app.draw(frame)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    buffer.content().iter().map(|c| c.symbol()).collect()
}

#[tokio::test]
async fn hostile_prices_neither_stop_the_engine_nor_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), strategies()).await;
    // Something held, so the portfolio values a position at the hostile mark.
    assert!(matches!(
        h.place(buy(OrderType::Market, "0.01", None)).await,
        vigil::engine::SubmitOutcome::Sent { .. }
    ));
    for step in 1..=6_i64 {
        let ts = T0 + step * 1_000;
        h.clock.set(ts);
        h.market(hostile_book(ts)).await;
        h.market(hostile_trade(ts)).await;
    }
    h.wait(|s| {
        s.markets
            .iter()
            .any(|m| m.book.as_ref().is_some_and(|b| b.asks.first().is_some_and(|a| a.price == Decimal::MAX)))
    })
    .await;

    // The engine still answers and has not failed.
    let checks = h.preview(buy(OrderType::Limit, "0.01", Some("64000"))).await;
    assert!(!checks.is_empty());
    assert_eq!(h.handle.failure(), None);
    assert!(!h.task.is_finished(), "the engine task ended");

    // The screen draws the hostile book (and the rest) without panicking.
    let app = App::new(h.handle.clone(), &TuiOptions::default()).unwrap();
    let screen = draw(&app);
    assert!(screen.contains("BTCUSDT"), "{screen}");
    h.stop().await;
}

/// A strategy with a bug: it panics on the first book it sees.
struct Panics {
    symbol: vigil::domain::Symbol,
}

impl Strategy for Panics {
    fn name(&self) -> &'static str {
        "panics"
    }
    fn symbol(&self) -> &vigil::domain::Symbol {
        &self.symbol
    }
    fn on_event(&mut self, event: &MarketEvent, _: &StrategyContext<'_>) -> Vec<vigil::domain::OrderIntent> {
        if matches!(event, MarketEvent::Book(_)) {
            panic!("strategy bug: attempt to add with overflow");
        }
        Vec::new()
    }
}

#[tokio::test]
async fn a_dead_engine_says_why_and_the_screen_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let h = start_quiet(dir.path(), loose_limits(), vec![Box::new(Panics { symbol: btc() })]).await;
    let handle = h.handle.clone();
    let app = App::new(handle.clone(), &TuiOptions::default()).unwrap();

    // The real loop, on a test backend, stopped from here once the engine is gone.
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let screen = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let stop = async move {
            let _ = stop_rx.await;
        };
        let app = run_loop(&mut terminal, app, futures_util::stream::pending(), stop).await.unwrap();
        let buffer = terminal.backend().buffer().clone();
        (
            app.engine_down().map(str::to_owned),
            buffer.content().iter().map(|c| c.symbol()).collect::<String>(),
        )
    });

    // In sync, then one more book: the strategy sees it and panics.
    for event in sync_sequence(book(64_000, 5, "2", T0), T0) {
        let _ = h.market.send(event).await;
    }
    let _ = h.market.send(book(64_000, 5, "2", T0)).await;
    let task = h.task;
    let ended = tokio::time::timeout(Duration::from_secs(5), task).await.unwrap();
    assert!(ended.is_ok(), "the supervisor catches the panic: the task itself ends normally");
    let reason = handle.failure().unwrap().to_owned();
    assert!(reason.contains("strategy bug: attempt to add with overflow"), "{reason}");
    assert!(matches!(
        handle.request(|reply| vigil::engine::Command::CancelAll { reply }).await,
        Err(vigil::engine::CommandError::EngineStopped)
    ));

    // Let the screen see the end and draw it, then stop it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_tx.send(()).unwrap();
    let (down, text) = tokio::time::timeout(Duration::from_secs(5), screen).await.unwrap().unwrap();
    let down = down.unwrap();
    assert!(down.contains("ENGINE STOPPED") && down.contains("strategy bug"), "{down}");
    assert!(text.contains("ENGINE STOPPED"), "the status line shows it: {text}");
}
