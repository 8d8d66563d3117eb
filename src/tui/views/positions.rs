//! Positions with their unrealized PnL marked at the symbol's last price.
//!
//! Columns, most important first: Symbol and Qty are never dropped; then Avg+fees (1, the
//! average cost per unit *including* the buy fees, as the portfolio books it, at the tick
//! precision), uPnL (1), rPnL (2), in the quote asset at its precision, always signed.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::pnl_style;
use crate::domain::Position;
use crate::tui::app::{App, Pane};
use crate::tui::columns::{Align, Cell, MUST, Table, scroll_to};
use crate::tui::format::Precision;
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let positions: Vec<&Position> =
        app.snap.positions.iter().filter(|p| !p.qty.is_zero() || !p.realized_pnl.is_zero()).collect();
    let precision = Precision::new(&app.snap.markets);
    let market = |p: &Position| app.snap.markets.iter().find(|m| m.symbol == p.symbol);
    let quote =
        |p: &Position| market(p).map_or(app.snap.quote_asset.as_str(), |m| m.quote_asset.as_str()).to_owned();
    let text = t.style(Role::Text);
    let col = |f: &dyn Fn(&Position) -> Cell| positions.iter().map(|p| f(p)).collect::<Vec<_>>();
    let selected_at =
        app.scroll.position.as_ref().and_then(|s| positions.iter().position(|p| &p.symbol == s));
    let mut table = Table::new(positions.len(), t.style(Role::Muted))
        .column("Symbol", MUST, Align::Left, col(&|p| Cell::new(p.symbol.to_string(), text)))
        .column("Qty", MUST, Align::Decimal, col(&|p| Cell::new(precision.qty(&p.symbol, p.qty), text)))
        .column(
            "Avg+fees",
            1,
            Align::Decimal,
            col(&|p| Cell::new(precision.price(&p.symbol, p.avg_cost), text)),
        )
        .column(
            "uPnL",
            1,
            Align::Decimal,
            col(&|p| {
                let mark = market(p).and_then(|m| m.last_price);
                match mark.and_then(|m| p.unrealized_pnl(m)) {
                    Some(u) => Cell::new(precision.signed_money(&quote(p), u), pnl_style(t, u)),
                    None => Cell::new("—", t.style(Role::Muted)),
                }
            }),
        )
        .column(
            "rPnL",
            2,
            Align::Decimal,
            col(&|p| {
                Cell::new(precision.signed_money(&quote(p), p.realized_pnl), pnl_style(t, p.realized_pnl))
            }),
        );
    if let Some(at) = selected_at.filter(|_| app.focus == Pane::Positions) {
        table = table.row_style(at, t.style(Role::Selection));
    }
    let block = app.pane(" Positions ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let offset = selected_at.map_or(0, |at| scroll_to(at, App::list_rows(area), positions.len()));
    table.render(frame, inner, offset, t.style(Role::Muted));
}
