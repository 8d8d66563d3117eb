//! The symbol search modal: the query, the ranked matches with their
//! filters (a watched one marked), and the keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table};

use super::{centered, pane};
use crate::tui::action::{Action, Mode};
use crate::tui::app::App;
use crate::tui::search::SymbolSearch;
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, search: &SymbolSearch, frame: &mut Frame, body: Rect) {
    let t = &app.theme;
    let area = centered(body, 64, 20);
    frame.render_widget(Clear, area);
    let title = format!(" Add a symbol ({} listed) ", search.catalog_len());
    let block = pane(t, Span::styled(title, t.style(Role::Title)), true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [query_row, list, keys_row] =
        Layout::vertical([Constraint::Length(2), Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let query = Line::from(vec![
        Span::styled("/ ", t.style(Role::Key)),
        Span::styled(search.query.clone(), t.style(Role::Text)),
        Span::styled("▏", t.style(Role::Focus)),
    ]);
    frame.render_widget(Paragraph::new(query), query_row);
    if search.results.is_empty() {
        let why = if search.catalog_len() == 0 {
            "the venue's symbol list could not be read this session"
        } else {
            "no symbol matches"
        };
        frame.render_widget(Paragraph::new(Span::styled(why, t.style(Role::Muted))), list);
    } else {
        // Keep the selection in view: scroll by whole pages of the list's height.
        let height = usize::from(list.height.saturating_sub(1)).max(1);
        let first = search.selected.checked_div(height).unwrap_or(0).saturating_mul(height);
        let rows = search.results.iter().enumerate().skip(first).take(height).map(|(at, i)| {
            let watched = app.snap.markets.iter().any(|m| m.symbol == i.symbol);
            let selected = at == search.selected;
            let marker = if selected { "▶" } else { " " };
            let row = Row::new([
                Cell::from(format!("{marker}{}", i.symbol)),
                Cell::from(format!("{}/{}", i.base_asset, i.quote_asset)),
                Cell::from(i.tick_size.normalize().to_string()),
                Cell::from(i.step_size.normalize().to_string()),
                Cell::from(Span::styled(if watched { "watched" } else { "" }, t.style(Role::Muted))),
            ]);
            if selected { row.style(t.style(Role::Selection)) } else { row }
        });
        let header = Row::new(["Symbol", "Base/Quote", "Tick", "Step", ""]).style(t.style(Role::Muted));
        let widths = [
            Constraint::Length(14),
            Constraint::Length(14),
            Constraint::Length(11),
            Constraint::Length(11),
            Constraint::Fill(1),
        ];
        frame.render_widget(Table::new(rows, widths).header(header), list);
    }
    let key = |action| app.keymap.key_for(Mode::Search, action).map(|k| k.to_string()).unwrap_or_default();
    let keys = Line::from(vec![
        Span::styled(key(Action::Submit), t.style(Role::Key)),
        Span::styled(" add   ", t.style(Role::Muted)),
        Span::styled(format!("{}/{}", key(Action::Up), key(Action::Down)), t.style(Role::Key)),
        Span::styled(" move   ", t.style(Role::Muted)),
        Span::styled(key(Action::Close), t.style(Role::Key)),
        Span::styled(" close", t.style(Role::Muted)),
    ]);
    frame.render_widget(Paragraph::new(keys), keys_row);
}
