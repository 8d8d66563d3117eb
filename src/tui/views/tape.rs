//! The tape: the selected symbol's recent trades, newest first, with the
//! aggressor shown by colour and by a marker (`▲` a buyer lifted the ask,
//! `▼` a seller hit the bid), so it reads the same without colour.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::domain::Side;
use crate::tui::app::App;
use crate::tui::format::{fixed, hms};
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
    let dp = market.tick_size.map_or(2, |t| t.normalize().scale());
    let shown = usize::from(area.height.saturating_sub(3));
    let prints: Vec<_> = market.tape.iter().rev().take(shown).collect();
    // Quantities at the widest scale shown, so their decimal points line up.
    let qty_dp = prints.iter().map(|p| p.qty.normalize().scale()).max().unwrap_or(0);
    let rows: Vec<Row> = prints
        .iter()
        .map(|p| {
            let (marker, role) = if p.side == Side::Buy { ("▲", Role::Bid) } else { ("▼", Role::Ask) };
            let style = t.style(role);
            Row::new([
                Cell::from(Span::styled(hms(p.ts_ms), t.style(Role::Muted))),
                Cell::from(Span::styled(marker, style)),
                Cell::from(Line::from(Span::styled(fixed(p.price, dp), style)).alignment(Alignment::Right)),
                Cell::from(Line::from(fixed(p.qty, qty_dp)).alignment(Alignment::Right)),
            ])
        })
        .collect();
    let price_w = prints.iter().map(|p| fixed(p.price, dp).len()).max().unwrap_or(0).max(5) as u16;
    let qty_w = prints.iter().map(|p| fixed(p.qty, qty_dp).len()).max().unwrap_or(0).max(3) as u16;
    let header = Row::new([
        Cell::from("Time"),
        Cell::from(""),
        Cell::from(Line::from("Price").alignment(Alignment::Right)),
        Cell::from(Line::from("Qty").alignment(Alignment::Right)),
    ])
    .style(t.style(Role::Muted));
    let widths = [
        Constraint::Length(8),
        Constraint::Length(1),
        Constraint::Length(price_w),
        Constraint::Length(qty_w),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
