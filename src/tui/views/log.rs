//! The event/audit tail: the newest lines at the bottom, each wrapped (never cut: an event
//! names prices and quantities). With the pane focused, `k`/`j` walk back through it; the
//! selected line is then the last one shown.
//!
//! An entry never changes once logged, so the lines shown depend only on which entries
//! they are (the first one kept and the last one shown), the pane's size and whether the
//! last one is highlighted: they are wrapped once per change of that [`Key`], not per frame.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::engine::LogLine;
use crate::tui::app::{App, Pane};
use crate::tui::cells::draw_lines;
use crate::tui::format::{hms, wrap};
use crate::tui::theme::{Role, Theme};

/// What the pane's lines are made of: the sequence numbers of the oldest entry kept and of
/// the last entry shown, the rows and width, and whether that last entry is highlighted.
pub(super) type Key = (Option<u64>, Option<u64>, usize, usize, bool);

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let block = app.pane(" Events ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (rows, width) = (inner.height as usize, inner.width as usize);
    let log = &app.snap.log;
    let end = app
        .scroll
        .log
        .and_then(|seq| log.iter().position(|l| l.seq == seq))
        .map_or(log.len(), |at| at.saturating_add(1));
    let highlighted = app.focus == Pane::Log && app.scroll.log.is_some();
    let key: Key = (
        log.first().map(|l| l.seq),
        end.checked_sub(1).and_then(|at| log.get(at)).map(|l| l.seq),
        rows,
        width,
        highlighted,
    );
    let lines = app
        .drawn
        .log
        .get(|kept| *kept == key, || (key, lines(&app.theme, &log[..end], rows, width, highlighted)));
    draw_lines(frame.buffer_mut(), inner, &lines);
}

/// The last `rows` lines of `log`'s entries wrapped to `width`, oldest first; the last
/// entry highlighted when `highlighted`.
fn lines(t: &Theme, log: &[LogLine], rows: usize, width: usize, highlighted: bool) -> Vec<Line<'static>> {
    // "HH:MM:SS kind      " then the text; on a narrow pane the text goes under the time.
    let head = 19;
    let text_width = if width >= head + 12 { width.saturating_sub(head) } else { width.saturating_sub(2) };
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (n, l) in log.iter().enumerate().rev() {
        if lines.len() >= rows {
            break;
        }
        let role = match l.kind.as_str() {
            "warn" | "refused" | "breaker" => Role::Warn,
            "error" | "kill_switch" => Role::Fail,
            _ => Role::Text,
        };
        let mut style = t.style(role);
        if highlighted && n.saturating_add(1) == log.len() {
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
    lines
}
