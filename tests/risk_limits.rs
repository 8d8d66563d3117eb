//! Limits are config: the shipped defaults round-trip through TOML, unknown
//! keys are errors, missing keys take the defaults, and every nonsense value
//! is refused with a message naming the key.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;

use vigil::domain::{Decimal, Symbol};
use vigil::risk::{BreakerAction, Limits};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn the_default_limits_serialize_to_toml_and_parse_back() {
    let text = toml::to_string(&Limits::default()).unwrap();
    let back: Limits = toml::from_str(&text).unwrap();
    assert_eq!(back, Limits::default());
    assert!(text.contains("price_band_pct = \"5\""), "{text}");
    assert!(text.contains("breaker_action = \"halted\""), "{text}");
    back.validate().unwrap();
}

#[test]
fn missing_keys_take_the_defaults_and_numbers_or_strings_both_parse() {
    let limits: Limits =
        toml::from_str("max_order_notional = \"250.5\"\nmax_open_orders = 3\nprice_band_pct = 2\n").unwrap();
    assert_eq!(limits.max_order_notional, d("250.5"));
    assert_eq!(limits.max_open_orders, 3);
    assert_eq!(limits.price_band_pct, d("2"));
    assert_eq!(limits.stale_after_ms, Limits::default().stale_after_ms);
    let empty: Limits = toml::from_str("").unwrap();
    assert_eq!(empty, Limits::default());
}

#[test]
fn an_unknown_key_is_an_error_naming_it() {
    let err = toml::from_str::<Limits>("max_order_notinal = \"10\"\n").unwrap_err().to_string();
    assert!(err.contains("unknown field `max_order_notinal`"), "{err}");
}

#[test]
fn malformed_values_are_parse_errors() {
    let err = toml::from_str::<Limits>("max_open_orders = -1\n").unwrap_err().to_string();
    assert!(err.contains("max_open_orders"), "{err}");
    let err = toml::from_str::<Limits>("breaker_action = \"panic\"\n").unwrap_err().to_string();
    assert!(err.contains("reducing") && err.contains("halted"), "{err}");
    let err = toml::from_str::<Limits>("symbol_allowlist = [\"BTC/USDT\"]\n").unwrap_err().to_string();
    assert!(err.contains("BTC/USDT"), "{err}");
    assert!(toml::from_str::<Limits>("daily_loss_limit = \"ten\"\n").is_err());
}

/// Applies `edit` to the defaults and returns validate()'s message.
fn invalid(edit: impl FnOnce(&mut Limits)) -> String {
    let mut limits = Limits::default();
    edit(&mut limits);
    limits.validate().unwrap_err().to_string()
}

#[test]
fn validate_refuses_nonsense_with_a_clear_message() {
    assert_eq!(
        invalid(|l| l.price_band_pct = d("150")),
        "invalid risk limit price_band_pct = 150: must lie in 0.01 ..= 50"
    );
    assert_eq!(
        invalid(|l| l.max_order_notional = d("-5")),
        "invalid risk limit max_order_notional = -5: must lie in 0.00000001 ..= 1000000000000"
    );
    assert_eq!(
        invalid(|l| l.symbol_allowlist.clear()),
        "invalid risk limit symbol_allowlist = []: list at least one symbol, such as \"BTCUSDT\""
    );
    assert_eq!(
        invalid(|l| l.max_open_orders = 0),
        "invalid risk limit max_open_orders = 0: must lie in 1 ..= 200"
    );
    assert_eq!(
        invalid(|l| l.taker_fee_rate = d("0.1")),
        "invalid risk limit taker_fee_rate = 0.1: must lie in 0 ..= 0.05"
    );
    assert!(invalid(|l| l.max_slippage_pct = d("0")).contains("max_slippage_pct = 0"));
    assert!(invalid(|l| l.max_concentration_pct = d("100.01")).contains("max_concentration_pct"));
    assert!(invalid(|l| l.max_drawdown_pct = d("-1")).contains("max_drawdown_pct"));
    assert!(invalid(|l| l.daily_loss_limit = d("0")).contains("daily_loss_limit"));
    assert!(invalid(|l| l.max_position_notional = d("0")).contains("max_position_notional"));
    assert!(invalid(|l| l.stale_after_ms = 0).contains("stale_after_ms"));
    assert!(invalid(|l| l.max_orders_per_minute = 0).contains("max_orders_per_minute"));
    assert!(invalid(|l| l.max_orders_per_10s = 0).contains("max_orders_per_10s"));
    assert!(invalid(|l| l.loss_streak = 0).contains("loss_streak"));
    assert!(invalid(|l| l.max_clock_skew_ms = 0).contains("max_clock_skew_ms"));
    assert!(invalid(|l| l.taker_fee_rate = d("-0.001")).contains("taker_fee_rate"));
    // Issue 14: limits that switched their check off.
    assert!(invalid(|l| l.price_band_pct = d("100")).contains("price_band_pct = 100"));
    assert!(invalid(|l| l.stale_after_ms = u64::MAX).contains("stale_after_ms"));
    assert!(invalid(|l| l.loss_cooldown_ms = 0).contains("loss_cooldown_ms"));
    assert!(invalid(|l| l.max_clock_skew_ms = u64::MAX).contains("max_clock_skew_ms"));
    assert!(invalid(|l| l.daily_loss_limit = Decimal::MAX).contains("daily_loss_limit"));
}

#[test]
fn boundary_values_are_accepted() {
    let limits = Limits {
        symbol_allowlist: vec![Symbol::new("ethusdt").unwrap()],
        price_band_pct: d("50"),
        max_concentration_pct: d("100"),
        taker_fee_rate: d("0"),
        dedupe_window_ms: 0,
        breaker_action: BreakerAction::Reducing,
        ..Limits::default()
    };
    limits.validate().unwrap();
}

#[test]
fn the_fee_rate_prefers_the_venues_own_unless_it_is_negative() {
    let limits = Limits::default();
    assert_eq!(limits.fee_rate(None), d("0.001"));
    assert_eq!(limits.fee_rate(Some(d("0.00075"))), d("0.00075"));
    assert_eq!(limits.fee_rate(Some(d("-0.0001"))), d("0.001"));
}
