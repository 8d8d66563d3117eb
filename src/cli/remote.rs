//! How a one-shot command reaches the engine already running on its data
//! dir: sled lets one process open the store, so while an engine runs,
//! `order`, `audit` and `config show` ask it over its socket instead.
//!
//! Trading through it follows the socket's policy: on paper any of the
//! user's commands may, as without an engine; live needs a TOTP code, which
//! the engine checks. The order must also name the venue the engine trades
//! on: an order typed for paper never lands on a live engine.

use anyhow::bail;
use secrecy::ExposeSecret as _;

use super::Context;
use super::prompt::prompt_secret;
use super::session::VenueArgs;
use crate::domain::Venue;
use crate::engine::OneTimeCode;
use crate::server::{ConnectError, Hello, RemoteEngine};

/// The running engine, as an observer; `None` when none runs.
pub async fn observe(ctx: &Context, client: &str) -> anyhow::Result<Option<RemoteEngine>> {
    let hello = Hello { client: client.to_owned(), operate: false, code: None };
    match RemoteEngine::connect(ctx.data_dir(), hello).await {
        Ok(remote) => Ok(Some(remote)),
        Err(ConnectError::NoEngine) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The running engine, connected to trade on `venue`; `None` when none runs.
/// Live: `totp`, or a code asked for on the terminal.
pub async fn for_trading(
    ctx: &Context,
    client: &str,
    venue: &VenueArgs,
    totp: Option<&str>,
) -> anyhow::Result<Option<RemoteEngine>> {
    let Some(remote) = observe(ctx, client).await? else { return Ok(None) };
    let running = remote.welcome.venue;
    if running != venue.venue {
        remote.detach().await;
        bail!(
            "the engine running on {} trades on the {running} venue; this command asked for {}: \
             pass --venue {running} to trade on it",
            ctx.data_dir().display(),
            venue.venue
        );
    }
    if running == Venue::Live && venue.key.is_some() && venue.key != remote.welcome.live_key {
        let key = remote.welcome.live_key.clone().unwrap_or_else(|| "the simulator's test key".to_owned());
        remote.detach().await;
        bail!(
            "the engine running on {} trades with the key {key}; this command named {}: \
             an order is never sent on another account than the one it was typed for",
            ctx.data_dir().display(),
            venue.key.as_deref().unwrap_or_default()
        );
    }
    if running == Venue::Paper {
        return Ok(Some(remote));
    }
    remote.detach().await;
    let code = match totp {
        Some(code) => code.to_owned(),
        None => prompt_secret("Authenticator code (the running engine trades LIVE): ")?
            .expose_secret()
            .trim()
            .to_owned(),
    };
    let hello = Hello { client: client.to_owned(), operate: true, code: Some(OneTimeCode(code)) };
    Ok(Some(RemoteEngine::connect(ctx.data_dir(), hello).await?))
}
