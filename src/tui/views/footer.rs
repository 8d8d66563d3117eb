//! The status line: why the engine is gone if it is, else the latest notice, or key hints
//! generated from the bindings in force.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::action::{Action, Mode};
use crate::tui::app::App;
use crate::tui::theme::Role;

/// The hints shown per mode: the action and a one-word label.
fn hints(mode: Mode) -> &'static [(Action, &'static str)] {
    match mode {
        Mode::Normal => &[
            (Action::Buy, "buy"),
            (Action::Sell, "sell"),
            (Action::CancelOrder, "cancel"),
            (Action::KillSwitch, "kill"),
            (Action::ToggleAutonomous, "auto"),
            (Action::FocusNext, "pane"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
        Mode::Ticket => &[
            (Action::Submit, "review"),
            (Action::NextField, "next field"),
            (Action::Toggle, "switch"),
            (Action::Close, "close"),
        ],
        Mode::Modal => &[(Action::Yes, "yes"), (Action::No, "no"), (Action::NextField, "next field")],
        Mode::Search => &[(Action::Submit, "add"), (Action::Down, "next"), (Action::Close, "close")],
    }
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    if let Some(why) = &app.engine_down {
        let line = Line::from(Span::styled(why.clone(), t.style(Role::Warn)));
        crate::tui::cells::draw_lines(frame.buffer_mut(), area, &[line]);
        return;
    }
    let line = match &app.notice {
        Some(n) => {
            let role = if n.warning { Role::Warn } else { Role::Accent };
            Line::from(Span::styled(n.text.clone(), t.style(role)))
        }
        None => {
            let mode = app.mode();
            let mut spans = Vec::new();
            for (action, label) in hints(mode) {
                if let Some(key) = app.keymap.key_for(mode, *action) {
                    spans.push(Span::styled(key.to_string(), t.style(Role::Key)));
                    spans.push(Span::styled(format!(" {label}  "), t.style(Role::Muted)));
                }
            }
            Line::from(spans)
        }
    };
    crate::tui::cells::draw_lines(frame.buffer_mut(), area, &[line]);
}
