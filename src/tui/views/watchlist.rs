//! Watchlist: symbol, last price, change since the session open, and a sparkline.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use super::pnl_style;
use crate::tui::app::{App, Pane};
use crate::tui::format::{change_pct, sparkline};
use crate::tui::theme::Role;

const SPARK_WIDTH: usize = 24;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focus == Pane::Watchlist;
    let spark_width = (area.width as usize).saturating_sub(35).clamp(4, SPARK_WIDTH);
    let rows = app.snap.markets.iter().map(|m| {
        let selected = Some(&m.symbol) == app.selected_symbol.as_ref();
        let (pct_text, pct) = change_pct(m.open_price, m.last_price);
        let marker = if selected { "▶" } else { " " };
        let symbol_role = if m.state.is_synced() { Role::Text } else { Role::Warn };
        let row = Row::new([
            Cell::from(Span::styled(format!("{marker}{}", m.symbol), t.style(symbol_role))),
            Cell::from(m.last_price.map(|p| p.to_string()).unwrap_or_else(|| "—".into())),
            Cell::from(Span::styled(pct_text, pnl_style(t, pct))),
            Cell::from(Span::styled(sparkline(&m.history, spark_width), t.style(Role::ChartLine))),
        ]);
        if selected { row.style(t.style(Role::Selection)) } else { row }
    });
    let header = Row::new(["Symbol", "Last", "Chg", "Trend"]).style(t.style(Role::Muted));
    let widths = [
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(8),
        Constraint::Length(spark_width as u16),
    ];
    let table = Table::new(rows, widths).header(header).block(app.pane(" Watchlist ", focused));
    frame.render_widget(table, area);
}
