//! Positions with their unrealized PnL marked at the symbol's last price.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use super::pnl_style;
use crate::tui::app::App;
use crate::tui::format::{fixed, signed};
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let rows = app.snap.positions.iter().filter(|p| !p.qty.is_zero() || !p.realized_pnl.is_zero()).map(|p| {
        let mark = app.snap.markets.iter().find(|m| m.symbol == p.symbol).and_then(|m| m.last_price);
        let upnl = mark.and_then(|m| p.unrealized_pnl(m));
        Row::new([
            Cell::from(p.symbol.to_string()),
            Cell::from(p.qty.to_string()),
            Cell::from(fixed(p.avg_cost, 2)),
            Cell::from(match upnl {
                Some(u) => Span::styled(signed(u), pnl_style(t, u)),
                None => Span::raw("—"),
            }),
            Cell::from(Span::styled(signed(p.realized_pnl), pnl_style(t, p.realized_pnl))),
        ])
    });
    let header = Row::new(["Symbol", "Qty", "Avg cost", "uPnL", "rPnL"]).style(t.style(Role::Muted));
    let widths = [
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(app.pane(" Positions ", false)), area);
}
