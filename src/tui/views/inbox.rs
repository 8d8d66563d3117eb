//! The pending-confirmation inbox: strategy proposals and manual orders waiting for a
//! person's `y`/`n`, with every check of the selected one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{checks, side_style};
use crate::engine::PendingOrder;
use crate::tui::app::App;
use crate::tui::cells::draw_lines;
use crate::tui::format::{Precision, hms};
use crate::tui::theme::Role;

/// Seconds left before the proposal expires unanswered ("12s"; "0s" once due).
fn expires_in(p: &PendingOrder, now_ms: i64) -> String {
    let left_ms = p.expires_ms.saturating_sub(now_ms).max(0);
    format!("{}s", left_ms.saturating_add(999) / 1_000)
}

/// `limit buy 0.01000 BTCUSDT @ 64010.00`, at the symbol's step and tick precision.
fn describe(p: &PendingOrder, precision: &Precision) -> String {
    let i = &p.order.intent;
    let price =
        i.price.map_or_else(|| "at market".into(), |p| format!("@ {}", precision.price(&i.symbol, p)));
    format!("{} {} {} {} {price}", i.order_type, i.side, precision.qty(&i.symbol, i.qty), i.symbol)
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let pending = &app.snap.pending;
    let precision = Precision::new(&app.snap.markets);
    let block = app.pane(format!(" Inbox: awaiting confirmation ({}) ", pending.len()), false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if pending.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled("nothing awaits you", t.style(Role::Muted))), inner);
        return;
    }
    let list_rows = (pending.len() as u16).min(inner.height / 3).max(1);
    let [list, detail] = Layout::vertical([Constraint::Length(list_rows), Constraint::Fill(1)]).areas(inner);
    let selected_at = pending.iter().position(|p| Some(p.order.id) == app.selected_pending).unwrap_or(0);
    let skip = selected_at.saturating_add(1).saturating_sub(list_rows as usize);
    let lines: Vec<Line> = pending
        .iter()
        .skip(skip)
        .take(list_rows as usize)
        .map(|p| {
            let selected = Some(p.order.id) == app.selected_pending;
            let mut line = Line::from(vec![
                Span::raw(if selected { "▶" } else { " " }),
                Span::styled(format!("#{} {} ", p.order.id, hms(p.order.created_ms)), t.style(Role::Muted)),
                Span::styled(format!("{:>4} ", expires_in(p, app.snap.now_ms)), t.style(Role::Warn)),
                Span::styled(format!("{:<14} ", p.order.intent.origin.to_string()), t.style(Role::Accent)),
                Span::styled(describe(p, &precision), side_style(t, p.order.intent.side)),
            ]);
            if selected {
                line = line.style(t.style(Role::Selection));
            }
            line
        })
        .collect();
    draw_lines(frame.buffer_mut(), list, &lines);
    if let Some(p) = app.pending_selected() {
        // The verdicts are fixed when the order is proposed: wrapped once, drawn many times.
        let (rows, width) = (detail.height.saturating_sub(1) as usize, detail.width as usize);
        let lines = app.drawn.inbox.get(
            |(id, checks, r, w)| *id == p.order.id && *r == rows && *w == width && *checks == p.checks,
            || {
                let mut lines = vec![checks::summary(t, &p.checks)];
                lines.extend(checks::lines(t, &p.checks, rows, width));
                ((p.order.id, p.checks.clone(), rows, width), lines)
            },
        );
        draw_lines(frame.buffer_mut(), detail, &lines);
    }
}
