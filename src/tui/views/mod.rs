//! Drawing. Every function here takes `&App` and a frame: rendering never changes state,
//! never waits, and never does I/O.

// Input (prices, quantities, balances, config) reaches the arithmetic here:
// every operation is checked, or allowed locally with the reason it cannot overflow.
#![deny(clippy::arithmetic_side_effects)]

mod balances;
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
mod search;
mod tape;
mod ticket;
pub(crate) mod unlock;
mod watchlist;

use std::cell::Cell;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Tabs};

use super::app::{App, Pane};
use super::memo::Memo;
use super::theme::{Role, Theme};
use crate::domain::OrderId;
use crate::engine::CheckLine;

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
        let full = area.width >= FULL_LAYOUT_MIN.0 && area.height >= FULL_LAYOUT_MIN.1;
        if let (Some(ticket), None) = (&self.ticket, &self.modal) {
            // The ticket and the book side by side: no pane is half covered (a half-covered
            // table shows cut numbers), and the book stays in view while a price is picked.
            let [left, right] =
                Layout::horizontal([Constraint::Length(ticket::width(body, full)), Constraint::Fill(1)])
                    .areas(body);
            ticket::draw(self, ticket, frame, left);
            self.draw_book_and_tape(frame, right);
        } else if self.zoom {
            self.draw_pane(frame, self.focus, body);
        } else if full {
            self.draw_full(frame, body);
        } else {
            self.draw_compact(frame, body);
        }
        footer::draw(self, frame, foot);

        if let Some(search) = &self.search {
            search::draw(self, search, frame, body);
        }
        if let Some(modal) = &self.modal {
            modal::draw(self, modal, frame, body);
        }
        if self.help {
            help::draw(self, frame, body);
        }
    }

    /// Draws one pane and, when it has focus, lights its border up. The border is painted
    /// here rather than by each view so that every pane (including those other views own,
    /// like the chart) shows focus the same way.
    fn draw_pane(&self, frame: &mut Frame, pane: Pane, area: Rect) {
        match pane {
            Pane::Watchlist => watchlist::draw(self, frame, area),
            Pane::Chart => chart::draw(self, frame, area),
            Pane::Book => book::draw(self, frame, area),
            Pane::Tape => tape::draw(self, frame, area),
            Pane::Positions => positions::draw(self, frame, area),
            Pane::Balances => balances::draw(self, frame, area),
            Pane::Orders => orders::draw(self, frame, area),
            Pane::Fills => fills::draw(self, frame, area),
            Pane::Inbox => inbox::draw(self, frame, area),
            Pane::Log => log::draw(self, frame, area),
        }
        if pane == self.focus {
            focus_border(frame.buffer_mut(), area, self.theme.style(Role::Focus));
        }
    }

    fn draw_full(&self, frame: &mut Frame, area: Rect) {
        let [top, mid, bottom] =
            Layout::vertical([Constraint::Percentage(48), Constraint::Percentage(26), Constraint::Fill(1)])
                .areas(area);
        let [watch, chart, book] =
            Layout::horizontal([Constraint::Length(50), Constraint::Fill(1), Constraint::Length(40)])
                .areas(top);
        self.draw_pane(frame, Pane::Watchlist, watch);
        self.draw_pane(frame, Pane::Chart, chart);
        self.draw_book_and_tape(frame, book);
        let [pos, ord, fil] =
            Layout::horizontal([Constraint::Percentage(30), Constraint::Percentage(40), Constraint::Fill(1)])
                .areas(mid);
        let [pos, bal] = Layout::vertical([Constraint::Percentage(50), Constraint::Fill(1)]).areas(pos);
        self.draw_pane(frame, Pane::Positions, pos);
        self.draw_pane(frame, Pane::Balances, bal);
        self.draw_pane(frame, Pane::Orders, ord);
        self.draw_pane(frame, Pane::Fills, fil);
        let [inbox, log] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(bottom);
        self.draw_pane(frame, Pane::Inbox, inbox);
        self.draw_pane(frame, Pane::Log, log);
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
        let tabs = Tabs::new(titles)
            .select(self.focus.tab())
            .style(self.theme.style(Role::Muted))
            .highlight_style(self.theme.style(Role::Focus).patch(self.theme.style(Role::Selection)));
        frame.render_widget(tabs, bar);
        match self.focus.tab() {
            0 => {
                let rows =
                    u16::try_from(self.snap.markets.len()).unwrap_or(u16::MAX).saturating_add(3).clamp(4, 8);
                let [watch, rest] =
                    Layout::vertical([Constraint::Length(rows), Constraint::Fill(1)]).areas(body);
                let [chart, book] =
                    Layout::horizontal([Constraint::Fill(1), Constraint::Length(32)]).areas(rest);
                self.draw_pane(frame, Pane::Watchlist, watch);
                self.draw_pane(frame, Pane::Chart, chart);
                self.draw_book_and_tape(frame, book);
            }
            1 => {
                let [top, ord, fil] =
                    Layout::vertical([Constraint::Length(5), Constraint::Fill(1), Constraint::Length(6)])
                        .areas(body);
                let [pos, bal] =
                    Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)]).areas(top);
                self.draw_pane(frame, Pane::Positions, pos);
                self.draw_pane(frame, Pane::Balances, bal);
                self.draw_pane(frame, Pane::Orders, ord);
                self.draw_pane(frame, Pane::Fills, fil);
            }
            _ => {
                let [inbox, log] = Layout::vertical([Constraint::Fill(1), Constraint::Length(7)]).areas(body);
                self.draw_pane(frame, Pane::Inbox, inbox);
                self.draw_pane(frame, Pane::Log, log);
            }
        }
    }

    /// The book with the tape under it, when there is room for both.
    /// The book, with the tape under it when the column is tall enough for both (the tape
    /// takes the whole column while it has focus).
    fn draw_book_and_tape(&self, frame: &mut Frame, area: Rect) {
        if self.focus == Pane::Tape {
            self.draw_pane(frame, Pane::Tape, area);
            return;
        }
        if area.height < 18 {
            self.draw_pane(frame, Pane::Book, area);
            return;
        }
        let [book, tape] = Layout::vertical([Constraint::Percentage(60), Constraint::Fill(1)]).areas(area);
        self.draw_pane(frame, Pane::Book, book);
        self.draw_pane(frame, Pane::Tape, tape);
    }

    /// A bordered pane; the border lights up when `focused`.
    pub(crate) fn pane<'a>(&self, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
        pane(&self.theme, title, focused)
    }

    /// Rows a list pane of `area` shows below its border and column header.
    pub(crate) fn list_rows(area: Rect) -> usize {
        area.height.saturating_sub(3) as usize
    }
}

/// What the views keep between frames: text wrapped once per change of what it shows
/// (see [`Memo`]), not once per frame.
#[derive(Default)]
pub(crate) struct DrawCache {
    /// The inbox's verdict lines for (order, its checks, rows, width).
    inbox: Memo<(OrderId, Vec<CheckLine>, usize, usize), Vec<Line<'static>>>,
    /// The events pane's lines for (first and last entry shown, rows, width, highlighted).
    log: Memo<log::Key, Vec<Line<'static>>>,
    /// The last first line the help and the review's checks could show when last drawn
    /// (`None`: not drawn since opened). Scrolling stops there, so the key back moves at once.
    help_end: Cell<Option<usize>>,
    review_end: Cell<Option<usize>>,
}

impl DrawCache {
    /// The help's last scroll offset at the size it was drawn (unbounded before that).
    pub(crate) fn help_end(&self) -> usize {
        self.help_end.get().unwrap_or(usize::MAX)
    }

    /// The review's last scroll offset at the size it was drawn (unbounded before that).
    pub(crate) fn review_end(&self) -> usize {
        self.review_end.get().unwrap_or(usize::MAX)
    }

    /// Forgets both ends: an overlay opening anew is measured by its next frame.
    pub(crate) fn forget_scroll_ends(&self) {
        self.help_end.set(None);
        self.review_end.set(None);
    }
}

/// Repaints the border of `area` thick and in `style`, leaving the title's letters alone.
fn focus_border(buf: &mut Buffer, area: Rect, style: Style) {
    let area = area.intersection(buf.area);
    if area.width < 2 || area.height < 2 {
        return;
    }
    fn thick(s: &str) -> Option<&'static str> {
        match s {
            "┌" => Some("┏"),
            "┐" => Some("┓"),
            "└" => Some("┗"),
            "┘" => Some("┛"),
            "─" => Some("━"),
            "│" => Some("┃"),
            "┏" => Some("┏"),
            "┓" => Some("┓"),
            "┗" => Some("┗"),
            "┛" => Some("┛"),
            "━" => Some("━"),
            "┃" => Some("┃"),
            _ => None,
        }
    }
    let (right, bottom) = (area.right().saturating_sub(1), area.bottom().saturating_sub(1));
    let edge = (area.left()..=right)
        .flat_map(|x| [(x, area.top()), (x, bottom)])
        .chain((area.top()..=bottom).flat_map(|y| [(area.left(), y), (right, y)]));
    for (x, y) in edge {
        let cell = &mut buf[(x, y)];
        if let Some(symbol) = thick(cell.symbol()) {
            cell.set_symbol(symbol);
            cell.set_style(style);
        }
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
    // w <= area.width and h <= area.height: the halves stay inside `area`.
    let x = area.x.saturating_add(area.width.saturating_sub(w) / 2);
    let y = area.y.saturating_add(area.height.saturating_sub(h) / 2);
    Rect::new(x, y, w, h)
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
