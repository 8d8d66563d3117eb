//! Fills, most recent first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use super::side_style;
use crate::domain::Liquidity;
use crate::tui::app::App;
use crate::tui::format::hms;
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let visible = area.height.saturating_sub(3) as usize;
    let rows = app.snap.fills.iter().take(visible).map(|f| {
        Row::new([
            Cell::from(hms(f.ts_ms)),
            Cell::from(f.symbol.to_string()),
            Cell::from(Span::styled(f.side.to_string(), side_style(t, f.side))),
            Cell::from(f.qty.to_string()),
            Cell::from(f.price.to_string()),
            Cell::from(format!("{} {}", f.fee, f.fee_asset)),
            Cell::from(match f.liquidity {
                Liquidity::Maker => "maker",
                Liquidity::Taker => "taker",
            }),
        ])
    });
    let header =
        Row::new(["Time", "Symbol", "Side", "Qty", "Price", "Fee", "Liq"]).style(t.style(Role::Muted));
    let widths = [
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(5),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(app.pane(" Fills ", false)), area);
}
