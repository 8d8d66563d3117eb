//! Starting the engine: load durable state, rebuild what is derived
//! (reservations, resting paper orders), and spawn the actor.
//!
//! The engine always boots in confirm mode with the kill switch released:
//! autonomous mode is never restored by itself.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::actor;
use super::api::EngineHandle;
use super::markets::Markets;
use super::persist::Persistence;
use super::state::{EngineConfig, EngineState, TotpCheck, limits_view};
use crate::clock::Clock;
use crate::domain::{Approval, Balance, OrderIntent, OrderStatus, Symbol, TradingState};
use crate::exec::{PaperBroker, Portfolio};
use crate::market::MarketEvent;
use crate::store::{Actor, AuditKind, AuditLog, Store, StoreError};
use crate::strategy::Strategy;

/// Closed orders loaded back for the screen at boot.
const CLOSED_AT_BOOT: usize = 100;

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot load trading state: {0}")]
    Load(#[from] StoreError),
    #[error("invalid limits: {0}")]
    Limits(String),
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
}

/// Loads state and spawns the engine actor on the current tokio runtime.
pub fn start(setup: EngineSetup) -> Result<(EngineHandle, JoinHandle<()>), EngineError> {
    let EngineSetup { mut config, clock, store, audit, totp, strategies, market } = setup;
    for i in &mut config.instruments {
        for value in [
            &mut i.tick_size,
            &mut i.min_price,
            &mut i.max_price,
            &mut i.step_size,
            &mut i.min_qty,
            &mut i.max_qty,
            &mut i.min_notional,
        ] {
            *value = value.normalize();
        }
    }
    config.limits.validate().map_err(|e| EngineError::Limits(e.to_string()))?;
    let saved = store.load_all()?;
    let fresh = saved.balances.is_empty() && saved.orders.is_empty();

    let mut fill_counts = BTreeMap::new();
    for f in &saved.fills {
        let count = fill_counts.entry(f.fill.order_id).or_insert(0);
        *count = f.seq.max(*count);
    }
    let mut orders: Vec<_> = saved.orders.iter().filter(|o| !o.status.is_terminal()).cloned().collect();
    let closed: Vec<_> = saved.orders.iter().filter(|o| o.status.is_terminal()).cloned().collect();
    orders.extend(closed.into_iter().rev().take(CLOSED_AT_BOOT));
    let symbols: Vec<Symbol> = config.instruments.iter().map(|i| i.symbol.clone()).collect();
    let day_start = saved
        .values
        .get("day_start")
        .and_then(|v| Some((v.get("day")?.as_i64()?, v.get("equity")?.as_str()?.parse::<Decimal>().ok()?)));
    let streak = saved
        .values
        .get("loss_streak")
        .and_then(|v| Some((u32::try_from(v.get("count")?.as_u64()?).ok()?, v.get("last_loss_ms")?.as_i64())))
        .unwrap_or((0, None));

    // A halt is never lost: a stored record that cannot be read restarts halted.
    let (kill_switch, trading_state) = match saved.values.get("trading_state") {
        None => (false, TradingState::Active),
        Some(v) => (|| {
            let kill = v.get("kill_switch")?.as_bool()?;
            let trading: TradingState = serde_json::from_value(v.get("trading_state")?.clone()).ok()?;
            Some((kill, trading))
        })()
        .unwrap_or((true, TradingState::Halted)),
    };
    let mut state = EngineState {
        broker: PaperBroker::new(config.fees),
        markets: Markets::new(&symbols),
        persist: Persistence::new(store, audit, fill_counts),
        clock,
        totp,
        strategies,
        portfolio: Portfolio::default(),
        orders: orders.into_iter().map(|o| (o.id, o)).collect(),
        pending_checks: BTreeMap::new(),
        fills: saved.fills.iter().rev().take(200).map(|f| f.fill.clone()).collect::<VecDeque<_>>(),
        next_id: saved.next_order_id.0,
        approval: Approval::Confirm,
        trading_state,
        kill_switch,
        autonomy: None,
        submissions: VecDeque::new(),
        peak_equity: saved.equity_peak.unwrap_or_default(),
        day_start: (0, Decimal::ZERO),
        log: VecDeque::new(),
        snapshot_version: 0,
        limits_view: limits_view(&config.limits),
        config,
    };

    let balances = if fresh {
        state
            .config
            .initial_balances
            .iter()
            .map(|(a, free)| (a.clone(), Balance { free: *free, locked: Decimal::ZERO }))
            .collect()
    } else {
        saved.balances
    };
    let open: Vec<_> = state.open_orders().cloned().collect();
    let holds: Vec<_> = open
        .iter()
        .filter_map(|o| {
            let remaining = OrderIntent { qty: o.remaining_qty(), ..o.intent.clone() };
            let (asset, amount) = state.reservation(&remaining)?;
            Some((o.id, asset, amount))
        })
        .collect();
    state.portfolio = Portfolio::restore(balances, saved.positions, holds, streak);
    let quote = state.config.quote_asset.clone();
    for order in &open {
        state.broker.restore(order, &quote);
    }
    // Until books sync, holdings cannot be marked: keep the stored day start and
    // peak; `tick` sets them from a fully marked equity.
    let equity = state.marked_equity();
    let today = state.now().div_euclid(86_400_000);
    state.day_start = match (day_start, equity) {
        (Some((day, start)), _) if day == today => (day, start),
        (_, Some(equity)) => (today, equity),
        (_, None) => (today - 1, Decimal::ZERO),
    };
    state.peak_equity = state.peak_equity.max(equity.unwrap_or_default());
    if fresh {
        state.persist_balances();
    }
    state.persist_meta();
    // A pending order's check verdicts were for a market that has moved on; a
    // person must never confirm without seeing them, so pending orders expire.
    let pending: Vec<_> = state
        .orders
        .values()
        .filter(|o| o.status == OrderStatus::PendingConfirmation)
        .map(|o| o.id)
        .collect();
    for id in &pending {
        state.expire_pending(*id);
    }
    let pending = pending.len();
    let body = json!({
        "text": "engine started",
        "venue": state.config.venue,
        "feed": state.config.feed_name,
        "open_orders": open.len(),
        "pending_expired": pending,
        "kill_switch": state.kill_switch,
        "trading_state": state.trading_state,
    });
    state.audit(AuditKind::Note, Actor::Engine, body);
    state.note(
        "engine",
        format!("started: {} venue, confirm mode, {} open orders", state.config.venue, open.len()),
    );
    if state.kill_switch || state.trading_state != TradingState::Active {
        let text = format!(
            "trading is {} since an earlier session (kill switch {}): release it to trade again",
            state.trading_state,
            if state.kill_switch { "engaged" } else { "off" }
        );
        state.note("kill", text);
    }

    let (handle, ends) = EngineHandle::channel();
    // Published before the actor runs, so `start` returns a handle whose snapshot
    // already tells the truth (a restored halt, open orders), never the default.
    ends.snapshots.send_replace(Arc::new(state.snapshot()));
    let task = tokio::spawn(actor::run(state, ends, market));
    Ok((handle, task))
}
