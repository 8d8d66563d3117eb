//! A trading session as the CLI starts it: market data (the embedded
//! simulator or an exchange), the durable store and audit log, and the engine.
//! `demo`, `tui`, `run` and `order` all go through here, so there is one way
//! of wiring the pieces together and no command has a side door.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Context;
use super::live::{self, LiveCredentials};
use super::trading::UnlockRecord;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::{Symbol, SymbolCatalog, Venue};
use crate::engine::{
    self, EngineConfig, EngineHandle, EngineSetup, ProposalPolicy, TotpCheck, WatchlistSetup,
};
use crate::market::rest::RestClient;
use crate::market::{self, FeedConfig, FeedHandle};
use crate::server::{EngineFacts, EngineServer};
use crate::sim::{self, SimConfig, SimHandle, SymbolSpec};
use crate::store::{
    Actor, AuditKey, AuditKind, AuditLog, AuditReader, DB_DIR_NAME, KeyKind, SledBackend, Store, Witness,
};
use crate::strategy;
use vigil_keystore::Keystore;

/// Which market data source to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FeedChoice {
    /// The embedded simulated exchange (or one given by --ws-url/--rest-url)
    Sim,
    /// Binance spot
    Binance,
    /// Binance spot testnet
    BinanceTestnet,
}

/// Market data options shared by the commands that trade.
#[derive(Debug, Clone, clap::Args)]
pub struct FeedArgs {
    /// Market data source
    #[arg(long, value_enum, default_value = "sim")]
    pub feed: FeedChoice,
    /// Symbols to stream, comma separated [default: the config's feed.symbols]
    #[arg(long, value_delimiter = ',')]
    pub symbols: Vec<Symbol>,
    /// WebSocket base URL (overrides the feed preset; ws:// only for loopback)
    #[arg(long, value_name = "URL")]
    pub ws_url: Option<String>,
    /// REST base URL (overrides the feed preset; http:// only for loopback)
    #[arg(long, value_name = "URL")]
    pub rest_url: Option<String>,
    /// WebSocket API URL for trading and user data (live venue; overrides the
    /// feed preset; ws:// only for loopback)
    #[arg(long, value_name = "URL")]
    pub ws_api_url: Option<String>,
    /// Seed of the embedded simulator
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Where orders go: `--venue paper|live` and, for live, `--key NAME`.
#[derive(Debug, Clone, clap::Args)]
pub struct VenueArgs {
    /// paper (simulated fills against the real book) or live (the exchange, with real money)
    #[arg(long, value_enum, default_value = "paper")]
    pub venue: Venue,
    /// The stored API key the live venue trades with (`vigil keys list`)
    #[arg(long, value_name = "NAME", required_if_eq("venue", "live"))]
    pub key: Option<String>,
}

/// What a session needs beyond the feed.
pub struct SessionOptions<'a> {
    pub venue: Venue,
    /// The key a live session trades with; required when `venue` is live.
    pub live: Option<LiveCredentials>,
    pub feed: &'a FeedArgs,
    pub strategies: &'a [String],
    /// The unlocked vault's audit key, when a keystore is in use.
    pub vault_audit_key: Option<AuditKey>,
    /// The unlock that opened the vault, recorded in the audit log at start.
    pub unlock: Option<UnlockRecord>,
    /// Verifies TOTP codes for arming autonomous mode, when a keystore is unlocked.
    pub totp: Option<TotpCheck>,
}

/// A running session. Call [`Session::shutdown`] to stop it cleanly.
pub struct Session {
    pub handle: EngineHandle,
    engine: JoinHandle<()>,
    /// The alert tasks, when `[alerts]` names a destination.
    alerts: Option<crate::alerts::Alerts>,
    forwarder: JoinHandle<()>,
    sim: Option<SimHandle>,
    /// A keystore is unlocked in this session (attaching needs a code).
    keystore: bool,
    /// The configuration the session started with, as TOML.
    config_toml: String,
    /// The stored key a live session trades with.
    live_key: Option<String>,
    server: Option<EngineServer>,
}

impl Session {
    /// Starts market data and the engine on the current runtime.
    pub async fn start(ctx: &Context, config: &Config, options: SessionOptions<'_>) -> anyhow::Result<Self> {
        // One engine per data dir: say so plainly rather than with sled's lock error.
        if crate::server::engine_answers(ctx.data_dir()).await {
            bail!(
                "an engine is already running on {}: look at it with `vigil status` or `vigil attach` \
                 (one engine per data dir)",
                ctx.data_dir().display()
            );
        }
        if options.venue == Venue::Live && options.live.is_none() {
            bail!("the live venue needs a key: pass --key NAME (an unlocked keystore holds it)");
        }
        let configured = if options.feed.symbols.is_empty() {
            config.feed.symbols.clone()
        } else {
            options.feed.symbols.clone()
        };
        if configured.is_empty() {
            bail!("no symbols to trade: pass --symbols or set [feed] symbols in the config");
        }
        let (feed_name, sim, ws_url, rest_url) = endpoints(options.feed, &configured).await?;
        let ws_api_url = ws_api_url(options.feed, sim.as_ref(), &ws_url);
        // The venue's whole listing, for the symbol search. A session still
        // trades its watched symbols without it; the search then says so.
        // The one proxy ever used: the config's, never the environment's.
        let proxy = config.network.https_proxy.as_ref();
        let rest = RestClient::routed(&rest_url, proxy)?;
        let catalog = match rest.catalog().await {
            Ok(catalog) => catalog,
            Err(e) => {
                tracing::warn!(error = %e, "no symbol catalog: the watchlist cannot grow this session");
                SymbolCatalog::default()
            }
        };

        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let state_dir = ctx.state_dir();
        let mut vault_key = options.vault_audit_key;
        // Checked on a private copy before the real database is ever opened
        // read-write: sled's recovery would rewrite a damaged one.
        let mut checked_key = None;
        if state_dir.join(DB_DIR_NAME).is_dir() {
            let copy = SledBackend::open_copy(&state_dir)
                .with_context(|| format!("cannot read {}", state_dir.display()))?;
            let key = audit_key(&copy.store(), ctx, vault_key.take())?;
            let report = AuditReader::new(copy.backend()).verify_anchored(&key, &state_dir)?;
            if let Some(problem) = report.problem {
                bail!(
                    "refusing to trade from {}: the audit log failed its check: {problem}. Run `vigil audit verify`; \
                     then restore a backup (`vigil restore`) or, if you know why, `vigil audit reanchor`",
                    state_dir.display()
                );
            }
            checked_key = Some(key);
        }
        let store =
            Store::open(&state_dir).with_context(|| format!("cannot open {}", state_dir.display()))?;
        let symbols = engine::initial_watchlist(
            engine::stored_watchlist(&store)?,
            &options.feed.symbols,
            configured,
            &catalog,
        );
        let instruments = rest
            .exchange_info(&symbols)
            .await
            .with_context(|| format!("cannot read exchange info from {rest_url}"))?;
        let key = match checked_key {
            Some(key) => key,
            None => audit_key(&store, ctx, vault_key)?,
        };
        let witness = Witness::new(&config.audit.witness_command, config.audit.witness_every);
        let mut audit = AuditLog::with_backend(store.backend(), key, clock.clone())?.anchored(&state_dir)?;
        if let Some(witness) = witness {
            audit = audit.with_witness(witness);
        }
        if let Some(unlock) = options.unlock {
            // Failures leave no trace in this log when they happen (the state is
            // not open yet); the keystore counts them and the success reports them.
            let body = json!({
                "ok": true,
                "failed_attempts_before": unlock.failed_before,
                "text": format!("keystore unlocked after {} failed attempt(s)", unlock.failed_before),
            });
            audit.append(AuditKind::UnlockAttempt, Actor::Person, body)?;
        }

        let mut strategies = Vec::new();
        for name in options.strategies {
            let built = strategy::build(name, &config.strategies).with_context(|| {
                format!("unknown strategy {name:?}; built in: {}", strategy::NAMES.join(", "))
            })?;
            strategies.push(built);
        }

        let live_key = match (&options.live, options.venue) {
            (Some(LiveCredentials::Keystore { name, .. }), Venue::Live) => Some(name.clone()),
            _ => None,
        };
        let (live, venue_label) = match options.live.filter(|_| options.venue == Venue::Live) {
            Some(credentials) => {
                let (setup, label) =
                    live::prepare(credentials, &rest_url, proxy, &ws_api_url, clock.clone()).await?;
                (Some(setup), label)
            }
            None => (None, format!("simulated fills against the {feed_name} book")),
        };

        let mut feed_config = FeedConfig::custom(&feed_name, &ws_url, &rest_url, symbols);
        feed_config.depth = config.feed.depth;
        feed_config.https_proxy = proxy.cloned();
        feed_config.stale_after = Duration::from_millis(config.risk.stale_after_ms.max(1_000));
        let feed = market::spawn(feed_config)?;
        let watchlist = WatchlistSetup { catalog: Arc::new(catalog), feed: feed.control() };
        let (tx, rx) = mpsc::channel(4096);
        let forwarder = tokio::spawn(forward(feed, tx));

        let engine_config = EngineConfig {
            venue: options.venue,
            venue_label,
            feed_name,
            quote_asset: config.paper.quote_asset.clone(),
            instruments,
            limits: config.risk.clone(),
            fees: config.paper.fees,
            initial_balances: config.paper.initial_balances.iter().map(|(a, v)| (a.clone(), *v)).collect(),
            proposals: ProposalPolicy {
                ttl_ms: config.strategies.proposal_ttl_ms,
                reject_mute_ms: config.strategies.reject_mute_ms,
            },
            on_shutdown: config.engine.on_shutdown,
        };
        let keystore = options.totp.is_some();
        let setup = EngineSetup {
            config: engine_config,
            clock,
            store,
            audit,
            totp: options.totp,
            strategies,
            market: rx,
            live,
            watchlist: Some(watchlist),
        };
        let (handle, engine) = engine::start(setup)?;
        // Whoever owns the engine sends its alerts (run, tui, demo, a one-shot order).
        let alerts = crate::alerts::spawn(&config.alerts, &handle).context("cannot start [alerts]")?;
        let config_toml = config.to_toml()?;
        Ok(Self { handle, engine, alerts, forwarder, sim, keystore, config_toml, live_key, server: None })
    }

    /// Serves this session's engine on `<data-dir>/vigil.sock`, for `vigil
    /// attach`, `vigil status` and the one-shot commands. The owner of a
    /// data dir's engine does this; a one-shot command's own session does not.
    pub async fn serve(&mut self, ctx: &Context) -> anyhow::Result<()> {
        let facts = EngineFacts {
            keystore: self.keystore,
            config_toml: self.config_toml.clone(),
            live_key: self.live_key.clone(),
        };
        let server = EngineServer::start(ctx.data_dir(), self.handle.clone(), facts).await?;
        tracing::info!(socket = %server.path().display(), "serving the engine");
        self.server = Some(server);
        Ok(())
    }

    /// Stops the engine (it applies `[engine] on_shutdown`; every order state
    /// is already durable), then the feed and simulator.
    pub async fn shutdown(self) {
        // The engine may already have stopped; either way it is stopped after this.
        let _ = self.handle.send(engine::Command::Shutdown);
        let _ = self.engine.await;
        if let Some(server) = self.server {
            server.stop();
        }
        if let Some(alerts) = self.alerts {
            alerts.finish().await;
        }
        self.forwarder.abort();
        if let Some(sim) = self.sim {
            sim.shutdown().await;
        }
    }
}

/// Resolves the feed's name and URLs, starting the embedded simulator when asked.
pub async fn endpoints(
    feed: &FeedArgs,
    symbols: &[Symbol],
) -> anyhow::Result<(String, Option<SimHandle>, String, String)> {
    let name = feed_name(feed.feed).to_owned();
    match (feed.feed, &feed.ws_url, &feed.rest_url) {
        (_, Some(ws), Some(rest)) => return Ok((name, None, ws.clone(), rest.clone())),
        (FeedChoice::Sim, Some(_), None) | (FeedChoice::Sim, None, Some(_)) => {
            bail!(
                "--feed sim with a URL needs both --ws-url and --rest-url (or neither, for the embedded simulator)"
            )
        }
        (_, Some(ws), None) => {
            let rest = if feed.feed == FeedChoice::Binance {
                market::BINANCE_REST
            } else {
                market::BINANCE_TESTNET_REST
            };
            return Ok((name, None, ws.clone(), rest.to_owned()));
        }
        (_, None, Some(rest)) => {
            let ws = if feed.feed == FeedChoice::Binance {
                market::BINANCE_WS
            } else {
                market::BINANCE_TESTNET_WS
            };
            return Ok((name, None, ws.to_owned(), rest.clone()));
        }
        (_, None, None) => {}
    }
    match feed.feed {
        FeedChoice::Sim => {
            let mut specs: Vec<SymbolSpec> = Vec::new();
            for symbol in symbols {
                let spec = SymbolSpec::preset(symbol).with_context(|| {
                    format!(
                        "the simulator does not list {symbol}; it has {}",
                        SymbolSpec::preset_names().join(", ")
                    )
                })?;
                specs.push(spec);
            }
            // Every other preset is listed too, so the watchlist can grow at runtime.
            for name in SymbolSpec::preset_names() {
                let extra = Symbol::new(name).ok().and_then(|s| SymbolSpec::preset(&s));
                if let Some(spec) = extra.filter(|e| specs.iter().all(|s| s.instrument != e.instrument)) {
                    specs.push(spec);
                }
            }
            let config = SimConfig { seed: feed.seed, symbols: specs, ..SimConfig::default() };
            let sim = sim::start(config).await.context("cannot start the embedded simulator")?;
            let (ws, rest) = (sim.ws_url(), sim.rest_url());
            Ok(("sim".to_owned(), Some(sim), ws, rest))
        }
        FeedChoice::Binance => {
            Ok(("binance".to_owned(), None, market::BINANCE_WS.to_owned(), market::BINANCE_REST.to_owned()))
        }
        FeedChoice::BinanceTestnet => Ok((
            "binance-testnet".to_owned(),
            None,
            market::BINANCE_TESTNET_WS.to_owned(),
            market::BINANCE_TESTNET_REST.to_owned(),
        )),
    }
}

/// The WebSocket API URL: `--ws-api-url`, else the embedded simulator's,
/// else beside a simulator given by `--ws-url`, else the feed's preset.
fn ws_api_url(feed: &FeedArgs, sim: Option<&SimHandle>, ws_url: &str) -> String {
    if let Some(url) = &feed.ws_api_url {
        return url.clone();
    }
    match (sim, feed.feed) {
        (Some(sim), _) => format!("{}/ws-api/v3", sim.ws_url()),
        (None, FeedChoice::Sim) => format!("{}/ws-api/v3", ws_url.trim_end_matches('/')),
        (None, FeedChoice::Binance) => live::BINANCE_WS_API.to_owned(),
        (None, FeedChoice::BinanceTestnet) => live::BINANCE_TESTNET_WS_API.to_owned(),
    }
}

fn feed_name(choice: FeedChoice) -> &'static str {
    match choice {
        FeedChoice::Sim => "sim",
        FeedChoice::Binance => "binance",
        FeedChoice::BinanceTestnet => "binance-testnet",
    }
}

/// The key that signs this state dir's audit log: whatever kind the log was
/// started with; a new log uses the vault key when a keystore is unlocked. A
/// data dir with a keystore never trades on an install-keyed log: anyone who
/// can write the state dir could have put one there (with its key beside it).
fn audit_key(store: &Store, ctx: &Context, vault: Option<AuditKey>) -> anyhow::Result<AuditKey> {
    let backend = store.backend();
    let recorded = AuditReader::new(backend.as_ref()).meta()?.map(|m| m.key_kind);
    if recorded == Some(KeyKind::Install) && Keystore::exists(&ctx.keystore_dir()) {
        bail!(
            "refusing to trade from {}: {}. Run `vigil audit verify`",
            ctx.state_dir().display(),
            crate::store::Problem::InstallKeyedWithKeystore
        );
    }
    match (recorded, vault) {
        (Some(KeyKind::Vault), Some(key)) | (None, Some(key)) => Ok(key),
        (Some(KeyKind::Vault), None) => {
            bail!(
                "this audit log is signed by the vault key: unlock the keystore to trade from this data dir"
            )
        }
        (Some(KeyKind::Install), _) | (None, None) => {
            Ok(AuditKey::load_or_create_install_key(&ctx.state_dir())?)
        }
    }
}

/// Moves feed events to the engine; ends when either side goes away.
async fn forward(mut feed: FeedHandle, tx: mpsc::Sender<market::MarketEvent>) {
    while let Some(event) = feed.recv().await {
        if tx.send(event).await.is_err() {
            break;
        }
    }
    feed.shutdown().await;
}
