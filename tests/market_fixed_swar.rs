//! The eight-digits-at-a-time number reader (`Scale::parse`) against a plain
//! byte-by-byte reference with checked arithmetic: the same units for every
//! value, the same error for every bad one (the first problem reading left to
//! right wins), over random numbers and bytes of every length around the
//! word size (8/9/16/17 digits), leading zeros, values at and past 64 bits,
//! and bytes that are not UTF-8 (the reader takes any bytes).
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rust_decimal::Decimal;
use vigil::market::fixed::{FixedError, Scale};

/// One scale: `decimals` after the point, every value a multiple of `grid` units.
fn scale(decimals: u32, grid: u64) -> Scale {
    let increment = Decimal::from_i128_with_scale(i128::from(grid), decimals);
    let scale = Scale::of_increment("tickSize", increment).unwrap();
    assert_eq!(scale.decimals(), decimals, "grid {grid} must not be a multiple of 10");
    scale
}

/// The reference: one byte at a time, checked multiply-add per digit.
fn reference(decimals: u32, grid: u64, text: &[u8]) -> Result<u64, FixedError> {
    let push = |units: u64, b: u8| {
        units.checked_mul(10).and_then(|u| u.checked_add(u64::from(b - b'0'))).ok_or(FixedError::Overflow)
    };
    let mut units = 0u64;
    let mut i = 0;
    while i < text.len() && text[i].is_ascii_digit() {
        units = push(units, text[i])?;
        i += 1;
    }
    if i == 0 {
        return Err(FixedError::Syntax);
    }
    let mut kept = 0u32;
    if i < text.len() {
        if text[i] != b'.' || i + 1 == text.len() {
            return Err(FixedError::Syntax);
        }
        for &b in &text[i + 1..] {
            if !b.is_ascii_digit() {
                return Err(FixedError::Syntax);
            }
            if kept < decimals {
                units = push(units, b)?;
                kept += 1;
            } else if b != b'0' {
                return Err(FixedError::OffScale(decimals));
            }
        }
    }
    for _ in kept..decimals {
        units = units.checked_mul(10).ok_or(FixedError::Overflow)?;
    }
    if !units.is_multiple_of(grid) {
        return Err(FixedError::OffScale(decimals));
    }
    Ok(units)
}

fn check(decimals: u32, grid: u64, text: &[u8]) -> Result<u64, FixedError> {
    let got = scale(decimals, grid).parse(text);
    assert_eq!(
        got,
        reference(decimals, grid, text),
        "{:?} at {decimals} decimals, grid {grid}",
        String::from_utf8_lossy(text)
    );
    got
}

fn digits(n: usize, first: u8, rest: u8) -> String {
    (0..n).map(|i| char::from(if i == 0 { first } else { rest })).collect()
}

#[test]
fn word_boundaries_leading_zeros_and_64_bits() {
    for n in [1, 7, 8, 9, 15, 16, 17, 18, 19, 20, 24, 25] {
        for decimals in [0, 2, 8, 9, 16, 17, 19] {
            for (first, rest) in [(b'1', b'0'), (b'9', b'9'), (b'0', b'0'), (b'1', b'2')] {
                let run = digits(n, first, rest);
                check(decimals, 1, run.as_bytes()).ok();
                check(decimals, 1, format!("{run}.{run}").as_bytes()).ok();
                check(decimals, 1, format!("1.{run}").as_bytes()).ok();
                check(decimals, 1, format!("{run}.5").as_bytes()).ok();
            }
        }
    }
    // Values the reader must get exactly, by hand.
    let zeros = |n| digits(n, b'0', b'0');
    assert_eq!(check(0, 1, format!("{}1", zeros(30)).as_bytes()), Ok(1));
    assert_eq!(check(8, 1, b"12345678.12345678"), Ok(1_234_567_812_345_678));
    assert_eq!(check(9, 1, b"123456789.123456789"), Ok(123_456_789_123_456_789));
    assert_eq!(check(2, 1, b"64123.10000000"), Ok(6_412_310));
    assert_eq!(check(5, 1, b"0.00000000"), Ok(0));
    assert_eq!(check(0, 1, b"18446744073709551615"), Ok(u64::MAX));
    assert_eq!(check(0, 1, b"18446744073709551616"), Err(FixedError::Overflow));
    assert_eq!(check(1, 1, b"1844674407370955161.5"), Ok(u64::MAX));
    assert_eq!(check(1, 1, b"1844674407370955161.6"), Err(FixedError::Overflow));
    assert_eq!(check(3, 1, b"18446744073709551.6150000000"), Ok(u64::MAX));
    assert_eq!(check(4, 1, b"18446744073709551.615"), Err(FixedError::Overflow), "scaled past 64 bits");
    assert_eq!(check(19, 1, b"1.8446744073709551615"), Ok(u64::MAX));
    assert_eq!(check(19, 1, b"1.8446744073709551616"), Err(FixedError::Overflow));
    assert_eq!(check(19, 1, b"2"), Err(FixedError::Overflow));
    assert_eq!(check(2, 1, b"1.00000001"), Err(FixedError::OffScale(2)));
    assert_eq!(check(2, 5, b"1.05000000"), Ok(105));
    assert_eq!(check(2, 5, b"1.06"), Err(FixedError::OffScale(2)));
    // Bytes past 0xf9 carry in the word arithmetic: still not digits, and nothing after them counts.
    for bad in
        [&b"1\xff9"[..], b"\xfa", b"12345678\xff", b"1.\xfe0", b"1.00\xff9", b"99999999\xff99999999999"]
    {
        assert_eq!(check(2, 1, bad), Err(FixedError::Syntax), "{bad:?}");
    }
    for bad in [&b""[..], b".", b".5", b"5.", b"-1", b"+1", b"1e3", b" 1", b"1 ", b"1.2.3", b"0x10", b"1,5"] {
        assert_eq!(check(2, 1, bad), Err(FixedError::Syntax), "{bad:?}");
    }
    // The first problem from the left wins.
    assert_eq!(check(0, 1, b"99999999999999999999."), Err(FixedError::Overflow));
    assert_eq!(check(0, 1, b"1.2."), Err(FixedError::OffScale(0)));
    assert_eq!(check(1, 1, b"1.2."), Err(FixedError::Syntax));
}

/// A digit run of 0..=26 characters, mostly digits, lengths around the word size likely.
fn run() -> impl Strategy<Value = Vec<u8>> {
    let digit = prop_oneof![8 => b'0'..=b'9', 3 => Just(b'0'), 1 => Just(b'9')];
    prop_oneof![
        prop::collection::vec(digit.clone(), 0..=26),
        prop::sample::select(vec![7usize, 8, 9, 15, 16, 17, 19, 20])
            .prop_flat_map(move |n| prop::collection::vec(digit.clone(), n)),
    ]
}

/// A number-like text, sometimes with one byte replaced by anything at all.
fn text() -> impl Strategy<Value = Vec<u8>> {
    let number = (run(), prop::option::weighted(0.8, run())).prop_map(|(int, frac)| {
        let mut t = int;
        if let Some(frac) = frac {
            t.push(b'.');
            t.extend(frac);
        }
        t
    });
    (number, prop::option::weighted(0.3, (any::<prop::sample::Index>(), any::<u8>()))).prop_map(
        |(mut t, corrupt)| {
            if let (Some((at, byte)), false) = (corrupt, t.is_empty()) {
                let i = at.index(t.len());
                t[i] = byte;
            }
            t
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn word_reader_agrees_with_the_byte_reader(
        decimals in 0u32..=19,
        grid in prop::sample::select(vec![1u64, 1, 1, 5, 25, 3]),
        text in text(),
    ) {
        let got = scale(decimals, grid).parse(&text);
        prop_assert_eq!(got, reference(decimals, grid, &text));
    }

    #[test]
    fn any_bytes_are_read_like_the_byte_reader(decimals in 0u32..=19, text in prop::collection::vec(any::<u8>(), 0..24)) {
        prop_assert_eq!(scale(decimals, 1).parse(&text), reference(decimals, 1, &text));
    }
}
