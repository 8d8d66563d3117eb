//! What the engine does when the market moves or time passes: paper fills,
//! strategy proposals, expiring proposals, breakers, the daily roll-over.

use super::api::SubmitOutcome;
use super::state::EngineState;
use crate::domain::{Origin, TradingState};
use crate::market::MarketEvent;
use crate::strategy::StrategyContext;

/// Milliseconds in a UTC day.
const DAY_MS: i64 = 86_400_000;

impl EngineState {
    /// Records a market event, books the paper fills it causes, and asks the
    /// strategies what they propose.
    pub fn on_market(&mut self, event: &MarketEvent) {
        let now = self.now();
        self.markets.apply(event, now);
        let fills = match event {
            // Nothing may fill that cannot be recorded.
            _ if self.controls.storage_failed() => Vec::new(),
            MarketEvent::Trade(trade) => {
                let triggered = self.broker.triggered(trade);
                self.trigger_paper(triggered);
                self.broker.on_trade(trade)
            }
            MarketEvent::Book(book) => self.broker.on_book(book),
            MarketEvent::Status(status) => {
                self.note("feed", format!("{} {}: {}", status.feed, status.state.as_str(), status.detail));
                Vec::new()
            }
            MarketEvent::Candle { .. } | MarketEvent::Candles { .. } | MarketEvent::Ticker { .. } => {
                Vec::new()
            }
        };
        self.book_fills(fills);
        self.run_strategies(event);
    }

    fn run_strategies(&mut self, event: &MarketEvent) {
        if self.controls.trading_state() == TradingState::Halted {
            return;
        }
        let now = self.now();
        let mut strategies = self.strategies.take();
        for strategy in &mut strategies {
            let name = strategy.name();
            if self.strategies.resting(name, now) {
                continue;
            }
            // A strategy never sees a book that is not in sync: its proposals
            // would only be refused by the feed checks and rest it.
            if self.markets.get(strategy.symbol()).is_none_or(|m| !m.state.is_synced()) {
                continue;
            }
            let Some(instrument) = self.instrument(strategy.symbol()).cloned() else { continue };
            let working = self.ledger.working(&Origin::Strategy(name.to_owned()));
            let ctx = StrategyContext {
                instrument: &instrument,
                position_qty: self.portfolio.balance(&instrument.base_asset).total(),
                working: &working,
            };
            for intent in strategy.on_event(event, &ctx) {
                if self.strategies.muted(name, &intent, now) {
                    continue;
                }
                if let SubmitOutcome::Refused { .. } = self.submit(intent, false) {
                    self.strategies.rest(name, now);
                    break;
                }
            }
        }
        self.strategies.put_back(strategies);
    }

    /// Periodic housekeeping: expired proposals, equity peak, day roll-over, breakers.
    pub fn tick(&mut self) {
        self.expire_proposals();
        self.tick_live();
        let now = self.now();
        let Some(equity) = self.marked_equity() else { return };
        if equity > self.marks.peak {
            self.marks.peak = equity;
        }
        let today = now.div_euclid(DAY_MS);
        if today != self.marks.day_start.0 {
            self.marks.day_start = (today, equity);
            self.note("day", format!("new UTC day; equity {equity}"));
            self.persist_marks();
        }
        if let Some(trip) = self.breaker_trip() {
            self.trip_breaker(&trip);
        }
    }

    /// Rejects every pending order older than `proposal_ttl_ms`: the market
    /// its checks saw has moved on, and nobody said yes in time.
    fn expire_proposals(&mut self) {
        let ttl = self.config.proposals.ttl_ms;
        for id in self.ledger.proposed_before(self.now().saturating_sub(ttl)) {
            self.expire(id);
        }
    }
}
