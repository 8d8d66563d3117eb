//! `vigil market ...`: market data tools. `tap` prints the normalized event
//! stream of any feed as JSON lines, for scripts, tests and eyeballing a feed.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;

use super::Context;
use super::session::{FeedArgs, endpoints};
use crate::market::{self, FeedConfig, TapLine};

/// Market data subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print normalized market events (trade, book, status) as JSON lines
    Tap(TapArgs),
}

/// Options of `vigil market tap`.
#[derive(Debug, clap::Args)]
pub struct TapArgs {
    /// Feed, symbols and endpoints; `--feed sim` without URLs starts the embedded simulator
    #[command(flatten)]
    pub feed: FeedArgs,
    /// Book levels per side in each book line
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub depth: u16,
    /// Exit after printing this many events
    #[arg(long)]
    pub count: Option<u64>,
    /// Print a final {"t":"stats",...} line
    #[arg(long)]
    pub stats: bool,
}

/// Runs a market subcommand.
pub fn run(cmd: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Tap(args) => {
            if args.feed.symbols.is_empty() {
                anyhow::bail!("pass --symbols, e.g. --symbols BTCUSDT,ETHUSDT");
            }
            // The same route as a session: the config's proxy, if it names one.
            let proxy = super::config::load(ctx)?.network.https_proxy;
            let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(async {
                let symbols = args.feed.symbols.clone();
                let (name, sim, ws, rest) = endpoints(&args.feed, &symbols).await?;
                let mut config = FeedConfig::custom(&name, &ws, &rest, symbols);
                config.depth = usize::from(args.depth);
                config.https_proxy = proxy;
                let result = tap(config, args.count, args.stats).await;
                if let Some(sim) = sim {
                    sim.shutdown().await;
                }
                result
            })
        }
    }
}

/// Prints events until `count` is reached, the feed stops, or Ctrl-C.
///
/// Output is buffered: stdout is locked once for the whole run, every event
/// already queued is written, then one flush — so a fast feed costs one
/// write per batch, not a lock and a syscall per line, and a quiet feed
/// still shows each line at once.
async fn tap(config: FeedConfig, count: Option<u64>, stats: bool) -> anyhow::Result<ExitCode> {
    let mut feed = market::spawn(config)?;
    let started = Instant::now();
    let mut out = LineWriter::new();
    let mut events: u64 = 0;
    // One listener for the whole run: a new one per event would miss a Ctrl-C
    // that arrives between two, and under a saturated feed that is most of them.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    while count.is_none_or(|n| events < n) {
        let event = tokio::select! {
            e = feed.recv() => e,
            _ = &mut interrupted => None,
        };
        let Some(event) = event else { break };
        let mut open = out.line(&TapLine::from_event(&event))?;
        events = events.saturating_add(1);
        while open && count.is_none_or(|n| events < n) {
            let Ok(event) = feed.events().try_recv() else { break };
            open = out.line(&TapLine::from_event(&event))?;
            events = events.saturating_add(1);
        }
        if !open || !out.flush()? {
            return Ok(ExitCode::SUCCESS);
        }
    }
    feed.shutdown().await;
    if stats {
        let elapsed_s = started.elapsed().as_secs_f64();
        let events_per_s = if elapsed_s > 0.0 { events as f64 / elapsed_s } else { 0.0 };
        if out.line(&TapLine::Stats { events, elapsed_s, events_per_s })? {
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Stdout, locked once and buffered. `Ok(false)` from a write or flush when
/// stdout was closed (a pipe reader such as `head` went away): the caller
/// stops quietly.
struct LineWriter {
    out: io::BufWriter<io::StdoutLock<'static>>,
}

impl LineWriter {
    fn new() -> Self {
        Self { out: io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()) }
    }

    fn line(&mut self, line: &TapLine<'_>) -> anyhow::Result<bool> {
        let written = serde_json::to_writer(&mut self.out, line)
            .map_err(io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        Self::closed_is_false(written)
    }

    fn flush(&mut self) -> anyhow::Result<bool> {
        Self::closed_is_false(self.out.flush())
    }

    fn closed_is_false(result: io::Result<()>) -> anyhow::Result<bool> {
        match result {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e).context("cannot write to stdout"),
        }
    }
}
