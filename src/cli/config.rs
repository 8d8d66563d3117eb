//! `vigil config show`: the effective configuration, defaults filled in, as
//! a table of settings (numbers aligned on the decimal point) with each
//! setting's allowed range, or as TOML to start a config file from (`--toml`).

use std::process::ExitCode;

use super::Context;
use super::table::{Column, Table};
use crate::config::Config;

/// Subcommands of `vigil config`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the effective configuration (file plus defaults): one row per
    /// setting (section, setting, value), or TOML with --toml
    Show(ShowArgs),
}

/// Options of `vigil config show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Print TOML instead of a table (a complete config file to start from)
    #[arg(long)]
    pub toml: bool,
}

/// Runs `vigil config …`.
pub fn run(cmd: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    let Command::Show(args) = cmd;
    // The running engine's configuration when one runs (the file may have
    // been edited since it started), unless --config names a file to show.
    let running = if ctx.config_explicit() {
        None
    } else {
        super::trading::runtime()?.block_on(async {
            let Some(remote) = super::remote::observe(ctx, "vigil config show").await? else {
                return anyhow::Ok(None);
            };
            let text = remote.welcome.config_toml.clone();
            remote.detach().await;
            Ok(Some(text))
        })?
    };
    let (text, source) = match running {
        Some(text) => (text, format!("the engine running on {}", ctx.data_dir().display())),
        None => (load(ctx)?.to_toml()?, source(ctx)),
    };
    if args.toml {
        println!("# effective configuration (source: {source})");
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new([
        Column::left("SECTION"),
        Column::left("SETTING"),
        Column::number("VALUE"),
        Column::left("ALLOWED"),
    ]);
    rows(&mut table, "", &toml::from_str(&text)?);
    println!("effective configuration (source: {source})");
    super::table::print(&table.render())?;
    Ok(ExitCode::SUCCESS)
}

/// One row per setting of `section`, then its subsections (as TOML prints them).
fn rows(table: &mut Table<4>, section: &str, values: &toml::Table) {
    let allowed = |key: &str| crate::config::ranges::allowed(section, key).unwrap_or_default();
    if values.is_empty() {
        table.push([section.to_owned(), String::new(), "(none)".to_owned(), String::new()]);
    }
    let (tables, settings): (Vec<_>, Vec<_>) = values.iter().partition(|(_, v)| v.is_table());
    for (key, value) in settings {
        table.push([section.to_owned(), key.clone(), text(value), allowed(key)]);
    }
    for (key, value) in tables {
        if let toml::Value::Table(sub) = value {
            let name = if section.is_empty() { key.clone() } else { format!("{section}.{key}") };
            rows(table, &name, sub);
        }
    }
}

/// A value as a person reads it: strings bare, lists comma-separated.
fn text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) if items.is_empty() => "(none)".to_owned(),
        toml::Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
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
