//! The running exchange: the market behind one lock, the diff-depth batches, and a
//! broadcast of stream messages. Stepping, batching and snapshots all happen under
//! the same lock, so a REST snapshot's `lastUpdateId` always sits inside the
//! `[U;u]` range of some diff the stream has sent or will send.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::sync::{broadcast, watch};
use tokio::time::{Instant, MissedTickBehavior};

use crate::clock::Clock;
use crate::domain::{Symbol, TimestampMs};
use crate::market::{Candle, Interval, Level};

use serde_json::Value;

use super::account;
use super::accounts::{Accounts, NewOrder, OrderRef, SimFill, SimOrder, UserEvents};
use super::klines::KlineBook;
use super::market::{DepthDiff, DepthSnapshot, SimEvent, SimMarket, SimTrade};
use super::rest::ApiError;
use super::rest::ticker;
use super::spec::SymbolSpec;
use super::ticker::{Stats, TickerWindow};
use super::wire::{
    self, BookTickerMsg, DepthUpdateMsg, Fixed, KlineBodyMsg, KlineMsg, Outbound, StreamPayload, TickerMsg,
    TradeMsg,
};

/// Messages a slow connection may fall behind before it starts losing some.
const BROADCAST_CAPACITY: usize = 1 << 16;
/// Most steps taken under one lock, so REST never waits long.
const MAX_STEPS_PER_LOCK: u64 = 512;

/// Stream kinds per symbol, in stream-id order; the klines follow
/// [`Interval::ALL`]'s order from [`KLINE_1M`] on.
const KINDS: [&str; 11] = [
    "@trade",
    "@bookTicker",
    "@depth@100ms",
    "@depth",
    "@ticker",
    "@kline_1m",
    "@kline_5m",
    "@kline_15m",
    "@kline_1h",
    "@kline_4h",
    "@kline_1d",
];
const TRADE: usize = 0;
const BOOK_TICKER: usize = 1;
const DEPTH_FAST: usize = 2;
const DEPTH_SLOW: usize = 3;
const TICKER: usize = 4;
const KLINE_1M: usize = 5;

/// Level changes accumulated between two diff-depth messages.
#[derive(Debug, Default)]
struct DepthBatch {
    first: Option<u64>,
    last: u64,
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
}

impl DepthBatch {
    fn add(&mut self, diff: &DepthDiff) {
        self.first.get_or_insert(diff.update_id);
        self.last = diff.update_id;
        self.bids.extend(diff.bids.iter().map(|l| (l.price, l.qty)));
        self.asks.extend(diff.asks.iter().map(|l| (l.price, l.qty)));
    }

    /// Takes the batch: `(U, u, bids best first, asks best first)`.
    fn take(&mut self) -> Option<(u64, u64, Vec<Level>, Vec<Level>)> {
        let first = self.first.take()?;
        let level = |(price, qty): (Decimal, Decimal)| Level { price, qty };
        let bids = std::mem::take(&mut self.bids).into_iter().rev().map(level).collect();
        let asks = std::mem::take(&mut self.asks).into_iter().map(level).collect();
        Some((first, self.last, bids, asks))
    }
}

/// Everything that changes as the market steps.
#[derive(Debug)]
struct Exchange {
    market: SimMarket,
    /// The test accounts' balances, orders and fills (matched against `market`).
    accounts: Accounts,
    /// Per symbol: `[@depth@100ms batch, @depth batch]`.
    batches: Vec<[DepthBatch; 2]>,
    last_top: Vec<Option<(Level, Level)>>,
    tickers: Vec<TickerWindow>,
    /// Candles of the trades, per symbol.
    klines: Vec<KlineBook>,
    /// When the kline streams were last sent (candles that closed since then go out final).
    klines_sent: TimestampMs,
}

/// The exchange shared by the drivers and every connection.
pub(crate) struct Hub {
    state: Mutex<Exchange>,
    tx: broadcast::Sender<Arc<Outbound>>,
    clock: Arc<dyn Clock>,
    specs: Vec<SymbolSpec>,
    /// Stream names by stream id (`symbol index * 4 + kind`).
    names: Vec<Arc<str>>,
    /// Open subscriptions per stream id: nothing is serialized for streams nobody reads.
    interest: Vec<AtomicUsize>,
    /// User data events: (account index, `executionReport` / `outboundAccountPosition`).
    user_tx: broadcast::Sender<Arc<(usize, Value)>>,
}

impl Hub {
    pub(crate) fn new(market: SimMarket, clock: Arc<dyn Clock>) -> Arc<Self> {
        let specs: Vec<SymbolSpec> = market.specs().cloned().collect();
        let names: Vec<Arc<str>> = specs
            .iter()
            .flat_map(|s| {
                KINDS.iter().map(move |k| Arc::from(format!("{}{k}", s.instrument.symbol.stream_name())))
            })
            .collect();
        let n = specs.len();
        let state = Exchange {
            accounts: Accounts::new(account::count(), &specs),
            market,
            batches: (0..n).map(|_| Default::default()).collect(),
            last_top: vec![None; n],
            tickers: (0..n).map(|_| TickerWindow::default()).collect(),
            klines: (0..n).map(|_| KlineBook::default()).collect(),
            klines_sent: clock.now_ms(),
        };
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        let interest = names.iter().map(|_| AtomicUsize::new(0)).collect();
        let (user_tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Arc::new(Self { state: Mutex::new(state), tx, clock, specs, names, interest, user_tx })
    }

    fn lock(&self) -> MutexGuard<'_, Exchange> {
        // A panic while holding the lock cannot leave the book half-updated in a way
        // later readers could misread worse than a crash would, so keep serving.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wall-clock now, for event times and `/api/v3/time`.
    pub(crate) fn now_ms(&self) -> TimestampMs {
        self.clock.now_ms()
    }

    /// The listed symbols.
    pub(crate) fn specs(&self) -> &[SymbolSpec] {
        &self.specs
    }

    /// Listing index of a symbol.
    pub(crate) fn index_of(&self, symbol: &Symbol) -> Option<usize> {
        self.specs.iter().position(|s| &s.instrument.symbol == symbol)
    }

    /// Stream id of a stream name such as `btcusdt@depth@100ms`.
    pub(crate) fn stream_id(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| &**n == name)
    }

    /// Name of a stream id.
    pub(crate) fn stream_name(&self, id: usize) -> Option<&str> {
        self.names.get(id).map(|n| &**n)
    }

    /// Number of stream ids.
    pub(crate) fn stream_count(&self) -> usize {
        self.names.len()
    }

    /// Records (`+1`) or drops (`-1`) one subscriber of a stream.
    pub(crate) fn set_interest(&self, id: usize, subscribed: bool) {
        if let Some(counter) = self.interest.get(id) {
            if subscribed {
                counter.fetch_add(1, Ordering::Relaxed);
            } else {
                counter.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// A receiver of every stream message from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Outbound>> {
        self.tx.subscribe()
    }

    /// A consistent depth snapshot of up to `limit` levels per side.
    pub(crate) fn snapshot(&self, idx: usize, limit: usize) -> Option<DepthSnapshot> {
        self.lock().market.snapshot(idx, limit)
    }

    /// 24h statistics, the price before the window, and the current top of book.
    pub(crate) fn ticker(
        &self,
        idx: usize,
        now_ms: TimestampMs,
    ) -> (Option<Stats>, Option<Decimal>, Option<(Level, Level)>) {
        let mut ex = self.lock();
        let top = ex.market.top_of_book(idx).map(|(_, bid, ask)| (bid, ask));
        let (stats, prev) = ex.tickers.get_mut(idx).map(|t| t.window(now_ms)).unwrap_or((None, None));
        (stats, prev, top)
    }

    /// Candles for `GET /api/v3/klines` (see [`KlineBook::query`]).
    pub(crate) fn klines(
        &self,
        idx: usize,
        interval: Interval,
        start: Option<TimestampMs>,
        end: Option<TimestampMs>,
        limit: usize,
    ) -> Vec<Candle> {
        let now = self.now_ms();
        self.lock().klines.get_mut(idx).map(|k| k.query(interval, start, end, limit, now)).unwrap_or_default()
    }

    /// Sends the kline streams (every interval's current candle, and final
    /// forms of the ones that closed since the last call) and the 24 h tickers.
    pub(crate) fn flush_stats(&self) {
        let now = self.now_ms();
        let mut out = Vec::new();
        {
            let mut ex = self.lock();
            let since = std::mem::replace(&mut ex.klines_sent, now);
            for idx in 0..self.specs.len() {
                for interval in Interval::ALL {
                    let Some(id) = self.wanted(idx, KLINE_1M + interval.index()) else { continue };
                    let Some(book) = ex.klines.get_mut(idx) else { continue };
                    let current = interval.open_time(now);
                    for c in book.tick(interval, now, since) {
                        out.push((id, self.kline_msg(idx, interval, &c, c.open_time < current, now)));
                    }
                }
            }
        }
        for (id, msg) in out {
            self.publish(id, StreamPayload::Kline(msg));
        }
        for idx in 0..self.specs.len() {
            if let Some(id) = self.wanted(idx, TICKER) {
                let msg = TickerMsg::from_rest(ticker(self, idx, now), now);
                self.publish(id, StreamPayload::Ticker(Box::new(msg)));
            }
        }
    }

    fn kline_msg(
        &self,
        idx: usize,
        interval: Interval,
        c: &Candle,
        closed: bool,
        now: TimestampMs,
    ) -> KlineMsg {
        let symbol = self.specs[idx].instrument.symbol.to_string();
        let zero = Fixed(Decimal::ZERO);
        KlineMsg {
            event: "kline",
            event_time: now,
            symbol: symbol.clone(),
            kline: KlineBodyMsg {
                t: c.open_time,
                close_time: c.open_time + interval.ms() - 1,
                s: symbol,
                i: interval.as_str(),
                f: -1,
                last_id: -1,
                o: Fixed(c.open),
                c: Fixed(c.close),
                h: Fixed(c.high),
                l: Fixed(c.low),
                v: Fixed(c.volume),
                n: c.trades,
                x: closed,
                q: Fixed(c.quote_volume),
                taker_base: zero,
                taker_quote: zero,
                ignore: "0",
            },
        }
    }

    fn wanted(&self, idx: usize, kind: usize) -> Option<usize> {
        let id = idx * KINDS.len() + kind;
        (self.interest.get(id)?.load(Ordering::Relaxed) > 0).then_some(id)
    }

    fn publish(&self, id: usize, payload: StreamPayload) {
        if let Some(name) = self.names.get(id) {
            // An error only means nobody is connected right now.
            let _ = self.tx.send(Arc::new(Outbound::new(id, name.clone(), payload)));
        }
    }

    /// Takes `steps` market steps and publishes trades and book tickers at once;
    /// depth changes go into the batches. After the steps, the stop-limit
    /// orders the market's trades reached trigger and take from the book, and
    /// resting client orders the market reached are filled.
    pub(crate) fn advance(&self, steps: u64) {
        let now = self.now_ms();
        let mut ex = self.lock();
        // Per symbol, the lowest and highest public trade price of these steps:
        // a resting order the market traded through fills even if the book moved back.
        let mut traded: BTreeMap<usize, (Decimal, Decimal)> = BTreeMap::new();
        for _ in 0..steps {
            let events = ex.market.step();
            for event in &events {
                if let SimEvent::Trade(t) = event
                    && let Some(idx) = self.index_of(&t.symbol)
                {
                    let range = traded.entry(idx).or_insert((t.price, t.price));
                    range.0 = range.0.min(t.price);
                    range.1 = range.1.max(t.price);
                }
            }
            self.apply(&mut ex, now, events);
        }
        let Exchange { accounts, market, .. } = &mut *ex;
        let (user, caused) = accounts.on_market(market, &traded, now);
        self.publish_user(user);
        // A triggered stop's trades moved the book: publish them like any other.
        self.apply(&mut ex, now, caused);
    }

    fn apply(&self, ex: &mut Exchange, now: TimestampMs, events: Vec<SimEvent>) {
        for event in events {
            match event {
                SimEvent::Trade(trade) => self.on_trade(ex, now, trade),
                SimEvent::Depth(diff) => self.on_depth(ex, diff),
            }
        }
    }

    /// A receiver of every account's user data events from now on.
    pub(crate) fn user_events(&self) -> broadcast::Receiver<Arc<(usize, Value)>> {
        self.user_tx.subscribe()
    }

    fn publish_user(&self, events: UserEvents) {
        for event in events {
            // Nobody subscribed is fine: reconciliation reads the account later.
            let _ = self.user_tx.send(Arc::new(event));
        }
    }

    /// Places an order for account `acct` at `now`, publishing the market and
    /// user data events it causes.
    pub(crate) fn place(
        &self,
        acct: usize,
        order: NewOrder,
        now: TimestampMs,
    ) -> Result<(SimOrder, Vec<SimFill>), ApiError> {
        let mut ex = self.lock();
        let Exchange { accounts, market, .. } = &mut *ex;
        let (placed, fills, user, caused) = accounts.place(acct, order, market, now)?;
        self.apply(&mut ex, now, caused);
        self.publish_user(user);
        Ok((placed, fills))
    }

    /// Cancels one of account `acct`'s orders; returns it and the cancel's client id.
    pub(crate) fn cancel(
        &self,
        acct: usize,
        symbol: usize,
        find: &OrderRef,
        cancel_id: Option<String>,
        now: TimestampMs,
    ) -> Result<(SimOrder, String), ApiError> {
        let (order, cancel_id, user) = self.lock().accounts.cancel(acct, symbol, find, cancel_id, now)?;
        self.publish_user(user);
        Ok((order, cancel_id))
    }

    /// Reads the accounts under the lock.
    pub(crate) fn with_accounts<R>(&self, read: impl FnOnce(&Accounts) -> R) -> R {
        read(&self.lock().accounts)
    }

    /// Fills account `acct`'s open order `client_id` at its price; false if none.
    pub(crate) fn force_fill(&self, acct: usize, client_id: &str) -> bool {
        let now = self.now_ms();
        let mut ex = self.lock();
        let Exchange { accounts, market, .. } = &mut *ex;
        let Some(id) = accounts.open_id(acct, client_id) else { return false };
        let user = accounts.fill_resting(acct, id, market, now);
        let filled = !user.is_empty();
        self.publish_user(user);
        filled
    }

    fn on_trade(&self, ex: &mut Exchange, now: TimestampMs, trade: SimTrade) {
        let Some(idx) = self.index_of(&trade.symbol) else { return };
        if let Some(t) = ex.tickers.get_mut(idx) {
            t.record(now, &trade);
        }
        if let Some(k) = ex.klines.get_mut(idx) {
            k.record(now, &trade);
        }
        if let Some(id) = self.wanted(idx, TRADE) {
            self.publish(
                id,
                StreamPayload::Trade(TradeMsg {
                    event: "trade",
                    event_time: now,
                    symbol: trade.symbol.to_string(),
                    trade_id: trade.id,
                    price: Fixed(trade.price),
                    qty: Fixed(trade.qty),
                    trade_time: now,
                    buyer_is_maker: trade.buyer_is_maker,
                    ignore: true,
                }),
            );
        }
    }

    fn on_depth(&self, ex: &mut Exchange, diff: DepthDiff) {
        let Some(idx) = self.index_of(&diff.symbol) else { return };
        if let Some(batches) = ex.batches.get_mut(idx) {
            batches.iter_mut().for_each(|b| b.add(&diff));
        }
        let Some(id) = self.wanted(idx, BOOK_TICKER) else { return };
        let Some((update_id, bid, ask)) = ex.market.top_of_book(idx) else { return };
        if ex.last_top.get(idx) == Some(&Some((bid, ask))) {
            return;
        }
        ex.last_top[idx] = Some((bid, ask));
        self.publish(
            id,
            StreamPayload::BookTicker(BookTickerMsg {
                update_id,
                symbol: diff.symbol.to_string(),
                bid_price: Fixed(bid.price),
                bid_qty: Fixed(bid.qty),
                ask_price: Fixed(ask.price),
                ask_qty: Fixed(ask.qty),
            }),
        );
    }

    /// Sends the pending diff of every symbol for the 100 ms (`fast`) or 1 s stream.
    pub(crate) fn flush_depth(&self, fast: bool) {
        let (slot, kind) = if fast { (0, DEPTH_FAST) } else { (1, DEPTH_SLOW) };
        let now = self.now_ms();
        let mut ex = self.lock();
        for idx in 0..self.specs.len() {
            let Some((first, last, bids, asks)) = ex.batches.get_mut(idx).and_then(|b| b[slot].take()) else {
                continue;
            };
            let Some(id) = self.wanted(idx, kind) else { continue };
            self.publish(
                id,
                StreamPayload::Depth(DepthUpdateMsg {
                    event: "depthUpdate",
                    event_time: now,
                    symbol: self.specs[idx].instrument.symbol.to_string(),
                    first_update_id: first,
                    final_update_id: last,
                    bids: wire::levels(&bids),
                    asks: wire::levels(&asks),
                }),
            );
        }
    }
}

/// Steps the market at `rate` steps per second until shutdown. Above ~1000/s steps
/// run in batches per timer tick; when the host cannot keep up it steps flat out.
pub(crate) async fn run_steps(
    hub: Arc<Hub>,
    rate: u32,
    faults: Arc<super::Faults>,
    mut shutdown: watch::Receiver<bool>,
) {
    let start = Instant::now();
    let rate = f64::from(rate);
    let mut done: u64 = 0;
    while !stopping(&shutdown) {
        // f64 only paces the loop; it never touches a price.
        let due = (start.elapsed().as_secs_f64() * rate) as u64;
        if due > done && faults.market_held() {
            // Held: the steps due are skipped, not made up later.
            done = due;
        }
        if due > done {
            let n = (due - done).min(MAX_STEPS_PER_LOCK);
            hub.advance(n);
            done += n;
            tokio::task::yield_now().await;
            continue;
        }
        let next = start + Duration::from_secs_f64((done + 1) as f64 / rate);
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Flushes one diff-depth cadence (`@depth@100ms` or `@depth`) until shutdown.
pub(crate) async fn run_depth_flush(hub: Arc<Hub>, fast: bool, mut shutdown: watch::Receiver<bool>) {
    let period = if fast { Duration::from_millis(100) } else { Duration::from_secs(1) };
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    while !stopping(&shutdown) {
        tokio::select! {
            _ = tick.tick() => hub.flush_depth(fast),
            _ = shutdown.changed() => {}
        }
    }
}

/// Sends the kline and 24 h ticker streams every second (Binance's cadence
/// for `@ticker`; its klines come every 2 s) until shutdown.
pub(crate) async fn run_stats_flush(hub: Arc<Hub>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    while !stopping(&shutdown) {
        tokio::select! {
            _ = tick.tick() => hub.flush_stats(),
            _ = shutdown.changed() => {}
        }
    }
}

/// True once shutdown was requested or its sender (the `SimHandle`) is gone.
pub(crate) fn stopping(shutdown: &watch::Receiver<bool>) -> bool {
    *shutdown.borrow() || shutdown.has_changed().is_err()
}
