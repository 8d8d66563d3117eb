//! `vigil status [--json]`: the running engine at a glance, for a person
//! and for monitoring. The exit code is the verdict:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | healthy: trading allowed, every book fresh, the venue ready |
//! | 1 | halted (kill switch, a breaker, an unclean shutdown) or reduce-only |
//! | 2 | a feed is stale or not synced, or the live venue is not ready |
//! | 3 | no engine is running on this data dir |
//! | 4 | the engine could not be asked: no answer within 5 s, refused, or another error |
//!
//! It only reads: it connects as an observer and never opens the store.

use std::process::ExitCode;

use serde_json::{Value, json};

use std::time::Duration;

use super::Context;
use super::trading::runtime;
use crate::clock::{Clock as _, SystemClock};
use crate::domain::{Approval, TradingState};
use crate::engine::Snapshot;
use crate::server::{ConnectError, Hello, RemoteEngine};

/// Options of `vigil status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

/// The verdict, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Healthy = 0,
    Halted = 1,
    Degraded = 2,
    NoEngine = 3,
    Unknown = 4,
}

/// How long `status` waits for the engine: a stuck engine is not "healthy".
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// A snapshot older than this (by the wall clock) means the engine has stopped publishing.
const ENGINE_SILENT_MS: i64 = 10_000;

impl Health {
    fn name(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Halted => "halted",
            Health::Degraded => "degraded",
            Health::NoEngine => "no engine",
            Health::Unknown => "unknown",
        }
    }
}

/// Runs `vigil status`.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let hello = Hello { client: "vigil status".to_owned(), operate: false, code: None };
    let connected = runtime()?.block_on(async {
        let asked = tokio::time::timeout(ANSWER_WITHIN, async {
            let remote = RemoteEngine::connect(ctx.data_dir(), hello).await?;
            let snapshot = remote.handle.snapshot();
            remote.detach().await;
            Ok::<_, ConnectError>(snapshot)
        });
        asked.await.unwrap_or_else(|_| {
            Err(ConnectError::Protocol(format!(
                "no answer within {} s (is it stuck?)",
                ANSWER_WITHIN.as_secs()
            )))
        })
    });
    let snapshot = match connected {
        Ok(snapshot) => snapshot,
        Err(ConnectError::NoEngine) => {
            if args.json {
                println!("{}", json!({ "health": Health::NoEngine.name(), "exit": Health::NoEngine as u8 }));
            } else {
                println!("no vigil engine is running on {}", ctx.data_dir().display());
            }
            return Ok(ExitCode::from(Health::NoEngine as u8));
        }
        Err(err) => return Ok(unknown(args, &err.to_string())),
    };
    let (health, reasons) = assess(&snapshot, SystemClock.now_ms());
    let report = report(&snapshot, health, &reasons);
    if args.json {
        println!("{report}");
    } else {
        print_text(&report);
    }
    Ok(ExitCode::from(health as u8))
}

/// Exit 4: the engine could not be asked (monitoring must not read it as "halted").
pub fn unknown(args: &Args, why: &str) -> ExitCode {
    if args.json {
        println!(
            "{}",
            json!({ "health": Health::Unknown.name(), "exit": Health::Unknown as u8, "reasons": [why] })
        );
    } else {
        println!("vigil unknown: {why}");
    }
    ExitCode::from(Health::Unknown as u8)
}

/// The verdict on a snapshot received at `wall_now_ms`, and why (empty when
/// healthy). Halted wins over degraded: it is what a person must act on first.
pub fn assess(snapshot: &Snapshot, wall_now_ms: i64) -> (Health, Vec<String>) {
    let controls = &snapshot.controls;
    let mut halted = Vec::new();
    if controls.trading_state() != TradingState::Active || controls.kill_switch() {
        let why = controls.cause().map_or_else(String::new, |c| format!(" ({}, by {})", c.why, c.actor));
        halted.push(format!("trading is {}{why}", controls.trading_state()));
    }
    if !halted.is_empty() {
        return (Health::Halted, halted);
    }
    let silent_ms = wall_now_ms.saturating_sub(snapshot.now_ms);
    if silent_ms > ENGINE_SILENT_MS {
        return (
            Health::Degraded,
            vec![format!("the engine's state is {} s old: is it stuck?", silent_ms / 1000)],
        );
    }
    let mut degraded: Vec<String> = snapshot
        .markets
        .iter()
        .filter(|m| m.is_stale(snapshot.now_ms))
        .map(|m| format!("{} market data is {}", m.symbol, feed_word(m, snapshot.now_ms)))
        .collect();
    if let Some(live) = &snapshot.live {
        if !live.stream_up {
            degraded.push("the live venue's user data stream is down".to_owned());
        }
        if live.reconciling {
            degraded.push("the live venue is reconciling".to_owned());
        }
        if let Some(why) = &live.paused {
            degraded.push(format!("the live venue is paused: {why}"));
        }
        if let Some(why) = &live.key_refused {
            degraded.push(format!("the live venue is not armed: its key is not verified ({why})"));
        }
    }
    if degraded.is_empty() { (Health::Healthy, degraded) } else { (Health::Degraded, degraded) }
}

fn feed_word(market: &crate::engine::MarketView, now_ms: i64) -> String {
    match market.last_update_ms {
        Some(at) if market.state.is_synced() => {
            format!("stale (last update {} s ago)", now_ms.saturating_sub(at) / 1000)
        }
        _ => market.state.as_str().to_owned(),
    }
}

/// Everything the status says, as one JSON object (the text form prints it).
fn report(snapshot: &Snapshot, health: Health, reasons: &[String]) -> Value {
    let controls = &snapshot.controls;
    let budget = controls.budget().filter(|_| controls.approval() == Approval::Autonomous).map(|b| {
        json!({
            "orders_left": b.max_orders.saturating_sub(b.orders_used),
            "notional_left": b.max_notional.checked_sub(b.notional_used).unwrap_or_default().max(rust_decimal::Decimal::ZERO).to_string(),
        })
    });
    let feeds: Vec<Value> = snapshot
        .markets
        .iter()
        .map(|m| {
            json!({
                "symbol": m.symbol.to_string(),
                "state": m.state.as_str(),
                "stale": m.is_stale(snapshot.now_ms),
                "age_ms": m.last_update_ms.map(|at| snapshot.now_ms.saturating_sub(at)),
            })
        })
        .collect();
    let last_fill = snapshot.fills.first().map(|f| {
        json!({
            "symbol": f.symbol.to_string(),
            "side": f.side.to_string(),
            "qty": f.qty.to_string(),
            "price": f.price.to_string(),
            "ts_ms": f.ts_ms,
        })
    });
    json!({
        "health": health.name(),
        "exit": health as u8,
        "reasons": reasons,
        "mode": controls.approval().to_string().to_uppercase(),
        "venue": snapshot.venue.map(|v| v.to_string()),
        "venue_label": snapshot.venue_label,
        "trading": controls.trading_state().to_string(),
        "kill_switch": controls.kill_switch(),
        "cause": controls.cause().map(|c| json!({ "why": c.why, "actor": c.actor.to_string(), "at_ms": c.at_ms })),
        "feed": snapshot.feed_name,
        "feeds": feeds,
        "equity": snapshot.equity.to_string(),
        "pnl_today": snapshot.pnl_today.to_string(),
        "quote_asset": snapshot.quote_asset,
        "open_orders": snapshot.orders.iter().filter(|o| o.status.is_open()).count(),
        "pending": snapshot.pending.len(),
        "budget": budget,
        "strategies": snapshot.strategies,
        "last_fill": last_fill,
        "uptime_s": snapshot.now_ms.saturating_sub(snapshot.started_ms) / 1000,
    })
}

fn print_text(report: &Value) {
    let s = |key: &str| report[key].as_str().unwrap_or("-").to_owned();
    println!("vigil {} — {} mode, {} venue ({})", s("health"), s("mode"), s("venue"), s("venue_label"));
    for reason in report["reasons"].as_array().into_iter().flatten() {
        println!("  ! {}", reason.as_str().unwrap_or_default());
    }
    println!(
        "trading     {}{}",
        s("trading"),
        if report["kill_switch"] == true { " (kill switch)" } else { "" }
    );
    let feeds: Vec<String> = report["feeds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let stale = if f["stale"] == true { " STALE" } else { "" };
            format!(
                "{} {}{stale}",
                f["symbol"].as_str().unwrap_or_default(),
                f["state"].as_str().unwrap_or_default()
            )
        })
        .collect();
    println!("feed        {}: {}", s("feed"), feeds.join(", "));
    println!("equity      {} {}   PnL today {}", s("equity"), s("quote_asset"), s("pnl_today"));
    println!("orders      {} open, {} awaiting confirmation", report["open_orders"], report["pending"]);
    if let Some(budget) = report["budget"].as_object() {
        println!(
            "budget      {} orders, {} notional left",
            budget["orders_left"],
            budget["notional_left"].as_str().unwrap_or_default()
        );
    }
    let strategies: Vec<&str> =
        report["strategies"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    println!("strategies  {}", if strategies.is_empty() { "none".to_owned() } else { strategies.join(", ") });
    match report["last_fill"].as_object() {
        Some(f) => println!(
            "last fill   {} {} {} @ {}",
            f["side"].as_str().unwrap_or_default(),
            f["qty"].as_str().unwrap_or_default(),
            f["symbol"].as_str().unwrap_or_default(),
            f["price"].as_str().unwrap_or_default()
        ),
        None => println!("last fill   none"),
    }
    println!("uptime      {} s", report["uptime_s"]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Cause, Change, Controls, ControlsRecorder, Transition};

    struct Discard;
    impl ControlsRecorder for Discard {
        fn record(&mut self, _: &Transition) -> Result<(), String> {
            Ok(())
        }
    }

    #[test]
    fn a_halt_is_exit_1_and_names_its_cause() {
        let mut controls = Controls::confirm();
        controls
            .apply(
                Change::Halt,
                Cause::new(crate::store::Actor::Restart, crate::engine::UNCLEAN_SHUTDOWN, 1),
                &mut Discard,
            )
            .expect("halt");
        let snapshot = Snapshot { controls, ..Snapshot::default() };
        let (health, reasons) = assess(&snapshot, 1);
        assert_eq!(health, Health::Halted);
        assert!(reasons[0].contains("unclean shutdown"), "{reasons:?}");
    }

    #[test]
    fn an_engine_whose_state_stopped_moving_is_not_healthy() {
        let (health, reasons) = assess(&Snapshot { now_ms: 1_000, ..Snapshot::default() }, 60_000);
        assert_eq!(health, Health::Degraded);
        assert!(reasons[0].contains("stuck"), "{reasons:?}");
    }

    #[test]
    fn a_live_venue_whose_key_is_not_trusted_is_not_armed() {
        let live = crate::engine::LiveStatus {
            stream_up: true,
            key_refused: Some("stored verdict from another endpoint".into()),
            ..Default::default()
        };
        let (health, reasons) = assess(&Snapshot { live: Some(live), ..Snapshot::default() }, 0);
        assert_eq!(health, Health::Degraded);
        assert!(reasons[0].contains("not armed"), "{reasons:?}");
    }

    #[test]
    fn an_engine_with_nothing_wrong_is_healthy() {
        assert_eq!(assess(&Snapshot::default(), 0).0, Health::Healthy);
    }
}
