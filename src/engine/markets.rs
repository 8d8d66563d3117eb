//! What the engine remembers about each symbol's market: the synced book,
//! the last trades for charts and the tape, candles per timeframe, the 24 h
//! ticker, and the feed's health for the gate.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::api::MarketView;
use crate::domain::{FeedState, Instrument, Level};
use crate::domain::{Symbol, TimestampMs};
use crate::market::{BookUpdate, Candle, Candles, FeedStatus, MarketEvent, Print, Ticker24h};

/// Chart/sparkline history kept per symbol.
const HISTORY: usize = 500;
/// Trades kept per symbol for the tape.
pub const TAPE: usize = 200;

/// The book with exchange padding dropped ("64000.10000000" → "64000.1"), so
/// prices read cleanly on screen, in check sentences and in the audit log.
fn normalized(book: &BookUpdate) -> BookUpdate {
    let level = |l: &Level| Level { price: l.price.normalize(), qty: l.qty.normalize() };
    BookUpdate {
        bids: book.bids.iter().map(level).collect(),
        asks: book.asks.iter().map(level).collect(),
        ..book.clone()
    }
}

/// One symbol's market state.
#[derive(Debug, Clone)]
pub struct Market {
    pub state: FeedState,
    pub book: Option<BookUpdate>,
    pub last_price: Option<Decimal>,
    pub open_price: Option<Decimal>,
    pub history: VecDeque<(TimestampMs, Decimal)>,
    /// Local receipt time of the last book or trade event.
    pub last_update_ms: Option<TimestampMs>,
    /// Candles per timeframe (shared with snapshots, copied on write).
    pub candles: Candles,
    pub ticker: Option<Ticker24h>,
    /// Recent trades, newest last (shared with snapshots, copied on write).
    pub tape: Arc<VecDeque<Print>>,
}

impl Default for Market {
    fn default() -> Self {
        Self {
            state: FeedState::Connecting,
            book: None,
            last_price: None,
            open_price: None,
            history: VecDeque::with_capacity(HISTORY),
            last_update_ms: None,
            candles: Candles::default(),
            ticker: None,
            tape: Arc::new(VecDeque::with_capacity(TAPE)),
        }
    }
}

/// The candle with exchange padding dropped, like the book's prices.
fn normalized_candle(c: &Candle) -> Candle {
    Candle {
        open: c.open.normalize(),
        high: c.high.normalize(),
        low: c.low.normalize(),
        close: c.close.normalize(),
        volume: c.volume.normalize(),
        quote_volume: c.quote_volume.normalize(),
        ..*c
    }
}

impl Market {
    /// Best price to mark a position at: mid, else last trade.
    pub fn mark(&self) -> Option<Decimal> {
        self.book.as_ref().and_then(BookUpdate::mid).or(self.last_price)
    }
}

/// All symbols' markets plus the feed's overall health.
#[derive(Debug, Default)]
pub struct Markets {
    by_symbol: BTreeMap<Symbol, Market>,
    pub feed_state: Option<FeedState>,
    pub feed_detail: String,
    pub latency_ms: Option<i64>,
    /// When `feed_state` last changed (engine clock).
    pub feed_since_ms: Option<TimestampMs>,
}

impl Markets {
    /// Markets for `symbols`, all `connecting`.
    pub fn new(symbols: &[Symbol]) -> Self {
        let by_symbol = symbols.iter().map(|s| (s.clone(), Market::default())).collect();
        Self { by_symbol, feed_state: Some(FeedState::Connecting), ..Self::default() }
    }

    /// The market of `symbol`, if it is one the engine follows.
    pub fn get(&self, symbol: &Symbol) -> Option<&Market> {
        self.by_symbol.get(symbol)
    }

    /// Follows `symbol` from now on (added to the watchlist), `connecting`
    /// until the feed reports its book.
    pub fn watch(&mut self, symbol: &Symbol) {
        self.by_symbol.entry(symbol.clone()).or_default();
    }

    /// Forgets `symbol`'s market (removed from the watchlist); events still
    /// on their way for it are ignored like any unknown symbol's.
    pub fn unwatch(&mut self, symbol: &Symbol) {
        self.by_symbol.remove(symbol);
    }

    /// Records a market event received at `now`.
    pub fn apply(&mut self, event: &MarketEvent, now: TimestampMs) {
        match event {
            MarketEvent::Trade(trade) => {
                self.latency_ms = Some(now.saturating_sub(trade.ts_ms));
                if let Some(m) = self.by_symbol.get_mut(&trade.symbol) {
                    let price = trade.price.normalize();
                    m.last_price = Some(price);
                    m.open_price.get_or_insert(price);
                    if m.history.len() == HISTORY {
                        m.history.pop_front();
                    }
                    m.history.push_back((trade.ts_ms, price));
                    let tape = Arc::make_mut(&mut m.tape);
                    if tape.len() == TAPE {
                        tape.pop_front();
                    }
                    tape.push_back(Print {
                        ts_ms: trade.ts_ms,
                        price,
                        qty: trade.qty.normalize(),
                        side: trade.side,
                    });
                    m.last_update_ms = Some(now);
                }
            }
            MarketEvent::Book(book) => {
                if let Some(m) = self.by_symbol.get_mut(&book.symbol) {
                    m.book = Some(normalized(book));
                    m.last_update_ms = Some(now);
                }
            }
            MarketEvent::Status(status) => self.apply_status(status, now),
            MarketEvent::Candle { symbol, interval, candle } => {
                if let Some(m) = self.by_symbol.get_mut(symbol) {
                    m.candles.get_mut(*interval).update(normalized_candle(candle));
                }
            }
            MarketEvent::Candles { symbol, interval, candles } => {
                if let Some(m) = self.by_symbol.get_mut(symbol) {
                    m.candles.get_mut(*interval).backfill(candles.iter().map(normalized_candle).collect());
                }
            }
            MarketEvent::Ticker { symbol, ticker } => {
                if let Some(m) = self.by_symbol.get_mut(symbol) {
                    m.ticker = Some(ticker.clone());
                }
            }
        }
    }

    fn apply_status(&mut self, status: &FeedStatus, now: TimestampMs) {
        match &status.symbol {
            Some(symbol) => {
                if let Some(m) = self.by_symbol.get_mut(symbol) {
                    m.state = status.state;
                }
            }
            None => {
                if self.feed_state != Some(status.state) {
                    self.feed_since_ms = Some(now);
                    // A latency measured before the drop says nothing about now.
                    if status.state != FeedState::Connected {
                        self.latency_ms = None;
                    }
                }
                self.feed_state = Some(status.state);
                self.feed_detail = status.detail.clone();
                // A socket that is up says nothing about any book: each symbol
                // turns synced only on its own status event, after its
                // snapshot. Every other connection state downgrades all symbols.
                if status.state != FeedState::Connected {
                    for m in self.by_symbol.values_mut() {
                        m.state = status.state;
                    }
                }
            }
        }
    }

    /// Mark price of `asset` quoted in `quote`, looked up via `ASSETQUOTE`.
    pub fn mark_asset(&self, asset: &str, quote: &str) -> Option<Decimal> {
        let symbol = Symbol::new(&format!("{asset}{quote}")).ok()?;
        self.by_symbol.get(&symbol)?.mark()
    }

    /// The read-model rows for the snapshot, with each symbol's filters from `instruments`
    /// (the screen prints prices and quantities at their precision) and the staleness limit.
    pub fn views(&self, instruments: &[Instrument], stale_after_ms: u64) -> Vec<MarketView> {
        self.by_symbol
            .iter()
            .map(|(symbol, m)| (symbol, m, instruments.iter().find(|i| &i.symbol == symbol)))
            .map(|(symbol, m, instrument)| MarketView {
                symbol: symbol.clone(),
                state: m.state,
                last_price: m.last_price,
                open_price: m.open_price,
                history: m.history.iter().copied().collect(),
                book: m.book.clone(),
                last_update_ms: m.last_update_ms,
                tick_size: instrument.map(|i| i.tick_size),
                step_size: instrument.map(|i| i.step_size),
                base_asset: instrument.map(|i| i.base_asset.clone()).unwrap_or_default(),
                quote_asset: instrument.map(|i| i.quote_asset.clone()).unwrap_or_default(),
                stale_after_ms,
                candles: m.candles.clone(),
                ticker: m.ticker.clone(),
                tape: Arc::clone(&m.tape),
            })
            .collect()
    }
}
