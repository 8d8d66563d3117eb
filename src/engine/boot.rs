//! Starting and stopping the engine: load durable state, rebuild what is
//! derived (reservations, resting paper orders), spawn the actor; and the
//! clean stop.
//!
//! The engine always boots in confirm mode: autonomous mode is never restored
//! by itself. A halt or reduce-only state from an earlier session is restored
//! (a record that cannot be read restarts halted), and orders left pending
//! expire, audited as the restart's act.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::actor;
use super::api::EngineHandle;
use super::controls::Controls;
use super::ledger::{LossStreak, OrderLedger};
use super::live::{LiveKey, LiveLink};
use super::persist::{CONTROLS_KEY, LEGACY_CONTROLS_KEY, LOSS_STREAK_KEY, Persistence};
use super::state::{EngineConfig, EngineState, EquityMarks, OnShutdown, Parts, TotpCheck};
use super::strategies::StrategyRunner;
use super::watchlist::{self, WatchlistSetup};
use crate::clock::Clock;
use crate::domain::{Balance, OrderIntent, OrderStatus, Venue};
use crate::exec::LiveVenue;
use crate::exec::Portfolio;
use crate::market::MarketEvent;
use crate::store::{Actor, AuditKind, AuditLog, Store, StoreError};
use crate::strategy::Strategy;

/// Closed orders loaded back for the screen at boot.
const CLOSED_AT_BOOT: usize = 100;
/// The store key naming the venue a data dir's state was made on.
const VENUE_KEY: &str = "venue";
/// The store key of this data dir's client order id prefix.
const CLIENT_PREFIX_KEY: &str = "client_id_prefix";
/// The store key present while an engine runs on this data dir. Found at
/// boot, it says the last session never reached its clean stop.
const RUNNING_KEY: &str = "engine_running";
/// The halt's cause after a crash, kill or power loss.
pub const UNCLEAN_SHUTDOWN: &str = "unclean shutdown (the last session crashed, was killed or lost power)";

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot load trading state: {0}")]
    Load(#[from] StoreError),
    #[error("invalid limits: {0}")]
    Limits(String),
    #[error(
        "this data dir holds {stored} trading state; it cannot trade on the {wanted} venue (paper balances \
         and real ones must never mix): use another --data-dir"
    )]
    VenueMismatch { stored: String, wanted: String },
}

/// What a live session adds: the running venue and the key it trades with.
pub struct LiveSetup {
    pub venue: LiveVenue,
    pub key: LiveKey,
}

/// Everything [`start`] needs.
pub struct EngineSetup {
    pub config: EngineConfig,
    pub clock: Arc<dyn Clock>,
    pub store: Store,
    pub audit: AuditLog,
    /// Present when a keystore is unlocked: verifies codes for arming autonomy.
    pub totp: Option<TotpCheck>,
    pub strategies: Vec<Box<dyn Strategy>>,
    pub market: mpsc::Receiver<MarketEvent>,
    /// The live venue; `None` trades on paper.
    pub live: Option<LiveSetup>,
    /// The venue's catalog and the feed's control, for changing the
    /// watchlist at runtime; `None` keeps the configured symbols fixed.
    pub watchlist: Option<WatchlistSetup>,
}

/// Loads state and spawns the engine actor on the current tokio runtime.
pub fn start(setup: EngineSetup) -> Result<(EngineHandle, JoinHandle<()>), EngineError> {
    let EngineSetup { mut config, clock, store, audit, totp, strategies, market, live, watchlist } = setup;
    config.instruments.iter_mut().for_each(watchlist::normalize);
    let stored_watchlist = watchlist::stored_watchlist(&store)?;
    config.limits.validate().map_err(|e| EngineError::Limits(e.to_string()))?;
    let saved = store.load_all()?;
    let fresh = saved.balances.is_empty() && saved.orders.is_empty();
    let wanted = config.venue.to_string();
    match saved.values.get(VENUE_KEY).and_then(|v| v.as_str()) {
        Some(stored) if stored != wanted => {
            return Err(EngineError::VenueMismatch { stored: stored.to_owned(), wanted });
        }
        // State from before the venue was recorded was made on paper.
        None if !fresh && config.venue == Venue::Live => {
            return Err(EngineError::VenueMismatch { stored: "paper".to_owned(), wanted });
        }
        Some(_) => {}
        None => store.put_value(VENUE_KEY, &json!(wanted))?,
    }
    let client_prefix = match saved.values.get(CLIENT_PREFIX_KEY).and_then(|v| v.as_str()) {
        Some(prefix) => prefix.to_owned(),
        // Orders from before the prefix existed keep their `vigil-N` ids;
        // new ones get this data dir's own prefix.
        None => {
            let prefix = format!("vigil-{:08x}-", rand::random::<u32>());
            store.put_value(CLIENT_PREFIX_KEY, &json!(prefix))?;
            prefix
        }
    };
    let now = clock.now_ms();

    let mut fill_counts = BTreeMap::new();
    for f in &saved.fills {
        let count = fill_counts.entry(f.fill.order_id).or_insert(0);
        *count = f.seq.max(*count);
    }
    let mut orders: Vec<_> = saved.orders.iter().filter(|o| !o.status.is_terminal()).cloned().collect();
    let closed: Vec<_> = saved.orders.iter().filter(|o| o.status.is_terminal()).cloned().collect();
    orders.extend(closed.into_iter().rev().take(CLOSED_AT_BOOT));
    let day_start = saved
        .values
        .get("day_start")
        .and_then(|v| Some((v.get("day")?.as_i64()?, v.get("equity")?.as_str()?.parse::<Decimal>().ok()?)));
    let streak = saved
        .values
        .get(LOSS_STREAK_KEY)
        .and_then(|v| {
            let count = u32::try_from(v.get("count")?.as_u64()?).ok()?;
            Some(LossStreak { count, last_loss_ms: v.get("last_loss_ms")?.as_i64() })
        })
        .unwrap_or_default();
    let controls = match (saved.values.get(CONTROLS_KEY), saved.values.get(LEGACY_CONTROLS_KEY)) {
        (None, Some(legacy)) => Controls::restore_legacy(legacy, now),
        (current, _) => Controls::restore(current, now),
    };
    let fills = saved.fills.iter().rev().map(|f| f.fill.clone());
    let all_fills: Vec<_> = saved.fills.iter().map(|f| f.fill.clone()).collect();
    let (live_link, venue) = match live {
        Some(LiveSetup { venue, key }) => {
            (Some(Box::new(LiveLink::new(venue.requests.clone(), key, &all_fills))), Some(venue))
        }
        None => (None, None),
    };
    let proposals = config.proposals;
    let mut state = EngineState::new(Parts {
        persist: Persistence::new(store, audit, fill_counts),
        clock,
        totp,
        strategies: StrategyRunner::new(strategies, proposals.reject_mute_ms),
        portfolio: Portfolio::default(),
        controls,
        ledger: OrderLedger::restore(orders, fills, saved.next_order_id.0, streak, client_prefix),
        marks: EquityMarks { peak: saved.equity_peak.unwrap_or_default(), day_start: (0, Decimal::ZERO) },
        live: live_link,
        watchlist,
        config,
    });
    state.store_watchlist_if_changed(stored_watchlist);

    // A live account's balances come from the exchange at reconciliation.
    let balances = if fresh && state.live.is_none() {
        state
            .config
            .initial_balances
            .iter()
            .map(|(a, free)| (a.clone(), Balance { free: *free, locked: Decimal::ZERO }))
            .collect()
    } else {
        saved.balances
    };
    let open: Vec<_> = state.ledger.open_orders().cloned().collect();
    let holds: Vec<_> = open
        .iter()
        .filter_map(|o| {
            let remaining = OrderIntent { qty: o.remaining_qty(), ..o.intent.clone() };
            let (asset, amount) = state.reservation(&remaining)?;
            Some((o.id, asset, amount))
        })
        .collect();
    state.portfolio = Portfolio::restore(balances, saved.positions, holds);
    let quote = state.config.quote_asset.clone();
    if state.live.is_none() {
        for order in &open {
            state.broker.restore(order, &quote);
        }
    }
    // Until books sync, holdings cannot be marked: keep the stored day start and
    // peak; `tick` sets them from a fully marked equity.
    let equity = state.marked_equity();
    let today = now.div_euclid(86_400_000);
    state.marks.day_start = match (day_start, equity) {
        (Some((day, start)), _) if day == today => (day, start),
        (_, Some(equity)) => (today, equity),
        (_, None) => (today.saturating_sub(1), Decimal::ZERO),
    };
    state.marks.peak = state.marks.peak.max(equity.unwrap_or_default());
    if fresh {
        state.persist_balances();
    }
    state.persist_marks();
    // An order a crash left `submitting` may or may not have left: no
    // request of this session will report on it, so it is unknown and asked
    // about until the exchange says what it is.
    if state.live.is_some() {
        let submitting: Vec<_> = state
            .ledger
            .open_orders()
            .filter(|o| o.status == OrderStatus::Submitting)
            .map(|o| o.id)
            .collect();
        for id in submitting {
            if let Some(order) = state.ledger.update_open(id, Some(OrderStatus::Unknown), None, now) {
                state.persist_order(&order);
            }
        }
    }
    // A halt restored from an earlier session cancels what is still open (a
    // crash between the halt and its cancels leaves orders that could fill).
    if state.controls.kill_switch() {
        state.cancel_all(&Actor::Restart, "halted since an earlier session");
    }
    // A pending order's check verdicts were for a market that has moved on; a
    // person must never confirm without seeing them, so pending orders expire.
    let pending: Vec<_> = state.ledger.pending_orders().map(|o| o.id).collect();
    for id in &pending {
        state.reject_pending(*id, Actor::Restart, "expired at restart: propose it again");
    }
    // After a crash nobody saw what the last session was doing: trading
    // stays halted (confirm mode, as always at boot) until a person has
    // looked and released it. Recorded after pending orders
    // expired (they are the restart's to reject) and before this session marks itself running.
    let unclean = saved.values.contains_key(RUNNING_KEY);
    if unclean {
        state.halt(Actor::Restart, UNCLEAN_SHUTDOWN);
    }
    if let Err(err) = state.persist.put_value(RUNNING_KEY, &json!({ "since_ms": now })) {
        state.storage_failed("the running marker", &err);
    }
    let body = json!({
        "text": "engine started",
        "venue": state.config.venue,
        "feed": state.config.feed_name,
        "open_orders": open.len(),
        "pending_expired": pending.len(),
        "controls": state.controls.name(),
    });
    state.audit(AuditKind::Note, Actor::Restart, body);
    state.note(
        "engine",
        format!("started: {} venue, confirm mode, {} open orders", state.config.venue, open.len()),
    );
    if let Some(key) = state.live.as_ref().map(|l| l.key.clone()) {
        let verdict = if key.verified { "verified trade-only" } else { "NOT verified: orders are refused" };
        let text = format!("LIVE with {}: {verdict} ({})", state.config.venue_label, key.standing);
        state.audit(AuditKind::Note, Actor::Restart, json!({ "text": text, "key": key.label }));
        state.note("venue", text);
    }
    if let Some(cause) = state.controls.cause() {
        let text = format!(
            "trading is {} since an earlier session ({}, by {}): release it to trade again",
            state.controls.trading_state(),
            cause.why,
            cause.actor
        );
        state.note("kill", text);
    }

    let (handle, ends) = EngineHandle::channel();
    // Published before the actor runs, so `start` returns a handle whose snapshot
    // already tells the truth (a restored halt, open orders), never the default.
    ends.snapshots.send_replace(Arc::new(state.snapshot()));
    let failure = ends.failure.clone();
    let task = tokio::spawn(super::supervise::supervise(actor::run(state, ends, market, venue), failure));
    Ok((handle, task))
}

impl EngineState {
    /// A clean stop: rejects what awaits confirmation (nobody will answer
    /// it), applies `[engine] on_shutdown` to open orders (leave them for the
    /// next start, or cancel them), stores the equity marks and writes the
    /// last audit entry.
    pub(super) fn shut_down(&mut self) {
        let on_shutdown = self.config.on_shutdown;
        let pending: Vec<_> = self.ledger.pending_orders().map(|o| o.id).collect();
        for id in &pending {
            self.reject_pending(*id, Actor::Engine, "engine stopped before it was answered");
        }
        let mut body =
            json!({ "text": "engine stopped", "on_shutdown": on_shutdown, "rejected": pending.len() });
        if on_shutdown == OnShutdown::Cancel {
            let report = self.cancel_all(&Actor::Engine, "on_shutdown = cancel");
            body["cancelled"] = json!(report.cancelled);
        } else {
            body["left_open"] = json!(self.ledger.open_orders().count());
        }
        self.persist_marks();
        self.audit(AuditKind::Note, Actor::Engine, body);
        self.witness_audit_head();
        // Last: only a stop that got this far is clean.
        if let Err(err) = self.persist.remove_value(RUNNING_KEY) {
            self.storage_failed("the running marker", &err);
        }
    }
}
