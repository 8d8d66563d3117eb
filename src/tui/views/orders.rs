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
    // Orders placed outside vigil (live): shown and counted, never selectable.
    let external: &[crate::domain::Order] = app.snap.live.as_ref().map_or(&[], |l| &l.external_orders);
    let rows = app.snap.orders.iter().chain(external).skip(skip).take(visible).map(|o| {
        let is_external = o.intent.origin == crate::domain::Origin::External;
        let selected = !is_external && Some(o.id) == app.selected_order && o.status.is_open();
        let price = o.intent.price.map(|p| p.to_string()).unwrap_or_else(|| "market".into());
        let status_role = if o.status.is_open() { Role::Text } else { Role::Muted };
        let row = Row::new([
            Cell::from(if is_external {
                " ext".to_owned()
            } else {
                format!("{}{}", if selected { "▶" } else { " " }, o.id)
            }),
            Cell::from(hms(o.created_ms)),
            Cell::from(o.intent.symbol.to_string()),
            Cell::from(Span::styled(o.intent.side.to_string(), side_style(t, o.intent.side))),
            Cell::from(o.intent.qty.to_string()),
            Cell::from(price),
            Cell::from(o.filled_qty.to_string()),
            Cell::from(Span::styled(
                if is_external { "external".to_owned() } else { o.status.to_string() },
                t.style(if is_external { Role::Warn } else { status_role }),
            )),
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
    let title = match external.len() {
        0 => format!(" Orders ({open} open) "),
        n => format!(" Orders ({open} open, {n} external) "),
    };
    frame.render_widget(Table::new(rows, widths).header(header).block(app.pane(title, focused)), area);
}
