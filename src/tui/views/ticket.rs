//! The order ticket: fields, the touch it is priced against, and the engine's live verdicts
//! as the person types. It takes the left of the body and the book the rest, so the book
//! stays in view while a price is picked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{checks, pane, side_style};
use crate::domain::{Side, Venue};
use crate::tui::action::{Action, Mode};
use crate::tui::app::App;
use crate::tui::field::NumberField;
use crate::tui::format::fixed;
use crate::tui::theme::Role;
use crate::tui::ticket::{PRESETS, SizeIn, Ticket, TicketField};

/// Widest the ticket gets; narrower when the book needs the room.
const WIDTH: u16 = 76;
/// Narrowest useful ticket: the fields line must fit.
const MIN_WIDTH: u16 = 46;
/// Columns left free on the right for the book (the book pane's width in each layout).
const BOOK_FULL: u16 = 40;
const BOOK_COMPACT: u16 = 32;

/// The ticket's width inside `body`: the book's usual width is left to it whenever the
/// terminal is wide enough for both.
pub(super) fn width(body: Rect, full_layout: bool) -> u16 {
    let book = if full_layout { BOOK_FULL } else { BOOK_COMPACT };
    body.width.saturating_sub(book).clamp(MIN_WIDTH.min(body.width), WIDTH.min(body.width))
}

pub(super) fn draw(app: &App, ticket: &Ticket, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let side_word = match ticket.side {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    };
    let venue = match app.snap.venue {
        Some(Venue::Live) => Span::styled(" LIVE ", t.style(Role::Live)),
        _ => Span::styled(" PAPER ", t.style(Role::Paper)),
    };
    let mut title = vec![venue];
    if let Some(amending) = &ticket.amends {
        title.push(Span::styled(format!(" AMEND #{}", amending.id), t.style(Role::Warn)));
    }
    title
        .push(Span::styled(format!(" {side_word} "), side_style(t, ticket.side).patch(t.style(Role::Title))));
    title.push(Span::styled(format!("{} ", ticket.symbol), t.style(Role::Title)));
    let title = Line::from(title);
    let block = pane(t, title, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let market = app.ticket_market(&ticket.symbol);
    let (base, quote) = market
        .instrument
        .map_or(("", app.snap.quote_asset.as_str()), |i| (i.base_asset.as_str(), i.quote_asset.as_str()));
    let choice = |label: &'static str, value: String, which: TicketField| {
        let style = if ticket.field == which { t.style(Role::Selection) } else { t.style(Role::Text) };
        [Span::styled(format!("{label} "), t.style(Role::Muted)), Span::styled(format!("[{value}]"), style)]
    };
    let number = |label: &'static str, value: &NumberField, which: TicketField| {
        let focused = ticket.field == which;
        let style = if focused { t.style(Role::Selection) } else { t.style(Role::Text) };
        let text = if focused {
            let (left, right) = value.text().split_at(value.cursor());
            format!("[{left}▏{right}]")
        } else {
            format!("[{}]", value.text())
        };
        [Span::styled(format!("{label} "), t.style(Role::Muted)), Span::styled(text, style)]
    };

    let mut first = Vec::new();
    first.extend(choice("side", ticket.side.to_string(), TicketField::Side));
    first.push(Span::raw("  "));
    first.extend(choice("type", ticket.kind.label().to_owned(), TicketField::Type));
    let mut second = Vec::new();
    second.extend(number("qty", &ticket.qty, TicketField::Qty));
    let unit = match ticket.size_in {
        SizeIn::Base => base,
        SizeIn::Quote => quote,
    };
    second.push(Span::styled(format!(" {unit}"), t.style(Role::Text)));
    if let Some(preset) = ticket.preset {
        second.push(Span::styled(
            format!(" ({} % of free{})", PRESETS[preset.index], preset.of.label()),
            t.style(Role::Muted),
        ));
    }
    let mut third = Vec::new();
    if ticket.kind.stop().is_some() {
        third.extend(number("stop", &ticket.stop, TicketField::Stop));
        third.push(Span::raw("  "));
    }
    if ticket.kind.has_price() {
        third.extend(number("price", &ticket.price, TicketField::Price));
    } else {
        third.push(Span::styled("price: at market (slippage is checked)", t.style(Role::Muted)));
    }
    // The touch at the tick precision, each figure whole or not at all (never cut at the
    // ticket's edge).
    let precision = crate::tui::format::Precision::new(&app.snap.markets);
    let mut used: usize = third.iter().map(|s| s.width()).sum();
    for (label, price, role) in [("bid", market.bid, Role::Bid), ("ask", market.ask, Role::Ask)] {
        let value = price.map_or_else(|| "—".to_owned(), |p| precision.price(&ticket.symbol, p));
        let label = format!("  {label} ");
        let needs = label.chars().count().saturating_add(value.chars().count());
        if used.saturating_add(needs) > inner.width as usize {
            break;
        }
        used = used.saturating_add(needs);
        third.push(Span::styled(label, t.style(Role::Muted)));
        third.push(Span::styled(value, t.style(role)));
    }

    let mut lines = vec![Line::from(first), Line::from(second), Line::from(third)];
    let step = market.instrument.map(|i| i.step_size);
    // Quote amounts read at the price's precision (cents for USDT pairs).
    let quote_dp = market.instrument.map_or(2, |i| i.tick_size.normalize().scale());
    match ticket.intent(step) {
        Ok(intent) => {
            let text = match (intent.price, intent.quote_qty) {
                (Some(price), _) => price
                    .checked_mul(intent.qty)
                    .map(|n| format!("{} {base} ≈ {} {quote}", intent.qty, fixed(n, quote_dp))),
                (None, Some(amount)) => Some(format!("for {amount} {quote}, sized from the book")),
                (None, None) => None,
            };
            if let Some(text) = text {
                lines.push(Line::from(Span::styled(text, t.style(Role::Muted))));
            }
        }
        Err(_) => lines.push(Line::raw("")),
    }
    match (&ticket.error, &ticket.checks) {
        (Some(err), _) => lines.push(Line::from(Span::styled(err.clone(), t.style(Role::Warn)))),
        (None, None) if ticket.review_wanted => {
            lines.push(Line::from(Span::styled("checking… the review opens when done", t.style(Role::Muted))))
        }
        (None, None) => lines.push(Line::from(Span::styled("checking…", t.style(Role::Muted)))),
        (None, Some(checks)) => lines.push(checks::summary(t, checks)),
    }
    let hints = hints(app, inner.width as usize);
    if let Some(list) = &ticket.checks {
        let rows = (inner.height as usize).saturating_sub(lines.len().saturating_add(1));
        lines.extend(checks::lines(t, list, rows, inner.width as usize));
    }
    let pad = (inner.height as usize).saturating_sub(lines.len().saturating_add(1));
    lines.extend(std::iter::repeat_n(Line::raw(""), pad));
    lines.push(Line::from(Span::styled(hints, t.style(Role::Muted))));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One line of the ticket's keys, from the bindings in force: as many whole hints as fit
/// in `width` columns.
fn hints(app: &App, width: usize) -> String {
    let key = |action| app.keymap.key_for(Mode::Ticket, action).map(|k| k.to_string());
    [
        (Action::PriceBid, "bid"),
        (Action::PriceAsk, "ask"),
        (Action::PriceMid, "mid"),
        (Action::TickUp, "tick+"),
        (Action::SizePreset, "size"),
        (Action::SizeInQuote, "unit"),
        (Action::CycleType, "type"),
        (Action::Submit, "review"),
    ]
    .into_iter()
    .filter_map(|(action, what)| key(action).map(|k| format!("{k} {what}")))
    .fold(String::new(), |line, hint| {
        let joined = if line.is_empty() { hint } else { format!("{line}  {hint}") };
        if joined.chars().count() <= width { joined } else { line }
    })
}
