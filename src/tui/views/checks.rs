//! The list of pre-trade check verdicts, shared by the ticket, the review modal and the inbox.
//! Failures first, then warnings, so what blocks an order is always on screen.

use ratatui::text::{Line, Span};

use super::verdict_style;
use crate::engine::{CheckLine, CheckVerdict};
use crate::tui::format::clip;
use crate::tui::theme::{Role, Theme};

fn rank(verdict: CheckVerdict) -> u8 {
    match verdict {
        CheckVerdict::Fail => 0,
        CheckVerdict::Warn => 1,
        CheckVerdict::Pass => 2,
        CheckVerdict::Skip => 3,
    }
}

/// Up to `rows` lines of `checks`, each `VERDICT id  detail`, cut to `width` columns; when not
/// all fit, the last line says how many more there are and that they are all passes/skips.
pub(crate) fn lines(theme: &Theme, checks: &[CheckLine], rows: usize, width: usize) -> Vec<Line<'static>> {
    let mut sorted: Vec<&CheckLine> = checks.iter().collect();
    sorted.sort_by_key(|c| rank(c.verdict));
    let fit = if sorted.len() > rows { rows.saturating_sub(1) } else { sorted.len() };
    let id_width = sorted.iter().map(|c| c.id.len()).max().unwrap_or(0).min(22);
    let mut out: Vec<Line<'static>> = sorted[..fit]
        .iter()
        .map(|c| {
            let (style, word) = verdict_style(theme, c.verdict);
            let detail_width = width.saturating_sub(id_width + 7);
            Line::from(vec![
                Span::styled(format!("{word} "), style),
                Span::styled(format!("{:<id_width$}  ", clip(&c.id, id_width)), theme.style(Role::Text)),
                Span::styled(clip(&c.detail, detail_width), theme.style(Role::Muted)),
            ])
        })
        .collect();
    let rest = &sorted[fit..];
    if !rest.is_empty() {
        let failing = rest.iter().filter(|c| c.verdict == CheckVerdict::Fail).count();
        let text = if failing > 0 {
            format!("+{} more, {failing} failing", rest.len())
        } else {
            format!("+{} more (pass or skip)", rest.len())
        };
        out.push(Line::from(Span::styled(text, theme.style(Role::Muted))));
    }
    out
}

/// A one-line verdict summary: `21 checks: 19 pass, 1 warn, 1 FAIL`.
pub(crate) fn summary(theme: &Theme, checks: &[CheckLine]) -> Line<'static> {
    let count = |v| checks.iter().filter(|c| c.verdict == v).count();
    let (fail, warn, pass) =
        (count(CheckVerdict::Fail), count(CheckVerdict::Warn), count(CheckVerdict::Pass));
    let mut spans = vec![Span::styled(format!("{} checks: ", checks.len()), theme.style(Role::Muted))];
    spans.push(Span::styled(format!("{pass} pass"), theme.style(Role::Pass)));
    if warn > 0 {
        spans.push(Span::styled(format!(", {warn} warn"), theme.style(Role::Warn)));
    }
    if fail > 0 {
        spans.push(Span::styled(format!(", {fail} FAIL"), theme.style(Role::Fail)));
    }
    Line::from(spans)
}
