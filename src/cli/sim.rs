//! `vigil sim serve`: the simulated exchange as a standalone process, for the demo,
//! for manual poking with curl/websocat, and for tests that need a real subprocess.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use tokio::signal::unix::{SignalKind, signal};

use super::Context;
use crate::domain::Symbol;
use crate::sim::{self, SimConfig, SymbolSpec};

/// Subcommands of `vigil sim`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Serve the simulated exchange on 127.0.0.1 until SIGINT/SIGTERM.
    ///
    /// Prints one line, `sim listening ws=ws://127.0.0.1:P rest=http://127.0.0.1:P`, once ready.
    Serve(ServeArgs),
}

/// Options of `vigil sim serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// TCP port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Seed of the synthetic market: same seed, same events
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Market steps per second (raise it to saturate a client)
    #[arg(long, default_value_t = 50)]
    pub rate: u32,
    /// Symbols to list, comma separated (BTCUSDT, ETHUSDT, SOLUSDT, BNBUSDT, XRPUSDT)
    #[arg(long, value_delimiter = ',', default_value = "BTCUSDT,ETHUSDT,SOLUSDT")]
    pub symbols: Vec<Symbol>,
}

/// Runs the command.
pub fn run(cmd: Command, _ctx: &Context) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    let config = SimConfig {
        seed: args.seed,
        rate_per_sec: args.rate,
        symbols: SymbolSpec::presets_for(&args.symbols)?,
        port: args.port,
        ..SimConfig::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        let handle = sim::start(config).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "sim listening ws={} rest={}", handle.ws_url(), handle.rest_url())
            .and_then(|()| out.flush())
            .context("cannot write to stdout")?;
        drop(out);
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        handle.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
