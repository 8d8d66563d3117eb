//! Fills, most recent first; `j`/`k` scroll when the pane has focus.
//!
//! Columns, most important first: Symbol, Side, Qty and Price are never dropped; then Time
//! (1), Fee (2), Liq (3). The fee prints at its asset's precision (see `format::Precision`).

use ratatui::Frame;
use ratatui::layout::Rect;

use super::side_style;
use crate::domain::{Fill, Liquidity};
use crate::tui::app::{App, Pane, fill_key};
use crate::tui::columns::{Align, Cell, MUST, Table, scroll_to};
use crate::tui::format::{Precision, hms};
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let all = &app.snap.fills;
    let selected = app.scroll.fill.and_then(|key| all.iter().position(|f| fill_key(f) == key));
    // Only the rows on screen are formatted (and size the columns).
    let rows = App::list_rows(area);
    let offset = selected.map_or(0, |at| scroll_to(at, rows, all.len()));
    let fills = &all[offset.min(all.len())..offset.saturating_add(rows).min(all.len())];
    let precision = Precision::new(&app.snap.markets);
    let text = t.style(Role::Text);
    let col = |f: &dyn Fn(&Fill) -> Cell| fills.iter().map(f).collect::<Vec<_>>();
    let selected_at = selected.and_then(|at| at.checked_sub(offset));
    let mut table = Table::new(fills.len(), t.style(Role::Muted))
        .column("Time", 1, Align::Left, col(&|f| Cell::new(hms(f.ts_ms), text)))
        .column("Symbol", MUST, Align::Left, col(&|f| Cell::new(f.symbol.to_string(), text)))
        .column("Side", MUST, Align::Left, col(&|f| Cell::new(f.side.to_string(), side_style(t, f.side))))
        .column("Qty", MUST, Align::Decimal, col(&|f| Cell::new(precision.qty(&f.symbol, f.qty), text)))
        .column("Price", MUST, Align::Decimal, col(&|f| Cell::new(precision.price(&f.symbol, f.price), text)))
        .column(
            "Fee",
            2,
            Align::Decimal,
            col(&|f| Cell::new(format!("{} {}", precision.money(&f.fee_asset, f.fee), f.fee_asset), text)),
        )
        .column(
            "Liq",
            3,
            Align::Left,
            col(&|f| {
                let liq = match f.liquidity {
                    Liquidity::Maker => "maker",
                    Liquidity::Taker => "taker",
                };
                Cell::new(liq, text)
            }),
        );
    if let Some(at) = selected_at.filter(|_| app.focus == Pane::Fills) {
        table = table.row_style(at, t.style(Role::Selection));
    }
    let block = app.pane(format!(" Fills ({}) ", all.len()), false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    table.render(frame, inner, 0, t.style(Role::Muted));
}
