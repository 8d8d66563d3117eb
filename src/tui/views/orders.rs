//! Orders: open ones first, then recent closed ones, then orders placed outside vigil (live).
//! Any of vigil's orders can be selected (the list scrolls with it); `c` cancels the selected
//! one when it is open.
//!
//! Columns, most important first: the selection marker, Symbol, Side, Qty and Price are never
//! dropped; then Status (1), Filled (2), # (3), Time (4). Prices print at the symbol's tick
//! precision, quantities at its step precision.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::side_style;
use crate::domain::{Order, Origin};
use crate::tui::app::App;
use crate::tui::columns::{Align, Cell, MUST, Table, scroll_to};
use crate::tui::format::{Precision, hms};
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let open = app.open_orders().count();
    // Orders placed outside vigil (live): shown and counted, never selectable.
    let external: &[Order] = app.snap.live.as_ref().map_or(&[], |l| &l.external_orders);
    let all: Vec<&Order> = app.snap.orders.iter().chain(external).collect();
    let is_external = |o: &Order| o.intent.origin == Origin::External;
    let selected = all.iter().position(|o| !is_external(o) && Some(o.id) == app.selected_order);
    // Only the rows on screen are formatted (and size the columns): a long history costs
    // nothing per frame.
    let offset = scroll_to(selected.unwrap_or(0), App::list_rows(area), all.len());
    let orders = &all[offset.min(all.len())..offset.saturating_add(App::list_rows(area)).min(all.len())];
    let selected_at = selected.and_then(|at| at.checked_sub(offset));
    let precision = Precision::new(&app.snap.markets);
    let text = t.style(Role::Text);
    let col = |f: &dyn Fn(&Order) -> Cell| orders.iter().map(|o| f(o)).collect::<Vec<_>>();
    let mut table = Table::new(orders.len(), t.style(Role::Muted))
        .column(
            "",
            MUST,
            Align::Left,
            col(&|o| {
                Cell::new(if Some(o.id) == app.selected_order && !is_external(o) { "▶" } else { " " }, text)
            }),
        )
        .column(
            "#",
            3,
            Align::Right,
            col(&|o| Cell::new(if is_external(o) { "ext".to_owned() } else { o.id.to_string() }, text)),
        )
        .column("Time", 4, Align::Left, col(&|o| Cell::new(hms(o.created_ms), text)))
        .column("Symbol", MUST, Align::Left, col(&|o| Cell::new(o.intent.symbol.to_string(), text)))
        .column(
            "Side",
            MUST,
            Align::Left,
            col(&|o| Cell::new(o.intent.side.to_string(), side_style(t, o.intent.side))),
        )
        .column(
            "Qty",
            MUST,
            Align::Decimal,
            col(&|o| Cell::new(precision.qty(&o.intent.symbol, o.intent.qty), text)),
        )
        .column(
            "Price",
            MUST,
            Align::Decimal,
            col(&|o| {
                let price =
                    o.intent.price.map_or_else(|| "market".into(), |p| precision.price(&o.intent.symbol, p));
                Cell::new(price, text)
            }),
        )
        .column(
            "Filled",
            2,
            Align::Decimal,
            col(&|o| Cell::new(precision.qty(&o.intent.symbol, o.filled_qty), text)),
        )
        .column(
            "Status",
            1,
            Align::Left,
            col(&|o| {
                if is_external(o) {
                    Cell::new("external", t.style(Role::Warn))
                } else {
                    Cell::new(
                        o.status.to_string(),
                        t.style(if o.status.is_open() { Role::Text } else { Role::Muted }),
                    )
                }
            }),
        );
    if let Some(at) = selected_at {
        table = table.row_style(at, t.style(Role::Selection));
    }
    let title = match external.len() {
        0 => format!(" Orders ({open} open) "),
        n => format!(" Orders ({open} open, {n} external) "),
    };
    let block = app.pane(title, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    table.render(frame, inner, 0, t.style(Role::Muted));
}
