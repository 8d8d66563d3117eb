//! Exact decimal numbers on the command line (prices, quantities, amounts).
//!
//! `Decimal::from_str` is lenient in ways that are wrong for money typed by a
//! person: it accepts `64_000` and `1e-3`, and it rounds a number with more
//! digits than 96 bits hold (`64000.000000000000000000000000001` becomes
//! `64000.000000000000000000000000`) without a word. Here a number is plain
//! digits with at most one point, and it is taken exactly as written or refused.
//! Whether it fits the instrument (tick size, step size) is the gate's
//! `price_tick` / `quantity_step` checks' job, which refuse it by name.

use rust_decimal::Decimal;

/// A clap `value_parser`: an exact, non-negative decimal written as digits
/// with at most one decimal point (`0.5`, `64000`, `64000.25`).
pub fn exact_decimal(text: &str) -> Result<Decimal, String> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(format!(
            "{text:?} is not a plain decimal number: write digits with at most one point \
             (such as 64000.5), no sign, exponent or separators"
        ));
    }
    Decimal::from_str_exact(text).map_err(|_| {
        format!(
            "{text:?} has more digits than vigil holds exactly (28 at most, counting both sides of the point); \
             it is refused rather than rounded"
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn plain_numbers_are_taken_exactly() {
        for (text, want) in
            [("64000", "64000"), ("0.001", "0.001"), ("64000.25", "64000.25"), ("007.10", "7.10")]
        {
            assert_eq!(exact_decimal(text).unwrap().to_string(), want);
        }
    }

    #[test]
    fn other_syntax_is_refused() {
        for text in
            ["64_000", "1e-3", "1E3", "-1", "+1", "1,5", ".5", "5.", "1.2.3", "", " 1", "0x10", "NaN", "١"]
        {
            let err = exact_decimal(text).unwrap_err();
            assert!(err.contains("not a plain decimal number"), "{text:?}: {err}");
        }
    }

    #[test]
    fn too_many_digits_are_refused_not_rounded() {
        let err = exact_decimal("64000.000000000000000000000000001").unwrap_err();
        assert!(err.contains("refused rather than rounded"), "{err}");
        assert!(exact_decimal("0.0000000000000000000000000001").is_ok());
        assert!(exact_decimal("0.00000000000000000000000000001").is_err());
        assert!(exact_decimal("99999999999999999999999999999999").is_err());
    }
}
