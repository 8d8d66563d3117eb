//! What the engine does when the market moves: paper fills, strategy
//! proposals, breakers, the daily PnL roll-over.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::json;

use super::api::SubmitOutcome;
use super::state::EngineState;
use crate::domain::{Approval, OrderStatus, Origin, Side, TradingState};
use crate::market::{FeedState, MarketEvent};
use crate::risk::BreakerTrip;
use crate::store::{Actor, AuditKind};
use crate::strategy::StrategyContext;

/// After a refused proposal a strategy is muted this long, so one bad idea
/// does not fill the audit log ten times a second.
const STRATEGY_MUTE_MS: i64 = 10_000;

/// Milliseconds in a UTC day.
const DAY_MS: i64 = 86_400_000;

impl EngineState {
    /// Records a market event, books paper fills it causes, asks strategies.
    /// Returns when strategies may propose again (per strategy name).
    pub fn on_market(&mut self, event: &MarketEvent, muted: &mut BTreeMap<String, i64>) {
        let now = self.now();
        self.markets.apply(event, now);
        let fills = match event {
            // Nothing may fill that cannot be recorded.
            _ if self.storage_failed_this_session() => Vec::new(),
            MarketEvent::Trade(trade) => self.broker.on_trade(trade),
            MarketEvent::Book(book) => self.broker.on_book(book),
            MarketEvent::Status(status) => {
                self.note("feed", format!("{} {}: {}", status.feed, status.state.as_str(), status.detail));
                Vec::new()
            }
        };
        self.book_fills(fills);
        self.run_strategies(event, muted);
    }

    fn run_strategies(&mut self, event: &MarketEvent, muted: &mut BTreeMap<String, i64>) {
        let now = self.now();
        let mut strategies = std::mem::take(&mut self.strategies);
        for strategy in &mut strategies {
            let name = strategy.name();
            if muted.get(name).is_some_and(|until| *until > now) || self.trading_state == TradingState::Halted
            {
                continue;
            }
            // A strategy never sees a book that is not in sync: its proposals
            // would only be refused by the feed checks and mute it.
            if self.markets.get(strategy.symbol()).is_none_or(|m| m.state != FeedState::Connected) {
                continue;
            }
            let Some(instrument) = self.instrument(strategy.symbol()).cloned() else { continue };
            let origin = Origin::Strategy(name.to_owned());
            let working: Vec<(Side, Option<Decimal>)> = self
                .orders
                .values()
                .filter(|o| o.intent.origin == origin)
                .filter(|o| o.status.is_open() || o.status == OrderStatus::PendingConfirmation)
                .map(|o| (o.intent.side, o.intent.price))
                .collect();
            let ctx = StrategyContext {
                now_ms: now,
                instrument: &instrument,
                position_qty: self.portfolio.balance(&instrument.base_asset).total(),
                quote_free: self.portfolio.balance(&instrument.quote_asset).free,
                working: &working,
            };
            for intent in strategy.on_event(event, &ctx) {
                if let SubmitOutcome::Refused { .. } = self.submit(intent) {
                    muted.insert(name.to_owned(), now + STRATEGY_MUTE_MS);
                    break;
                }
            }
        }
        self.strategies = strategies;
    }

    /// Periodic housekeeping: equity peak, day roll-over, breakers.
    pub fn tick(&mut self) {
        let now = self.now();
        let Some(equity) = self.marked_equity() else { return };
        if equity > self.peak_equity {
            self.peak_equity = equity;
        }
        let today = now.div_euclid(DAY_MS);
        if today != self.day_start.0 {
            self.day_start = (today, equity);
            self.note("day", format!("new UTC day; equity {equity}"));
        }
        if let Some(trip) = self.breaker_trip() {
            self.trip_breaker(&trip);
        }
    }

    /// A breaker tripped: back to confirm, then halt or reduce per the limits.
    /// Once tripped it stays tripped until a person releases the kill switch.
    fn trip_breaker(&mut self, trip: &BreakerTrip) {
        let already = self.kill_switch || self.trading_state == trip.target;
        if already && self.approval == Approval::Confirm {
            return;
        }
        self.approval = Approval::Confirm;
        self.autonomy = None;
        self.audit(
            AuditKind::Breaker,
            Actor::Engine,
            json!({ "cause": trip.cause.as_str(), "detail": trip.detail }),
        );
        match trip.target {
            TradingState::Halted => self.set_kill_switch(true, Actor::Engine, &trip.detail),
            state => {
                self.trading_state = state;
                self.persist_trading_state();
                self.note("breaker", format!("{}; only position-reducing orders allowed", trip.detail));
            }
        }
    }
}
