//! The event/audit tail: the newest lines at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::format::{clip, hms};
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let rows = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let log = &app.snap.log;
    let lines: Vec<Line> = log[log.len().saturating_sub(rows)..]
        .iter()
        .map(|l| {
            let role = match l.kind.as_str() {
                "warn" | "refused" | "breaker" => Role::Warn,
                "error" | "kill_switch" => Role::Fail,
                _ => Role::Text,
            };
            Line::from(vec![
                Span::styled(format!("{} ", hms(l.ts_ms)), t.style(Role::Muted)),
                Span::styled(format!("{:<9} ", clip(&l.kind, 9)), t.style(Role::Accent)),
                Span::styled(clip(&l.text, width.saturating_sub(19)), t.style(role)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(app.pane(" Events ", false)), area);
}
