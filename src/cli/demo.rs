//! `vigil demo`: the workstation on the embedded simulated exchange, confirm
//! mode, no keystore. On paper, state lives in `<data-dir>/demo`, apart from
//! any real account.
//!
//! `--venue live` runs the live venue — signed orders, the WebSocket API's
//! user data stream, reconciliation — against the embedded simulator's test
//! account, and only against it: the demo takes no URL, so it cannot reach an
//! exchange. The simulator's key is public (Binance's documented example key),
//! which is why this one live mode needs no keystore; the header says so. Its
//! state is a fresh directory under `<data-dir>` removed at exit, because the
//! simulator's account is new at every start too.

use std::process::ExitCode;

use super::Context;
use super::live::LiveCredentials;
use super::session::{FeedArgs, FeedChoice, Session, SessionOptions};
use super::trading::{load_config, runtime};
use super::tui::tui_options;
use crate::domain::Venue;

/// Options of `vigil demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed of the simulated market (same seed, same market)
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Colour theme: dark, light, high-contrast, ansi16, or a user theme
    #[arg(long)]
    pub theme: Option<String>,
    /// Strategy proposing orders into the inbox (repeatable)
    #[arg(long = "strategy", default_value = "sma-cross")]
    pub strategies: Vec<String>,
    /// paper, or live: the live venue against the simulator's public test account
    #[arg(long, value_enum, default_value = "paper")]
    pub venue: Venue,
}

/// Runs `vigil demo`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = load_config(ctx)?;
    // Removed at exit: the simulator's account starts afresh with every demo.
    let live_state = match args.venue {
        Venue::Live => {
            // Made 0700 when missing; an existing one passed the data dir check.
            if !ctx.data_dir().exists() {
                crate::store::ensure_private_dir(ctx.data_dir())?;
            }
            Some(tempfile::Builder::new().prefix("demo-live-").tempdir_in(ctx.data_dir())?)
        }
        Venue::Paper => None,
    };
    let demo = match &live_state {
        Some(dir) => Context::new(Some(dir.path().to_owned()), Some(ctx.config_path().to_owned())),
        None => ctx.sub_context("demo"),
    };
    let _log = super::logging::to_file(demo.data_dir())?;
    let options = tui_options(ctx, &config, args.theme.as_deref(), false);
    let feed = FeedArgs {
        feed: FeedChoice::Sim,
        symbols: Vec::new(),
        ws_url: None,
        rest_url: None,
        ws_api_url: None,
        seed: args.seed,
    };
    runtime()?.block_on(async {
        let session_options = SessionOptions {
            venue: args.venue,
            live: (args.venue == Venue::Live).then_some(LiveCredentials::SimulatorTestKey),
            feed: &feed,
            strategies: &args.strategies,
            vault_audit_key: None,
            unlock: None,
            totp: None,
        };
        let mut session = Session::start(&demo, &config, session_options).await?;
        if let Err(err) = session.serve(&demo).await {
            session.shutdown().await;
            return Err(err);
        }
        let result = crate::tui::run(session.handle.clone(), options).await;
        session.shutdown().await;
        result?;
        Ok(ExitCode::SUCCESS)
    })
}
