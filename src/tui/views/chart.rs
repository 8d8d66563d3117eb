//! Price chart of the selected symbol: trades as a line, the user's open orders as
//! horizontal markers, fills as points. f64 is used here for drawing only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::Side;
use crate::tui::app::App;
use crate::tui::format::hms;
use crate::tui::theme::Role;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let Some(market) = app.snap.markets.iter().find(|m| Some(&m.symbol) == app.selected_symbol.as_ref())
    else {
        frame.render_widget(Paragraph::new("no symbol selected").block(app.pane(" Chart ", false)), area);
        return;
    };
    let title = Line::from(vec![
        Span::raw(format!(" {} ", market.symbol)),
        Span::styled(market.last_price.map(|p| format!("{p} ")).unwrap_or_default(), t.style(Role::Accent)),
    ]);
    let block = app.pane(title, false);
    let (Some((t0, _)), Some((t1, _))) = (market.history.first(), market.history.last()) else {
        frame.render_widget(Paragraph::new("waiting for trades…").block(block), area);
        return;
    };
    let (t0, t1) = (*t0, *t1);
    let x = |ts: i64| (ts - t0) as f64;
    let x_max = x(t1).max(1.0);
    let price = |p: Decimal| p.to_f64().unwrap_or(0.0);

    let line: Vec<(f64, f64)> = market.history.iter().map(|(ts, p)| (x(*ts), price(*p))).collect();
    let orders: Vec<(Side, f64)> = app
        .open_orders()
        .filter(|o| o.intent.symbol == market.symbol)
        .filter_map(|o| o.intent.price.map(|p| (o.intent.side, price(p))))
        .collect();
    let order_lines: Vec<[(f64, f64); 2]> = orders.iter().map(|(_, p)| [(0.0, *p), (x_max, *p)]).collect();
    let fills: Vec<(f64, f64)> = app
        .snap
        .fills
        .iter()
        .filter(|f| f.symbol == market.symbol && f.ts_ms >= t0)
        .map(|f| (x(f.ts_ms).min(x_max), price(f.price)))
        .collect();

    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for y in line.iter().chain(fills.iter()).map(|p| p.1).chain(orders.iter().map(|o| o.1)) {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.0005).max(1e-9);
    let (lo, hi) = (lo - pad, hi + pad);

    let mut datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.style(Role::ChartLine))
            .data(&line),
    ];
    for ((side, _), points) in orders.iter().zip(&order_lines) {
        let role = if *side == Side::Buy { Role::Bid } else { Role::Ask };
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(t.style(role))
                .data(points),
        );
    }
    datasets.push(
        Dataset::default()
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(t.style(Role::FillMarker))
            .data(&fills),
    );
    let label = |v: f64| Span::styled(format!("{v:.2}"), t.style(Role::Muted));
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([0.0, x_max])
                .labels([
                    Span::styled(hms(t0), t.style(Role::Muted)),
                    Span::styled(hms(t1), t.style(Role::Muted)),
                ])
                .style(t.style(Role::Border)),
        )
        .y_axis(Axis::default().bounds([lo, hi]).labels([label(lo), label(hi)]).style(t.style(Role::Border)));
    frame.render_widget(chart, area);
}
