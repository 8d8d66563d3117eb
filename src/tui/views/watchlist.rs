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
use crate::tui::format::{Precision, always_signed, change_pct, sparkline};
use crate::tui::theme::Role;

const SPARK_WIDTH: usize = 24;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let markets = &app.snap.markets;
    let precision = Precision::new(markets);
    let block = app.pane(" Watchlist ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let stale: Vec<bool> = markets.iter().map(|m| m.is_stale(app.snap.now_ms)).collect();
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
        // The exchange's rolling 24 h figures, from the `@ticker` stream, labelled as such.
        .column(
            "24h%",
            2,
            Align::Decimal,
            markets.iter().map(|m| match &m.ticker {
                Some(tk) => Cell::new(
                    format!("{}%", always_signed(tk.price_change_pct, Some(2))),
                    pnl_style(t, tk.price_change_pct),
                ),
                None => Cell::new("—", t.style(Role::Muted)),
            }),
        )
        .column(
            "Bid",
            3,
            Align::Decimal,
            ticker_cells(markets, &stale, dim, t.style(Role::Bid), |tk| tk.bid, &precision),
        )
        .column(
            "Ask",
            3,
            Align::Decimal,
            ticker_cells(markets, &stale, dim, t.style(Role::Ask), |tk| tk.ask, &precision),
        )
        .column(
            "24h High",
            5,
            Align::Decimal,
            ticker_cells(markets, &stale, dim, t.style(Role::Text), |tk| tk.high, &precision),
        )
        .column(
            "24h Low",
            5,
            Align::Decimal,
            ticker_cells(markets, &stale, dim, t.style(Role::Text), |tk| tk.low, &precision),
        )
        .column(
            "24h Vol",
            6,
            Align::Decimal,
            markets.iter().map(|m| match &m.ticker {
                Some(tk) => Cell::new(precision.qty(&m.symbol, tk.volume), t.style(Role::Text)),
                None => Cell::new("—", t.style(Role::Muted)),
            }),
        )
        .fill("Trend", 7, |row, width| {
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

/// A price column from the 24 h ticker at the symbol's tick precision, dimmed when stale.
fn ticker_cells<'a>(
    markets: &'a [crate::engine::MarketView],
    stale: &'a [bool],
    dim: ratatui::style::Style,
    style: ratatui::style::Style,
    pick: fn(&crate::market::Ticker24h) -> rust_decimal::Decimal,
    precision: &'a Precision<'a>,
) -> impl Iterator<Item = Cell> + 'a {
    markets.iter().zip(stale).map(move |(m, stale)| match &m.ticker {
        Some(tk) => Cell::new(precision.price(&m.symbol, pick(tk)), if *stale { dim } else { style }),
        None => Cell::new("—", dim),
    })
}
