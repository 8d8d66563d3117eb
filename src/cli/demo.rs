//! `vigil demo`: the workstation on the embedded simulated exchange, paper
//! venue, confirm mode, no keystore. State lives in `<data-dir>/demo`, apart
//! from any real account.

use std::process::ExitCode;

use super::Context;
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
}

/// Runs `vigil demo`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let demo = ctx.sub_context("demo");
    let config = load_config(ctx)?;
    let _log = super::logging::to_file(demo.data_dir())?;
    let options = tui_options(ctx, &config, args.theme.as_deref(), false);
    let feed = FeedArgs {
        feed: FeedChoice::Sim,
        symbols: Vec::new(),
        ws_url: None,
        rest_url: None,
        seed: args.seed,
    };
    runtime()?.block_on(async {
        let session_options = SessionOptions {
            venue: Venue::Paper,
            feed: &feed,
            strategies: &args.strategies,
            vault_audit_key: None,
            unlock: None,
            totp: None,
        };
        let session = Session::start(&demo, &config, session_options).await?;
        let result = crate::tui::run(session.handle.clone(), options).await;
        session.shutdown().await;
        result?;
        Ok(ExitCode::SUCCESS)
    })
}
