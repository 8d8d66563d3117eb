//! Text formatting shared by the views: money, percentages, times, sparklines.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::{Symbol, TimestampMs};
use crate::engine::MarketView;

/// `HH:MM:SS` (UTC) for an epoch-milliseconds timestamp, `--:--:--` if out of range.
pub fn hms(ts_ms: TimestampMs) -> String {
    chrono::DateTime::from_timestamp_millis(ts_ms)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_else(|| "--:--:--".into())
}

/// A decimal rounded to `dp` places, always showing them (`1234.5` → `1234.50`).
pub fn fixed(value: Decimal, dp: u32) -> String {
    let mut v = value.round_dp(dp);
    v.rescale(dp);
    v.to_string()
}

/// Signed amount with two places: `+12.30`, `-4.00`.
pub fn signed(value: Decimal) -> String {
    let text = fixed(value, 2);
    if value > Decimal::ZERO { format!("+{text}") } else { text }
}

/// Change from `open` to `last` in percent, always signed (`+0.00%`); `—` when unknown.
pub fn change_pct(open: Option<Decimal>, last: Option<Decimal>) -> (String, Decimal) {
    match (open, last) {
        (Some(open), Some(last)) if !open.is_zero() => {
            let pct = last
                .checked_sub(open)
                .and_then(|d| d.checked_div(open))
                .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED));
            match pct {
                Some(pct) => (format!("{}%", always_signed(pct, Some(2))), pct),
                None => ("—".into(), Decimal::ZERO),
            }
        }
        _ => ("—".into(), Decimal::ZERO),
    }
}

const RAMP: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line sparkline of the last `width` prices (f64 only for drawing).
pub fn sparkline(prices: &[(TimestampMs, Decimal)], width: usize) -> String {
    let start = prices.len().saturating_sub(width);
    let values: Vec<f64> = prices[start..].iter().filter_map(|(_, p)| p.to_f64()).collect();
    let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let span = hi - lo;
    values
        .iter()
        .map(|v| {
            let level = if span > 0.0 { ((v - lo) / span * 7.0).round() as usize } else { 3 };
            RAMP[level.min(7)]
        })
        .collect()
}

/// Words of `text` in lines of at most `width` characters. Never cuts a word unless the
/// word alone is wider than `width` (then it is split, not shortened: every character stays).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let (len, used) = (word.chars().count(), line.chars().count());
        if used > 0 && used + 1 + len <= width {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        let chars: Vec<char> = word.chars().collect();
        let mut pieces = chars.chunks(width).peekable();
        while let Some(piece) = pieces.next() {
            if pieces.peek().is_some() {
                lines.push(piece.iter().collect());
            } else {
                line = piece.iter().collect();
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Decimal places of a filter step: `0.01` → 2, `0.00001` → 5, `1` → 0.
pub fn decimals(step: Decimal) -> u32 {
    step.normalize().scale()
}

/// `value` at `dp` places, or exactly as it is (trailing zeros dropped) when the
/// precision is not known: never a rounded number the exchange did not say.
pub fn at(value: Decimal, dp: Option<u32>) -> String {
    match dp {
        Some(dp) => fixed(value, dp),
        None => value.normalize().to_string(),
    }
}

/// Always signed: `+0.00`, `+1.20`, `-3.40` (at `dp`, or exact when unknown).
pub fn always_signed(value: Decimal, dp: Option<u32>) -> String {
    let text = at(value, dp);
    if text.starts_with('-') { text } else { format!("+{text}") }
}

/// How many decimals each amount on screen gets, from the instruments' filters.
///
/// - a price: the symbol's tick size (`PRICE_FILTER.tickSize`);
/// - a quantity: the symbol's step size (`LOT_SIZE.stepSize`);
/// - money in an asset (balances, fees, PnL, values): for a quote asset, the coarsest tick
///   among the symbols quoted in it (USDT with BTCUSDT at 0.01 → 2 places: finer than the
///   smallest price move is noise); for a base asset, the finest step among its symbols (BTC
///   at 0.00001 → 5: the smallest amount that can be traded);
/// - a mid price: the tick's places, one more only when the mid falls on a half tick (that
///   digit is then always 5, and it is the truth).
///
/// A precision that is not known (no filters for the symbol) prints the exact value.
pub struct Precision<'a> {
    markets: &'a [MarketView],
}

impl<'a> Precision<'a> {
    pub fn new(markets: &'a [MarketView]) -> Self {
        Self { markets }
    }

    fn market(&self, symbol: &Symbol) -> Option<&'a MarketView> {
        self.markets.iter().find(|m| &m.symbol == symbol)
    }

    pub fn price_dp(&self, symbol: &Symbol) -> Option<u32> {
        self.market(symbol).and_then(|m| m.tick_size).map(decimals)
    }

    pub fn qty_dp(&self, symbol: &Symbol) -> Option<u32> {
        self.market(symbol).and_then(|m| m.step_size).map(decimals)
    }

    pub fn price(&self, symbol: &Symbol, value: Decimal) -> String {
        at(value, self.price_dp(symbol))
    }

    pub fn qty(&self, symbol: &Symbol, value: Decimal) -> String {
        at(value, self.qty_dp(symbol))
    }

    /// A mid price: tick places, plus one when it is a half tick.
    pub fn mid(&self, symbol: &Symbol, value: Decimal) -> String {
        let Some(dp) = self.price_dp(symbol) else { return at(value, None) };
        let on_tick = value.round_dp(dp) == value;
        at(value, Some(if on_tick { dp } else { dp.saturating_add(1) }))
    }

    pub fn asset_dp(&self, asset: &str) -> Option<u32> {
        let quoted = self.markets.iter().filter(|m| m.quote_asset == asset).filter_map(|m| m.tick_size);
        if let Some(dp) = quoted.map(decimals).min() {
            return Some(dp);
        }
        self.markets.iter().filter(|m| m.base_asset == asset).filter_map(|m| m.step_size).map(decimals).max()
    }

    pub fn money(&self, asset: &str, value: Decimal) -> String {
        at(value, self.asset_dp(asset))
    }

    pub fn signed_money(&self, asset: &str, value: Decimal) -> String {
        always_signed(value, self.asset_dp(asset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn wrap_keeps_every_character() {
        assert_eq!(
            wrap("book for BTCUSDT updated 500 ms ago", 12),
            ["book for", "BTCUSDT", "updated 500", "ms ago"]
        );
        assert_eq!(wrap("1234567890", 4), ["1234", "5678", "90"]);
        assert_eq!(wrap("", 4), [""]);
    }

    #[test]
    fn signs_and_places() {
        assert_eq!(always_signed(Decimal::ZERO, Some(2)), "+0.00");
        assert_eq!(always_signed(d("-1.5"), Some(2)), "-1.50");
        assert_eq!(at(d("64000.10000000"), None), "64000.1");
        assert_eq!(decimals(d("0.00010000")), 4);
        assert_eq!(decimals(d("1.00000000")), 0);
        assert_eq!(change_pct(Some(d("100")), Some(d("100"))).0, "+0.00%");
    }
}
