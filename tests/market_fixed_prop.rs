//! Property: the fixed-point book (frames parsed straight into integers of
//! the instrument's scale, applied by the sync machine) agrees with a plain
//! `Decimal` reference book after any sequence of diffs, for instruments of
//! different tick and step sizes and ranges. Both refuse exactly the same
//! frames: a price or quantity finer than the tick/step or off its grid, a
//! price outside PRICE_FILTER, a number too large for the scale. Nothing is
//! ever rounded. A diff that crosses the book is refused by both.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;
use vigil::domain::{Instrument, Symbol, SymbolStatus};
use vigil::market::fixed::Scales;
use vigil::market::sync::{BookSync, DiffOutcome, SnapshotOutcome};
use vigil::market::wire::{DepthDiff, DepthSnapshot, Frame, WireError, parse_frame};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// PRICE_FILTER and LOT_SIZE of one instrument ("0" = no rule, as on Binance).
#[derive(Debug, Clone)]
struct Filters {
    tick: Decimal,
    min_price: Decimal,
    max_price: Decimal,
    step: Decimal,
}

fn filters() -> impl Strategy<Value = Filters> {
    (
        prop::sample::select(vec!["0.01", "0.05", "1", "0.00000001", "10", "0.5"]),
        prop::sample::select(vec![("0", "0"), ("1", "1000000"), ("50", "150")]),
        prop::sample::select(vec!["0.00001", "1", "0.001", "10", "0"]),
    )
        .prop_map(|(tick, (min, max), step)| Filters {
            tick: d(tick),
            min_price: d(min),
            max_price: d(max),
            step: d(step),
        })
}

fn instrument(f: &Filters) -> Instrument {
    Instrument {
        symbol: Symbol::new("BTCUSDT").unwrap(),
        base_asset: "BTC".into(),
        quote_asset: "USDT".into(),
        status: SymbolStatus::Trading,
        tick_size: f.tick,
        min_price: f.min_price,
        max_price: f.max_price,
        step_size: f.step,
        min_qty: Decimal::ZERO,
        max_qty: Decimal::ZERO,
        min_notional: Decimal::ZERO,
    }
}

/// A number as the wire writes it: `k` increments of `unit`, sometimes
/// padded with zeros, sometimes nudged off the grid, sometimes enormous.
#[derive(Debug, Clone)]
enum Num {
    OnGrid { k: u64, pad: usize },
    OffGrid { k: u64 },
    Huge,
}

fn num(max_k: u64) -> impl Strategy<Value = Num> {
    prop_oneof![
        12 => (0..=max_k, 0usize..4).prop_map(|(k, pad)| Num::OnGrid { k, pad }),
        1 => (0..=max_k).prop_map(|k| Num::OffGrid { k }),
        1 => Just(Num::Huge),
    ]
}

fn text(n: &Num, unit: Decimal, base: Decimal) -> String {
    // A zero increment means "no rule": values then sit on 1e-8.
    let unit = if unit.is_zero() { d("0.00000001") } else { unit };
    match n {
        Num::OnGrid { k, pad } => {
            let v = (base + unit * Decimal::from(*k)).normalize();
            let s = v.to_string();
            let zeros = "0".repeat(*pad);
            match (s.contains('.'), pad) {
                (_, 0) => s,
                (true, _) => format!("{s}{zeros}"),
                (false, _) => format!("{s}.{zeros}"),
            }
        }
        Num::OffGrid { k } => (base + unit * Decimal::from(*k) + d("0.000000000001")).to_string(),
        Num::Huge => "99999999999999999999999".to_owned(),
    }
}

/// Bids are drawn below 100 and asks from 100 up, with an occasional level
/// on the wrong side so that some diffs cross the book.
#[derive(Debug, Clone)]
struct RawLevel {
    price: Num,
    qty: Num,
    wrong_side: bool,
}

fn raw_level() -> impl Strategy<Value = RawLevel> {
    (num(40), prop_oneof![3 => Just(Num::OnGrid { k: 0, pad: 0 }), 7 => num(500)], prop::bool::weighted(0.03))
        .prop_map(|(price, qty, wrong_side)| RawLevel { price, qty, wrong_side })
}

fn level_text(f: &Filters, l: &RawLevel, bid: bool) -> (String, String) {
    let tick = if f.tick.is_zero() { d("0.00000001") } else { f.tick };
    // Asks count up from 100 (on the grid), bids up from 41 ticks below it.
    let hundred = (d("100") / tick).floor() * tick;
    let base = if bid ^ l.wrong_side { hundred - tick * Decimal::from(41) } else { hundred };
    (text(&l.price, tick, base), text(&l.qty, f.step, Decimal::ZERO))
}

/// The reference: exact decimals, the rules written the plain way.
#[derive(Debug, Default)]
struct RefBook {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
}

/// What the instrument allows, in Decimal: on the grid, inside the range,
/// and small enough that its count of the scale's last digit fits 64 bits.
fn fits(value: &str, increment: Decimal) -> Option<Decimal> {
    let v: Decimal = value.parse().ok()?;
    let inc = if increment.is_zero() { d("0.00000001") } else { increment };
    let unit = Decimal::new(1, inc.normalize().scale());
    let units = v.checked_div(unit)?;
    let on_grid = (v % inc).is_zero();
    (on_grid && !v.is_sign_negative() && units <= Decimal::from(u64::MAX)).then_some(v)
}

fn ref_level(f: &Filters, price: &str, qty: &str) -> Option<(Decimal, Decimal)> {
    let p = fits(price, f.tick)?;
    let q = fits(qty, f.step)?;
    let in_range = p > Decimal::ZERO && p >= f.min_price && (f.max_price.is_zero() || p <= f.max_price);
    in_range.then_some((p, q))
}

impl RefBook {
    fn set(side: &mut BTreeMap<Decimal, Decimal>, levels: &[(Decimal, Decimal)]) {
        for (p, q) in levels {
            if q.is_zero() {
                side.remove(p);
            } else {
                side.insert(*p, *q);
            }
        }
    }

    fn crossed(&self) -> bool {
        match (self.bids.keys().next_back(), self.asks.keys().next()) {
            (Some(b), Some(a)) => b >= a,
            _ => false,
        }
    }
}

fn frame(first: u64, last: u64, bids: &[(String, String)], asks: &[(String, String)]) -> String {
    let data =
        serde_json::json!({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":first,"u":last,"b":bids,"a":asks});
    serde_json::json!({"stream":"btcusdt@depth@100ms","data":data}).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn fixed_point_book_agrees_with_the_decimal_reference(
        f in filters(),
        diffs in prop::collection::vec(
            (prop::collection::vec(raw_level(), 0..6), prop::collection::vec(raw_level(), 0..6)),
            1..40,
        ),
    ) {
        let scales = Scales::of(&instrument(&f)).unwrap();
        let mut sync = BookSync::new(scales);
        let mut diff = DepthDiff::default();
        let first = frame(1, 1, &[], &[]);
        let parsed = matches!(parse_frame(&first, &scales, &mut diff), Ok(Frame::Depth { .. }));
        prop_assert!(parsed, "first frame");
        sync.on_diff(&diff);
        let snapshot = DepthSnapshot::parse(r#"{"lastUpdateId":1,"bids":[],"asks":[]}"#, &scales, 10).unwrap();
        prop_assert_eq!(sync.on_snapshot(&snapshot), SnapshotOutcome::Synced { applied: 0 });

        let mut reference = RefBook::default();
        let mut last = 1u64;
        for (raw_bids, raw_asks) in &diffs {
            let bids: Vec<(String, String)> = raw_bids.iter().map(|l| level_text(&f, l, true)).collect();
            let asks: Vec<(String, String)> = raw_asks.iter().map(|l| level_text(&f, l, false)).collect();
            let want_bids: Option<Vec<_>> = bids.iter().map(|(p, q)| ref_level(&f, p, q)).collect();
            let want_asks: Option<Vec<_>> = asks.iter().map(|(p, q)| ref_level(&f, p, q)).collect();
            let text = frame(last + 1, last + 1, &bids, &asks);
            let parsed = parse_frame(&text, &scales, &mut diff);
            let (Some(want_bids), Some(want_asks)) = (want_bids, want_asks) else {
                // The reference refuses a level: so must the fixed-point parser, naming the book.
                let refused = matches!(parsed, Err(WireError::Depth { .. }));
                prop_assert!(refused, "accepted {}: {:?}", text, parsed);
                continue;
            };
            let accepted = matches!(parsed, Ok(Frame::Depth { .. }));
            prop_assert!(accepted, "refused {}: {:?}", text, parsed);
            last += 1;
            RefBook::set(&mut reference.bids, &want_bids);
            RefBook::set(&mut reference.asks, &want_asks);
            let outcome = sync.on_diff(&diff);
            if reference.crossed() {
                let crossed = matches!(outcome, DiffOutcome::Crossed { .. });
                prop_assert!(crossed, "{:?} for {}", outcome, text);
                prop_assert!(sync.book().is_none());
                return Ok(());
            }
            prop_assert_eq!(outcome, DiffOutcome::Applied);
            let book = sync.book().unwrap();
            let got_bids: Vec<(Decimal, Decimal)> = book.bids().map(|l| (l.price, l.qty)).collect();
            let got_asks: Vec<(Decimal, Decimal)> = book.asks().map(|l| (l.price, l.qty)).collect();
            let ref_bids: Vec<(Decimal, Decimal)> = reference.bids.iter().rev().map(|(p, q)| (*p, *q)).collect();
            let ref_asks: Vec<(Decimal, Decimal)> = reference.asks.iter().map(|(p, q)| (*p, *q)).collect();
            prop_assert_eq!(got_bids, ref_bids);
            prop_assert_eq!(got_asks, ref_asks);
        }
    }
}
