//! Fixed-point prices and quantities for the book's hot path.
//!
//! A book level is two `u64`s counted in units of the instrument's own scale:
//! prices in units of `10^-d` where `d` is the number of decimals of the
//! `PRICE_FILTER` tick size, quantities likewise for the `LOT_SIZE` step
//! (exchangeInfo). The frame's digits are read straight into those integers
//! ([`Scale::parse`]): no `Decimal`, no `String` in between. A value that
//! does not fit — more decimals than the scale, off the tick grid, too large
//! for 64 bits, a sign, an exponent — is an error, never a rounded number.
//! `Decimal` stays at the edges ([`Scale::to_decimal`]): events, display, the
//! gate, orders, storage.

use rust_decimal::Decimal;

use crate::domain::Instrument;

/// Decimals used when an instrument leaves its tick or step at zero (Binance:
/// "rule disabled"): Binance writes every price and quantity with 8 decimals.
const DEFAULT_DECIMALS: u32 = 8;

/// Most decimals a scale may have: `10^19` is the largest power of ten in a `u64`.
const MAX_DECIMALS: u32 = 19;

/// `10^n` for `n` in `0..=19`.
const POW10: [u64; 20] = [
    1,
    10,
    100,
    1000,
    10000,
    100000,
    1000000,
    10000000,
    100000000,
    1000000000,
    10000000000,
    100000000000,
    1000000000000,
    10000000000000,
    100000000000000,
    1000000000000000,
    10000000000000000,
    100000000000000000,
    1000000000000000000,
    10000000000000000000,
];

/// Why a wire number is not a value of the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FixedError {
    /// Not `digits[.digits]` (a sign, an exponent, a separator, nothing).
    #[error("not a plain decimal number")]
    Syntax,
    /// Non-zero digits past the scale's decimals, or off the tick/step grid.
    #[error("finer than the instrument's {0} decimals or off its grid")]
    OffScale(u32),
    /// Larger than 64 bits of units.
    #[error("too large for the instrument's scale")]
    Overflow,
}

/// Why an instrument's filters cannot give a scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScaleError {
    #[error("{what} {value} has more than 19 decimals or is negative")]
    Unusable { what: &'static str, value: Decimal },
}

/// One number format: `decimals` digits after the point, and the grid
/// (`grid` units: the tick or step itself) every value must sit on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    decimals: u32,
    grid: u64,
}

impl Scale {
    /// The scale of a tick or step size (`0.01` → 2 decimals, grid 1;
    /// `0.05` → 2 decimals, grid 5; `10` → 0 decimals, grid 10). Zero means
    /// "no rule": 8 decimals, any value on them.
    pub fn of_increment(what: &'static str, increment: Decimal) -> Result<Self, ScaleError> {
        let unusable = || ScaleError::Unusable { what, value: increment };
        if increment.is_sign_negative() {
            return Err(unusable());
        }
        if increment.is_zero() {
            return Ok(Self { decimals: DEFAULT_DECIMALS, grid: 1 });
        }
        let normal = increment.normalize();
        let decimals = normal.scale();
        let grid = u64::try_from(normal.mantissa()).map_err(|_| unusable())?;
        if decimals > MAX_DECIMALS {
            return Err(unusable());
        }
        Ok(Self { decimals, grid })
    }

    /// Decimals after the point.
    pub fn decimals(&self) -> u32 {
        self.decimals
    }

    /// Reads `digits[.digits]` into units of this scale. Trailing zeros past
    /// the scale are accepted (Binance pads to 8 decimals); anything else
    /// that would need rounding is [`FixedError::OffScale`].
    ///
    /// Digits are taken eight at a time (SWAR: one `u64` holds eight ASCII
    /// bytes): Binance's shape (`64123.10000000`) in two words with no loop
    /// ([`Self::parse_common`]), anything else by [`Self::parse_any`]. The
    /// result, and which error a bad value gets, is the same as reading the
    /// bytes one by one with checked arithmetic, left to right
    /// (`tests/market_fixed_swar.rs` holds the two against each other).
    #[inline]
    pub fn parse(&self, text: &[u8]) -> Result<u64, FixedError> {
        let units = match self.parse_common(text) {
            Some(units) => units,
            None => self.parse_any(text)?,
        };
        if self.grid != 1 && !units.is_multiple_of(self.grid) {
            return Err(FixedError::OffScale(self.decimals));
        }
        Ok(units)
    }

    /// The shape Binance sends, read from two words with no loop: 1..=7
    /// integer digits, a point, 1..=8 fraction digits (zeros past the scale).
    /// `None` for anything else, every error included: [`Self::parse_any`]
    /// then reads it (and says what is wrong).
    #[inline(always)]
    fn parse_common(&self, text: &[u8]) -> Option<u64> {
        let word = u64::from_le_bytes(*text.first_chunk::<8>()?);
        let int_len = (non_digits(word).trailing_zeros() / 8) as usize;
        if int_len == 0
            || int_len == 8
            || word.checked_shr((int_len as u32).saturating_mul(8))? & 0xFF != 0x2E
        {
            return None;
        }
        let frac_at = int_len.saturating_add(1);
        let frac_len = text.len().checked_sub(frac_at)?;
        if frac_len == 0 || frac_len > 8 {
            return None;
        }
        let frac = load8(text, frac_at);
        if ((non_digits(frac).trailing_zeros() / 8) as usize) < frac_len {
            return None;
        }
        let kept = frac_len.min(self.decimals as usize);
        let dropped = (frac ^ ASCII_ZEROS).checked_shr((kept as u32).saturating_mul(8)).unwrap_or(0)
            & low_bytes_mask(frac_len.saturating_sub(kept));
        if dropped != 0 {
            return None;
        }
        let kept_value = if kept == 0 { 0 } else { digits_value(frac, kept) };
        let missing = POW10.get((self.decimals as usize).saturating_sub(kept))?;
        digits_value(word, int_len)
            .checked_mul(*POW10.get(kept)?)?
            .checked_add(kept_value)?
            .checked_mul(*missing)
    }

    /// Any text, one word at a time: the reference behaviour, errors included.
    fn parse_any(&self, text: &[u8]) -> Result<u64, FixedError> {
        let (units, int_len) = take_digits(0, text, 0, usize::MAX)?;
        if int_len == 0 {
            return Err(FixedError::Syntax);
        }
        let frac_at = match text.get(int_len) {
            None => text.len(),
            Some(b'.') if int_len.saturating_add(1) < text.len() => int_len.saturating_add(1),
            Some(_) => return Err(FixedError::Syntax),
        };
        let decimals = self.decimals as usize;
        let kept = text.len().saturating_sub(frac_at).min(decimals);
        let (units, kept_len) = take_digits(units, text, frac_at, kept)?;
        if kept_len != kept {
            return Err(FixedError::Syntax);
        }
        let dropped_at = frac_at.saturating_add(kept);
        if !all_zeros(text, dropped_at) {
            let dropped = text.get(dropped_at..).unwrap_or_default();
            return Err(match dropped.iter().find(|&&b| b != b'0') {
                Some(b'1'..=b'9') => FixedError::OffScale(self.decimals),
                _ => FixedError::Syntax,
            });
        }
        // `kept <= decimals <= 19`, so the index is in the table.
        let missing = decimals.saturating_sub(kept);
        units.checked_mul(POW10[missing]).ok_or(FixedError::Overflow)
    }

    /// The exact decimal of `units` (always representable: a `u64` mantissa
    /// and at most 19 decimals fit `Decimal`'s 96 bits and 28 decimals).
    pub fn to_decimal(&self, units: u64) -> Decimal {
        Decimal::from_i128_with_scale(i128::from(units), self.decimals)
    }

    /// `value` in units, when it sits exactly on this scale and fits.
    pub fn from_decimal(&self, value: Decimal) -> Option<u64> {
        if value.is_sign_negative() {
            return None;
        }
        let mut v = value;
        v.rescale(self.decimals);
        (v == value).then(|| u64::try_from(v.mantissa()).ok()).flatten()
    }

    /// `value` in units rounded toward zero (for range bounds); saturates at `u64::MAX`.
    fn floor_units(&self, value: Decimal) -> u64 {
        let mut v = value.trunc_with_scale(self.decimals);
        v.rescale(self.decimals);
        u64::try_from(v.mantissa()).unwrap_or(u64::MAX)
    }

    /// `value` in units rounded away from zero (for range bounds); saturates at `u64::MAX`.
    fn ceil_units(&self, value: Decimal) -> u64 {
        let floor = self.floor_units(value);
        if self.to_decimal(floor) < value { floor.saturating_add(1) } else { floor }
    }
}

/// `'0'` in every byte of a word.
const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// The eight bytes of `text` from `at` as a little-endian word (first byte
/// lowest); bytes past the end are 0, which is not a digit. Near the end the
/// text's last eight bytes are loaded and shifted down (no byte copy), so
/// only a text shorter than a word is copied.
#[inline(always)]
fn load8(text: &[u8], at: usize) -> u64 {
    if let Some(chunk) = text.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
        return u64::from_le_bytes(*chunk);
    }
    if let Some(last) = text.last_chunk::<8>() {
        // 1..=8 bytes of the word are past the end (8: `at` is the end).
        let past = at.saturating_add(8).saturating_sub(text.len()) as u32;
        return u64::from_le_bytes(*last).checked_shr(past.saturating_mul(8)).unwrap_or(0);
    }
    let mut word = [0u8; 8];
    for (w, b) in word.iter_mut().zip(text.get(at..).unwrap_or_default()) {
        *w = *b;
    }
    u64::from_le_bytes(word)
}

/// Bytes of `word` between 0x2a..=0x39 have `(b + 6)`'s high nibble 3, bytes
/// 0x30..=0x3f have high nibble 3: a digit is both. A byte is flagged (some
/// bit of its high nibble set) when it is not a digit. Adding 6 carries into
/// the next byte only from a byte ≥ 0xfa, itself flagged, so the *lowest*
/// flagged byte is always the first non-digit, whatever follows it.
#[inline(always)]
fn non_digits(word: u64) -> u64 {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let high = (word & HIGH) ^ ASCII_ZEROS;
    let shifted = (word.wrapping_add(0x0606_0606_0606_0606) & HIGH) ^ ASCII_ZEROS;
    high | shifted
}

/// The value of the first `n` (1..=8) bytes of `word`, all digits, first
/// byte most significant. The digits are shifted to the top bytes (the
/// bytes below become leading zeros), then combined pairwise: 8 × 1-digit →
/// 4 × 2-digit → 2 × 4-digit → 1 × 8-digit (Lemire's `parse_eight_digits`).
#[inline(always)]
fn digits_value(word: u64, n: usize) -> u64 {
    // `n` is 1..=8, so the shift is 0..=56. Subtracting '0' borrows only
    // from non-digit bytes, which all sit above the `n` kept ones.
    let shift = 8u32.saturating_sub(n as u32).saturating_mul(8);
    let w = word.wrapping_sub(ASCII_ZEROS).wrapping_shl(shift);
    let w = w.wrapping_mul(10).wrapping_add(w.wrapping_shr(8));
    let hundreds = (w & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32));
    let ones = (w.wrapping_shr(16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32));
    hundreds.wrapping_add(ones).wrapping_shr(32)
}

/// Appends the run of ASCII digits of `text` starting at `at`, at most
/// `max` of them, to `units` (`units * 10^len + run`), eight at a time.
/// Returns the new units and the run's length; [`FixedError::Overflow`] when
/// the value passes 64 bits (every prefix of a digit run is at most its
/// whole value, so this overflows exactly when digit-by-digit checked
/// arithmetic would).
#[inline(always)]
fn take_digits(mut units: u64, text: &[u8], at: usize, max: usize) -> Result<(u64, usize), FixedError> {
    let mut taken: usize = 0;
    while taken < max {
        let word = load8(text, at.saturating_add(taken));
        // The lowest flagged byte ends the run (0..=8 bytes; padding is flagged).
        let run = ((non_digits(word).trailing_zeros() / 8) as usize).min(max.saturating_sub(taken));
        if run == 0 {
            break;
        }
        units = units
            .checked_mul(POW10[run])
            .and_then(|u| u.checked_add(digits_value(word, run)))
            .ok_or(FixedError::Overflow)?;
        taken = taken.saturating_add(run);
        if run < 8 {
            break;
        }
    }
    Ok((units, taken))
}

/// Whether every byte of `text` from `at` on is `'0'`, eight at a time.
#[inline(always)]
fn all_zeros(text: &[u8], mut at: usize) -> bool {
    while at < text.len() {
        let n = text.len().saturating_sub(at).min(8);
        // The word's bytes past the end load as 0: compare with the same padding.
        if load8(text, at) != ASCII_ZEROS & low_bytes_mask(n) {
            return false;
        }
        at = at.saturating_add(n);
    }
    true
}

/// A mask of the low `n` (0..=8) bytes of a word.
#[inline(always)]
fn low_bytes_mask(n: usize) -> u64 {
    u64::MAX.checked_shr(64u32.saturating_sub((n as u32).saturating_mul(8))).unwrap_or(0)
}

/// Why a level, a trade or a book is not one the instrument allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LevelError {
    #[error("price {text}: {source}")]
    Price { text: String, source: FixedError },
    #[error("quantity {text}: {source}")]
    Qty { text: String, source: FixedError },
    #[error("price {price} outside PRICE_FILTER [{min}, {max}]")]
    PriceRange { price: Decimal, min: Decimal, max: Decimal },
    #[error("quantity {qty} above LOT_SIZE maxQty {max}")]
    QtyRange { qty: Decimal, max: Decimal },
}

/// Everything the fast path needs to read one instrument's numbers: the
/// price and quantity scales and the `PRICE_FILTER` range in price units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scales {
    pub price: Scale,
    pub qty: Scale,
    /// Lowest price allowed (0 when `minPrice` is 0: no rule).
    min_price: u64,
    /// Highest price allowed (`u64::MAX` when `maxPrice` is 0: no rule).
    max_price: u64,
    /// Largest quantity of one order, hence of one trade (`u64::MAX` when `maxQty` is 0).
    max_qty: u64,
}

impl Scales {
    /// The scales of `instrument`'s `PRICE_FILTER` and `LOT_SIZE`.
    pub fn of(instrument: &Instrument) -> Result<Self, ScaleError> {
        let price = Scale::of_increment("tickSize", instrument.tick_size)?;
        let qty = Scale::of_increment("stepSize", instrument.step_size)?;
        let bound = |what, value: Decimal| {
            if value.is_sign_negative() { Err(ScaleError::Unusable { what, value }) } else { Ok(value) }
        };
        let min_price = price.ceil_units(bound("minPrice", instrument.min_price)?);
        let max_price = bound("maxPrice", instrument.max_price)?;
        let max_price = if max_price.is_zero() { u64::MAX } else { price.floor_units(max_price) };
        let max_qty = bound("maxQty", instrument.max_qty)?;
        let max_qty = if max_qty.is_zero() { u64::MAX } else { qty.floor_units(max_qty) };
        Ok(Self { price, qty, min_price, max_price, max_qty })
    }

    /// Scales with no range rules: `price_decimals` and `qty_decimals`
    /// digits, any value on them (tests, benches, tools without exchangeInfo).
    pub const fn plain(price_decimals: u32, qty_decimals: u32) -> Self {
        const fn capped(decimals: u32) -> u32 {
            if decimals > MAX_DECIMALS { MAX_DECIMALS } else { decimals }
        }
        Self {
            price: Scale { decimals: capped(price_decimals), grid: 1 },
            qty: Scale { decimals: capped(qty_decimals), grid: 1 },
            min_price: 0,
            max_price: u64::MAX,
            max_qty: u64::MAX,
        }
    }

    /// Reads one book level: a price inside `PRICE_FILTER` (and above zero),
    /// a quantity on the step (zero removes the level). A level aggregates
    /// many orders, so its quantity is not held to `maxQty`.
    #[inline]
    pub fn level(&self, price: &str, qty: &str) -> Result<FixedLevel, LevelError> {
        let p = self
            .price
            .parse(price.as_bytes())
            .map_err(|source| LevelError::Price { text: price.to_owned(), source })?;
        let q = self
            .qty
            .parse(qty.as_bytes())
            .map_err(|source| LevelError::Qty { text: qty.to_owned(), source })?;
        self.check_price(p)?;
        Ok(FixedLevel { price: p, qty: q })
    }

    /// A book or trade price (units) must be above zero and inside `PRICE_FILTER`.
    #[inline]
    pub fn check_price(&self, units: u64) -> Result<(), LevelError> {
        if units == 0 || units < self.min_price || units > self.max_price {
            return Err(self.price_range(units));
        }
        Ok(())
    }

    /// Checks a trade print: price inside `PRICE_FILTER` and on the tick,
    /// quantity above zero, on the step and at most `maxQty` (one trade
    /// matches one resting order).
    pub fn check_trade(&self, price: Decimal, qty: Decimal) -> Result<(), LevelError> {
        let fixed = |s: &Scale, v: Decimal| s.from_decimal(v).ok_or(FixedError::OffScale(s.decimals));
        let p = fixed(&self.price, price)
            .map_err(|source| LevelError::Price { text: price.to_string(), source })?;
        let q = fixed(&self.qty, qty).map_err(|source| LevelError::Qty { text: qty.to_string(), source })?;
        if self.price.grid != 1 && !p.is_multiple_of(self.price.grid) {
            let source = FixedError::OffScale(self.price.decimals);
            return Err(LevelError::Price { text: price.to_string(), source });
        }
        self.check_price(p)?;
        if q == 0 || q > self.max_qty {
            return Err(LevelError::QtyRange { qty, max: self.qty.to_decimal(self.max_qty) });
        }
        Ok(())
    }

    fn price_range(&self, units: u64) -> LevelError {
        LevelError::PriceRange {
            price: self.price.to_decimal(units),
            min: self.price.to_decimal(self.min_price),
            max: self.price.to_decimal(self.max_price),
        }
    }
}

/// One book level in the instrument's units (see [`Scales`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FixedLevel {
    pub price: u64,
    pub qty: u64,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn reads_digits_into_units_without_rounding() {
        let cents = Scale::of_increment("tickSize", d("0.01000000")).unwrap();
        assert_eq!(cents.parse(b"64123.10000000"), Ok(6_412_310));
        assert_eq!(cents.parse(b"64123.1"), Ok(6_412_310));
        assert_eq!(cents.parse(b"64123"), Ok(6_412_300));
        assert_eq!(cents.parse(b"0.00"), Ok(0));
        assert_eq!(cents.parse(b"64123.101"), Err(FixedError::OffScale(2)));
        assert_eq!(cents.parse(b"64123.10000001"), Err(FixedError::OffScale(2)));
        for bad in [&b""[..], b".5", b"5.", b"-1", b"+1", b"1e3", b"1_000", b"1,5", b" 1", b"1.2.3", b"0x10"]
        {
            assert_eq!(cents.parse(bad), Err(FixedError::Syntax), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(cents.parse(b"184467440737095516.15"), Ok(u64::MAX));
        assert_eq!(cents.parse(b"184467440737095516.16"), Err(FixedError::Overflow));
        assert_eq!(cents.parse(b"99999999999999999999999999"), Err(FixedError::Overflow));
    }

    #[test]
    fn grids_other_than_powers_of_ten() {
        let nickel = Scale::of_increment("tickSize", d("0.05")).unwrap();
        assert_eq!(nickel.parse(b"1.05"), Ok(105));
        assert_eq!(nickel.parse(b"1.06"), Err(FixedError::OffScale(2)));
        let tens = Scale::of_increment("stepSize", d("10")).unwrap();
        assert_eq!(tens.parse(b"120.00000000"), Ok(120));
        assert_eq!(tens.parse(b"125"), Err(FixedError::OffScale(0)));
        let none = Scale::of_increment("tickSize", Decimal::ZERO).unwrap();
        assert_eq!(none.decimals(), 8);
        assert_eq!(none.parse(b"0.00000001"), Ok(1));
        assert!(Scale::of_increment("tickSize", d("-0.01")).is_err());
    }

    #[test]
    fn decimal_edge_round_trips() {
        let s = Scale::of_increment("stepSize", d("0.00001")).unwrap();
        let units = s.parse(b"1.23450000").unwrap();
        assert_eq!(s.to_decimal(units), d("1.2345"));
        assert_eq!(s.from_decimal(d("1.2345")), Some(units));
        assert_eq!(s.from_decimal(d("1.234567")), None);
        assert_eq!(s.from_decimal(d("-1")), None);
        assert_eq!(s.to_decimal(u64::MAX).mantissa(), i128::from(u64::MAX));
    }

    fn instrument(tick: &str, min: &str, max: &str, step: &str, max_qty: &str) -> Instrument {
        Instrument {
            symbol: crate::domain::Symbol::new("BTCUSDT").unwrap(),
            base_asset: "BTC".into(),
            quote_asset: "USDT".into(),
            status: crate::domain::SymbolStatus::Trading,
            tick_size: d(tick),
            min_price: d(min),
            max_price: d(max),
            step_size: d(step),
            min_qty: d("0.00001"),
            max_qty: d(max_qty),
            min_notional: d("5"),
        }
    }

    #[test]
    fn levels_and_trades_are_held_to_the_filters() {
        let s = Scales::of(&instrument("0.01", "0.01", "1000000", "0.00001", "9000")).unwrap();
        assert_eq!(s.level("64123.10", "0.5"), Ok(FixedLevel { price: 6_412_310, qty: 50_000 }));
        assert_eq!(s.level("64123.10", "0").map(|l| l.qty), Ok(0));
        assert!(matches!(s.level("1000000.01", "1"), Err(LevelError::PriceRange { .. })));
        assert!(matches!(s.level("0.00", "1"), Err(LevelError::PriceRange { .. })));
        assert!(matches!(s.level("1.001", "1"), Err(LevelError::Price { .. })));
        assert!(matches!(s.level("1.00", "0.000001"), Err(LevelError::Qty { .. })));
        assert!(s.check_trade(d("64123.1"), d("0.002")).is_ok());
        assert!(matches!(s.check_trade(d("64123.1"), d("9000.1")), Err(LevelError::QtyRange { .. })));
        assert!(matches!(s.check_trade(d("64123.1"), d("0")), Err(LevelError::QtyRange { .. })));
        assert!(matches!(s.check_trade(d("64123.123"), d("1")), Err(LevelError::Price { .. })));
        // Zero bounds are "no rule", as on Binance.
        let open = Scales::of(&instrument("0.01", "0", "0", "0.00001", "0")).unwrap();
        assert!(open.level("99999999999.99", "1").is_ok());
        assert!(open.check_trade(d("1"), d("123456789")).is_ok());
    }
}
