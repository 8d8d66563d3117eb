//! The workstation's state: the latest engine snapshot plus everything that is only the
//! screen's business (focus, selections, ticket, modal, notices). Changed only by `update`
//! (see `update.rs`); drawn read-only by `views`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crossterm::event::KeyEvent;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::oneshot;

use super::bell::{Bell, Ringer};
use super::config::{AutonomyDefaults, TuiOptions};
use super::error::TuiError;
use super::keymap::Keymap;
use super::modal::Modal;
use super::search::SymbolSearch;
use super::theme::Theme;
use super::ticket::{Market, Remembered, Ticket};
use super::views::DrawCache;
use crate::domain::{Fill, Order, OrderId, Symbol};
use crate::engine::{
    Command, CommandError, EngineHandle, Event, PendingOrder, Reply, Snapshot, SubmitOutcome,
};
use crate::market::Interval;

/// Levels per side a ladder pick can reach (more than any book pane shows).
const LADDER_DEPTH: usize = 50;

/// How long a notice stays in the status line.
pub const NOTICE_TTL: Duration = Duration::from_secs(8);

/// Every pane on screen; each takes focus (Tab / Shift-Tab, in [`Pane::ALL`]'s order) and
/// can be zoomed to the whole body. A new pane is one variant here, its place in `ALL` and
/// `tab`, and one arm in `views::draw_pane`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Watchlist,
    Chart,
    Book,
    /// The selected symbol's recent trades.
    Tape,
    Positions,
    Balances,
    Orders,
    Fills,
    Inbox,
    Log,
}

impl Pane {
    /// Focus order.
    pub const ALL: [Pane; 10] = [
        Pane::Watchlist,
        Pane::Chart,
        Pane::Book,
        Pane::Tape,
        Pane::Positions,
        Pane::Balances,
        Pane::Orders,
        Pane::Fills,
        Pane::Inbox,
        Pane::Log,
    ];

    /// The compact layout's tab that shows this pane: 0 market, 1 portfolio, 2 inbox.
    pub fn tab(self) -> usize {
        match self {
            Pane::Watchlist | Pane::Chart | Pane::Book | Pane::Tape => 0,
            Pane::Positions | Pane::Balances | Pane::Orders | Pane::Fills => 1,
            Pane::Inbox | Pane::Log => 2,
        }
    }
}

/// True when `new` differs from `old` in market data alone (prices, books, candles, the
/// feed's state): nothing the person did or owns changed. Compares the account parts whole;
/// they are short lists (the open and recent orders, the last fills and events).
fn market_only(old: &Snapshot, new: &Snapshot) -> bool {
    old.log.last().map(|l| l.seq) == new.log.last().map(|l| l.seq)
        && old.controls == new.controls
        && old.pending == new.pending
        && old.orders == new.orders
        && old.fills == new.fills
        && old.balances == new.balances
        && old.positions == new.positions
        && old.strategies == new.strategies
        && old.quiet_strategies == new.quiet_strategies
}

/// A fill's identity on screen (fills have no id of their own): order, time, exchange trade.
pub(crate) type FillKey = (OrderId, i64, Option<u64>);

/// The identity of `fill` for selections.
pub(crate) fn fill_key(fill: &Fill) -> FillKey {
    (fill.order_id, fill.ts_ms, fill.trade_id)
}

/// The selected row of each list pane that has no action of its own, by identity, so a
/// selection stays on its item while new ones arrive. `None`: the list shows its newest
/// items (the top; the log's bottom).
#[derive(Debug, Clone, Default)]
pub(crate) struct Scroll {
    pub(crate) fill: Option<FillKey>,
    pub(crate) position: Option<Symbol>,
    pub(crate) balance: Option<String>,
    pub(crate) log: Option<u64>,
    /// The tape's picked trade (trades have no id on the stream: the print itself).
    pub(crate) tape: Option<crate::market::Print>,
    /// First line shown of the help overlay and of the review modal's checks.
    pub(crate) help: usize,
    pub(crate) modal: usize,
}

/// A one-line message for the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub warning: bool,
    pub at: Instant,
}

/// Answers from the engine to commands this screen sent, delivered back into the loop.
#[derive(Debug)]
pub enum AppMsg {
    /// The answer to the ticket's Submit: a pending order is confirmed at once (the person
    /// already said `y` in the review modal).
    Submitted(Result<SubmitOutcome, CommandError>),
    /// The answer to a Confirm (ticket follow-up or inbox approval).
    Confirmed(Result<SubmitOutcome, CommandError>),
    /// Any other command's result, already in words.
    Notice { text: String, warning: bool },
}

/// Everything the screen knows.
pub struct App {
    pub(crate) handle: EngineHandle,
    pub(crate) snap: Arc<Snapshot>,
    pub(crate) keymap: Keymap,
    pub(crate) theme: Theme,
    pub(crate) autonomy: AutonomyDefaults,
    pub(crate) keystore_unlocked: bool,
    /// The engine runs elsewhere: quitting detaches (see [`TuiOptions::attached`]).
    pub(crate) attached: bool,
    pub(crate) focus: Pane,
    pub(crate) selected_symbol: Option<Symbol>,
    /// The chart's timeframe.
    pub(crate) timeframe: Interval,
    pub(crate) selected_order: Option<OrderId>,
    pub(crate) selected_pending: Option<OrderId>,
    /// The ladder level picked in the focused book: `b`/`s` open a ticket at its price.
    pub(crate) ladder_price: Option<rust_decimal::Decimal>,
    pub(crate) scroll: Scroll,
    /// The focused pane has the whole body.
    pub(crate) zoom: bool,
    pub(crate) ticket: Option<Ticket>,
    /// The last quantity typed per symbol, offered by the next ticket.
    pub(crate) remembered: HashMap<Symbol, Remembered>,
    /// Keys pressed while a review waits for the engine's checks, replayed in order.
    pub(crate) queued_keys: VecDeque<KeyEvent>,
    pub(crate) modal: Option<Modal>,
    pub(crate) search: Option<SymbolSearch>,
    pub(crate) help: bool,
    pub(crate) notice: Option<Notice>,
    /// Set once the engine is gone: why, shown in the status line for good.
    pub(crate) engine_down: Option<String>,
    pub(crate) next_request: u64,
    pub(crate) quit: bool,
    replies: FuturesUnordered<BoxFuture<'static, AppMsg>>,
    /// The terminal bell on alert events, when `[alerts] bell` is on.
    bell: Option<Bell>,
    /// Text the views wrapped, kept until what it shows changes.
    pub(crate) drawn: DrawCache,
}

impl App {
    /// A screen over `handle`, with theme and key bindings resolved from `options`.
    pub fn new(handle: EngineHandle, options: &TuiOptions) -> Result<Self, TuiError> {
        let theme_name = if options.theme.is_empty() { "dark" } else { &options.theme };
        let theme = Theme::load(theme_name, options.themes_dir.as_deref(), options.no_color)?;
        let keymap = Keymap::load(&options.keymap_overrides)?;
        let snap = handle.snapshot();
        let bell = options.bell.then(|| Bell::new(&snap, options.feed_down_after));
        let mut app = Self {
            handle,
            snap,
            keymap,
            theme,
            autonomy: options.autonomy,
            keystore_unlocked: options.keystore_unlocked,
            attached: options.attached,
            focus: Pane::Watchlist,
            selected_symbol: None,
            timeframe: Interval::M1,
            selected_order: None,
            selected_pending: None,
            ladder_price: None,
            scroll: Scroll::default(),
            zoom: false,
            ticket: None,
            remembered: HashMap::new(),
            queued_keys: VecDeque::new(),
            modal: None,
            search: None,
            help: false,
            notice: None,
            engine_down: None,
            next_request: 0,
            quit: false,
            replies: FuturesUnordered::new(),
            bell,
            drawn: DrawCache::default(),
        };
        app.reselect();
        Ok(app)
    }

    /// What the bell does when it rings (the real terminal writes BEL).
    pub fn set_ringer(&mut self, ringer: Ringer) {
        if let Some(bell) = self.bell.as_mut() {
            bell.set_ringer(ringer);
        }
    }

    /// How often the bell rang (0 with the bell off).
    pub fn bells_rung(&self) -> u64 {
        self.bell.as_ref().map_or(0, Bell::rung)
    }

    /// Rings once if an alert event happened since the last ring.
    pub fn ring_if_due(&mut self) {
        if let Some(bell) = self.bell.as_mut() {
            bell.ring_if_due();
        }
    }

    /// When the bell's rules are due by time alone (a feed outage lasting its grace).
    pub fn bell_deadline(&self) -> Option<Instant> {
        self.bell.as_ref().and_then(Bell::next_deadline)
    }

    /// Lets the bell's rules see the time pass.
    pub fn poll_bell(&mut self) {
        if let Some(bell) = self.bell.as_mut() {
            bell.poll();
        }
    }

    /// True once the person has asked to quit (Shutdown has been sent).
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The snapshot being shown.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snap
    }

    /// The prices of the selected symbol's ladder as the book pane lists them, top to bottom:
    /// the asks (highest first) above the bids (highest first); and how many asks lead.
    pub(crate) fn ladder_prices(&self) -> (Vec<rust_decimal::Decimal>, usize) {
        let book = self
            .snap
            .markets
            .iter()
            .find(|m| Some(&m.symbol) == self.selected_symbol.as_ref())
            .and_then(|m| m.book.as_ref());
        let Some(book) = book else { return (Vec::new(), 0) };
        let asks: Vec<_> = book.asks.iter().take(LADDER_DEPTH).rev().map(|l| l.price).collect();
        let count = asks.len();
        let prices = asks.into_iter().chain(book.bids.iter().take(LADDER_DEPTH).map(|l| l.price)).collect();
        (prices, count)
    }

    /// The picked ladder price while the book has focus and the level is still there.
    pub(crate) fn picked_price(&self) -> Option<rust_decimal::Decimal> {
        let price = self.ladder_price.filter(|_| self.focus == Pane::Book)?;
        // Called on every frame: looks the level up without building the ladder.
        let book = self
            .snap
            .markets
            .iter()
            .find(|m| Some(&m.symbol) == self.selected_symbol.as_ref())?
            .book
            .as_ref()?;
        let listed =
            |levels: &[crate::domain::Level]| levels.iter().take(LADDER_DEPTH).any(|l| l.price == price);
        (listed(&book.asks) || listed(&book.bids)).then_some(price)
    }

    /// True while the open ticket waits for the engine's verdicts on what it reads now.
    pub fn ticket_waiting(&self) -> bool {
        self.ticket.as_ref().is_some_and(|t| t.checks.is_none() && t.error.is_none())
    }

    /// The status-line notice being shown, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|n| n.text.as_str())
    }

    /// Picks up the engine's latest snapshot.
    pub fn refresh_snapshot(&mut self) {
        self.refresh_and_compare();
    }

    /// Picks up the engine's latest snapshot. Returns true when more than the market moved
    /// (orders, fills, balances, positions, the inbox, controls, events): the loop draws
    /// such a change at once, a market-only one at the market frame rate.
    pub(crate) fn refresh_and_compare(&mut self) -> bool {
        let old = std::mem::replace(&mut self.snap, self.handle.snapshot());
        if let Some(bell) = self.bell.as_mut() {
            bell.observe(&self.snap);
        }
        self.reselect();
        !market_only(&old, &self.snap)
    }

    /// Keeps selections on things that still exist (by identity, not by row number).
    fn reselect(&mut self) {
        let snap = self.snap.clone();
        if !snap.markets.iter().any(|m| Some(&m.symbol) == self.selected_symbol.as_ref()) {
            self.selected_symbol = snap.markets.first().map(|m| m.symbol.clone());
        }
        // Any order can be selected (to scroll to the closed ones); only open ones cancel.
        if !snap.orders.iter().any(|o| Some(o.id) == self.selected_order) {
            let first = self.open_orders().next().or(snap.orders.first()).map(|o| o.id);
            self.selected_order = first;
        }
        let s = &mut self.scroll;
        if s.fill.is_some() && !snap.fills.iter().any(|f| Some(fill_key(f)) == s.fill) {
            s.fill = None;
        }
        if s.position.is_some() && !snap.positions.iter().any(|p| Some(&p.symbol) == s.position.as_ref()) {
            s.position = None;
        }
        if s.balance.is_some() && !snap.balances.iter().any(|(a, _)| Some(a) == s.balance.as_ref()) {
            s.balance = None;
        }
        if s.log.is_some() && !snap.log.iter().any(|l| Some(l.seq) == s.log) {
            s.log = None;
        }
        if !snap.pending.iter().any(|p| Some(p.order.id) == self.selected_pending) {
            self.selected_pending = snap.pending.first().map(|p| p.order.id);
        }
    }

    /// Orders that can still trade (what `c` and `C` act on).
    pub(crate) fn open_orders(&self) -> impl Iterator<Item = &Order> {
        self.snap.orders.iter().filter(|o| o.status.is_open())
    }

    /// The selected pending item, if any.
    pub(crate) fn pending_selected(&self) -> Option<&PendingOrder> {
        self.snap.pending.iter().find(|p| Some(p.order.id) == self.selected_pending)
    }

    /// What the ticket on `symbol` can read from the market and the account now.
    pub(crate) fn ticket_market(&self, symbol: &Symbol) -> Market<'_> {
        let market = self.snap.markets.iter().find(|m| &m.symbol == symbol);
        let book = market.and_then(|m| m.book.as_ref());
        let instrument = self.snap.instruments.iter().find(|i| &i.symbol == symbol);
        let free = |asset: Option<&String>| {
            asset
                .and_then(|a| self.snap.balances.iter().find(|(name, _)| name == a))
                .map_or(rust_decimal::Decimal::ZERO, |(_, b)| b.free)
        };
        Market {
            bid: book.and_then(|b| b.bids.first()).map(|l| l.price),
            ask: book.and_then(|b| b.asks.first()).map(|l| l.price),
            last: market.and_then(|m| m.last_price),
            instrument,
            free_base: free(instrument.map(|i| &i.base_asset)),
            free_quote: free(instrument.map(|i| &i.quote_asset)),
            fee_rate: self.snap.fee_rate,
            max_notional: self.max_order_notional(),
        }
    }

    /// The gate's `max_order_notional`, read from the limits the engine publishes (by the
    /// field's name in the risk config, the name the check reports under).
    fn max_order_notional(&self) -> Option<rust_decimal::Decimal> {
        let (_, value) = self.snap.limits.iter().find(|(name, _)| name == "max_order_notional")?;
        value.parse().ok()
    }

    /// Handles an engine event (preview verdicts, notices).
    pub fn on_engine_event(&mut self, event: Event) {
        match event {
            Event::Preview { request, checks } => {
                let Some(ticket) = self.ticket.as_mut().filter(|t| t.request == Some(request)) else {
                    return;
                };
                ticket.checks = Some(checks);
                if std::mem::take(&mut ticket.review_wanted) {
                    self.open_review();
                    self.replay_queued_keys();
                }
            }
            Event::Notice { text, warning } => self.notify(text, warning),
        }
    }

    /// Shows `text` in the status line.
    pub(crate) fn notify(&mut self, text: impl Into<String>, warning: bool) {
        self.notice = Some(Notice { text: text.into(), warning, at: Instant::now() });
    }

    /// The engine stopped publishing: from now on the status line says why
    /// (its panic, or that it stopped) instead of hints, and nothing can be sent.
    pub fn on_engine_gone(&mut self) {
        let why = self.handle.failure().unwrap_or("it stopped");
        self.engine_down = Some(format!("ENGINE STOPPED ({why}): nothing can be sent; q quits"));
    }

    /// Why the engine is gone, as the status line shows it; `None` while it runs.
    pub fn engine_down(&self) -> Option<&str> {
        self.engine_down.as_deref()
    }

    /// Drops an expired notice. Returns true if the screen changed.
    pub fn expire_notice(&mut self, now: Instant) -> bool {
        let expired = self.notice.as_ref().is_some_and(|n| now.duration_since(n.at) >= NOTICE_TTL);
        if expired {
            self.notice = None;
        }
        expired
    }

    /// True while something on screen changes with time alone (a notice waiting to expire).
    pub fn needs_tick(&self) -> bool {
        self.notice.is_some()
    }

    /// Sends a command whose answer comes back later as an [`AppMsg`].
    pub(crate) fn request<T: Send + 'static>(
        &mut self,
        build: impl FnOnce(Reply<T>) -> Command,
        then: impl FnOnce(Result<T, CommandError>) -> AppMsg + Send + 'static,
    ) {
        let (tx, rx) = oneshot::channel();
        if self.handle.send(build(Some(tx))).is_err() {
            self.notify("the engine has stopped; nothing was sent", true);
            return;
        }
        self.replies.push(async move { then(rx.await.unwrap_or(Err(CommandError::EngineStopped))) }.boxed());
    }

    /// Waits for the next answer to a command this screen sent; `None` when none is awaited.
    pub async fn next_reply(&mut self) -> Option<AppMsg> {
        if self.replies.is_empty() {
            return None;
        }
        self.replies.next().await
    }

    /// True while answers are outstanding.
    pub fn awaiting_replies(&self) -> bool {
        !self.replies.is_empty()
    }

    /// Sends `Shutdown` and marks the app to stop.
    pub(crate) fn quit_now(&mut self) {
        // If the engine is already gone there is nothing left to stop.
        let _ = self.handle.send(Command::Shutdown);
        self.quit = true;
    }
}
