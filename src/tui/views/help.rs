//! The `?` overlay, generated from the bindings in force (never a hand-written list).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::pane;
use crate::tui::action::Mode;
use crate::tui::app::App;
use crate::tui::format::clip;
use crate::tui::theme::Role;

fn section(app: &App, mode: Mode, title: &'static str, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let bindings = app.keymap.bindings(mode);
    let key_width = bindings
        .iter()
        .map(|b| b.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ").len())
        .max()
        .unwrap_or(0)
        .min(width / 2);
    let mut lines = vec![Line::styled(title, t.style(Role::Title))];
    for b in bindings {
        let keys = b.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ");
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<key_width$} ", clip(&keys, key_width)), t.style(Role::Key)),
            Span::styled(clip(&b.desc, width.saturating_sub(key_width + 3)), t.style(Role::Text)),
        ]));
    }
    lines
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let area = super::centered(area, 140, 22);
    frame.render_widget(Clear, area);
    let block = pane(&app.theme, " Keys (any key closes) ", true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [left, right] = Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(inner);
    let normal = section(app, Mode::Normal, "Workstation", left.width as usize);
    let mut others = section(app, Mode::Ticket, "Order ticket", right.width as usize);
    others.push(Line::raw(""));
    others.extend(section(app, Mode::Modal, "Dialogs", right.width as usize));
    frame.render_widget(Paragraph::new(normal), left);
    frame.render_widget(Paragraph::new(others), right);
}
