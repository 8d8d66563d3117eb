//! One live WebSocket connection: read frames, keep every symbol's book in
//! sync (snapshots fetched concurrently, so pings keep being answered),
//! watch staleness, subscribe and unsubscribe symbols on the open
//! connection when the engine asks (Binance's `SUBSCRIBE`/`UNSUBSCRIBE`
//! control messages: no reconnect, so the other symbols' books never pause),
//! and say why the connection ended.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};

use crate::clock::{Clock, SystemClock};
use crate::domain::{Symbol, TimestampMs};
use crate::market::config::{FeedConfig, streams_for};
use crate::market::feed::{FeedCommand, FeedStats};
use crate::market::fixed::Scales;
use crate::market::rest::{RestClient, RestError};
use crate::market::session::{Closed, Outbox, apply_to_list};
use crate::market::sync::{BookSync, DEFAULT_MAX_BUFFER, DiffOutcome, SnapshotOutcome};
use crate::market::wire::{DepthDiff, DepthSnapshot, Frame, ScalesFor, WireError, parse_frame};
use crate::market::{BookUpdate, Candle, FeedState, Interval, MarketEvent, Trade};

type Ws = super::proxy::WebSocket;
/// A snapshot names its symbol, not an index: the list changes at runtime.
/// The instrument's scales come with the first snapshot of a connection.
type SnapshotResult = (Symbol, Result<(Scales, DepthSnapshot), RestError>);
type BackfillResult = (Symbol, Vec<(Interval, Result<Vec<Candle>, RestError>)>);

/// Why a connection ended and how to reconnect.
#[derive(Debug)]
pub(crate) struct Ended {
    pub reason: String,
    /// At least one book synced: the backoff starts over.
    pub healthy: bool,
    /// Reconnect without a pause.
    pub immediate: bool,
}

struct SymbolState {
    symbol: Symbol,
    /// `None` until the instrument's scales are known (fetched with the first
    /// snapshot of each connection, so a filter change is picked up).
    sync: Option<BookSync>,
    /// Depth frames received before the scales were known, kept as they came
    /// (`Utf8Bytes` shares tungstenite's buffer: no copy) and parsed once they are.
    unscaled: Vec<Utf8Bytes>,
    /// A snapshot (with the instrument, while unscaled) is on its way.
    first_snapshot_requested: bool,
    state: FeedState,
    last_update: Instant,
    snapshot_failures: u32,
}

impl SymbolState {
    fn new(symbol: Symbol) -> Self {
        Self {
            symbol,
            sync: None,
            unscaled: Vec::new(),
            first_snapshot_requested: false,
            state: FeedState::Resyncing,
            last_update: Instant::now(),
            snapshot_failures: 0,
        }
    }

    fn book(&self) -> Option<&crate::market::book::OrderBook> {
        self.sync.as_ref().and_then(BookSync::book)
    }
}

/// The followed symbols' scales, for the frame parser.
struct Followed<'a>(&'a [SymbolState]);

impl ScalesFor for Followed<'_> {
    #[inline]
    fn scales_for(&self, symbol: &str) -> Option<Scales> {
        let state = self.0.iter().find(|s| s.symbol.as_str() == symbol)?;
        state.sync.as_ref().map(|sync| *sync.scales())
    }
}

enum Wake {
    Frame(Option<Result<Message, tungstenite::Error>>),
    Snapshot(Result<SnapshotResult, tokio::task::JoinError>),
    Command(FeedCommand),
    Backfill(Result<BackfillResult, tokio::task::JoinError>),
    Tick,
    Aged,
}

/// State of one connection; dropped (with its snapshot tasks) when it ends.
pub(crate) struct Connection {
    config: Arc<FeedConfig>,
    rest: RestClient,
    out: Outbox,
    symbols: Vec<SymbolState>,
    snapshots: JoinSet<SnapshotResult>,
    backfills: JoinSet<BackfillResult>,
    healthy: bool,
    /// The `id` of the next control message sent.
    next_control_id: u64,
    /// The depth diff the parser fills, reused frame after frame (no
    /// allocation per message once its capacity has grown to a frame's levels).
    diff: DepthDiff,
}

impl Connection {
    /// A connection whose URL subscribed `watched`.
    pub(crate) fn new(config: Arc<FeedConfig>, rest: RestClient, out: Outbox, watched: &[Symbol]) -> Self {
        let symbols = watched.iter().cloned().map(SymbolState::new).collect();
        Self {
            config,
            rest,
            out,
            symbols,
            snapshots: JoinSet::new(),
            backfills: JoinSet::new(),
            healthy: false,
            next_control_id: 1,
            diff: DepthDiff::default(),
        }
    }

    /// Runs until the connection ends; `Err` only when the consumer is gone.
    /// Watchlist changes read from `commands` are applied here and to `watched`,
    /// the list the next connection starts from.
    pub(crate) async fn run(
        mut self,
        mut ws: Ws,
        stats: &FeedStats,
        commands: &mut mpsc::Receiver<FeedCommand>,
        watched: &mut Vec<Symbol>,
    ) -> Result<Ended, Closed> {
        for s in &self.symbols {
            self.out
                .status(Some(&s.symbol), FeedState::Resyncing, "awaiting depth snapshot".to_owned())
                .await?;
        }
        self.request_backfills();
        let tick = self
            .config
            .stale_after
            .checked_div(4)
            .unwrap_or_default()
            .clamp(Duration::from_millis(5), Duration::from_secs(1));
        let mut ticker = tokio::time::interval(tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let aged = tokio::time::sleep(self.config.max_connection_age);
        tokio::pin!(aged);
        let mut last_frame = Instant::now();
        loop {
            let wake = tokio::select! {
                m = ws.next() => Wake::Frame(m),
                Some(r) = self.snapshots.join_next(), if !self.snapshots.is_empty() => Wake::Snapshot(r),
                Some(c) = commands.recv() => Wake::Command(c),
                Some(r) = self.backfills.join_next(), if !self.backfills.is_empty() => Wake::Backfill(r),
                _ = ticker.tick() => Wake::Tick,
                _ = &mut aged => Wake::Aged,
            };
            let ended = match wake {
                Wake::Frame(None) => Some(self.ended("connection closed by the server")),
                Wake::Frame(Some(Err(e))) => Some(self.ended(&format!("read error: {e}"))),
                Wake::Frame(Some(Ok(msg))) => {
                    last_frame = Instant::now();
                    self.on_message(msg, &mut ws, stats).await?
                }
                Wake::Snapshot(Ok((symbol, res))) => {
                    // A symbol unwatched while its snapshot was on the way: nothing to sync.
                    if let Some(idx) = self.index(&symbol) {
                        self.on_snapshot(idx, res, stats).await?;
                    }
                    None
                }
                Wake::Command(command) => {
                    apply_to_list(watched, &command);
                    self.on_command(command, &mut ws).await?
                }
                Wake::Snapshot(Err(e)) => Some(self.ended(&format!("snapshot task failed: {e}"))),
                Wake::Backfill(Ok((symbol, results))) => {
                    // Candles of a symbol unwatched meanwhile are dropped.
                    if self.index(&symbol).is_some() {
                        self.on_backfill(symbol, results).await?;
                    }
                    None
                }
                Wake::Backfill(Err(e)) => Some(self.ended(&format!("kline backfill task failed: {e}"))),
                Wake::Tick if last_frame.elapsed() > self.config.idle_timeout => {
                    let ms = self.config.idle_timeout.as_millis();
                    Some(self.ended(&format!("no frame (not even a ping) for {ms} ms")))
                }
                Wake::Tick => {
                    self.check_stale().await?;
                    None
                }
                Wake::Aged => Some(Ended {
                    reason: "planned reconnect before the 24 h connection limit".to_owned(),
                    healthy: true,
                    immediate: true,
                }),
            };
            if let Some(ended) = ended {
                return Ok(ended);
            }
        }
    }

    fn index(&self, symbol: &Symbol) -> Option<usize> {
        self.symbols.iter().position(|s| &s.symbol == symbol)
    }

    /// Subscribes or unsubscribes one symbol's streams on this connection. A
    /// new symbol syncs like one at start: its first diff asks for a snapshot.
    async fn on_command(&mut self, command: FeedCommand, ws: &mut Ws) -> Result<Option<Ended>, Closed> {
        let (method, symbol) = match command {
            FeedCommand::Watch(symbol) => {
                if self.index(&symbol).is_some() {
                    return Ok(None);
                }
                self.symbols.push(SymbolState::new(symbol.clone()));
                self.request_backfill(symbol.clone());
                let detail = "subscribed; awaiting depth snapshot".to_owned();
                self.out.status(Some(&symbol), FeedState::Resyncing, detail).await?;
                ("SUBSCRIBE", symbol)
            }
            FeedCommand::Unwatch(symbol) => {
                let Some(idx) = self.index(&symbol) else { return Ok(None) };
                self.symbols.remove(idx);
                ("UNSUBSCRIBE", symbol)
            }
        };
        let id = self.next_control_id;
        self.next_control_id = id.saturating_add(1);
        let request = serde_json::json!({ "method": method, "params": streams_for(&symbol), "id": id });
        tracing::info!(feed = %self.config.name, %symbol, method, id, "stream control");
        match ws.send(Message::Text(request.to_string().into())).await {
            Ok(()) => Ok(None),
            Err(e) => Ok(Some(self.ended(&format!("could not send {method} for {symbol}: {e}")))),
        }
    }

    fn ended(&self, reason: &str) -> Ended {
        Ended { reason: reason.to_owned(), healthy: self.healthy, immediate: false }
    }

    async fn on_message(
        &mut self,
        msg: Message,
        ws: &mut Ws,
        stats: &FeedStats,
    ) -> Result<Option<Ended>, Closed> {
        match msg {
            Message::Text(text) => {
                FeedStats::bump(&stats.frames);
                // Parsed in place from tungstenite's buffer: no copy of the frame.
                match parse_frame(text.as_str(), &Followed(&self.symbols), &mut self.diff) {
                    Ok(frame) => return self.on_frame(frame, &text, stats).await,
                    Err(e) => {
                        FeedStats::bump(&stats.malformed);
                        tracing::warn!(feed = %self.config.name, error = %e, "skipped frame");
                        if let WireError::Depth { symbol, reason } = &e
                            && let Some(idx) = self.symbols.iter().position(|s| s.symbol.as_str() == symbol)
                        {
                            self.resync_bad_data(idx, format!("malformed depth update: {reason}"), stats)
                                .await?;
                        }
                    }
                }
            }
            Message::Binary(_) => FeedStats::bump(&stats.binary),
            // tungstenite queued the pong when it read the ping; push it out now.
            Message::Ping(_) => {
                if let Err(e) = ws.flush().await {
                    return Ok(Some(self.ended(&format!("could not answer ping: {e}"))));
                }
            }
            Message::Pong(_) | Message::Frame(_) => {}
            Message::Close(frame) => {
                let why = frame.map(|f| format!(" ({} {})", u16::from(f.code), f.reason)).unwrap_or_default();
                return Ok(Some(self.ended(&format!("server closed the connection{why}"))));
            }
        }
        Ok(None)
    }

    async fn on_frame(
        &mut self,
        frame: Frame<'_>,
        text: &Utf8Bytes,
        stats: &FeedStats,
    ) -> Result<Option<Ended>, Closed> {
        let known = |name: &str| self.symbols.iter().position(|s| s.symbol.as_str() == name);
        match frame {
            Frame::Trade(t) => {
                let Some(idx) = known(&t.symbol) else { return self.unknown(stats) };
                let scales = self.symbols[idx].sync.as_ref().map(|s| *s.scales());
                if let Some(Err(e)) = scales.map(|s| s.check_trade(t.price, t.qty)) {
                    FeedStats::bump(&stats.malformed);
                    tracing::warn!(feed = %self.config.name, symbol = %t.symbol, error = %e, "skipped trade");
                    return Ok(None);
                }
                self.touch(idx).await?;
                let symbol = self.symbols[idx].symbol.clone();
                let trade = Trade { symbol, price: t.price, qty: t.qty, side: t.side, ts_ms: t.trade_time };
                self.out.event(MarketEvent::Trade(trade)).await?;
            }
            Frame::BookTicker(b) => {
                let Some(idx) = known(&b.symbol) else { return self.unknown(stats) };
                self.touch(idx).await?;
            }
            Frame::Depth { symbol } => {
                let Some(idx) = known(&symbol) else { return self.unknown(stats) };
                let ts = self.diff.event_time;
                let Some(sync) = self.symbols[idx].sync.as_mut() else { return self.unknown(stats) };
                match sync.on_diff(&self.diff) {
                    DiffOutcome::Buffered { request_snapshot: true } => {
                        self.request_snapshot(idx, Duration::ZERO)
                    }
                    DiffOutcome::Buffered { request_snapshot: false } | DiffOutcome::Ignored => {}
                    DiffOutcome::Applied => {
                        self.touch(idx).await?;
                        self.publish(idx, ts).await?;
                    }
                    DiffOutcome::Gap { expected, got } => {
                        FeedStats::bump(&stats.resyncs);
                        self.set_state(
                            idx,
                            FeedState::Resyncing,
                            format!("gap: expected U={expected}, got {got}"),
                        )
                        .await?;
                        self.request_snapshot(idx, Duration::ZERO);
                    }
                    DiffOutcome::Crossed { bid, ask } => {
                        FeedStats::bump(&stats.malformed);
                        let detail = self.crossed_detail(idx, bid, ask);
                        self.resync_bad_data(idx, detail, stats).await?;
                    }
                }
            }
            Frame::DepthUnscaled { symbol } => {
                let Some(idx) = known(&symbol) else { return self.unknown(stats) };
                let s = &mut self.symbols[idx];
                if s.unscaled.len() >= DEFAULT_MAX_BUFFER {
                    s.unscaled.remove(0);
                }
                s.unscaled.push(text.clone());
                if !s.first_snapshot_requested {
                    s.first_snapshot_requested = true;
                    self.request_snapshot(idx, Duration::ZERO);
                }
            }
            Frame::Kline { symbol, interval, candle } => {
                let Some(idx) = known(&symbol) else { return self.unknown(stats) };
                let symbol = self.symbols[idx].symbol.clone();
                self.out.event(MarketEvent::Candle { symbol, interval, candle }).await?;
            }
            Frame::Ticker { symbol, ticker } => {
                let Some(idx) = known(&symbol) else { return self.unknown(stats) };
                let symbol = self.symbols[idx].symbol.clone();
                self.out.event(MarketEvent::Ticker { symbol, ticker }).await?;
            }
            Frame::ServerShutdown => {
                return Ok(Some(Ended {
                    reason: "serverShutdown received".to_owned(),
                    healthy: self.healthy,
                    immediate: true,
                }));
            }
            Frame::Unknown => return self.unknown(stats),
        }
        Ok(None)
    }

    fn unknown(&self, stats: &FeedStats) -> Result<Option<Ended>, Closed> {
        FeedStats::bump(&stats.unknown);
        Ok(None)
    }

    async fn on_snapshot(
        &mut self,
        idx: usize,
        res: Result<(Scales, DepthSnapshot), RestError>,
        stats: &FeedStats,
    ) -> Result<(), Closed> {
        let (scales, snap) = match res {
            Ok(answer) => answer,
            Err(e) => {
                let s = &mut self.symbols[idx];
                s.snapshot_failures = s.snapshot_failures.saturating_add(1);
                let delay = self.config.backoff.delay(s.snapshot_failures);
                let detail = format!("depth snapshot failed: {e}; retrying in {} ms", delay.as_millis());
                self.set_state(idx, FeedState::Resyncing, detail).await?;
                self.request_snapshot(idx, delay);
                return Ok(());
            }
        };
        self.adopt_scales(idx, scales, stats);
        let Some(sync) = self.symbols[idx].sync.as_mut() else { return Ok(()) };
        match sync.on_snapshot(&snap) {
            SnapshotOutcome::Synced { applied } => {
                self.healthy = true;
                self.symbols[idx].snapshot_failures = 0;
                self.symbols[idx].last_update = Instant::now();
                let id = self.symbols[idx].book().map_or(0, |b| b.update_id());
                let detail = format!("book synced at update id {id} ({applied} buffered diffs applied)");
                self.set_state(idx, FeedState::Synced, detail).await?;
                self.publish(idx, SystemClock.now_ms()).await?;
            }
            SnapshotOutcome::TooOld { last_update_id, first_buffered } => {
                let detail = format!(
                    "snapshot lastUpdateId={last_update_id} older than first buffered U={first_buffered}; refetching"
                );
                self.set_state(idx, FeedState::Resyncing, detail).await?;
                self.request_snapshot(idx, self.config.backoff.initial);
            }
            SnapshotOutcome::Gap { expected, got } => {
                FeedStats::bump(&stats.resyncs);
                self.set_state(idx, FeedState::Resyncing, format!("gap: expected U={expected}, got {got}"))
                    .await?;
                self.request_snapshot(idx, Duration::ZERO);
            }
            SnapshotOutcome::Crossed { bid, ask } => {
                FeedStats::bump(&stats.malformed);
                let detail = self.crossed_detail(idx, bid, ask);
                self.resync_bad_data(idx, format!("snapshot: {detail}"), stats).await?;
            }
        }
        Ok(())
    }

    /// Starts the symbol's book machine once its scales are known and replays
    /// the depth frames kept meanwhile into its buffer, in order.
    fn adopt_scales(&mut self, idx: usize, scales: Scales, stats: &FeedStats) {
        let s = &mut self.symbols[idx];
        if s.sync.is_some() {
            return;
        }
        let mut sync = BookSync::with_bounds(scales, DEFAULT_MAX_BUFFER, self.config.max_book_levels);
        for text in std::mem::take(&mut s.unscaled) {
            match parse_frame(text.as_str(), &scales, &mut self.diff) {
                Ok(Frame::Depth { .. }) => {
                    sync.on_diff(&self.diff);
                }
                Ok(_) => {}
                Err(e) => {
                    // The gap it leaves is found when the snapshot is replayed.
                    FeedStats::bump(&stats.malformed);
                    tracing::warn!(feed = %self.config.name, symbol = %s.symbol, error = %e, "skipped frame");
                }
            }
        }
        s.sync = Some(sync);
    }

    /// Bad data from the exchange for one symbol (a malformed depth update, a
    /// crossed book): the book is dropped, `market_data_fresh` fails while the
    /// symbol resyncs, and the snapshot is fetched after a backoff (a server
    /// that keeps sending bad data is not hammered).
    async fn resync_bad_data(&mut self, idx: usize, detail: String, stats: &FeedStats) -> Result<(), Closed> {
        FeedStats::bump(&stats.resyncs);
        let s = &mut self.symbols[idx];
        let Some(sync) = s.sync.as_mut() else { return Ok(()) };
        sync.resync();
        s.snapshot_failures = s.snapshot_failures.saturating_add(1);
        let delay = self.config.backoff.delay(s.snapshot_failures);
        self.set_state(idx, FeedState::Resyncing, format!("{detail}; resyncing in {} ms", delay.as_millis()))
            .await?;
        self.request_snapshot(idx, delay);
        Ok(())
    }

    fn crossed_detail(&self, idx: usize, bid: u64, ask: u64) -> String {
        let scale = self.symbols[idx].sync.as_ref().map(|s| s.scales().price);
        match scale {
            Some(p) => format!(
                "crossed book: best bid {} >= best ask {}",
                p.to_decimal(bid).normalize(),
                p.to_decimal(ask).normalize()
            ),
            None => "crossed book".to_owned(),
        }
    }

    /// Fetches every timeframe's recent candles for every symbol, one task per
    /// symbol asking in turn (so a long watchlist does not burst the weight budget).
    fn request_backfills(&mut self) {
        let symbols: Vec<Symbol> = self.symbols.iter().map(|s| s.symbol.clone()).collect();
        for symbol in symbols {
            self.request_backfill(symbol);
        }
    }

    /// Fetches every timeframe's recent candles for `symbol` (at start, or when it is
    /// watched at runtime).
    fn request_backfill(&mut self, symbol: Symbol) {
        let limit = self.config.kline_backfill;
        if limit == 0 {
            return;
        }
        let rest = self.rest.clone();
        self.backfills.spawn(async move {
            let mut out = Vec::with_capacity(Interval::ALL.len());
            for interval in Interval::ALL {
                out.push((interval, rest.klines(&symbol, interval, limit).await));
            }
            (symbol, out)
        });
    }

    /// Publishes the candles fetched; a failed timeframe is only logged (its
    /// chart still fills from the live stream).
    async fn on_backfill(
        &mut self,
        symbol: Symbol,
        results: Vec<(Interval, Result<Vec<Candle>, RestError>)>,
    ) -> Result<(), Closed> {
        for (interval, res) in results {
            match res {
                Ok(candles) => {
                    let symbol = symbol.clone();
                    self.out.event(MarketEvent::Candles { symbol, interval, candles }).await?;
                }
                Err(e) => {
                    tracing::warn!(feed = %self.config.name, %symbol, %interval, error = %e, "kline backfill failed")
                }
            }
        }
        Ok(())
    }

    /// Fetches a depth snapshot after `delay`; the instrument's scales too
    /// while the symbol has none yet.
    fn request_snapshot(&mut self, idx: usize, delay: Duration) {
        let rest = self.rest.clone();
        let symbol = self.symbols[idx].symbol.clone();
        let known = self.symbols[idx].sync.as_ref().map(|s| *s.scales());
        let limit = self.config.snapshot_limit;
        self.snapshots.spawn(async move {
            tokio::time::sleep(delay).await;
            let res: Result<(Scales, DepthSnapshot), RestError> = async {
                let scales = match known {
                    Some(scales) => scales,
                    None => rest.scales(&symbol).await?,
                };
                Ok((scales, rest.depth(&symbol, limit, &scales).await?))
            }
            .await;
            (symbol, res)
        });
    }

    async fn publish(&self, idx: usize, ts_ms: TimestampMs) -> Result<(), Closed> {
        let s = &self.symbols[idx];
        let Some(book) = s.book() else { return Ok(()) };
        let (bids, asks) = book.top(self.config.depth);
        let update = BookUpdate { symbol: s.symbol.clone(), seq: book.update_id(), bids, asks, ts_ms };
        self.out.event(MarketEvent::Book(update)).await
    }

    /// Records fresh data for a symbol; a stale book that is still in sync becomes synced again.
    async fn touch(&mut self, idx: usize) -> Result<(), Closed> {
        let s = &mut self.symbols[idx];
        s.last_update = Instant::now();
        if s.state == FeedState::Stale && s.book().is_some() {
            self.set_state(idx, FeedState::Synced, "updates resumed".to_owned()).await?;
        }
        Ok(())
    }

    async fn check_stale(&mut self) -> Result<(), Closed> {
        for idx in 0..self.symbols.len() {
            let s = &self.symbols[idx];
            if s.state == FeedState::Synced && s.last_update.elapsed() > self.config.stale_after {
                let detail = format!("no update for {} ms", s.last_update.elapsed().as_millis());
                self.set_state(idx, FeedState::Stale, detail).await?;
            }
        }
        Ok(())
    }

    async fn set_state(&mut self, idx: usize, state: FeedState, detail: String) -> Result<(), Closed> {
        self.symbols[idx].state = state;
        self.out.status(Some(&self.symbols[idx].symbol), state, detail).await
    }
}
