//! Candlestick chart of the selected symbol at the chosen timeframe, volume
//! bars below, price labels at the instrument's tick precision on the right;
//! the user's open orders as dashed lines, fills as ◆.
//!
//! Drawn cell by cell into the buffer: one candle per column (the newest at the
//! right), a body `█` for a rise and `▒` for a fall (told apart without
//! colour), `│` for the wicks. f64 is used for geometry only.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::Side;
use crate::engine::MarketView;
use crate::market::{Candle, Interval};
use crate::tui::app::App;
use crate::tui::format::fixed;
use crate::tui::theme::Role;

const RAMP: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const RISE: char = '█';
const FALL: char = '▒';
const WICK: char = '│';
const ORDER: char = '╌';
const FILL: char = '◆';

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let tf = app.timeframe;
    let Some(market) = app.snap.markets.iter().find(|m| Some(&m.symbol) == app.selected_symbol.as_ref())
    else {
        frame.render_widget(Paragraph::new("no symbol selected").block(app.pane(" Chart ", false)), area);
        return;
    };
    let dp = market.tick_size.map_or(2, |t| t.normalize().scale());
    // The title's parts are shown whole or not at all (the border would cut the last price).
    let room = usize::from(area.width.saturating_sub(2));
    let mut title = Line::from(vec![
        Span::raw(format!(" {} ", market.symbol)),
        Span::styled(format!("{tf} "), t.style(Role::Title)),
    ]);
    if let Some(last) = market.last_price.map(|p| format!("{} ", fixed(p, dp)))
        && title.width().saturating_add(last.len()) <= room
    {
        title.spans.push(Span::styled(last, t.style(Role::Accent)));
    }
    let block = app.pane(title, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let series = market.candles.get(tf);
    if series.is_empty() {
        frame.render_widget(Paragraph::new(format!("waiting for {tf} candles…")), inner);
        return;
    }
    let plot = Plot::layout(app, market, tf, inner, dp);
    if let Some(plot) = plot {
        plot.draw(frame.buffer_mut());
    }
}

/// Everything one frame of the chart needs, computed before drawing.
struct Plot<'a> {
    app: &'a App,
    market: &'a MarketView,
    tf: Interval,
    candles: Vec<Candle>,
    /// Candle area, volume area, label column, time row.
    prices: Rect,
    volume: Rect,
    labels: Rect,
    times: Option<Rect>,
    lo: f64,
    hi: f64,
    dp: u32,
}

impl<'a> Plot<'a> {
    fn layout(app: &'a App, market: &'a MarketView, tf: Interval, inner: Rect, dp: u32) -> Option<Self> {
        let series = market.candles.get(tf);
        // Label width from the widest price the chart can label: a candle's, or an open
        // order's or a fill's (they widen the range, and an order's price is labelled).
        let orders =
            app.open_orders().filter(|o| o.intent.symbol == market.symbol).filter_map(|o| o.intent.price);
        let fills = app.snap.fills.iter().filter(|x| x.symbol == market.symbol).map(|x| x.price);
        // Prices are positive: the highest is the widest.
        let highest = series.iter().map(|c| c.high).chain(orders).chain(fills).max().unwrap_or_default();
        let label_w = u16::try_from(fixed(highest, dp).len()).unwrap_or(u16::MAX).saturating_add(1);
        if inner.width <= label_w.saturating_add(2) || inner.height < 3 {
            return None;
        }
        let plot_w = inner.width.saturating_sub(label_w);
        let candles = series.last(usize::from(plot_w));
        let times_h = u16::from(inner.height >= 8);
        let vol_h = match inner.height {
            0..=5 => 0,
            6..=11 => 1,
            h => h / 5,
        };
        let price_h = inner.height.saturating_sub(vol_h).saturating_sub(times_h);
        let prices = Rect::new(inner.x, inner.y, plot_w, price_h);
        let volume = Rect::new(inner.x, inner.y.saturating_add(price_h), plot_w, vol_h);
        let labels = Rect::new(inner.x.saturating_add(plot_w), inner.y, label_w, price_h);
        let times_y = inner.y.saturating_add(price_h).saturating_add(vol_h);
        let times = (times_h == 1).then(|| Rect::new(inner.x, times_y, inner.width, 1));
        let f = |d: Decimal| d.to_f64().unwrap_or(0.0);
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        // The user's open orders and the fills on screen stay in range, so they stay marked.
        let first_open = candles.first().map_or(i64::MAX, |c| c.open_time);
        let orders =
            app.open_orders().filter(|o| o.intent.symbol == market.symbol).filter_map(|o| o.intent.price);
        let fills = app.snap.fills.iter().filter(|x| x.symbol == market.symbol && x.ts_ms >= first_open);
        let extra = orders.chain(fills.map(|x| x.price));
        for (l, h) in candles.iter().map(|c| (c.low, c.high)).chain(extra.map(|p| (p, p))) {
            lo = lo.min(f(l));
            hi = hi.max(f(h));
        }
        if hi <= lo {
            let pad = (hi.abs() * 0.001).max(1e-9);
            (lo, hi) = (lo - pad, hi + pad);
        }
        Some(Self { app, market, tf, candles, prices, volume, labels, times, lo, hi, dp })
    }

    /// Row of `price` in the price area, `None` when outside the range shown.
    fn row(&self, price: Decimal) -> Option<u16> {
        let p = price.to_f64()?;
        if p < self.lo || p > self.hi {
            return None;
        }
        let span = f64::from(self.prices.height.saturating_sub(1));
        let from_top = ((self.hi - p) / (self.hi - self.lo) * span).round() as u16;
        Some(self.prices.y.saturating_add(from_top.min(self.prices.height.saturating_sub(1))))
    }

    fn draw(&self, buf: &mut Buffer) {
        let t = &self.app.theme;
        let (rise, fall) = (t.style(Role::Bid), t.style(Role::Ask));
        let vmax = self.candles.iter().map(|c| c.volume).max().unwrap_or_default().to_f64().unwrap_or(0.0);
        for (i, c) in self.candles.iter().enumerate() {
            let x = self.prices.x.saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
            let up = c.close >= c.open;
            let style = if up { rise } else { fall };
            let (Some(top), Some(bottom)) = (self.row(c.high), self.row(c.low)) else { continue };
            let body_top = self.row(c.open.max(c.close)).unwrap_or(top);
            let body_bottom = self.row(c.open.min(c.close)).unwrap_or(bottom);
            for y in top..=bottom {
                let body = (body_top..=body_bottom).contains(&y);
                put(buf, x, y, if body { if up { RISE } else { FALL } } else { WICK }, style);
            }
            if self.volume.height > 0 && vmax > 0.0 {
                let eighths =
                    (c.volume.to_f64().unwrap_or(0.0) / vmax * f64::from(self.volume.height) * 8.0).round();
                let mut left = eighths as u32;
                for y in (self.volume.y..self.volume.bottom()).rev() {
                    let step = left.min(8);
                    let Some(glyph) = (step as usize).checked_sub(1).and_then(|i| RAMP.get(i)) else { break };
                    put(buf, x, y, *glyph, style);
                    left = left.saturating_sub(step);
                }
            }
        }
        self.draw_orders(buf);
        self.draw_fills(buf);
        self.draw_labels(buf);
    }

    /// Open orders: a dashed line across the empty cells at their price, and the price in the label column.
    fn draw_orders(&self, buf: &mut Buffer) {
        let t = &self.app.theme;
        for o in self.app.open_orders().filter(|o| o.intent.symbol == self.market.symbol) {
            let Some(price) = o.intent.price else { continue };
            let Some(y) = self.row(price) else { continue };
            let style = if o.intent.side == Side::Buy { t.style(Role::Bid) } else { t.style(Role::Ask) };
            for x in self.prices.x..self.prices.right() {
                if buf.cell((x, y)).is_some_and(|c| c.symbol() == " ") {
                    put(buf, x, y, ORDER, style);
                }
            }
            buf.set_stringn(
                self.labels.x.saturating_add(1),
                y,
                fixed(price, self.dp),
                usize::from(self.labels.width),
                style,
            );
        }
    }

    /// Fills: ◆ on the candle whose interval holds the fill, at the fill price.
    fn draw_fills(&self, buf: &mut Buffer) {
        let style = self.app.theme.style(Role::FillMarker);
        for f in self.app.snap.fills.iter().filter(|f| f.symbol == self.market.symbol) {
            let open = self.tf.open_time(f.ts_ms);
            let Some(i) = self.candles.iter().position(|c| c.open_time == open) else { continue };
            if let Some(y) = self.row(f.price) {
                put(buf, self.prices.x.saturating_add(u16::try_from(i).unwrap_or(u16::MAX)), y, FILL, style);
            }
        }
    }

    fn draw_labels(&self, buf: &mut Buffer) {
        let muted = self.app.theme.style(Role::Muted);
        let h = self.prices.height;
        let span = self.hi - self.lo;
        let mut rows = vec![0, h.saturating_sub(1)];
        if h >= 7 {
            rows.push(h / 2);
        }
        for r in rows {
            let (x, y) = (self.labels.x.saturating_add(1), self.prices.y.saturating_add(r));
            // Skip a row an order's price already labels.
            if buf.cell((x, y)).is_some_and(|c| c.symbol() != " ") {
                continue;
            }
            let value = self.hi - span * f64::from(r) / f64::from(h.saturating_sub(1).max(1));
            let Some(price) = Decimal::from_f64_retain(value) else { continue };
            let text = fixed(price, self.dp);
            buf.set_stringn(x, y, text, usize::from(self.labels.width), muted);
        }
        if let (Some(row), Some(first), Some(last)) = (self.times, self.candles.first(), self.candles.last())
        {
            let (a, b) = (stamp(self.tf, first.open_time), stamp(self.tf, last.open_time));
            buf.set_stringn(row.x, row.y, &a, usize::from(row.width), muted);
            let width = |s: &str| u16::try_from(s.len()).unwrap_or(u16::MAX);
            let bx = self
                .prices
                .right()
                .saturating_sub(width(&b))
                .max(row.x.saturating_add(width(&a)).saturating_add(1));
            if bx.saturating_add(width(&b)) <= row.right() {
                buf.set_string(bx, row.y, &b, muted);
            }
        }
    }
}

fn put(buf: &mut Buffer, x: u16, y: u16, ch: char, style: Style) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_char(ch).set_style(style);
    }
}

/// A candle's open time as the axis shows it: minutes for intraday, the date for days.
fn stamp(tf: Interval, ts: i64) -> String {
    let fmt = if tf == Interval::D1 { "%Y-%m-%d" } else { "%m-%d %H:%M" };
    chrono::DateTime::from_timestamp_millis(ts).map_or_else(|| "—".into(), |t| t.format(fmt).to_string())
}
