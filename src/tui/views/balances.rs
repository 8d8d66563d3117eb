//! Balances per asset: free, locked (held by vigil's open orders — the reservations — or by
//! the exchange), total, and the value in the quote asset where a price is known (the quote
//! asset itself, or `ASSETQUOTE`'s mid, else its last trade: the engine's own mark).
//!
//! Columns, most important first: Asset and Total are never dropped; then Free (1), Locked
//! (1), Value (2). Amounts print at their asset's precision (see `format::Precision`).

use ratatui::Frame;
use ratatui::layout::Rect;
use rust_decimal::Decimal;

use crate::domain::Balance;
use crate::tui::app::{App, Pane};
use crate::tui::columns::{Align, Cell, MUST, Table, scroll_to};
use crate::tui::format::Precision;
use crate::tui::theme::Role;

/// `total` of `asset` in `quote`, if a price is known.
fn value(app: &App, asset: &str, total: Decimal) -> Option<Decimal> {
    let quote = app.snap.quote_asset.as_str();
    if asset == quote {
        return Some(total);
    }
    let market = app.snap.markets.iter().find(|m| m.base_asset == asset && m.quote_asset == quote)?;
    let mark = market.book.as_ref().and_then(|b| b.mid()).or(market.last_price)?;
    total.checked_mul(mark)
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let balances = &app.snap.balances;
    let quote = app.snap.quote_asset.as_str();
    let precision = Precision::new(&app.snap.markets);
    let text = t.style(Role::Text);
    let col = |f: &dyn Fn(&str, &Balance) -> Cell| balances.iter().map(|(a, b)| f(a, b)).collect::<Vec<_>>();
    let selected_at = app.scroll.balance.as_ref().and_then(|s| balances.iter().position(|(a, _)| a == s));
    let mut table = Table::new(balances.len(), t.style(Role::Muted))
        .column("Asset", MUST, Align::Left, col(&|a, _| Cell::new(a, text)))
        .column("Free", 1, Align::Decimal, col(&|a, b| Cell::new(precision.money(a, b.free), text)))
        .column(
            "Locked",
            1,
            Align::Decimal,
            col(&|a, b| Cell::new(precision.money(a, b.locked), t.style(Role::Muted))),
        )
        .column("Total", MUST, Align::Decimal, col(&|a, b| Cell::new(precision.money(a, b.total()), text)))
        .column(
            "Value",
            2,
            Align::Decimal,
            col(&|a, b| match value(app, a, b.total()) {
                Some(v) => Cell::new(format!("{} {quote}", precision.money(quote, v)), text),
                None => Cell::new("—", t.style(Role::Muted)),
            }),
        );
    if let Some(at) = selected_at.filter(|_| app.focus == Pane::Balances) {
        table = table.row_style(at, t.style(Role::Selection));
    }
    let block = app.pane(" Balances ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let offset = selected_at.map_or(0, |at| scroll_to(at, App::list_rows(area), balances.len()));
    table.render(frame, inner, offset, t.style(Role::Muted));
}
