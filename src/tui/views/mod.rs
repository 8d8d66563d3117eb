//! Drawing. Every function here takes `&App` and a frame: rendering never changes state,
//! never waits, and never does I/O.

mod book;
mod chart;
mod checks;
mod fills;
mod footer;
mod header;
mod help;
mod inbox;
mod log;
mod modal;
mod orders;
mod positions;
mod tape;
mod ticket;
pub(crate) mod unlock;
mod watchlist;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Tabs};

use super::app::{App, Pane};
use super::theme::{Role, Theme};

/// At or above this size every pane is on screen at once; below it, tabs.
pub const FULL_LAYOUT_MIN: (u16, u16) = (120, 34);

impl App {
    /// Draws the whole screen from the current state.
    pub fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        let background = self.theme.style(Role::Background);
        // Painting a no-op style over every cell costs ~5% of a frame; skip it when unset.
        if background.bg.is_some_and(|c| c != ratatui::style::Color::Reset) || background.fg.is_some() {
            frame.render_widget(Block::new().style(background), area);
        }
        let [head, body, foot] =
            Layout::vertical([Constraint::Length(2), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        header::draw(self, frame, head);
        if area.width >= FULL_LAYOUT_MIN.0 && area.height >= FULL_LAYOUT_MIN.1 {
            self.draw_full(frame, body);
        } else {
            self.draw_compact(frame, body);
        }
        footer::draw(self, frame, foot);
        // The review modal repeats the ticket's content, so the ticket is hidden under it.
        if let (Some(ticket), None) = (&self.ticket, &self.modal) {
            ticket::draw(self, ticket, frame, body);
        }
        if let Some(modal) = &self.modal {
            modal::draw(self, modal, frame, body);
        }
        if self.help {
            help::draw(self, frame, body);
        }
    }

    fn draw_full(&self, frame: &mut Frame, area: Rect) {
        let [top, mid, bottom] =
            Layout::vertical([Constraint::Percentage(48), Constraint::Percentage(26), Constraint::Fill(1)])
                .areas(area);
        let [watch, chart, book] =
            Layout::horizontal([Constraint::Length(50), Constraint::Fill(1), Constraint::Length(40)])
                .areas(top);
        watchlist::draw(self, frame, watch);
        chart::draw(self, frame, chart);
        self.draw_book_and_tape(frame, book);
        let [pos, ord, fil] =
            Layout::horizontal([Constraint::Percentage(30), Constraint::Percentage(40), Constraint::Fill(1)])
                .areas(mid);
        positions::draw(self, frame, pos);
        orders::draw(self, frame, ord);
        fills::draw(self, frame, fil);
        let [inbox, log] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(bottom);
        inbox::draw(self, frame, inbox);
        log::draw(self, frame, log);
    }

    /// Tabs for small terminals; the focused pane decides the tab, so `tab` reaches everything.
    fn draw_compact(&self, frame: &mut Frame, area: Rect) {
        let [bar, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        let pending = self.snap.pending.len();
        let titles = [
            "1 Market".to_owned(),
            "2 Portfolio".to_owned(),
            if pending > 0 { format!("3 Inbox ({pending})") } else { "3 Inbox".to_owned() },
        ];
        let selected = Pane::ALL.iter().position(|p| *p == self.focus).unwrap_or(0);
        let tabs = Tabs::new(titles)
            .select(selected)
            .style(self.theme.style(Role::Muted))
            .highlight_style(self.theme.style(Role::Focus).patch(self.theme.style(Role::Selection)));
        frame.render_widget(tabs, bar);
        match self.focus {
            Pane::Watchlist => {
                let rows = (self.snap.markets.len() as u16 + 3).clamp(4, 8);
                let [watch, rest] =
                    Layout::vertical([Constraint::Length(rows), Constraint::Fill(1)]).areas(body);
                let [chart, book] =
                    Layout::horizontal([Constraint::Fill(1), Constraint::Length(32)]).areas(rest);
                watchlist::draw(self, frame, watch);
                chart::draw(self, frame, chart);
                self.draw_book_and_tape(frame, book);
            }
            Pane::Orders => {
                let [pos, ord, fil] =
                    Layout::vertical([Constraint::Length(5), Constraint::Fill(1), Constraint::Length(6)])
                        .areas(body);
                positions::draw(self, frame, pos);
                orders::draw(self, frame, ord);
                fills::draw(self, frame, fil);
            }
            Pane::Inbox => {
                let [inbox, log] = Layout::vertical([Constraint::Fill(1), Constraint::Length(7)]).areas(body);
                inbox::draw(self, frame, inbox);
                log::draw(self, frame, log);
            }
        }
    }

    /// The book with the tape under it, when there is room for both.
    fn draw_book_and_tape(&self, frame: &mut Frame, area: Rect) {
        if area.height < 18 {
            book::draw(self, frame, area);
            return;
        }
        let [book, tape] = Layout::vertical([Constraint::Percentage(60), Constraint::Fill(1)]).areas(area);
        book::draw(self, frame, book);
        tape::draw(self, frame, tape);
    }

    /// A bordered pane; the border lights up when `focused`.
    pub(crate) fn pane<'a>(&self, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
        pane(&self.theme, title, focused)
    }
}

/// A bordered pane with a title, in theme colours.
pub(crate) fn pane<'a>(theme: &Theme, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    let (border, kind) = if focused {
        (theme.style(Role::Focus), BorderType::Thick)
    } else {
        (theme.style(Role::Border), BorderType::Plain)
    };
    Block::new()
        .borders(Borders::ALL)
        .border_type(kind)
        .border_style(border)
        .title(title.into().style(theme.style(Role::Title)))
        .style(theme.style(Role::Text))
}

/// A label/value span pair, e.g. `equity 1000.00`.
pub(crate) fn labelled<'a>(theme: &Theme, label: &'a str, value: String, role: Role) -> [Span<'a>; 2] {
    [Span::styled(format!("{label} "), theme.style(Role::Muted)), Span::styled(value, theme.style(role))]
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// Style for a verdict word.
pub(crate) fn verdict_style(theme: &Theme, verdict: crate::engine::CheckVerdict) -> (Style, &'static str) {
    use crate::engine::CheckVerdict::*;
    match verdict {
        Pass => (theme.style(Role::Pass), "PASS"),
        Warn => (theme.style(Role::Warn), "WARN"),
        Fail => (theme.style(Role::Fail), "FAIL"),
        Skip => (theme.style(Role::Skip), "skip"),
    }
}

/// Style for a buy/sell word.
pub(crate) fn side_style(theme: &Theme, side: crate::domain::Side) -> Style {
    match side {
        crate::domain::Side::Buy => theme.style(Role::Bid),
        crate::domain::Side::Sell => theme.style(Role::Ask),
    }
}

/// Style for a signed amount.
pub(crate) fn pnl_style(theme: &Theme, value: rust_decimal::Decimal) -> Style {
    if value.is_sign_negative() && !value.is_zero() {
        theme.style(Role::Loss)
    } else if value.is_zero() {
        theme.style(Role::Text)
    } else {
        theme.style(Role::Profit)
    }
}
