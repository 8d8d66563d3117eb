//! The two status lines on top: venue, approval mode, trading state, feed, money.
//! These are the facts an operator must never misread, so each is a coloured badge whose
//! text also says it (colour is never the only signal).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{labelled, pnl_style};
use crate::domain::{Approval, FeedState, TradingState, Venue};
use crate::tui::app::App;
use crate::tui::format::{fixed, signed};
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let s = &app.snap;
    let badge = |text: &str, role: Role| Span::styled(format!(" {text} "), t.style(role));
    let gap = || Span::raw(" ");

    // Attached, `q` detaches and the engine runs on: the first word says which.
    let name = if app.attached { "attached " } else { "vigil " };
    let mut first = vec![Span::styled(name, t.style(Role::Accent))];
    first.push(match s.venue {
        Some(Venue::Live) => badge("LIVE", Role::Live),
        Some(Venue::Paper) => badge("PAPER", Role::Paper),
        None => badge("NO VENUE", Role::Muted),
    });
    // One live badge, the most urgent: the first line must keep its feed
    // state and latency at 80 columns.
    let live_badge = s.live.as_ref().and_then(|live| match () {
        () if !live.stream_up => Some(("NO FILL STREAM", Role::Fail)),
        () if live.paused.is_some() => Some(("PAUSED BY EXCHANGE", Role::Warn)),
        () if live.reconciling => Some(("RECONCILING", Role::Warn)),
        () => None,
    });
    if let Some((text, role)) = live_badge {
        first.push(gap());
        first.push(badge(text, role));
    }
    first.push(gap());
    let controls = &s.controls;
    first.push(match controls.approval() {
        Approval::Autonomous => badge("AUTONOMOUS", Role::Autonomous),
        Approval::Confirm => badge("CONFIRM", Role::Confirm),
    });
    first.push(gap());
    first.push(match controls.trading_state() {
        _ if controls.storage_failed() => badge("STORAGE FAILED", Role::Halted),
        TradingState::Halted => badge("KILL SWITCH", Role::Halted),
        TradingState::Reducing => badge("REDUCING", Role::Warn),
        TradingState::Active => badge("ACTIVE", Role::Pass),
    });
    if let Some(cause) = controls.cause() {
        first.push(Span::styled(format!(" by {}", cause.actor), t.style(Role::Muted)));
    }
    first.push(gap());
    let (feed_role, feed_state) = match s.feed_state {
        Some(FeedState::Connected) => (Role::Pass, "connected"),
        Some(FeedState::Stale) => (Role::Fail, "stale"),
        Some(other) => (Role::Warn, other.as_str()),
        None => (Role::Muted, "no feed"),
    };
    let feed_name = if s.feed_name.is_empty() { "feed" } else { &s.feed_name };
    first.push(Span::styled(format!("{feed_name} "), t.style(Role::Muted)));
    first.push(Span::styled(feed_state, t.style(feed_role)));
    let connected = s.feed_state == Some(FeedState::Connected);
    match (connected, s.feed_since_ms) {
        // A latency is only news while the feed is up; otherwise say for how long it is not.
        (true, _) => {
            if let Some(ms) = s.feed_latency_ms {
                first.push(Span::styled(format!(" {ms}ms"), t.style(Role::Muted)));
            }
        }
        (false, Some(since)) => {
            let secs = s.now_ms.saturating_sub(since).max(0) / 1000;
            first.push(Span::styled(format!(" ({secs}s)"), t.style(feed_role)));
        }
        (false, None) => {}
    }
    if !s.feed_detail.is_empty() && s.feed_state != Some(FeedState::Connected) {
        first.push(Span::styled(format!(" ({})", s.feed_detail), t.style(Role::Muted)));
    }

    let quote = &s.quote_asset;
    let mut second = Vec::new();
    second.extend(labelled(t, "equity", format!("{} {quote}", fixed(s.equity, 2)), Role::Text));
    second.push(Span::raw("  "));
    second.push(Span::styled("pnl today ", t.style(Role::Muted)));
    second.push(Span::styled(signed(s.pnl_today), pnl_style(t, s.pnl_today)));
    if let Some(budget) = controls.budget() {
        second.push(Span::raw("  "));
        second.extend(labelled(
            t,
            "budget",
            format!(
                "{}/{} orders {}/{} {quote}",
                budget.orders_used,
                budget.max_orders,
                fixed(budget.notional_used, 0),
                fixed(budget.max_notional, 0)
            ),
            Role::Autonomous,
        ));
    }
    if s.venue == Some(Venue::Live) && !s.venue_label.is_empty() {
        second.push(Span::raw("  "));
        second.push(Span::styled(s.venue_label.clone(), t.style(Role::Live)));
    }
    let pending = s.pending.len();
    if pending > 0 {
        second.push(Span::raw("  "));
        second.push(badge(&format!("{pending} awaiting you"), Role::Warn));
    }
    if !s.strategies.is_empty() {
        second.push(Span::raw("  "));
        second.push(Span::styled("running ", t.style(Role::Muted)));
        for (i, name) in s.strategies.iter().enumerate() {
            if i > 0 {
                second.push(Span::styled(",", t.style(Role::Muted)));
            }
            let quiet = s.quiet_strategies.contains(name);
            second.push(Span::styled(name.clone(), t.style(if quiet { Role::Muted } else { Role::Text })));
            if quiet {
                second.push(Span::styled(" (quiet)", t.style(Role::Warn)));
            }
        }
    }
    crate::tui::cells::draw_lines(frame.buffer_mut(), area, &[Line::from(first), Line::from(second)]);
}
