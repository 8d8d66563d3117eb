//! Watchlist: symbol, last price (at the symbol's tick precision), change since the session
//! open, and a sparkline that takes the width left.
//!
//! Columns, most important first (see `tui/columns.rs`): the selection marker, Symbol, Last
//! and the STALE mark are never dropped; then Chg (1); the Trend sparkline only gets what is
//! left. A symbol whose book is not synced or is older than the gate's `stale_after_ms` has
//! its price dimmed and the word STALE beside it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Span;

use super::pnl_style;
use crate::tui::app::App;
use crate::tui::columns::{Align, Cell, MUST, Table, scroll_to};
use crate::tui::format::{Precision, change_pct, is_stale, sparkline};
use crate::tui::theme::Role;

const SPARK_WIDTH: usize = 24;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let markets = &app.snap.markets;
    let precision = Precision::new(markets);
    let block = app.pane(" Watchlist ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let stale: Vec<bool> = markets.iter().map(|m| is_stale(m, app.snap.now_ms)).collect();
    let selected_at = markets.iter().position(|m| Some(&m.symbol) == app.selected_symbol.as_ref());
    let dim = t.style(Role::Muted).add_modifier(Modifier::DIM);
    let mut table = Table::new(markets.len(), t.style(Role::Muted))
        .column(
            "",
            MUST,
            Align::Left,
            (0..markets.len())
                .map(|i| Cell::new(if Some(i) == selected_at { "▶" } else { " " }, t.style(Role::Text))),
        )
        .column(
            "Symbol",
            MUST,
            Align::Left,
            markets.iter().map(|m| {
                Cell::new(
                    m.symbol.to_string(),
                    t.style(if m.state.is_synced() { Role::Text } else { Role::Warn }),
                )
            }),
        )
        .column(
            "Last",
            MUST,
            Align::Decimal,
            markets.iter().zip(&stale).map(|(m, stale)| {
                let text = m.last_price.map_or_else(|| "—".into(), |p| precision.price(&m.symbol, p));
                Cell::new(text, if *stale { dim } else { t.style(Role::Text) })
            }),
        )
        .column(
            "",
            MUST,
            Align::Left,
            stale.iter().map(|s| Cell::new(if *s { "STALE" } else { "" }, t.style(Role::Warn))),
        )
        .column(
            "Chg",
            1,
            Align::Decimal,
            markets.iter().map(|m| {
                let (text, pct) = change_pct(m.open_price, m.last_price);
                Cell::new(text, pnl_style(t, pct))
            }),
        )
        .fill("Trend", 4, |row, width| {
            let history = markets.get(row).map_or(&[][..], |m| &m.history[..]);
            Span::styled(sparkline(history, width.min(SPARK_WIDTH)), t.style(Role::ChartLine))
        });
    if let Some(at) = selected_at {
        table = table.row_style(at, t.style(Role::Selection));
    }
    let rows = inner.height.saturating_sub(1) as usize;
    let offset = scroll_to(selected_at.unwrap_or(0), rows, markets.len());
    table.render(frame, inner, offset, t.style(Role::Muted));
}
