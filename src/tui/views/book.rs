//! Order-book ladder of the selected symbol: asks above the spread, bids below, each level
//! with a bar proportional to the cumulative depth from the touch.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::Level;
use crate::tui::app::App;
use crate::tui::format::clip;
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let block = app.pane(" Book ", false);
    let inner = block.inner(area);
    let book = app
        .snap
        .markets
        .iter()
        .find(|m| Some(&m.symbol) == app.selected_symbol.as_ref())
        .and_then(|m| m.book.as_ref());
    let Some(book) = book else {
        frame.render_widget(Paragraph::new("no book yet").block(block), area);
        return;
    };
    let rows = inner.height.saturating_sub(2) as usize;
    let per_side = rows / 2;
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
    let width = inner.width as usize;
    let bar_width = width.saturating_sub(24);
    let line = |level: &Level, cum: Decimal, style: Style| {
        let share = cum.checked_div(max).and_then(|s| s.to_f64()).unwrap_or(0.0);
        let bar = "█".repeat(((share * bar_width as f64).round() as usize).min(bar_width));
        Line::from(vec![
            Span::styled(format!("{:>12} ", clip(&level.price.to_string(), 12)), style),
            Span::styled(format!("{:>10} ", clip(&level.qty.to_string(), 10)), t.style(Role::Text)),
            Span::styled(bar, style),
        ])
    };

    let mut lines =
        vec![Line::from(Span::styled(format!("{:>12} {:>10} depth", "price", "qty"), t.style(Role::Muted)))];
    for _ in asks.len()..per_side {
        lines.push(Line::raw(""));
    }
    for (level, cum) in asks.iter().zip(&ask_cum).rev() {
        lines.push(line(level, *cum, t.style(Role::Ask)));
    }
    let spread = match (book.bids.first(), book.asks.first()) {
        (Some(b), Some(a)) => match (a.price.checked_sub(b.price), book.mid()) {
            (Some(spread), Some(mid)) => format!("spread {spread}  mid {mid}"),
            _ => "spread out of range".into(),
        },
        _ => "one-sided book".into(),
    };
    lines.push(Line::from(Span::styled(format!("{:^width$}", clip(&spread, width)), t.style(Role::Muted))));
    for (level, cum) in bids.iter().zip(&bid_cum) {
        lines.push(line(level, *cum, t.style(Role::Bid)));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
