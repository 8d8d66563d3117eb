use std::process::ExitCode;

use super::Context;

/// Subcommands (filled in by the issue that builds this command).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Placeholder
    Todo,
}

/// Runs the command.
pub fn run(_cmd: Command, _ctx: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this command is not built yet")
}
