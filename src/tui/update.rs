//! Input handling: key → action (via the keymap) → state change and engine commands.
//! The only place, with `app.rs`, where screen state changes.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use rust_decimal::Decimal;

use super::action::{Action, Mode};
use super::app::{App, AppMsg, Pane};
use super::field::NumberField;
use super::modal::{AutonomyForm, Modal};
use super::ticket::{AmendRequest, PriceSource, Ticket};

/// Keys kept while a review waits for the engine's checks (a burst of typing, not a novel).
const MAX_QUEUED_KEYS: usize = 64;
use crate::domain::{Approval, Side, TradingState};
use crate::engine::{Command, SubmitOutcome};

impl App {
    /// The mode whose key table applies now.
    pub fn mode(&self) -> Mode {
        if self.modal.is_some() {
            Mode::Modal
        } else if self.search.is_some() {
            Mode::Search
        } else if self.ticket.is_some() {
            Mode::Ticket
        } else {
            Mode::Normal
        }
    }

    /// Handles one key press.
    pub fn on_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        if self.help {
            // The help scrolls with the list keys; any other key closes it.
            match self.keymap.action(Mode::Normal, &key) {
                // Never past the end the last frame could show: back up moves at once.
                Some(Action::Up) => {
                    self.scroll.help = self.scroll.help.min(self.drawn.help_end()).saturating_sub(1)
                }
                Some(Action::Down) => {
                    self.scroll.help = self.scroll.help.saturating_add(1).min(self.drawn.help_end())
                }
                _ => self.help = false,
            }
            return;
        }
        if self.ticket.as_ref().is_some_and(|t| t.review_wanted) && self.modal.is_none() {
            // The review opens when the checks arrive; what is typed meanwhile follows it.
            if self.queued_keys.len() < MAX_QUEUED_KEYS {
                self.queued_keys.push_back(key);
            }
            return;
        }
        let mode = self.mode();
        let action = self.keymap.action(mode, &key);
        match (mode, action) {
            (Mode::Normal, Some(action)) => self.normal(action),
            (Mode::Ticket, Some(action)) => self.ticket_action(action),
            (Mode::Modal, Some(action)) => self.modal_action(action),
            (Mode::Search, Some(action)) => self.search_action(action),
            (Mode::Search, None) => self.search_char(key.code),
            (Mode::Ticket, None) => self.ticket_char(key.code),
            (Mode::Modal, None) => {
                if let (Some(Modal::Autonomous(form)), KeyCode::Char(c)) = (self.modal.as_mut(), key.code) {
                    form.type_char(c);
                }
            }
            (Mode::Normal, None) => {}
        }
    }

    /// Handles the engine's answer to a command sent earlier.
    pub fn on_msg(&mut self, msg: AppMsg) {
        match msg {
            AppMsg::Submitted(Ok(SubmitOutcome::Pending { id, .. })) => {
                // The person already confirmed in the review modal: confirm this exact order.
                self.request(|reply| Command::Confirm { id, reply }, AppMsg::Confirmed);
            }
            AppMsg::Submitted(outcome) | AppMsg::Confirmed(outcome) => match outcome {
                Ok(SubmitOutcome::Sent { id, .. }) => self.notify(format!("order #{id} sent"), false),
                Ok(SubmitOutcome::Pending { id, .. }) => {
                    self.notify(format!("order #{id} is waiting in the inbox"), false)
                }
                Ok(SubmitOutcome::Refused { checks }) => {
                    let why = checks
                        .iter()
                        .find(|c| c.verdict == crate::engine::CheckVerdict::Fail)
                        .map(|c| format!("{}: {}", c.id, c.detail))
                        .unwrap_or_else(|| "a check failed".into());
                    self.notify(format!("refused, nothing sent — {why}"), true);
                }
                Err(err) => self.notify(format!("not sent: {err}"), true),
            },
            AppMsg::Notice { text, warning } => self.notify(text, warning),
        }
    }

    fn normal(&mut self, action: Action) {
        match action {
            Action::Quit => {
                // Detaching changes nothing for the engine: nothing to confirm.
                let leaves_something = !self.attached
                    && (self.open_orders().next().is_some()
                        || !self.snap.pending.is_empty()
                        || self.snap.controls.approval() == Approval::Autonomous);
                if leaves_something {
                    self.modal = Some(Modal::Quit);
                } else {
                    self.quit_now();
                }
            }
            Action::Help => {
                self.help = true;
                self.scroll.help = 0;
                self.drawn.forget_scroll_ends();
            }
            Action::Zoom => self.zoom = !self.zoom,
            Action::Buy => self.open_ticket(Side::Buy),
            Action::Sell => self.open_ticket(Side::Sell),
            Action::FocusNext | Action::FocusPrev => {
                let step = if action == Action::FocusNext { 1 } else { Pane::ALL.len() - 1 };
                let at = Pane::ALL.iter().position(|p| *p == self.focus).unwrap_or(0);
                self.focus = Pane::ALL[(at + step) % Pane::ALL.len()];
            }
            Action::ShowMarket => self.focus = Pane::Watchlist,
            Action::ShowPortfolio => self.focus = Pane::Orders,
            Action::ShowInbox => self.focus = Pane::Inbox,
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::CancelOrder => match self.selected_order {
                Some(id) if self.open_orders().any(|o| o.id == id) => self.request(
                    |reply| Command::Cancel { id, reply },
                    move |r| notice(r.map(|()| format!("cancel of order #{id} accepted"))),
                ),
                _ => self.notify("no open order selected", true),
            },
            Action::AmendOrder => self.open_amend(),
            Action::CancelAll => {
                if self.open_orders().next().is_none() && self.snap.pending.is_empty() {
                    self.notify("no open or pending orders", false);
                } else {
                    self.modal = Some(Modal::CancelAll);
                }
            }
            Action::KillSwitch => {
                // A breaker's reduce-only state is lifted the same way as the kill switch.
                let halted = self.snap.controls.trading_state() != TradingState::Active;
                self.modal = Some(Modal::KillSwitch { engage: !halted });
            }
            Action::ToggleAutonomous => {
                let enable = self.snap.controls.approval() != Approval::Autonomous;
                if enable && self.snap.strategies.is_empty() {
                    self.notify(
                        "no strategy is running: armed, autonomous mode would have nothing to send \
                         (start vigil with --strategy to run one)",
                        true,
                    );
                }
                self.modal = Some(Modal::Autonomous(AutonomyForm {
                    enable,
                    field: 0,
                    max_orders: self.autonomy.max_orders.to_string(),
                    max_notional: self.autonomy.max_notional.to_string(),
                    totp: (enable && self.keystore_unlocked).then(String::new),
                    error: None,
                }));
            }
            Action::Approve | Action::Reject => self.decide(action == Action::Approve),
            Action::OpenSearch => self.open_search(),
            Action::UnwatchSymbol => self.unwatch_selected(),
            Action::TimeframeNext => self.timeframe = self.timeframe.next(),
            Action::TimeframePrev => self.timeframe = self.timeframe.prev(),
            _ => {}
        }
    }

    /// Approve or reject the selected inbox item. Only while the inbox has focus, so a stray
    /// Enter elsewhere never approves an order.
    fn decide(&mut self, approve: bool) {
        if self.focus != Pane::Inbox {
            let key = self.keymap.key_for(Mode::Normal, Action::ShowInbox);
            let how = key.map(|k| format!(" (press {k})")).unwrap_or_default();
            self.notify(format!("focus the inbox first{how}"), true);
            return;
        }
        let Some(id) = self.pending_selected().map(|p| p.order.id) else {
            self.notify("the inbox is empty", false);
            return;
        };
        if approve {
            self.request(|reply| Command::Confirm { id, reply }, AppMsg::Confirmed);
        } else {
            self.request(
                |reply| Command::Reject { id, reply },
                move |r| notice(r.map(|()| format!("order #{id} rejected"))),
            );
        }
    }

    fn move_selection(&mut self, step: isize) {
        fn moved<T: PartialEq + Clone>(items: &[T], current: Option<&T>, step: isize) -> Option<T> {
            let at = current.and_then(|c| items.iter().position(|i| i == c)).unwrap_or(0) as isize;
            let last = items.len().checked_sub(1)? as isize;
            items.get((at + step).clamp(0, last) as usize).cloned()
        }
        /// A list shown from the top when nothing is selected: the first step down selects
        /// the first row, stepping up from it goes back to showing the newest.
        fn scrolled<T: PartialEq + Clone>(items: &[T], current: Option<&T>, step: isize) -> Option<T> {
            match current.and_then(|c| items.iter().position(|i| i == c)) {
                None if step > 0 => items.first().cloned(),
                None => None,
                Some(0) if step < 0 => None,
                Some(_) => moved(items, current, step),
            }
        }
        match self.focus {
            Pane::Fills => {
                let keys: Vec<_> = self.snap.fills.iter().map(super::app::fill_key).collect();
                self.scroll.fill = scrolled(&keys, self.scroll.fill.as_ref(), step);
            }
            Pane::Positions => {
                let symbols: Vec<_> = self.snap.positions.iter().map(|p| p.symbol.clone()).collect();
                self.scroll.position = scrolled(&symbols, self.scroll.position.as_ref(), step);
            }
            Pane::Balances => {
                let assets: Vec<_> = self.snap.balances.iter().map(|(a, _)| a.clone()).collect();
                self.scroll.balance = scrolled(&assets, self.scroll.balance.as_ref(), step);
            }
            Pane::Log => {
                // The log's newest line is at the bottom: walk it from there.
                let seqs: Vec<u64> = self.snap.log.iter().rev().map(|l| l.seq).collect();
                self.scroll.log = scrolled(&seqs, self.scroll.log.as_ref(), -step);
            }
            // Up and down the ladder: the level `b`/`s` then price a ticket at.
            Pane::Book => {
                let (prices, asks) = self.ladder_prices();
                let at = self.ladder_price.and_then(|p| prices.iter().position(|q| *q == p));
                let next = match at {
                    Some(i) => i.saturating_add_signed(step).min(prices.len().saturating_sub(1)),
                    // From the touch: up starts at the best ask, down at the best bid.
                    None if step < 0 => asks.saturating_sub(1),
                    None => asks,
                };
                self.ladder_price = prices.get(next).copied();
            }
            Pane::Tape => {
                let symbol = self.selected_symbol.as_ref();
                let market = self.snap.markets.iter().find(|m| Some(&m.symbol) == symbol);
                // Newest first, as the pane lists them.
                let prints: Vec<_> = market.map_or_else(Vec::new, |m| m.tape.iter().rev().copied().collect());
                self.scroll.tape = scrolled(&prints, self.scroll.tape.as_ref(), step);
            }
            // The chart follows the watchlist's symbol.
            Pane::Chart => {
                let symbols: Vec<_> = self.snap.markets.iter().map(|m| m.symbol.clone()).collect();
                self.selected_symbol = moved(&symbols, self.selected_symbol.as_ref(), step);
            }
            Pane::Watchlist => {
                let symbols: Vec<_> = self.snap.markets.iter().map(|m| m.symbol.clone()).collect();
                self.selected_symbol = moved(&symbols, self.selected_symbol.as_ref(), step);
            }
            Pane::Orders => {
                let ids: Vec<_> = self.snap.orders.iter().map(|o| o.id).collect();
                self.selected_order = moved(&ids, self.selected_order.as_ref(), step);
            }
            Pane::Inbox => {
                let ids: Vec<_> = self.snap.pending.iter().map(|p| p.order.id).collect();
                self.selected_pending = moved(&ids, self.selected_pending.as_ref(), step);
            }
        }
    }

    fn open_ticket(&mut self, side: Side) {
        let Some(symbol) = self.selected_symbol.clone() else {
            self.notify("no symbol to trade: the watchlist is empty", true);
            return;
        };
        let market = self.ticket_market(&symbol);
        let mut ticket = Ticket::new(symbol.clone(), side, &market, self.remembered.get(&symbol));
        if let Some(price) = self.picked_price() {
            ticket.set_limit_price(price, &market);
        }
        self.ticket = Some(ticket);
        self.preview();
    }

    /// Opens a ticket on the selected open order: its price and quantity, ready to change.
    fn open_amend(&mut self) {
        let order = self.selected_order.and_then(|id| self.open_orders().find(|o| o.id == id)).cloned();
        let Some(order) = order else {
            self.notify("no open order selected: focus Orders and pick one", true);
            return;
        };
        if order.intent.order_type != crate::domain::OrderType::Limit {
            self.notify(format!("#{} is a market order: nothing rests to amend", order.id), true);
            return;
        }
        let instrument = self.snap.instruments.iter().find(|i| i.symbol == order.intent.symbol);
        self.ticket = Some(Ticket::amend(&order, instrument));
        self.preview();
    }

    /// The step size of `symbol`, when its filters are known.
    fn step_size(&self, symbol: &crate::domain::Symbol) -> Option<Decimal> {
        self.snap.instruments.iter().find(|i| &i.symbol == symbol).map(|i| i.step_size)
    }

    /// Opens the review modal for the ticket as it reads, or says what blocks it.
    pub(crate) fn open_review(&mut self) {
        let Some(symbol) = self.ticket.as_ref().map(|t| t.symbol.clone()) else { return };
        let step = self.step_size(&symbol);
        let Some(ticket) = self.ticket.as_mut() else { return };
        match ticket.intent(step) {
            Err(why) => ticket.error = Some(why),
            Ok(intent) => match (ticket.blocker(), &ticket.checks) {
                (None, Some(checks)) => {
                    let amends = ticket.amend_request(&intent);
                    if amends.is_some_and(|a| a.price.is_none() && a.qty.is_none()) {
                        ticket.error = Some("nothing to amend: change the price or the quantity".into());
                        return;
                    }
                    self.modal = Some(Modal::ConfirmOrder { intent, checks: checks.clone(), amends });
                    self.drawn.forget_scroll_ends();
                }
                (blocker, _) => ticket.error = blocker,
            },
        }
    }

    /// Feeds the keys typed while a review was on its way back through `on_key`.
    pub(crate) fn replay_queued_keys(&mut self) {
        let keys: Vec<KeyEvent> = self.queued_keys.drain(..).collect();
        for key in keys {
            self.on_key(key);
        }
    }

    /// Asks the engine for fresh verdicts on the ticket as it now reads.
    fn preview(&mut self) {
        let request = self.next_request;
        let step = self.ticket.as_ref().and_then(|t| self.step_size(&t.symbol));
        let Some(ticket) = self.ticket.as_mut() else { return };
        ticket.checks = None;
        match ticket.intent(step) {
            Ok(intent) => {
                self.next_request += 1;
                ticket.request = Some(request);
                ticket.error = None;
                let replacing = ticket.amends.as_ref().map(|a| a.id);
                if self.handle.send(Command::Preview { request, intent, replacing }).is_err() {
                    ticket.error = Some("the engine has stopped".into());
                }
            }
            Err(why) => {
                ticket.request = None;
                ticket.error = Some(why);
            }
        }
    }

    fn ticket_action(&mut self, action: Action) {
        let Some(symbol) = self.ticket.as_ref().map(|t| t.symbol.clone()) else { return };
        let market = self.ticket_market(&symbol);
        // Owned copies of what the ticket reads, so the ticket can be borrowed mutably.
        let instrument = market.instrument.cloned();
        let market = crate::tui::ticket::Market { instrument: instrument.as_ref(), ..market };
        let Some(ticket) = self.ticket.as_mut() else { return };

        let changed = match action {
            Action::NextField => {
                ticket.move_field(1);
                false
            }
            Action::PrevField => {
                ticket.move_field(-1);
                false
            }
            Action::Toggle => ticket.toggle(1),
            // On side/type the arrows switch; in a number they move the cursor.
            Action::CursorLeft => ticket.toggle(-1) || ticket.move_cursor(NumberField::left),
            Action::CursorRight => ticket.toggle(1) || ticket.move_cursor(NumberField::right),
            Action::LineStart => ticket.move_cursor(NumberField::home),
            Action::LineEnd => ticket.move_cursor(NumberField::end),
            Action::DeleteChar => ticket.edit(|f| f.delete_back()),
            Action::DeleteForward => ticket.edit(|f| f.delete_forward()),
            Action::KillLine => ticket.edit(|f| f.kill_to_start()),
            Action::KillWord => ticket.edit(|f| f.kill_word()),
            Action::CycleType => ticket.cycle_kind(1),
            Action::PriceBid | Action::PriceAsk | Action::PriceMid | Action::PriceLast => {
                let source = match action {
                    Action::PriceBid => PriceSource::Bid,
                    Action::PriceAsk => PriceSource::Ask,
                    Action::PriceMid => PriceSource::Mid,
                    _ => PriceSource::Last,
                };
                let result = ticket.set_price(source, &market);
                settled(ticket, result)
            }
            Action::TickUp | Action::TickDown => {
                let result = ticket.nudge_price(if action == Action::TickUp { 1 } else { -1 }, &market);
                settled(ticket, result)
            }
            Action::SizeInQuote => {
                ticket.toggle_size_in();
                true
            }
            Action::SizePreset => match ticket.next_preset(&market) {
                Ok(_) => true,
                Err(why) => {
                    ticket.error = Some(why);
                    false
                }
            },
            Action::Close => {
                self.ticket = None;
                false
            }
            Action::Submit => {
                if ticket.checks.is_none() && ticket.request.is_some() {
                    ticket.review_wanted = true;
                } else {
                    self.open_review();
                }
                false
            }
            _ => false,
        };
        if changed {
            self.preview();
        }
    }

    fn ticket_char(&mut self, code: KeyCode) {
        if let (Some(ticket), KeyCode::Char(c)) = (self.ticket.as_mut(), code)
            && ticket.edit(|f| f.insert(c))
        {
            self.preview();
        }
    }

    fn modal_action(&mut self, action: Action) {
        let Some(modal) = self.modal.as_mut() else { return };
        match (action, modal) {
            (Action::No, _) => {
                self.modal = None;
                self.scroll.modal = 0;
            }
            (Action::NextField, Modal::Autonomous(form)) => form.move_field(1),
            (Action::PrevField, Modal::Autonomous(form)) => form.move_field(-1),
            (Action::DeleteChar, Modal::Autonomous(form)) => form.delete_char(),
            // The review's check list scrolls (it has no fields).
            (Action::NextField, Modal::ConfirmOrder { .. }) => {
                self.scroll.modal = self.scroll.modal.saturating_add(1).min(self.drawn.review_end())
            }
            (Action::PrevField, Modal::ConfirmOrder { .. }) => {
                self.scroll.modal = self.scroll.modal.min(self.drawn.review_end()).saturating_sub(1)
            }
            (Action::Yes, _) => self.modal_yes(),
            _ => {}
        }
    }

    fn modal_yes(&mut self) {
        let Some(modal) = self.modal.take() else { return };
        self.scroll.modal = 0;
        match modal {
            Modal::ConfirmOrder { amends: Some(AmendRequest { id, price, qty }), .. } => {
                self.ticket = None;
                self.request(
                    |reply| Command::Amend { id, price, qty, hold: false, reply },
                    AppMsg::Submitted,
                );
            }
            Modal::ConfirmOrder { intent, amends: None, .. } => {
                if let Some(remembered) = self.ticket.take().and_then(|t| t.remembered()) {
                    self.remembered.insert(intent.symbol.clone(), remembered);
                }
                self.request(|reply| Command::Submit { intent, hold: false, reply }, AppMsg::Submitted);
            }
            Modal::CancelAll => self.request(
                |reply| Command::CancelAll { reply },
                |r| {
                    notice(r.map(|n| {
                        format!("{} open order(s) cancelled, {} pending rejected", n.cancelled, n.rejected)
                    }))
                },
            ),
            Modal::KillSwitch { engage } => self.request(
                |reply| Command::KillSwitch { engaged: engage, reply },
                move |r| {
                    let done =
                        if engage { "kill switch engaged: trading halted" } else { "kill switch released" };
                    notice(r.map(|()| done.to_owned()))
                },
            ),
            Modal::Autonomous(form) if !form.enable => self.request(
                |reply| Command::DisableAutonomous { reply },
                |r| notice(r.map(|()| "back to confirm mode".to_owned())),
            ),
            Modal::Autonomous(mut form) => match form.request() {
                Ok(req) => self.request(
                    |reply| Command::EnableAutonomous {
                        max_orders: req.max_orders,
                        max_notional: req.max_notional,
                        totp: req.totp,
                        reply,
                    },
                    |r| notice(r.map(|()| "autonomous mode armed".to_owned())),
                ),
                Err(why) => {
                    form.error = Some(why);
                    self.modal = Some(Modal::Autonomous(form));
                }
            },
            Modal::Quit => self.quit_now(),
        }
    }
}

/// True when a one-key price change worked; otherwise its reason is shown on the ticket.
fn settled(ticket: &mut Ticket, result: Result<(), String>) -> bool {
    match result {
        Ok(()) => true,
        Err(why) => {
            ticket.error = Some(why);
            false
        }
    }
}

/// A command's result as a status-line notice.
fn notice(result: Result<String, crate::engine::CommandError>) -> AppMsg {
    match result {
        Ok(text) => AppMsg::Notice { text, warning: false },
        Err(err) => AppMsg::Notice { text: format!("failed: {err}"), warning: true },
    }
}
