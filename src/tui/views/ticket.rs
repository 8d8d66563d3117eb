//! The order ticket overlay: fields, and the engine's live verdicts as the person types.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{centered, checks, pane, side_style};
use crate::domain::{OrderType, Side, Venue};
use crate::tui::app::App;
use crate::tui::theme::Role;
use crate::tui::ticket::{Ticket, TicketField};

pub(super) fn draw(app: &App, ticket: &Ticket, frame: &mut Frame, body: Rect) {
    let t = &app.theme;
    let area = centered(body, 76, 30);
    frame.render_widget(Clear, area);
    let side_word = match ticket.side {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    };
    let venue = match app.snap.venue {
        Some(Venue::Live) => Span::styled(" LIVE ", t.style(Role::Live)),
        _ => Span::styled(" PAPER ", t.style(Role::Paper)),
    };
    let title = Line::from(vec![
        venue,
        Span::styled(format!(" {side_word} "), side_style(t, ticket.side).patch(t.style(Role::Title))),
        Span::styled(format!("{} ", ticket.symbol), t.style(Role::Title)),
    ]);
    let block = pane(t, title, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let field = |label: &'static str, value: String, which: TicketField| {
        let focused = ticket.field == which;
        let style = if focused { t.style(Role::Selection) } else { t.style(Role::Text) };
        let cursor =
            if focused && matches!(which, TicketField::Qty | TicketField::Price) { "▏" } else { "" };
        [
            Span::styled(format!("{label} "), t.style(Role::Muted)),
            Span::styled(format!("[{value}{cursor}]"), style),
            Span::raw("  "),
        ]
    };
    let mut first = Vec::new();
    first.extend(field("side", ticket.side.to_string(), TicketField::Side));
    first.extend(field("type", ticket.order_type.to_string(), TicketField::Type));
    let mut second = Vec::new();
    second.extend(field("qty", ticket.qty.clone(), TicketField::Qty));
    if ticket.order_type == OrderType::Limit {
        second.extend(field("price", ticket.price.clone(), TicketField::Price));
    } else {
        second.push(Span::styled("price: at market (slippage is checked)", t.style(Role::Muted)));
    }
    let mut lines = vec![Line::from(first), Line::from(second)];
    if let Some(notional) = ticket.notional() {
        let quote = &app.snap.quote_asset;
        lines.push(Line::from(Span::styled(format!("notional {notional} {quote}"), t.style(Role::Muted))));
    }
    match (&ticket.error, &ticket.checks) {
        (Some(err), _) => lines.push(Line::from(Span::styled(err.clone(), t.style(Role::Warn)))),
        (None, None) => lines.push(Line::from(Span::styled("checking…", t.style(Role::Muted)))),
        (None, Some(checks)) => lines.push(checks::summary(t, checks)),
    }
    lines.push(Line::raw(""));
    if let Some(list) = &ticket.checks {
        let rows = (inner.height as usize).saturating_sub(lines.len());
        lines.extend(checks::lines(t, list, rows, inner.width as usize));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
