//! Watchlist: symbol, last price, change since the session open, the
//! exchange's 24 h figures (labelled "24h") with bid and ask, and a sparkline.
//! Columns are sized from their content; when the pane is too narrow, whole
//! columns are left out from the right, never digits.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use super::pnl_style;
use crate::tui::app::{App, Pane};
use crate::tui::format::{change_pct, fixed, sparkline};
use crate::tui::theme::Role;

const SPARK_WIDTH: usize = 24;

/// A column: header and one styled text per market.
type Column = (&'static str, Vec<(String, Style)>);

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focus == Pane::Watchlist;
    let markets = &app.snap.markets;
    let text = t.style(Role::Text);
    let dash = || ("—".to_owned(), text);
    let dp = |m: &crate::engine::MarketView| m.tick_size.map_or(2, |t| t.normalize().scale());
    let col = |f: &dyn Fn(&crate::engine::MarketView) -> (String, Style)| markets.iter().map(f).collect();
    let columns: Vec<Column> = vec![
        (
            "Symbol",
            col(&|m| {
                let marker = if Some(&m.symbol) == app.selected_symbol.as_ref() { "▶" } else { " " };
                let role = if m.state.is_synced() { Role::Text } else { Role::Warn };
                (format!("{marker}{}", m.symbol), t.style(role))
            }),
        ),
        ("Last", col(&|m| m.last_price.map_or_else(dash, |p| (fixed(p, dp(m)), text)))),
        (
            "Chg",
            col(&|m| {
                let (pct_text, pct) = change_pct(m.open_price, m.last_price);
                (pct_text, pnl_style(t, pct))
            }),
        ),
        (
            "24h%",
            col(&|m| {
                m.ticker.as_ref().map_or_else(dash, |x| {
                    let sign = if x.price_change_pct > rust_decimal::Decimal::ZERO { "+" } else { "" };
                    (format!("{sign}{}%", fixed(x.price_change_pct, 2)), pnl_style(t, x.price_change_pct))
                })
            }),
        ),
        ("Bid", col(&|m| m.ticker.as_ref().map_or_else(dash, |x| (fixed(x.bid, dp(m)), t.style(Role::Bid))))),
        ("Ask", col(&|m| m.ticker.as_ref().map_or_else(dash, |x| (fixed(x.ask, dp(m)), t.style(Role::Ask))))),
        ("24h High", col(&|m| m.ticker.as_ref().map_or_else(dash, |x| (fixed(x.high, dp(m)), text)))),
        ("24h Low", col(&|m| m.ticker.as_ref().map_or_else(dash, |x| (fixed(x.low, dp(m)), text)))),
        (
            "24h Vol",
            col(&|m| {
                m.ticker.as_ref().map_or_else(dash, |x| (x.volume.round_dp(2).normalize().to_string(), text))
            }),
        ),
    ];
    // Keep columns left to right while they fit (borders 2, one space between columns).
    let mut budget = area.width.saturating_sub(2);
    let mut kept: Vec<(&Column, u16)> = Vec::new();
    for c in &columns {
        let w = c.1.iter().map(|(s, _)| s.chars().count()).chain([c.0.len()]).max().unwrap_or(0) as u16;
        let need = w + u16::from(!kept.is_empty());
        if need > budget {
            break;
        }
        budget -= need;
        kept.push((c, w));
    }
    let spark_width = usize::from(budget.saturating_sub(1)).min(SPARK_WIDTH);
    let rows = markets.iter().enumerate().map(|(i, m)| {
        let mut cells: Vec<Cell> =
            kept.iter().map(|(c, _)| Cell::from(Span::styled(c.1[i].0.clone(), c.1[i].1))).collect();
        if spark_width >= 4 {
            cells
                .push(Cell::from(Span::styled(sparkline(&m.history, spark_width), t.style(Role::ChartLine))));
        }
        let row = Row::new(cells);
        if Some(&m.symbol) == app.selected_symbol.as_ref() {
            row.style(t.style(Role::Selection))
        } else {
            row
        }
    });
    let mut headers: Vec<&str> = kept.iter().map(|(c, _)| c.0).collect();
    let mut widths: Vec<Constraint> = kept.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    if spark_width >= 4 {
        headers.push("Trend");
        widths.push(Constraint::Length(spark_width as u16));
    }
    let header = Row::new(headers).style(t.style(Role::Muted));
    let table = Table::new(rows, widths).header(header).block(app.pane(" Watchlist ", focused));
    frame.render_widget(table, area);
}
