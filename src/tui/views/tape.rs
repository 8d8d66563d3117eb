//! The tape: the selected symbol's recent trades, newest first, with the aggressor shown by
//! colour and by a marker (`▲` a buyer lifted the ask, `▼` a seller hit the bid), so it reads
//! the same without colour; `j`/`k` scroll when the pane has focus.
//!
//! Columns, most important first: the marker, Price and Qty are never dropped or cut; then
//! Time (1). Prices at the tick precision, quantities at the step precision.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use crate::domain::Side;
use crate::tui::app::{App, Pane};
use crate::tui::columns::{Align, Cell, MUST, Table, scroll_to};
use crate::tui::format::{Precision, hms};
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let Some(market) = app.snap.markets.iter().find(|m| Some(&m.symbol) == app.selected_symbol.as_ref())
    else {
        frame.render_widget(Paragraph::new("no symbol selected").block(app.pane(" Tape ", false)), area);
        return;
    };
    let block = app.pane(format!(" Tape {} ", market.symbol), false);
    if market.tape.is_empty() {
        frame.render_widget(Paragraph::new("waiting for trades…").block(block), area);
        return;
    }
    let count = market.tape.len();
    // Newest first; the picked trade (found by what it is) keeps its place in view.
    let selected = app.scroll.tape.and_then(|p| market.tape.iter().rev().position(|q| *q == p));
    let rows = App::list_rows(area);
    let offset = selected.map_or(0, |at| scroll_to(at, rows, count));
    let prints: Vec<_> = market.tape.iter().rev().skip(offset).take(rows).collect();
    let precision = Precision::new(&app.snap.markets);
    let symbol = &market.symbol;
    let side_style = |side: Side| t.style(if side == Side::Buy { Role::Bid } else { Role::Ask });
    let col = |f: &dyn Fn(&crate::market::Print) -> Cell| prints.iter().map(|p| f(p)).collect::<Vec<_>>();
    let mut table = Table::new(prints.len(), t.style(Role::Muted))
        .column("Time", 1, Align::Left, col(&|p| Cell::new(hms(p.ts_ms), t.style(Role::Muted))))
        .column(
            "",
            MUST,
            Align::Left,
            col(&|p| Cell::new(if p.side == Side::Buy { "▲" } else { "▼" }, side_style(p.side))),
        )
        .column(
            "Price",
            MUST,
            Align::Decimal,
            col(&|p| Cell::new(precision.price(symbol, p.price), side_style(p.side))),
        )
        .column(
            "Qty",
            MUST,
            Align::Decimal,
            col(&|p| Cell::new(precision.qty(symbol, p.qty), t.style(Role::Text))),
        );
    if let Some(at) = selected.and_then(|at| at.checked_sub(offset)).filter(|_| app.focus == Pane::Tape) {
        table = table.row_style(at, t.style(Role::Selection));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    table.render(frame, inner, 0, t.style(Role::Muted));
}
