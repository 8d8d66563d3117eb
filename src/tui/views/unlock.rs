//! The unlock form. The passphrase is shown only as a count of dots.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{centered, pane};
use crate::tui::theme::Role;
use crate::tui::unlock::UnlockScreen;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

pub(crate) fn draw(screen: &UnlockScreen, frame: &mut Frame) {
    let t = &screen.theme;
    let area = frame.area();
    frame.render_widget(Block::new().style(t.style(Role::Background)), area);
    let boxed = centered(area, 60, 13);
    let block = pane(t, " vigil: unlock the keystore ", true);
    let inner = block.inner(boxed);
    frame.render_widget(block, boxed);

    let field = |label: &'static str, value: String, focused: bool| {
        let style = if focused && !screen.busy { t.style(Role::Selection) } else { t.style(Role::Text) };
        let cursor = if focused && !screen.busy { "▏" } else { "" };
        Line::from(vec![
            Span::styled(format!("{label:<12}"), t.style(Role::Muted)),
            Span::styled(format!("[{value}{cursor}]"), style),
        ])
    };
    let room = inner.width.saturating_sub(16) as usize;
    let dots = |len: usize| "•".repeat(len.min(room));
    let mut lines = vec![
        Line::raw(""),
        field("passphrase", dots(screen.passphrase_len()), !screen.on_totp),
        field("code", dots(screen.code_len()), screen.on_totp),
        Line::raw(""),
    ];
    if screen.busy {
        let frame_char = SPINNER[screen.spinner.checked_rem(SPINNER.len()).unwrap_or(0)];
        lines.push(Line::styled(format!("{frame_char} unlocking…"), t.style(Role::Accent)));
    } else if let Some(err) = &screen.error {
        lines.push(Line::styled(err.clone(), t.style(Role::Fail)));
    } else {
        lines.push(Line::raw(""));
    }
    if screen.retry_left_s > 0 {
        lines.push(Line::styled(
            format!("{} failed attempt(s): next try in {}s", screen.failures, screen.retry_left_s),
            t.style(Role::Warn),
        ));
    } else {
        lines.push(Line::raw(""));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("enter", t.style(Role::Key)),
        Span::styled(" next/unlock  ", t.style(Role::Muted)),
        Span::styled("tab", t.style(Role::Key)),
        Span::styled(" switch field  ", t.style(Role::Muted)),
        Span::styled("esc", t.style(Role::Key)),
        Span::styled(" quit", t.style(Role::Muted)),
    ]));
    frame.render_widget(Paragraph::new(lines), inner);
}
