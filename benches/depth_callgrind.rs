//! Instruction counts per depth diff, for `valgrind --tool=callgrind`: a
//! repeatable measure on a shared machine where timings are noise.
//!
//! Run (counts only inside the `measured_*` functions):
//! ```text
//! cargo bench --bench depth_callgrind --no-run
//! valgrind --tool=callgrind --toggle-collect='*measured_*' target/release/deps/depth_callgrind-* both 20000
//! ```
//! Instructions per message = the reported `Ir` total / the message count.
//! Modes: `both` (parse + apply), `parse`, `apply`, `publish1`/`publish10`
//! (parse + apply + the `BookUpdate` event with 1 or 10 levels a side).
#![allow(clippy::unwrap_used)]

#[path = "support/depth_input.rs"]
mod depth_input;

use std::hint::black_box;

use vigil::market::BookUpdate;
use vigil::market::fixed::Scales;
use vigil::market::sync::{BookSync, DiffOutcome};
use vigil::market::wire::{DepthDiff, DepthSnapshot, Frame, parse_frame};

fn synced() -> BookSync {
    let mut sync = BookSync::new(depth_input::SCALES);
    let mut diff = DepthDiff::default();
    let Frame::Depth { .. } =
        parse_frame(&depth_input::first_frame(), &depth_input::SCALES, &mut diff).unwrap()
    else {
        unreachable!()
    };
    sync.on_diff(&diff);
    sync.on_snapshot(
        &DepthSnapshot::parse(&depth_input::snapshot_body(), &depth_input::SCALES, 1000).unwrap(),
    );
    assert!(sync.book().is_some());
    sync
}

#[inline(never)]
fn measured_both(sync: &mut BookSync, msgs: &[String], scales: &Scales) {
    let mut diff = DepthDiff::default();
    for m in msgs {
        let Ok(Frame::Depth { .. }) = parse_frame(black_box(m), scales, &mut diff) else { unreachable!() };
        let outcome = sync.on_diff(&diff);
        assert_eq!(outcome, DiffOutcome::Applied);
    }
}

#[inline(never)]
fn measured_parse(msgs: &[String], scales: &Scales) {
    let mut diff = DepthDiff::default();
    for m in msgs {
        black_box(parse_frame(black_box(m), scales, &mut diff).is_ok());
    }
}

#[inline(never)]
fn measured_apply(sync: &mut BookSync, diffs: &[DepthDiff]) {
    for d in diffs {
        black_box(sync.on_diff(d));
    }
}

/// What the feed does after each applied diff besides parse + apply: the
/// `BookUpdate` event (symbol, top `depth` levels of each side as decimals).
#[inline(never)]
fn measured_publish(sync: &mut BookSync, msgs: &[String], scales: &Scales, depth: usize) {
    let mut diff = DepthDiff::default();
    let symbol = vigil::domain::Symbol::new("BTCUSDT").unwrap();
    for m in msgs {
        let Ok(Frame::Depth { .. }) = parse_frame(black_box(m), scales, &mut diff) else { unreachable!() };
        assert_eq!(sync.on_diff(&diff), DiffOutcome::Applied);
        let book = sync.book().unwrap();
        let (bids, asks) = book.top(depth);
        black_box(BookUpdate { symbol: symbol.clone(), seq: book.update_id(), bids, asks, ts_ms: 0 });
    }
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let mode = args.next().unwrap_or_else(|| "both".to_owned());
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let msgs = depth_input::messages(n);
    let scales = depth_input::SCALES;
    let mut sync = synced();
    match mode.as_str() {
        "both" => measured_both(&mut sync, &msgs, &scales),
        "parse" => measured_parse(&msgs, &scales),
        "apply" => {
            let diffs: Vec<DepthDiff> = msgs
                .iter()
                .map(|m| {
                    let mut diff = DepthDiff::default();
                    assert!(matches!(parse_frame(m, &scales, &mut diff), Ok(Frame::Depth { .. })));
                    diff
                })
                .collect();
            measured_apply(&mut sync, &diffs);
        }
        "publish1" => measured_publish(&mut sync, &msgs, &scales, 1),
        "publish10" => measured_publish(&mut sync, &msgs, &scales, 10),
        other => panic!("unknown mode {other}: both, parse, apply, publish1 or publish10"),
    }
    eprintln!("{mode}: {n} messages");
}
