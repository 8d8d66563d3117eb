//! Candle histories are most of a snapshot's bytes (six timeframes of up to
//! 500 candles per symbol) and change only when a candle closes. So the
//! socket sends each history once, and again only when it changes; every
//! snapshot carries just the forming candles, and the client puts the
//! histories it holds back in before its front end sees the snapshot.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::Symbol;
use crate::engine::Snapshot;
use crate::market::{Candle, CandleSeries, Interval};

type Histories = HashMap<(Symbol, Interval), Arc<Vec<Candle>>>;

/// The engine's side: the histories a client already has.
#[derive(Debug, Default)]
pub struct SentHistories(Histories);

/// A history to send before the snapshot that needs it.
#[derive(Debug)]
pub struct HistoryUpdate {
    pub symbol: Symbol,
    pub interval: Interval,
    pub candles: Arc<Vec<Candle>>,
}

impl SentHistories {
    /// The histories this client lacks (sent first, then remembered), and
    /// `snapshot` with every history left out.
    pub fn split(&mut self, snapshot: &Snapshot) -> (Vec<HistoryUpdate>, Snapshot) {
        let mut updates = Vec::new();
        let mut light = snapshot.clone();
        let empty = Arc::new(Vec::new());
        for market in &mut light.markets {
            for interval in Interval::ALL {
                let series = market.candles.get_mut(interval);
                let history = series.history();
                let key = (market.symbol.clone(), interval);
                let known = match self.0.get(&key) {
                    Some(sent) => Arc::ptr_eq(sent, history) || sent.is_empty() && history.is_empty(),
                    // A client starts with empty histories.
                    None => history.is_empty(),
                };
                if !known {
                    self.0.insert(key, Arc::clone(history));
                    updates.push(HistoryUpdate {
                        symbol: market.symbol.clone(),
                        interval,
                        candles: Arc::clone(history),
                    });
                }
                *series = CandleSeries::from_parts(Arc::clone(&empty), series.newest().copied());
            }
        }
        (updates, light)
    }
}

/// The client's side: the histories received so far.
#[derive(Debug, Default)]
pub struct HeldHistories(Histories);

impl HeldHistories {
    /// Keeps a history the engine sent.
    pub fn hold(&mut self, update: HistoryUpdate) {
        self.0.insert((update.symbol, update.interval), update.candles);
    }

    /// Puts the held histories back into a snapshot that arrived without them.
    pub fn restore(&self, snapshot: &mut Snapshot) {
        for market in &mut snapshot.markets {
            for interval in Interval::ALL {
                if let Some(history) = self.0.get(&(market.symbol.clone(), interval)) {
                    let series = market.candles.get_mut(interval);
                    *series = CandleSeries::from_parts(Arc::clone(history), series.newest().copied());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::engine::MarketView;

    fn candle(open_time: i64, close: i64) -> Candle {
        let price = Decimal::from(close);
        Candle {
            open_time,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: Decimal::ONE,
            quote_volume: price,
            trades: 1,
        }
    }

    fn snapshot_with(series: CandleSeries) -> Snapshot {
        let mut market = MarketView {
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            state: crate::domain::FeedState::Connected,
            last_price: None,
            open_price: None,
            history: Vec::new(),
            book: None,
            last_update_ms: None,
            tick_size: None,
            step_size: None,
            base_asset: String::new(),
            quote_asset: String::new(),
            stale_after_ms: 0,
            candles: Default::default(),
            ticker: None,
            tape: Default::default(),
        };
        *market.candles.get_mut(Interval::M1) = series;
        Snapshot { markets: vec![market], ..Snapshot::default() }
    }

    #[test]
    fn a_history_is_sent_once_and_restored_on_the_other_side() {
        let series = CandleSeries::from_candles(vec![candle(0, 1), candle(60_000, 2), candle(120_000, 3)]);
        let mut sent = SentHistories::default();
        let mut held = HeldHistories::default();

        let (updates, light) = sent.split(&snapshot_with(series.clone()));
        let m1: Vec<_> = updates.iter().filter(|u| u.interval == Interval::M1).collect();
        assert_eq!(m1.len(), 1, "the history goes out the first time");
        assert_eq!(
            light.markets[0].candles.get(Interval::M1).len(),
            1,
            "only the forming candle rides along"
        );
        updates.into_iter().for_each(|u| held.hold(u));
        let mut received = light;
        held.restore(&mut received);
        assert_eq!(received.markets[0].candles.get(Interval::M1), &series);

        // The forming candle changes: its history is not sent again.
        let mut moved = series.clone();
        moved.update(candle(120_000, 4));
        let (updates, _) = sent.split(&snapshot_with(moved.clone()));
        assert!(updates.is_empty(), "an unchanged history is not resent");

        // A candle closes: the history changes and goes out again.
        moved.update(candle(180_000, 5));
        let (updates, light) = sent.split(&snapshot_with(moved.clone()));
        assert_eq!(updates.iter().filter(|u| u.interval == Interval::M1).count(), 1);
        updates.into_iter().for_each(|u| held.hold(u));
        let mut received = light;
        held.restore(&mut received);
        assert_eq!(received.markets[0].candles.get(Interval::M1), &moved);
    }
}
