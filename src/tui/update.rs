//! Input handling: key → action (via the keymap) → state change and engine commands.
//! The only place, with `app.rs`, where screen state changes.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::action::{Action, Mode};
use super::app::{App, AppMsg, Pane};
use super::modal::{AutonomyForm, Modal};
use super::ticket::Ticket;
use crate::domain::{Approval, Side, TradingState};
use crate::engine::{Command, SubmitOutcome};

impl App {
    /// The mode whose key table applies now.
    pub fn mode(&self) -> Mode {
        if self.modal.is_some() {
            Mode::Modal
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
            self.help = false;
            return;
        }
        let mode = self.mode();
        let action = self.keymap.action(mode, &key);
        match (mode, action) {
            (Mode::Normal, Some(action)) => self.normal(action),
            (Mode::Ticket, Some(action)) => self.ticket_action(action),
            (Mode::Modal, Some(action)) => self.modal_action(action),
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
                let leaves_something = self.open_orders().next().is_some()
                    || !self.snap.pending.is_empty()
                    || self.snap.controls.approval() == Approval::Autonomous;
                if leaves_something {
                    self.modal = Some(Modal::Quit);
                } else {
                    self.quit_now();
                }
            }
            Action::Help => self.help = true,
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
        match self.focus {
            Pane::Watchlist => {
                let symbols: Vec<_> = self.snap.markets.iter().map(|m| m.symbol.clone()).collect();
                self.selected_symbol = moved(&symbols, self.selected_symbol.as_ref(), step);
            }
            Pane::Orders => {
                let ids: Vec<_> = self.open_orders().map(|o| o.id).collect();
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
        let last = self.snap.markets.iter().find(|m| m.symbol == symbol).and_then(|m| m.last_price);
        self.ticket = Some(Ticket::new(symbol, side, last));
        self.preview();
    }

    /// Asks the engine for fresh verdicts on the ticket as it now reads.
    fn preview(&mut self) {
        let request = self.next_request;
        let Some(ticket) = self.ticket.as_mut() else { return };
        ticket.checks = None;
        match ticket.intent() {
            Ok(intent) => {
                self.next_request += 1;
                ticket.request = Some(request);
                ticket.error = None;
                if self.handle.send(Command::Preview { request, intent }).is_err() {
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
        let Some(ticket) = self.ticket.as_mut() else { return };
        match action {
            Action::NextField => ticket.move_field(1),
            Action::PrevField => ticket.move_field(-1),
            Action::Toggle if ticket.toggle() => self.preview(),
            Action::DeleteChar if ticket.delete_char() => self.preview(),
            Action::Close => self.ticket = None,
            Action::Submit => match ticket.intent() {
                Err(why) => ticket.error = Some(why),
                Ok(intent) => match (ticket.blocker(), &ticket.checks) {
                    (None, Some(checks)) => {
                        self.modal = Some(Modal::ConfirmOrder { intent, checks: checks.clone() })
                    }
                    (blocker, _) => ticket.error = blocker,
                },
            },
            _ => {}
        }
    }

    fn ticket_char(&mut self, code: KeyCode) {
        if let (Some(ticket), KeyCode::Char(c)) = (self.ticket.as_mut(), code)
            && ticket.type_char(c)
        {
            self.preview();
        }
    }

    fn modal_action(&mut self, action: Action) {
        let Some(modal) = self.modal.as_mut() else { return };
        match (action, modal) {
            (Action::No, _) => self.modal = None,
            (Action::NextField, Modal::Autonomous(form)) => form.move_field(1),
            (Action::PrevField, Modal::Autonomous(form)) => form.move_field(-1),
            (Action::DeleteChar, Modal::Autonomous(form)) => form.delete_char(),
            (Action::Yes, _) => self.modal_yes(),
            _ => {}
        }
    }

    fn modal_yes(&mut self) {
        let Some(modal) = self.modal.take() else { return };
        match modal {
            Modal::ConfirmOrder { intent, .. } => {
                self.ticket = None;
                self.request(|reply| Command::Submit { intent, reply }, AppMsg::Submitted);
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

/// A command's result as a status-line notice.
fn notice(result: Result<String, crate::engine::CommandError>) -> AppMsg {
    match result {
        Ok(text) => AppMsg::Notice { text, warning: false },
        Err(err) => AppMsg::Notice { text: format!("failed: {err}"), warning: true },
    }
}
