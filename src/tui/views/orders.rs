//! Orders: open ones first (selectable, `c` cancels the selected one), then recent closed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use super::side_style;
use crate::tui::app::{App, Pane};
use crate::tui::format::hms;
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focus == Pane::Orders;
    let open = app.open_orders().count();
    let visible = area.height.saturating_sub(3) as usize;
    let selected_at = app.snap.orders.iter().position(|o| Some(o.id) == app.selected_order).unwrap_or(0);
    let skip = (selected_at + 1).saturating_sub(visible);
    let rows = app.snap.orders.iter().skip(skip).take(visible).map(|o| {
        let selected = Some(o.id) == app.selected_order && o.status.is_open();
        let price = o.intent.price.map(|p| p.to_string()).unwrap_or_else(|| "market".into());
        let status_role = if o.status.is_open() { Role::Text } else { Role::Muted };
        let row = Row::new([
            Cell::from(format!("{}{}", if selected { "▶" } else { " " }, o.id)),
            Cell::from(hms(o.created_ms)),
            Cell::from(o.intent.symbol.to_string()),
            Cell::from(Span::styled(o.intent.side.to_string(), side_style(t, o.intent.side))),
            Cell::from(o.intent.qty.to_string()),
            Cell::from(price),
            Cell::from(o.filled_qty.to_string()),
            Cell::from(Span::styled(o.status.to_string(), t.style(status_role))),
        ]);
        if selected { row.style(t.style(Role::Selection)) } else { row }
    });
    let header = Row::new(["#", "Time", "Symbol", "Side", "Qty", "Price", "Filled", "Status"])
        .style(t.style(Role::Muted));
    let widths = [
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(6),
        Constraint::Fill(1),
    ];
    let title = format!(" Orders ({open} open) ");
    frame.render_widget(Table::new(rows, widths).header(header).block(app.pane(title, focused)), area);
}
