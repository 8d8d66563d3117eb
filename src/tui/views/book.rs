//! Order-book ladder of the selected symbol: asks above the spread, bids below, each level
//! with a bar proportional to the cumulative depth from the touch.
//!
//! Columns: the side mark (`S` asks, `B` bids, so the sides differ without colour), price (at
//! the tick precision) and quantity (at the step precision) are never dropped or cut; the
//! depth bar takes whatever width is left. Too narrow for those three: "widen the terminal".
//! A book that is not synced or older than the gate's `stale_after_ms` is dimmed and its
//! spread line starts with STALE. With the book focused, up/down pick a level (highlighted)
//! and `b`/`s` open a ticket at its price.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::Level;
use crate::tui::app::App;
use crate::tui::columns::{Align, Cell, MUST, Table, whole_parts};
use crate::tui::format::Precision;
use crate::tui::theme::Role;

/// One ladder row: a level (with its cumulative depth share) or a blank.
struct Row {
    level: Option<Level>,
    share: f64,
    side: Style,
    mark: &'static str,
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let market = app.snap.markets.iter().find(|m| Some(&m.symbol) == app.selected_symbol.as_ref());
    let title = market.map_or_else(|| " Book ".to_owned(), |m| format!(" Book {} ", m.symbol));
    let block = app.pane(title, false);
    let inner = block.inner(area);
    let (Some(market), Some(book)) = (market, market.and_then(|m| m.book.as_ref())) else {
        frame.render_widget(Paragraph::new("no book yet").block(block), area);
        return;
    };
    frame.render_widget(block, area);
    let stale = market.is_stale(app.snap.now_ms);
    let dim = |s: Style| if stale { t.style(Role::Muted).add_modifier(Modifier::DIM) } else { s };
    let precision = Precision::new(&app.snap.markets);
    let per_side = (inner.height.saturating_sub(2) / 2) as usize;
    let asks: Vec<Level> = book.asks.iter().take(per_side).copied().collect();
    let bids: Vec<Level> = book.bids.iter().take(per_side).copied().collect();
    let cumulative = |levels: &[Level]| -> Vec<Decimal> {
        levels
            .iter()
            .scan(Decimal::ZERO, |acc, l| {
                *acc = acc.saturating_add(l.qty);
                Some(*acc)
            })
            .collect()
    };
    let (ask_cum, bid_cum) = (cumulative(&asks), cumulative(&bids));
    let max = ask_cum.last().copied().unwrap_or_default().max(bid_cum.last().copied().unwrap_or_default());
    let share = |cum: Decimal| cum.checked_div(max).and_then(|s| s.to_f64()).unwrap_or(0.0);
    let blank = || Row { level: None, share: 0.0, side: Style::default(), mark: "" };
    let mut rows: Vec<Row> = (asks.len()..per_side).map(|_| blank()).collect();
    for (level, cum) in asks.iter().zip(&ask_cum).rev() {
        rows.push(Row { level: Some(*level), share: share(*cum), side: dim(t.style(Role::Ask)), mark: "S" });
    }
    let spread_row = rows.len();
    rows.push(blank());
    for (level, cum) in bids.iter().zip(&bid_cum) {
        rows.push(Row { level: Some(*level), share: share(*cum), side: dim(t.style(Role::Bid)), mark: "B" });
    }
    let symbol = &market.symbol;
    let cells = |f: &dyn Fn(&Level) -> String, style: &dyn Fn(&Row) -> Style| -> Vec<Cell> {
        rows.iter().map(|r| Cell::new(r.level.as_ref().map(f).unwrap_or_default(), style(r))).collect()
    };
    let table = Table::new(rows.len(), t.style(Role::Muted))
        .column("", MUST, Align::Left, rows.iter().map(|r| Cell::new(r.mark, r.side)))
        .column("price", MUST, Align::Decimal, cells(&|l| precision.price(symbol, l.price), &|r| r.side))
        .column(
            "qty",
            MUST,
            Align::Decimal,
            cells(&|l| precision.qty(symbol, l.qty), &|_| dim(t.style(Role::Text))),
        )
        .fill("depth", 1, |row, width| {
            let Some(r) = rows.get(row).filter(|r| r.level.is_some()) else { return Span::raw("") };
            let bar = ((r.share * width as f64).round() as usize).min(width);
            Span::styled("█".repeat(bar), r.side)
        });
    let picked = app.picked_price();
    let picked_row = rows.iter().position(|r| r.level.is_some_and(|l| Some(l.price) == picked));
    let table = match picked_row {
        Some(row) => table.row_style(row, t.style(Role::Selection)),
        None => table,
    };
    if !table.render(frame, inner, 0, t.style(Role::Muted)) {
        return;
    }
    let mut parts = Vec::new();
    if stale {
        parts.push("STALE".to_owned());
    }
    match (book.bids.first(), book.asks.first()) {
        (Some(b), Some(a)) => {
            if let Some(spread) = a.price.checked_sub(b.price) {
                parts.push(format!("spread {}", precision.price(symbol, spread)));
            }
            if let Some(mid) = book.mid() {
                parts.push(format!("mid {}", precision.mid(symbol, mid)));
            }
        }
        _ => parts.push("one-sided book".into()),
    }
    let line = whole_parts(&parts, inner.width as usize);
    let row = u16::try_from(spread_row).unwrap_or(u16::MAX);
    let at = Rect { y: inner.y.saturating_add(1).saturating_add(row), height: 1, ..inner };
    if at.y < inner.bottom() {
        let style = if stale { t.style(Role::Warn) } else { t.style(Role::Muted) };
        frame.render_widget(Paragraph::new(Span::styled(line, style)).centered(), at);
    }
}
