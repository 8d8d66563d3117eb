//! `vigil config show`: the effective configuration, defaults filled in.

use std::process::ExitCode;

use super::Context;
use crate::config::Config;

/// Subcommands of `vigil config`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the effective configuration (file plus defaults) as TOML
    Show,
}

/// Runs `vigil config …`.
pub fn run(cmd: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    let Command::Show = cmd;
    let config = load(ctx)?;
    println!("# effective configuration (source: {})", source(ctx));
    print!("{}", config.to_toml()?);
    Ok(ExitCode::SUCCESS)
}

/// Loads the configuration named by `--config`, or the default path.
pub fn load(ctx: &Context) -> anyhow::Result<Config> {
    Ok(Config::load(ctx.config_path(), ctx.config_explicit())?)
}

fn source(ctx: &Context) -> String {
    if ctx.config_path().exists() {
        ctx.config_path().display().to_string()
    } else {
        format!("defaults; {} does not exist", ctx.config_path().display())
    }
}
