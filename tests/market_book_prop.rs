//! Property: any sequence of diffs, parsed from Binance JSON and run through
//! the sync state machine, leaves the same book as a plain BTreeMap model.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;
use vigil::market::fixed::Scales;
use vigil::market::sync::{BookSync, DiffOutcome, SnapshotOutcome};
use vigil::market::wire::{DepthDiff, DepthSnapshot, Frame, parse_frame};

/// Binance's 8 decimals, no range rule: every generated level fits.
const EIGHT: Scales = Scales::plain(8, 8);

/// A level as text: price from a small grid (so updates collide), written
/// with varying scale ("101" vs "101.00"), quantity often zero (removal).
/// Bids sit below 100 and asks at or above it, so the book never crosses
/// (a crossed book is refused; `market_fixed_prop` covers that).
fn level(prices: std::ops::Range<u32>) -> impl Strategy<Value = (String, String)> {
    (prices, 0u32..3, prop_oneof![Just(0u32), 1u32..1000], 0u32..3).prop_map(|(p, pscale, q, qscale)| {
        let price = match pscale {
            0 => p.to_string(),
            1 => format!("{p}.0"),
            _ => format!("{p}.00000000"),
        };
        let qty = if qscale == 0 { format!("{}", q) } else { format!("{}.{:03}", q / 100, q % 100) };
        (price, qty)
    })
}

#[derive(Debug, Clone)]
enum Op {
    /// The next contiguous diff (spanning `span` ids).
    Next { span: u64, bids: Vec<(String, String)>, asks: Vec<(String, String)> },
    /// A replay of an already-applied range: must be ignored.
    Stale,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (1u64..4, prop::collection::vec(level(90..100), 0..8), prop::collection::vec(level(100..110), 0..8))
            .prop_map(|(span, bids, asks)| Op::Next { span, bids, asks }),
        1 => Just(Op::Stale),
    ]
}

fn frame(first: u64, last: u64, bids: &[(String, String)], asks: &[(String, String)]) -> String {
    let data =
        serde_json::json!({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":first,"u":last,"b":bids,"a":asks});
    serde_json::json!({"stream":"btcusdt@depth@100ms","data":data}).to_string()
}

fn model_set(side: &mut BTreeMap<Decimal, Decimal>, levels: &[(String, String)]) {
    for (p, q) in levels {
        let (p, q): (Decimal, Decimal) = (p.parse().unwrap(), q.parse().unwrap());
        if q.is_zero() {
            side.remove(&p);
        } else {
            side.insert(p, q);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sync_matches_reference_model(
        snap_bids in prop::collection::vec(level(90..100), 0..10),
        snap_asks in prop::collection::vec(level(100..110), 0..10),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut sync = BookSync::new(EIGHT);
        let mut diff = DepthDiff::default();
        let (mut bids, mut asks) = (BTreeMap::new(), BTreeMap::new());
        // The first event straddles the snapshot id 1000 (1000 < 1001 <= 1001).
        let first = frame(1000, 1001, &[], &[]);
        let Frame::Depth { .. } = parse_frame(&first, &EIGHT, &mut diff).unwrap() else { panic!("not a depth frame") };
        prop_assert_eq!(sync.on_diff(&diff), DiffOutcome::Buffered { request_snapshot: true });
        let body = serde_json::json!({"lastUpdateId": 1000, "bids": snap_bids, "asks": snap_asks}).to_string();
        let snapshot = DepthSnapshot::parse(&body, &EIGHT, 1000).unwrap();
        prop_assert_eq!(sync.on_snapshot(&snapshot), SnapshotOutcome::Synced { applied: 1 });
        model_set(&mut bids, &snap_bids);
        model_set(&mut asks, &snap_asks);

        let mut last = 1001u64;
        for op in &ops {
            let (text, expect) = match op {
                Op::Next { span, bids: b, asks: a } => {
                    let t = frame(last + 1, last + span, b, a);
                    last += span;
                    model_set(&mut bids, b);
                    model_set(&mut asks, a);
                    (t, DiffOutcome::Applied)
                }
                Op::Stale => (frame(last.saturating_sub(5), last - 1, &[("100".into(), "77".into())], &[]), DiffOutcome::Ignored),
            };
            let Frame::Depth { .. } = parse_frame(&text, &EIGHT, &mut diff).unwrap() else { panic!("not a depth frame") };
            prop_assert_eq!(sync.on_diff(&diff), expect);
        }
        let book = sync.book().unwrap();
        prop_assert_eq!(book.update_id(), last);
        let got_bids: Vec<(Decimal, Decimal)> = book.bids().map(|l| (l.price, l.qty)).collect();
        let got_asks: Vec<(Decimal, Decimal)> = book.asks().map(|l| (l.price, l.qty)).collect();
        let want_bids: Vec<(Decimal, Decimal)> = bids.iter().rev().map(|(p, q)| (*p, *q)).collect();
        let want_asks: Vec<(Decimal, Decimal)> = asks.iter().map(|(p, q)| (*p, *q)).collect();
        prop_assert_eq!(got_bids, want_bids);
        prop_assert_eq!(got_asks, want_asks);
    }

    /// Arbitrary text never panics the frame parser.
    #[test]
    fn parse_frame_never_panics(text in ".{0,200}") {
        let _ = parse_frame(&text, &EIGHT, &mut DepthDiff::default());
    }
}
