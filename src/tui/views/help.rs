//! The `?` overlay, generated from the bindings in force (never a hand-written list).
//! Descriptions are wrapped, never cut; when the list is taller than the screen it scrolls
//! with the list keys (`j`/`k`), and any other key closes it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::pane;
use crate::tui::action::{Action, Mode};
use crate::tui::app::App;
use crate::tui::format::wrap;
use crate::tui::theme::Role;

/// Two columns from this inner width on; below it one.
const TWO_COLUMNS: u16 = 100;

fn section(app: &App, mode: Mode, title: &'static str, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let bindings = app.keymap.bindings(mode);
    let keys_of =
        |b: &crate::tui::Binding| b.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ");
    let key_width = bindings.iter().map(|b| keys_of(b).chars().count()).max().unwrap_or(0).min(width / 3);
    let mut lines = vec![Line::styled(title, t.style(Role::Title))];
    for b in bindings {
        let keys = keys_of(b);
        let desc_width = width.saturating_sub(key_width.saturating_add(3)).max(10);
        let mut desc = wrap(&b.desc, desc_width).into_iter();
        if keys.chars().count() > key_width {
            // Keys wider than their column get a line of their own.
            lines.push(Line::styled(format!(" {keys}"), t.style(Role::Key)));
            for d in desc {
                lines.push(Line::styled(format!(" {:key_width$}  {d}", ""), t.style(Role::Text)));
            }
            continue;
        }
        lines.push(Line::from(vec![
            Span::styled(format!(" {keys:<key_width$}  "), t.style(Role::Key)),
            Span::styled(desc.next().unwrap_or_default(), t.style(Role::Text)),
        ]));
        for d in desc {
            lines.push(Line::styled(format!(" {:key_width$}  {d}", ""), t.style(Role::Text)));
        }
    }
    lines
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let area = super::centered(area, 140, area.height);
    frame.render_widget(Clear, area);
    let scroll_keys = [Action::Up, Action::Down]
        .map(|a| app.keymap.key_for(Mode::Normal, a).map(|k| k.to_string()).unwrap_or_default());
    let title = format!(" Keys ({}/{} scroll, any other key closes) ", scroll_keys[0], scroll_keys[1]);
    let block = pane(&app.theme, title, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = inner.height as usize;
    if inner.width >= TWO_COLUMNS {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(inner);
        let normal = section(app, Mode::Normal, "Workstation", left.width as usize);
        let mut others = section(app, Mode::Ticket, "Order ticket", right.width as usize);
        others.push(Line::raw(""));
        others.extend(section(app, Mode::Modal, "Dialogs", right.width as usize));
        let tallest = normal.len().max(others.len());
        let end = tallest.saturating_sub(rows);
        app.drawn.help_end.set(Some(end));
        let offset = app.scroll.help.min(end) as u16;
        frame.render_widget(Paragraph::new(normal).scroll((offset, 0)), left);
        frame.render_widget(Paragraph::new(others).scroll((offset, 0)), right);
    } else {
        let width = inner.width as usize;
        let mut all = section(app, Mode::Normal, "Workstation", width);
        all.push(Line::raw(""));
        all.extend(section(app, Mode::Ticket, "Order ticket", width));
        all.push(Line::raw(""));
        all.extend(section(app, Mode::Modal, "Dialogs", width));
        let end = all.len().saturating_sub(rows);
        app.drawn.help_end.set(Some(end));
        let offset = app.scroll.help.min(end) as u16;
        frame.render_widget(Paragraph::new(all).scroll((offset, 0)), inner);
    }
}
