//! Text formatting shared by the views: money, percentages, times, sparklines.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::TimestampMs;

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

/// Change from `open` to `last` in percent, `+1.23%`; `—` when unknown.
pub fn change_pct(open: Option<Decimal>, last: Option<Decimal>) -> (String, Decimal) {
    match (open, last) {
        (Some(open), Some(last)) if !open.is_zero() => {
            let pct = last
                .checked_sub(open)
                .and_then(|d| d.checked_div(open))
                .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED));
            match pct {
                Some(pct) => (format!("{}%", signed(pct)), pct),
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

/// `text` cut to `width` characters, with an ellipsis when cut.
pub fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}
