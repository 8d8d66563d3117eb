//! Confirmation modals: order review, cancel all, kill switch, autonomous mode, quit.
//! Each says what will happen in words and which key does it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{centered, checks, pane, side_style};
use crate::domain::{Approval, Venue};
use crate::engine::OnShutdown;
use crate::tui::action::{Action, Mode};
use crate::tui::app::App;
use crate::tui::format::fixed;
use crate::tui::modal::{AutonomyForm, Modal};
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, modal: &Modal, frame: &mut Frame, body: Rect) {
    let t = &app.theme;
    let (title, height) = match modal {
        // As tall as the screen allows: all 21 checks, wrapped, scrolling when they do not fit.
        Modal::ConfirmOrder { amends: Some(_), .. } => (" Amend this order? ", body.height),
        Modal::ConfirmOrder { .. } => (" Send this order? ", body.height),
        Modal::CancelAll => (" Cancel all orders? ", 9),
        Modal::KillSwitch { engage: true } => (" Engage the kill switch? ", 9),
        Modal::KillSwitch { engage: false } => (" Release the kill switch? ", 9),
        Modal::Autonomous(f) if f.enable => (" Arm autonomous mode? ", 24),
        Modal::Autonomous(_) => (" Return to confirm mode? ", 9),
        // Borders, the sentences, a blank row and the keys.
        Modal::Quit => (" Quit vigil? ", u16::try_from(quit_lines(app).len()).unwrap_or(8).saturating_add(4)),
    };
    // The review is wider where the screen is, so fewer sentences need a second line.
    let width = if matches!(modal, Modal::ConfirmOrder { .. }) { 110 } else { 72 };
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    let block = pane(t, Span::styled(title, t.style(Role::Warn)), true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The keys always have the bottom row, however little room the body gets:
    // a question whose answer keys are cut off cannot be answered.
    let [inner, _, keys_row] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1), Constraint::Length(1)]).areas(inner);
    let text = |s: String| Line::from(Span::styled(s, t.style(Role::Text)));
    let quote = &app.snap.quote_asset;
    let lines: Vec<Line> = match modal {
        Modal::ConfirmOrder { intent, checks: list, amends } => {
            let venue = match app.snap.venue {
                Some(Venue::Live) => Span::styled(" LIVE ", t.style(Role::Live)),
                _ => Span::styled(" PAPER ", t.style(Role::Paper)),
            };
            let mut lines = vec![
                Line::from(vec![
                    venue,
                    Span::raw(" "),
                    Span::styled(
                        match amends {
                            Some(a) => format!("#{} becomes: {}", a.id, crate::engine::describe(intent)),
                            None => crate::engine::describe(intent),
                        },
                        side_style(t, intent.side),
                    ),
                ]),
                checks::summary(t, list),
                Line::raw(""),
            ];
            let rows = (inner.height as usize).saturating_sub(lines.len());
            let all = checks::all_lines(t, list, inner.width as usize);
            let end = all.len().saturating_sub(rows);
            app.drawn.review_end.set(Some(end));
            let offset = app.scroll.modal.min(end);
            let hidden_below = all.len().saturating_sub(offset.saturating_add(rows));
            if offset > 0 || hidden_below > 0 {
                let key = |a| app.keymap.key_for(Mode::Modal, a).map(|k| k.to_string()).unwrap_or_default();
                lines[2] = Line::from(Span::styled(
                    format!(
                        "lines {}-{} of {} ({}/{} scroll)",
                        offset.saturating_add(1),
                        offset.saturating_add(rows).min(all.len()),
                        all.len(),
                        key(Action::PrevField),
                        key(Action::NextField)
                    ),
                    t.style(Role::Muted),
                ));
            }
            lines.extend(all.into_iter().skip(offset).take(rows));
            lines
        }
        Modal::CancelAll => {
            let (open, pending) = (app.open_orders().count(), app.snap.pending.len());
            vec![
                text(format!("{open} open order(s) will be cancelled,")),
                text(format!("{pending} pending order(s) awaiting confirmation rejected.")),
            ]
        }
        Modal::KillSwitch { engage: true } => vec![
            text("Every open order is cancelled and new orders are refused".into()),
            text("until you release the switch. Cancels still go through.".into()),
        ],
        Modal::KillSwitch { engage: false } => {
            vec![text("New orders will be accepted again (after every check).".into())]
        }
        Modal::Autonomous(form) => autonomy(app, form, quote, inner.height as usize),
        Modal::Quit => quit_lines(app).into_iter().map(text).collect(),
    };
    let keys = |action| app.keymap.key_for(Mode::Modal, action).map(|k| k.to_string()).unwrap_or_default();
    let yes_word = match modal {
        Modal::ConfirmOrder { .. } => "send",
        Modal::CancelAll => "cancel them all",
        Modal::KillSwitch { engage: true } => "engage",
        Modal::KillSwitch { engage: false } => "release",
        Modal::Autonomous(f) if f.enable => "arm",
        Modal::Autonomous(_) => "disarm",
        Modal::Quit => "quit",
    };
    let keys_line = Line::from(vec![
        Span::styled(keys(Action::Yes), t.style(Role::Key)),
        Span::styled(format!(" {yes_word}   "), t.style(Role::Muted)),
        Span::styled(keys(Action::No), t.style(Role::Key)),
        Span::styled(" go back", t.style(Role::Muted)),
    ]);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    frame.render_widget(Paragraph::new(keys_line), keys_row);
}

/// What quitting does, in the order a trader worries about it. Each sentence
/// is what the engine's shutdown (`[engine] on_shutdown`) really does.
fn quit_lines(app: &App) -> Vec<String> {
    let (open, pending) = (app.open_orders().count(), app.snap.pending.len());
    let live = app.snap.venue == Some(Venue::Live);
    let mut lines = Vec::new();
    if app.snap.controls.approval() == Approval::Autonomous {
        lines.push("Autonomous mode ends; the next start is in confirm mode.".to_owned());
    }
    if open > 0 {
        lines.push(match (app.snap.on_shutdown, live) {
            (OnShutdown::Cancel, _) => format!("{open} open order(s) will be cancelled before vigil stops."),
            (OnShutdown::Leave, true) => {
                format!("{open} open order(s) stay on the exchange and may fill meanwhile.")
            }
            (OnShutdown::Leave, false) => {
                format!("{open} open order(s) stay open (paper: no fills while vigil is stopped).")
            }
        });
    }
    if pending > 0 {
        lines.push(format!("{pending} order(s) awaiting confirmation will be rejected, unsent."));
    }
    lines
}

/// The autonomy form in at most `rows` lines: the limits list is cut to fit,
/// with a line saying how many more there are and where to see them.
fn autonomy<'a>(app: &'a App, form: &'a AutonomyForm, quote: &'a str, rows: usize) -> Vec<Line<'a>> {
    let t = &app.theme;
    if !form.enable {
        let mut lines =
            vec![Line::styled("Every order will wait for your confirmation again.", t.style(Role::Text))];
        if let Some(b) = app.snap.controls.budget() {
            lines.push(Line::styled(
                format!(
                    "Budget used: {}/{} orders, {}/{} {quote}",
                    b.orders_used,
                    b.max_orders,
                    fixed(b.notional_used, 2),
                    fixed(b.max_notional, 2)
                ),
                t.style(Role::Muted),
            ));
        }
        return lines;
    }
    let field = |i: usize, label: &'static str, value: &str, suffix: &str| {
        let style = if form.field == i { t.style(Role::Selection) } else { t.style(Role::Text) };
        Line::from(vec![
            Span::styled(format!("{label:<14}"), t.style(Role::Muted)),
            Span::styled(format!("[{value}]"), style),
            Span::styled(format!(" {suffix}"), t.style(Role::Muted)),
        ])
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" AUTONOMOUS ", t.style(Role::Autonomous)),
            Span::styled(" strategies' orders are sent WITHOUT asking you,", t.style(Role::Warn)),
        ]),
        Line::styled("until this budget is spent. Every check still runs.", t.style(Role::Text)),
        Line::raw(""),
        field(0, "max orders", &form.max_orders, ""),
        field(1, "max notional", &form.max_notional, quote),
    ];
    if let Some(code) = &form.totp {
        lines.push(field(2, "TOTP code", code, "from your authenticator"));
    }
    if let Some(err) = &form.error {
        lines.push(Line::styled(err.clone(), t.style(Role::Fail)));
    }
    if app.snap.strategies.is_empty() {
        lines.push(Line::styled(
            "No strategy is running: nothing will be proposed (start one with --strategy).",
            t.style(Role::Warn),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Limits in force:", t.style(Role::Title)));
    let limits = &app.snap.limits;
    if limits.is_empty() {
        lines.push(Line::styled("(the engine reported none)", t.style(Role::Muted)));
    }
    let room = rows.saturating_sub(lines.len());
    let shown = if limits.len() > room { room.saturating_sub(1) } else { limits.len() };
    for (name, value) in &limits[..shown] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {name:<24}"), t.style(Role::Muted)),
            Span::styled(value.clone(), t.style(Role::Text)),
        ]));
    }
    if shown < limits.len() {
        lines.push(Line::styled(
            format!("  +{} more (all of them: vigil config show)", limits.len().saturating_sub(shown)),
            t.style(Role::Muted),
        ));
    }
    lines
}
