//! `vigil attach`: the workstation on the engine that already runs on this
//! data dir (`vigil run --headless` overnight, a `vigil tui` in another
//! SSH session). The engine checks a TOTP code when it has a keystore
//! unlocked; the passphrase never leaves the process that unlocked it.
//! `q` (or a dropped SSH session) detaches: the engine keeps running.

use std::process::ExitCode;

use anyhow::bail;
use secrecy::ExposeSecret as _;

use super::Context;
use super::prompt::prompt_secret;
use super::trading::{load_config, runtime};
use super::tui::tui_options;
use crate::engine::OneTimeCode;
use crate::server::{ConnectError, Ended, Hello, RemoteEngine};

/// Options of `vigil attach`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The current code from your authenticator (asked for without echo when
    /// the engine has a keystore and this is omitted)
    #[arg(long, value_name = "CODE")]
    pub totp: Option<String>,
    /// Colour theme: dark, light, high-contrast, ansi16, or a user theme
    #[arg(long)]
    pub theme: Option<String>,
}

/// Runs `vigil attach`.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = load_config(ctx)?;
    runtime()?.block_on(async {
        // A first look, as an observer: does this engine want a code?
        let probe = Hello { client: "vigil attach".to_owned(), operate: false, code: None };
        let keystore = match RemoteEngine::connect(ctx.data_dir(), probe).await {
            Ok(remote) => {
                let keystore = remote.welcome.keystore;
                remote.detach().await;
                keystore
            }
            Err(ConnectError::NoEngine) => bail!(
                "no vigil engine is running on {}: start one with `vigil run --headless …` or `vigil tui`",
                ctx.data_dir().display()
            ),
            Err(err) => return Err(err.into()),
        };
        let code = match (&args.totp, keystore) {
            (Some(code), _) => Some(OneTimeCode(code.clone())),
            (None, true) => {
                Some(OneTimeCode(prompt_secret("Authenticator code: ")?.expose_secret().trim().to_owned()))
            }
            (None, false) => None,
        };
        let hello = Hello { client: "vigil attach".to_owned(), operate: true, code };
        let remote = RemoteEngine::connect(ctx.data_dir(), hello).await?;
        let mut options = tui_options(ctx, &config, args.theme.as_deref(), remote.welcome.keystore);
        options.attached = true;
        let result = crate::tui::run(remote.handle.clone(), options).await;
        let ended = remote.detach().await;
        result?;
        match ended {
            Ended::Detached => {
                println!("detached: the engine keeps running (`vigil status`, `vigil attach`)")
            }
            Ended::EngineGone(why) => println!("the engine went away ({why}): nothing is running now"),
        }
        Ok(ExitCode::SUCCESS)
    })
}
