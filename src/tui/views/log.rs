//! The event/audit tail: the newest lines at the bottom, each wrapped (never cut: an event
//! names prices and quantities). With the pane focused, `k`/`j` walk back through it; the
//! selected line is then the last one shown.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Pane};
use crate::tui::format::{hms, wrap};
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let rows = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let log = &app.snap.log;
    let end = app
        .scroll
        .log
        .and_then(|seq| log.iter().position(|l| l.seq == seq))
        .map_or(log.len(), |at| at.saturating_add(1));
    // "HH:MM:SS kind      " then the text; on a narrow pane the text goes under the time.
    let head = 19;
    let text_width = if width >= head + 12 { width.saturating_sub(head) } else { width.saturating_sub(2) };
    let mut lines: Vec<Line> = Vec::new();
    for (n, l) in log[..end].iter().enumerate().rev() {
        if lines.len() >= rows {
            break;
        }
        let role = match l.kind.as_str() {
            "warn" | "refused" | "breaker" => Role::Warn,
            "error" | "kill_switch" => Role::Fail,
            _ => Role::Text,
        };
        let mut style = t.style(role);
        if app.focus == Pane::Log && app.scroll.log.is_some() && n.saturating_add(1) == end {
            style = style.patch(t.style(Role::Selection));
        }
        let mut entry = vec![Line::from(vec![
            Span::styled(format!("{} ", hms(l.ts_ms)), t.style(Role::Muted)),
            Span::styled(format!("{:<9} ", l.kind), t.style(Role::Accent)),
        ])];
        let indent = if width >= head + 12 { 0 } else { 2 };
        for (i, piece) in wrap(&l.text, text_width).into_iter().enumerate() {
            if i == 0 && indent == 0 {
                entry[0].spans.push(Span::styled(piece, style));
            } else {
                let pad = if indent == 0 { head } else { indent };
                entry.push(Line::from(Span::styled(format!("{}{piece}", " ".repeat(pad)), style)));
            }
        }
        for line in entry.into_iter().rev() {
            lines.push(line);
        }
    }
    // Oldest of what fits first; an entry that does not fit whole loses its first lines.
    lines.truncate(rows);
    lines.reverse();
    frame.render_widget(Paragraph::new(lines).block(app.pane(" Events ", false)), area);
}
