//! Fills, most recent first. The maker/taker column appears when there is room.

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
    let wide = area.width >= 64;
    let rows = app.snap.fills.iter().take(visible).map(|f| {
        let mut cells = vec![
            Cell::from(hms(f.ts_ms)),
            Cell::from(f.symbol.to_string()),
            Cell::from(Span::styled(f.side.to_string(), side_style(t, f.side))),
            Cell::from(f.qty.to_string()),
            Cell::from(f.price.to_string()),
            Cell::from(format!("{} {}", f.fee, f.fee_asset)),
        ];
        if wide {
            cells.push(Cell::from(match f.liquidity {
                Liquidity::Maker => "maker",
                Liquidity::Taker => "taker",
            }));
        }
        Row::new(cells)
    });
    let mut titles = vec!["Time", "Symbol", "Side", "Qty", "Price", "Fee"];
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    if wide {
        titles.push("Liq");
        widths.push(Constraint::Length(5));
    }
    let header = Row::new(titles).style(t.style(Role::Muted));
    frame.render_widget(Table::new(rows, widths).header(header).block(app.pane(" Fills ", false)), area);
}
