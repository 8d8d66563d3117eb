//! The command line: global options, one file per subcommand, and the single
//! place where errors become one line on stderr and an exit code.
//!
//! Library code returns `thiserror` enums; this edge turns them into
//! `anyhow` chains and prints them. Nothing here prints a secret.

mod audit_line;
mod context;
mod live;
mod logging;
mod number;
mod prompt;
mod remote;
mod session;
mod signals;
mod stored;
mod trading;
mod unlock;

pub mod attach;
pub mod audit;
pub mod backup;
pub mod balances;
pub mod config;
pub mod demo;
pub mod init;
pub mod keys;
pub mod market;
pub mod order;
pub mod passwd;
pub mod positions;
pub mod run;
pub mod sim;
pub mod status;
pub mod table;
pub mod totp;
pub mod tui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code of a usage error (sysexits.h `EX_USAGE`): clap's own 2 would
/// read as "declined" to a script driving `vigil order place`.
const EXIT_USAGE: u8 = 64;

pub use context::Context;

/// vigil: self-hosted terminal trading workstation for crypto spot markets.
#[derive(Debug, Parser)]
#[command(name = "vigil", version, about, propagate_version = true)]
pub struct Cli {
    /// Where the keystore, orders and audit log live
    /// [default: $XDG_DATA_HOME/vigil or ~/.local/share/vigil]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Configuration file [default: $XDG_CONFIG_HOME/vigil/config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. Names are a contract: scripts and tests depend on them.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the workstation on the embedded simulated exchange (paper, no keystore needed)
    Demo(demo::Args),
    /// Create the keystore: passphrase, TOTP enrolment, recovery codes
    Init(init::Args),
    /// Manage exchange API keys held in the keystore
    #[command(subcommand)]
    Keys(keys::Command),
    /// Change the keystore passphrase
    Passwd(passwd::Args),
    /// Manage the TOTP second factor
    #[command(subcommand)]
    Totp(totp::Command),
    /// Open the trading workstation
    Tui(tui::Args),
    /// Run unattended (headless), e.g. a strategy in autonomous mode
    Run(run::Args),
    /// The workstation on the engine already running on this data dir (TOTP); q detaches
    Attach(attach::Args),
    /// The running engine at a glance; exit 0 healthy, 1 halted, 2 stale or not ready, 3 no engine
    Status(status::Args),
    /// Market data tools
    #[command(subcommand)]
    Market(market::Command),
    /// One-shot orders through the same pre-trade gate as the workstation
    #[command(subcommand)]
    Order(order::Command),
    /// Balances per asset as last stored: free, locked, total, value at the last fill (read-only)
    Balances(balances::Args),
    /// Positions as last stored: qty, average cost (fees included), PnL net of fees (read-only)
    Positions(positions::Args),
    /// The embedded simulated exchange
    #[command(subcommand)]
    Sim(sim::Command),
    /// The tamper-evident audit log
    #[command(subcommand)]
    Audit(audit::Command),
    /// Write the keystore, the state and the audit anchor to one file (0600)
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty data dir and verify its audit log
    Restore(backup::RestoreArgs),
    /// Show the effective configuration
    #[command(subcommand)]
    Config(config::Command),
}

/// Parses the command line, runs the command, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let ctx = Context::new(cli.data_dir, cli.config);
    // Every command that reads or writes the data dir first checks it is
    // ours and writable by nobody else (the market and simulator commands
    // and `config` never touch it).
    let uses_data_dir = !matches!(cli.command, Command::Market(_) | Command::Sim(_) | Command::Config(_));
    if uses_data_dir && let Err(err) = crate::store::check_data_dir(ctx.data_dir()) {
        eprintln!("vigil: refusing the data dir: {err}");
        // `status` keeps 1 for "halted": a refused data dir is "could not ask".
        if let Command::Status(args) = &cli.command {
            return status::unknown(args, &format!("refusing the data dir: {err}"));
        }
        return ExitCode::FAILURE;
    }
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(args, &ctx),
        Command::Init(args) => init::run(args, &ctx),
        Command::Keys(cmd) => keys::run(cmd, &ctx),
        Command::Passwd(args) => passwd::run(args, &ctx),
        Command::Totp(cmd) => totp::run(cmd, &ctx),
        Command::Tui(args) => tui::run(args, &ctx),
        Command::Run(args) => run::run(args, &ctx),
        Command::Attach(args) => attach::run(&args, &ctx),
        Command::Status(args) => status::run(&args, &ctx),
        Command::Market(cmd) => market::run(cmd, &ctx),
        Command::Order(cmd) => order::run(cmd, &ctx),
        Command::Balances(args) => balances::run(args, &ctx),
        Command::Positions(args) => positions::run(args, &ctx),
        Command::Sim(cmd) => sim::run(cmd, &ctx),
        Command::Audit(cmd) => audit::run(cmd, &ctx),
        Command::Backup(args) => backup::backup(&args, &ctx),
        Command::Restore(args) => backup::restore(&args, &ctx),
        Command::Config(cmd) => config::run(cmd, &ctx),
    };
    match outcome {
        Ok(code) => code,
        Err(err) if err.is::<clap::Error>() => {
            err.downcast_ref::<clap::Error>().map_or(ExitCode::FAILURE, usage_error)
        }
        Err(err) => {
            eprintln!("vigil: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// A usage error found after parsing: arguments that clap accepts one by one
/// but that do not go together (a `--price` on a market order). It prints and
/// exits like clap's own (64), so 0/1/2 keep their meaning.
pub(crate) fn usage(message: &str) -> anyhow::Error {
    clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, format!("{message}\n")).into()
}

/// Prints what clap found (help and version go to stdout and succeed) and
/// maps a usage error to [`EXIT_USAGE`].
fn usage_error(err: &clap::Error) -> ExitCode {
    // A closed stdout or stderr leaves nothing else to say.
    let _ = err.print();
    if err.use_stderr() { ExitCode::from(EXIT_USAGE) } else { ExitCode::SUCCESS }
}
