//! `vigil run --headless`: trade unattended. With `--mode autonomous` the
//! engine arms autonomous mode at start with the budget given here (or the
//! config's `[autonomy]`), and falls back to confirm mode — where nobody is
//! there to confirm, so nothing more is sent — when the budget is spent or a
//! breaker trips. Stops on SIGINT/SIGTERM/SIGHUP or after `--duration`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use rust_decimal::Decimal;

use super::Context;
use super::prompt::UnlockArgs;
use super::session::{FeedArgs, Session, SessionOptions, VenueArgs};
use super::trading::{VaultSession, load_config, runtime};
use crate::domain::Approval;
use crate::engine::{Command, EngineHandle};

/// Options of `vigil run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run without a terminal UI (required: `vigil tui` is the interactive way)
    #[arg(long, required = true)]
    pub headless: bool,
    /// confirm (strategies only propose) or autonomous (send within the budget)
    #[arg(long, value_enum, default_value = "confirm")]
    pub mode: Approval,
    #[command(flatten)]
    pub venue: VenueArgs,
    /// Strategy to run (repeatable): sma-cross, grid
    #[arg(long = "strategy", required = true)]
    pub strategies: Vec<String>,
    /// Autonomous budget: orders [default: config autonomy.max_orders]
    #[arg(long)]
    pub max_orders: Option<u32>,
    /// Autonomous budget: notional in the quote asset [default: config autonomy.max_notional]
    #[arg(long, value_parser = super::number::exact_decimal)]
    pub max_notional: Option<Decimal>,
    /// Stop after this many seconds
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
    /// Release a kill switch or breaker halt left by an earlier session before
    /// starting (a halt survives restarts; this is the headless `K`; audited)
    #[arg(long)]
    pub release_kill_switch: bool,
    #[command(flatten)]
    pub feed: FeedArgs,
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// How `<data-dir>/vigil.log` lines are written (rotated by size, 0600)
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: super::logging::LogFormat,
}

/// Runs `vigil run`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = load_config(ctx)?;
    let vault = VaultSession::unlock_if_present(ctx, &args.unlock)?;
    let audit_key = vault.audit_key();
    let unlock_record = vault.unlock_record();
    // The code that just unlocked the vault is the fresh proof for arming autonomy
    // at start; later re-arming goes through the vault's replay-protected check.
    let unlock_code = args.unlock.totp.clone();
    let mut check = vault.totp_check();
    // Spent by the arming at start, or right after it when nothing is armed:
    // the code sits in this process's command line, readable by every local
    // user, so it must never open anything later (an attach, say).
    let first_code_used = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spend_first_code = std::sync::Arc::clone(&first_code_used);
    let totp: Option<crate::engine::TotpCheck> = check.take().map(|mut inner| {
        Box::new(move |code: &str| {
            let fresh = unlock_code.as_deref() == Some(code)
                && !first_code_used.swap(true, std::sync::atomic::Ordering::SeqCst);
            fresh || inner(code)
        }) as crate::engine::TotpCheck
    });
    let max_orders = args.max_orders.unwrap_or(config.autonomy.max_orders);
    let max_notional = args.max_notional.unwrap_or(config.autonomy.max_notional);

    runtime()?.block_on(async {
        let options = SessionOptions {
            venue: args.venue.venue,
            live: vault.live_credentials(&args.venue)?,
            feed: &args.feed,
            strategies: &args.strategies,
            vault_audit_key: audit_key,
            unlock: unlock_record,
            totp,
        };
        let mut session = Session::start(ctx, &config, options).await?;
        // Only once the session has started: a refused start writes nothing.
        let _log = super::logging::to_file_as(ctx.data_dir(), args.log_format)?;
        if args.release_kill_switch {
            let released =
                session.handle.request(|reply| Command::KillSwitch { engaged: false, reply }).await;
            if let Err(err) = released {
                session.shutdown().await;
                bail!("cannot release the kill switch: {err}");
            }
            println!("kill switch released");
        }
        let snapshot = session.handle.snapshot();
        let held = snapshot.controls.cause().filter(|_| args.mode == Approval::Autonomous);
        let mode = if held.is_some() { Approval::Confirm } else { args.mode };
        if let Some(cause) = held {
            // Serving, halted, in confirm mode: a person attaches, looks, and
            // releases (`K`) and arms (`A`) — or restarts with --release-kill-switch.
            eprintln!(
                "vigil: not arming autonomous mode: trading is {} since an earlier session ({}, by {}). \
                 Waiting for a person: `vigil attach`, then `K` to release and `A` to arm; \
                 or restart with --release-kill-switch",
                snapshot.controls.trading_state(),
                cause.why,
                cause.actor
            );
        } else if args.mode == Approval::Autonomous {
            let totp = args.unlock.totp.clone();
            let armed = session
                .handle
                .request(|reply| Command::EnableAutonomous { max_orders, max_notional, totp, reply })
                .await;
            if let Err(err) = armed {
                session.shutdown().await;
                bail!("cannot arm autonomous mode: {err}");
            }
        }
        spend_first_code.store(true, std::sync::atomic::Ordering::SeqCst);
        // Served once the start-up code is spent: it can open nothing over the socket.
        if let Err(err) = session.serve(ctx).await {
            session.shutdown().await;
            return Err(err);
        }
        println!(
            "vigil running headless: {} venue, {mode} mode, strategies {}; socket {}; stop with Ctrl-C",
            args.venue.venue,
            args.strategies.join(","),
            crate::server::socket_path(ctx.data_dir()).display()
        );
        let engine_gone = follow(&session.handle, args.duration.map(Duration::from_secs)).await;
        let (snapshot, handle) = (session.handle.snapshot(), session.handle.clone());
        session.shutdown().await;
        // A dead engine is a failure, never a clean stop: exit non-zero with the reason.
        if let Some(reason) = handle.failure() {
            bail!("{reason}");
        }
        if engine_gone {
            bail!("the engine stopped on its own before it was asked to");
        }
        println!(
            "stopped: equity {} {}, PnL today {}, {} fills, {} open orders",
            snapshot.equity.round_dp(2),
            snapshot.quote_asset,
            snapshot.pnl_today.round_dp(2),
            snapshot.fills.len(),
            snapshot.orders.iter().filter(|o| o.status.is_open()).count()
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints the engine's event tail as it grows, until a stop signal or the
/// duration; true if it ended because the engine went away instead.
async fn follow(handle: &EngineHandle, duration: Option<Duration>) -> bool {
    let mut rx = handle.watch();
    let mut last_seen = 0_u64;
    let deadline = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let stop = super::signals::stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut deadline => return false,
            _ = &mut stop => return false,
            changed = rx.changed() => {
                if changed.is_err() {
                    return true;
                }
                let snapshot = rx.borrow_and_update().clone();
                let mut new = snapshot.log.iter().filter(|l| l.seq > last_seen).peekable();
                if let Some(skipped) = new.peek().map(|l| l.seq.saturating_sub(last_seen).saturating_sub(1)).filter(|n| *n > 0 && last_seen > 0) {
                    println!("… {skipped} event line(s) scrolled away unseen (see `vigil audit show`)");
                }
                for line in new {
                    println!("{} {:<9} {}", fmt_time(line.ts_ms), line.kind, line.text);
                }
                last_seen = snapshot.log.last().map_or(last_seen, |l| l.seq.max(last_seen));
            }
        }
    }
}

fn fmt_time(ts_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ts_ms)
        .map(|t| t.format("%H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}
