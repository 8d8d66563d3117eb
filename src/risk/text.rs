//! Numbers in check details. `Decimal`'s own `Display` divides its 96-bit
//! mantissa by ten once per digit, which made formatting the bulk of a gate
//! evaluation; [`Num`] prints the same text from the mantissa in two u64
//! halves, and [`Pct`] prints a rounded percentage without an intermediate
//! `String`. A test pins `Num` to `Decimal::to_string` over many values.

use std::fmt;

use rust_decimal::Decimal;

/// A decimal printed exactly as `Decimal`'s `Display` prints it (trailing zeros kept).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num(pub Decimal);

/// A computed amount: at most 8 decimals, no trailing zeros (`100.100` → `100.1`).
pub(crate) fn amt(value: Decimal) -> Num {
    Num(value.round_dp(8).normalize())
}

/// A percentage with two decimals (`9.20`).
pub(crate) fn pct(value: Decimal) -> Num {
    let mut rounded = value.round_dp(2);
    if rounded.scale() < 2 {
        // Rescaling to 2 cannot overflow: the value has at most 2 decimals already.
        rounded.rescale(2);
    }
    Num(rounded)
}

/// Writes `n` in decimal into the tail of `buf`, returning where the digits start.
// Bounded: a u64 has at most 20 digits and every caller passes `end` >= 20
// (the high half of a 96-bit mantissa, below 8e9, has at most 10 and starts at <= 21).
#[allow(clippy::arithmetic_side_effects)]
fn digits_u64(mut n: u64, buf: &mut [u8], mut end: usize) -> usize {
    loop {
        end -= 1;
        buf[end] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return end;
        }
    }
}

impl fmt::Display for Num {
    // Bounded by `Decimal` itself: the mantissa has at most 29 digits and the scale
    // is at most 28, so every index below stays within LEN (40) and LEN + 2 (sign, point).
    #[allow(clippy::arithmetic_side_effects)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const TEN_POW_19: u128 = 10_000_000_000_000_000_000;
        const LEN: usize = 40;
        let (mantissa, scale) = (self.0.mantissa(), self.0.scale() as usize);
        let magnitude = mantissa.unsigned_abs();
        // Up to 29 digits (96-bit mantissa), or scale + 1 with leading zeros (scale ≤ 28).
        let mut digits = [b'0'; LEN];
        let start = if magnitude > u128::from(u64::MAX) {
            let low = digits_u64((magnitude % TEN_POW_19) as u64, &mut digits, LEN);
            // The buffer is pre-filled with '0', which pads the low half to 19 digits.
            digits_u64((magnitude / TEN_POW_19) as u64, &mut digits, low.min(LEN - 19))
        } else {
            digits_u64(magnitude as u64, &mut digits, LEN)
        };
        // At least one digit before the point.
        let start = start.min(LEN - scale - 1);
        let (int, frac) = digits[start..].split_at(LEN - scale - start);
        let mut out = [0u8; LEN + 2];
        let mut n = 0;
        if self.0.is_sign_negative() {
            out[0] = b'-';
            n = 1;
        }
        out[n..n + int.len()].copy_from_slice(int);
        n += int.len();
        if scale > 0 {
            out[n] = b'.';
            out[n + 1..n + 1 + frac.len()].copy_from_slice(frac);
            n += 1 + frac.len();
        }
        f.write_str(std::str::from_utf8(&out[..n]).map_err(|_| fmt::Error)?)
    }
}

/// `format!` into a string sized for a typical detail sentence, so building a
/// detail does not reallocate as it grows.
macro_rules! detail {
    ($($arg:tt)*) => {{
        let mut text = String::with_capacity(160);
        // Writing into a String cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!($($arg)*));
        text
    }};
}
pub(crate) use detail;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn num_prints_what_decimal_prints() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut values =
            vec![Decimal::ZERO, Decimal::MAX, Decimal::MIN, Decimal::new(-5, 3), Decimal::new(1, 28)];
        for _ in 0..20_000 {
            let hi = (next() as u32).is_multiple_of(4);
            let (lo, mid, high) = (next() as u32, next() as u32, if hi { next() as u32 } else { 0 });
            let d = Decimal::from_parts(lo, mid, high, next() % 2 == 0, (next() % 29) as u32);
            values.push(d);
            values.push(Decimal::new((next() % 100_000) as i64, (next() % 9) as u32));
        }
        for d in values {
            assert_eq!(Num(d).to_string(), d.to_string(), "{:?}", d.unpack());
        }
    }

    #[test]
    fn pct_has_two_decimals_and_amt_drops_trailing_zeros() {
        assert_eq!(pct(Decimal::new(92, 1)).to_string(), "9.20");
        assert_eq!(pct(Decimal::new(5, 0)).to_string(), "5.00");
        assert_eq!(pct(Decimal::new(666_666, 5)).to_string(), "6.67");
        assert_eq!(amt(Decimal::new(100_100, 3)).to_string(), "100.1");
    }
}
