//! Serving the simulated exchange on 127.0.0.1: configuration, the axum router,
//! the background drivers, and the handle that stops it all.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Router, middleware};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SystemClock};
use crate::domain::Symbol;

use super::faults::Faults;
use super::hub::{self, Hub};
use super::market::SimMarket;
use super::spec::SymbolSpec;
use super::usage::Usage;
use super::{SimError, account, klines, rest, trade_rest, weight, ws, ws_api};
use crate::domain::TimestampMs;

/// How long `shutdown` waits for the server to finish before giving up on it.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What to simulate and where.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Same seed, same sequence of market events.
    pub seed: u64,
    /// Market steps per second; it sets only the pace, never the sequence.
    pub rate_per_sec: u32,
    /// Listed symbols (see [`SymbolSpec::preset`]).
    pub symbols: Vec<SymbolSpec>,
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// WebSocket ping period (Binance: 20 s); a client silent for three periods is dropped.
    pub ping_interval: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            rate_per_sec: 50,
            symbols: SymbolSpec::defaults(),
            port: 0,
            ping_interval: Duration::from_secs(20),
        }
    }
}

/// Shared by every request handler.
#[derive(Clone)]
pub(crate) struct AppState {
    pub hub: Arc<Hub>,
    pub ping_interval: Duration,
    pub shutdown: watch::Receiver<bool>,
    pub faults: Arc<Faults>,
    pub usage: Arc<Usage>,
}

impl AppState {
    /// The exchange's clock (the hub's, which the clock-offset knob moves).
    pub(crate) fn now_ms(&self) -> TimestampMs {
        self.hub.now_ms()
    }
}

/// The system clock moved by [`Faults::set_clock_offset_ms`], so every time
/// the exchange shows — `/api/v3/time`, event times, the signed-request
/// check — agrees on the skew.
struct OffsetClock(Arc<Faults>);

impl Clock for OffsetClock {
    fn now_ms(&self) -> TimestampMs {
        SystemClock.now_ms().saturating_add(self.0.clock_offset_ms())
    }
}

/// A running simulator. Dropping it stops the server (connections get a
/// `serverShutdown` event and a close frame); [`SimHandle::shutdown`] also waits.
pub struct SimHandle {
    addr: SocketAddr,
    symbols: Vec<Symbol>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    drivers: Vec<JoinHandle<()>>,
    hub: Arc<Hub>,
    faults: Arc<Faults>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").field("addr", &self.addr).field("symbols", &self.symbols).finish()
    }
}

/// Starts the simulator on the current tokio runtime.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    if config.rate_per_sec == 0 {
        return Err(SimError::ZeroRate);
    }
    let market = SimMarket::new(config.seed, config.symbols)?;
    let symbols = market.specs().map(|s| s.instrument.symbol.clone()).collect();
    let faults = Arc::new(Faults::default());
    let hub = Hub::new(market, Arc::new(OffsetClock(faults.clone())));
    let hub_for_handle = hub.clone();
    let port = config.port;
    let bind = |source| SimError::Bind { port, source };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await.map_err(bind)?;
    let addr = listener.local_addr().map_err(bind)?;
    let (stop, stopped) = watch::channel(false);
    let state = AppState {
        hub: hub.clone(),
        ping_interval: config.ping_interval,
        shutdown: stopped.clone(),
        faults: faults.clone(),
        usage: Arc::new(Usage::default()),
    };
    // Public REST is charged by a middleware; the signed endpoints charge
    // after the signature check (so they can count orders per account).
    let public = Router::new()
        .route("/api/v3/time", get(rest::time))
        .route("/api/v3/depth", get(rest::depth))
        .route("/api/v3/exchangeInfo", get(rest::exchange_info))
        .route("/api/v3/ticker/24hr", get(rest::ticker_24hr))
        .route("/api/v3/klines", get(klines::klines))
        .route("/sapi/v1/account/apiRestrictions", get(account::api_restrictions))
        .route_layer(middleware::from_fn_with_state(state.clone(), weight::public));
    let app = Router::new()
        .merge(public)
        .route(
            "/api/v3/order",
            post(trade_rest::new_order).delete(trade_rest::cancel_order).get(trade_rest::query_order),
        )
        .route("/api/v3/openOrders", get(trade_rest::open_orders))
        .route("/api/v3/account", get(trade_rest::account))
        .route("/api/v3/myTrades", get(trade_rest::my_trades))
        .route("/ws-api/v3", get(ws_api::upgrade))
        .route("/ws", get(ws::raw_bare))
        .route("/ws/{stream}", get(ws::raw_one))
        .route("/stream", get(ws::combined))
        .with_state(state);
    let mut until_stopped = stopped.clone();
    let server = tokio::spawn(async move {
        let signal = async move {
            // Err means the handle is gone, which is a stop request too.
            let _ = until_stopped.wait_for(|stop| *stop).await;
        };
        if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(signal).await {
            tracing::error!(%err, "sim: server failed");
        }
    });
    let drivers = vec![
        tokio::spawn(hub::run_steps(hub.clone(), config.rate_per_sec, faults.clone(), stopped.clone())),
        tokio::spawn(hub::run_depth_flush(hub.clone(), true, stopped.clone())),
        tokio::spawn(hub::run_depth_flush(hub.clone(), false, stopped.clone())),
        tokio::spawn(hub::run_stats_flush(hub, stopped)),
    ];
    tracing::info!(%addr, seed = config.seed, rate = config.rate_per_sec, "sim: listening");
    Ok(SimHandle { addr, symbols, stop, server: Some(server), drivers, hub: hub_for_handle, faults })
}

impl SimHandle {
    /// Base WebSocket URL (`ws://127.0.0.1:P`); append `/ws/<stream>` or `/stream?streams=`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Base REST URL (`http://127.0.0.1:P`); append `/api/v3/...`.
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The WebSocket API URL (`ws://127.0.0.1:P/ws-api/v3`): trading and user data.
    pub fn ws_api_url(&self) -> String {
        format!("ws://{}/ws-api/v3", self.addr)
    }

    /// The fault knobs (see [`Faults`]); a shared handle a test may keep
    /// and move into other tasks.
    pub fn faults(&self) -> Arc<Faults> {
        self.faults.clone()
    }

    /// Fills the open order `client_id` of the account with `api_key` at its
    /// own price, as if the market had reached it (so a test can make a fill
    /// happen while no client is connected). False if there is no such order.
    pub fn force_fill(&self, api_key: &str, client_id: &str) -> bool {
        account::index_of_key(api_key).is_some_and(|acct| self.hub.force_fill(acct, client_id))
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The listed symbols.
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// Stops the market, closes every connection and waits (up to 5 s) for the server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.drivers.drain(..) {
            let _ = task.await;
        }
        if let Some(server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, server).await.is_err()
        {
            tracing::warn!("sim: server did not stop within the grace period");
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.drivers.iter().for_each(JoinHandle::abort);
    }
}
