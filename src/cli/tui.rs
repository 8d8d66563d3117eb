use std::process::ExitCode;

use super::Context;

/// Options (filled in by the issue that builds this command).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this command is not built yet")
}
