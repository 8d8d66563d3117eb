//! The list of pre-trade check verdicts, shared by the ticket, the review modal and the inbox.
//! Failures first, then warnings, so what blocks an order is always on top. Every check is
//! listed; sentences are wrapped under their check, never cut.

use ratatui::text::{Line, Span};

use super::verdict_style;
use crate::engine::{CheckLine, CheckVerdict};
use crate::tui::format::wrap;
use crate::tui::theme::{Role, Theme};

fn rank(verdict: CheckVerdict) -> u8 {
    match verdict {
        CheckVerdict::Fail => 0,
        CheckVerdict::Warn => 1,
        CheckVerdict::Pass => 2,
        CheckVerdict::Skip => 3,
    }
}

/// At most `rows` lines for the ticket and the inbox (the review modal scrolls through
/// [`all_lines`]). A failure or warning gets its whole sentence, wrapped; a pass or skip gets
/// one line: its sentence when it fits whole on it, else its id alone (the review shows every
/// sentence). When not all fit, the last line says how many checks are not shown and how many
/// of those fail.
pub(crate) fn lines(theme: &Theme, checks: &[CheckLine], rows: usize, width: usize) -> Vec<Line<'static>> {
    let groups = groups(theme, checks, width);
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut shown = 0;
    let total: usize = groups.iter().map(|g| compact(g).len()).sum();
    for (n, group) in groups.iter().enumerate() {
        let lines = compact(group);
        // Keep the last row for the "+N more" line unless everything fits.
        let room = if total <= rows { rows } else { rows.saturating_sub(1) };
        if out.len().saturating_add(lines.len()) > room {
            break;
        }
        out.extend(lines.iter().cloned());
        shown = n.saturating_add(1);
    }
    let rest = &groups[shown..];
    if !rest.is_empty() {
        let failing = rest.iter().filter(|g| g.verdict == CheckVerdict::Fail).count();
        let text = if failing > 0 {
            format!("+{} more, {failing} failing", rest.len())
        } else {
            format!("+{} more (pass or skip)", rest.len())
        };
        out.push(Line::from(Span::styled(text, theme.style(Role::Muted))));
    }
    out
}

/// One check's lines: its sentence wrapped, and its head alone.
struct Group {
    verdict: CheckVerdict,
    lines: Vec<Line<'static>>,
    head: Line<'static>,
}

/// A check's lines in the short form [`lines`] uses.
fn compact(group: &Group) -> &[Line<'static>] {
    let blocking = matches!(group.verdict, CheckVerdict::Fail | CheckVerdict::Warn);
    if blocking || group.lines.len() == 1 { &group.lines } else { std::slice::from_ref(&group.head) }
}

/// Every check as `VERDICT id  detail`, the detail wrapped to `width` columns under itself
/// (or on the next lines when the id leaves it less than a third of the width).
pub(crate) fn all_lines(theme: &Theme, checks: &[CheckLine], width: usize) -> Vec<Line<'static>> {
    groups(theme, checks, width).into_iter().flat_map(|g| g.lines).collect()
}

fn groups(theme: &Theme, checks: &[CheckLine], width: usize) -> Vec<Group> {
    let mut sorted: Vec<&CheckLine> = checks.iter().collect();
    sorted.sort_by_key(|c| rank(c.verdict));
    let id_width = sorted.iter().map(|c| c.id.chars().count()).max().unwrap_or(0);
    // "FAIL " + id + two spaces.
    let mut indent = id_width.saturating_add(7);
    if width.saturating_sub(indent) < width / 3 {
        indent = 2;
    }
    let mut out = Vec::new();
    for c in sorted {
        let (style, word) = verdict_style(theme, c.verdict);
        let head = vec![
            Span::styled(format!("{word} "), style),
            Span::styled(format!("{:<id_width$}  ", c.id), theme.style(Role::Text)),
        ];
        let head_only = wrap_spans(head.clone(), width).into_iter().next().unwrap_or_default();
        let detail = wrap(&c.detail, width.saturating_sub(indent));
        let mut rest = detail.into_iter();
        let mut lines = Vec::new();
        if indent > 2 {
            let mut first = head;
            first.push(Span::styled(rest.next().unwrap_or_default(), theme.style(Role::Muted)));
            lines.push(Line::from(first));
        } else {
            lines.extend(wrap_spans(head, width));
        }
        for more in rest {
            lines.push(Line::from(Span::styled(
                format!("{}{more}", " ".repeat(indent)),
                theme.style(Role::Muted),
            )));
        }
        out.push(Group { verdict: c.verdict, lines, head: head_only });
    }
    out
}

/// The head of a check (verdict and id) on its own line; an id wider than the pane is
/// wrapped like any text.
fn wrap_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let style = spans.last().map(|s| s.style).unwrap_or_default();
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    if text.trim_end().chars().count() <= width {
        return vec![Line::from(spans)];
    }
    wrap(&text, width).into_iter().map(|l| Line::from(Span::styled(l, style))).collect()
}

/// A one-line verdict summary, every verdict counted: `21 checks: 18 pass, 3 skip, 1 FAIL`.
pub(crate) fn summary(theme: &Theme, checks: &[CheckLine]) -> Line<'static> {
    let count = |v| checks.iter().filter(|c| c.verdict == v).count();
    let mut spans = vec![Span::styled(format!("{} checks: ", checks.len()), theme.style(Role::Muted))];
    let parts = [
        (CheckVerdict::Pass, "pass", Role::Pass),
        (CheckVerdict::Skip, "skip", Role::Skip),
        (CheckVerdict::Warn, "warn", Role::Warn),
        (CheckVerdict::Fail, "FAIL", Role::Fail),
    ];
    let mut first = true;
    for (verdict, word, role) in parts {
        let n = count(verdict);
        // Pass is always said (even 0); the others only when there are some.
        if n == 0 && verdict != CheckVerdict::Pass {
            continue;
        }
        let sep = if first { "" } else { ", " };
        spans.push(Span::styled(format!("{sep}{n} {word}"), theme.style(role)));
        first = false;
    }
    Line::from(spans)
}
