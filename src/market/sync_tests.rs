//! The derived cases of reference §1.7, one test each.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::market::fixed::FixedLevel;

fn lv(price: u64, qty: u64) -> FixedLevel {
    FixedLevel { price, qty }
}

fn new_sync() -> BookSync {
    BookSync::new(Scales::plain(0, 0))
}

fn diff(first: u64, last: u64, bids: &[FixedLevel]) -> DepthDiff {
    DepthDiff {
        first_update_id: first,
        final_update_id: last,
        event_time: 0,
        bids: bids.to_vec(),
        asks: vec![],
    }
}

fn snap(id: u64) -> DepthSnapshot {
    DepthSnapshot { last_update_id: id, bids: vec![lv(1, 1)], asks: vec![lv(100, 1)] }
}

#[test]
fn first_diff_asks_for_one_snapshot() {
    let mut s = new_sync();
    assert_eq!(s.on_diff(&diff(100, 110, &[])), DiffOutcome::Buffered { request_snapshot: true });
    assert_eq!(s.on_diff(&diff(111, 115, &[])), DiffOutcome::Buffered { request_snapshot: false });
    assert!(s.book().is_none());
}

#[test]
fn straddling_first_event_is_applied() {
    let mut s = new_sync();
    s.on_diff(&diff(100, 110, &[lv(1, 5)]));
    assert_eq!(s.on_snapshot(&snap(100)), SnapshotOutcome::Synced { applied: 1 });
    let book = s.book().unwrap();
    assert_eq!(book.update_id(), 110);
    assert_eq!(book.fixed_bids().next(), Some(lv(1, 5)));
}

#[test]
fn events_up_to_snapshot_are_discarded() {
    let mut s = new_sync();
    s.on_diff(&diff(90, 100, &[lv(1, 7)]));
    s.on_diff(&diff(101, 105, &[lv(3, 1)]));
    assert_eq!(s.on_snapshot(&snap(100)), SnapshotOutcome::Synced { applied: 1 });
    let book = s.book().unwrap();
    assert_eq!(book.update_id(), 105);
    assert_eq!(book.fixed_bids().collect::<Vec<_>>(), vec![lv(3, 1), lv(1, 1)]);
}

#[test]
fn first_event_after_gap_forces_new_snapshot() {
    let mut s = new_sync();
    s.on_diff(&diff(95, 99, &[]));
    s.on_diff(&diff(102, 110, &[]));
    assert_eq!(s.on_snapshot(&snap(100)), SnapshotOutcome::Gap { expected: 101, got: 102 });
    assert!(s.book().is_none());
    // The next snapshot (newer than the kept event) syncs.
    assert_eq!(s.on_snapshot(&snap(105)), SnapshotOutcome::Synced { applied: 1 });
    assert_eq!(s.book().unwrap().update_id(), 110);
}

#[test]
fn snapshot_older_than_first_buffered_is_refetched() {
    let mut s = new_sync();
    s.on_diff(&diff(120, 125, &[]));
    assert_eq!(
        s.on_snapshot(&snap(100)),
        SnapshotOutcome::TooOld { last_update_id: 100, first_buffered: 120 }
    );
    assert!(s.book().is_none());
    assert_eq!(s.on_snapshot(&snap(121)), SnapshotOutcome::Synced { applied: 1 });
}

#[test]
fn live_rules_apply_ignore_and_gap() {
    let mut s = new_sync();
    s.on_diff(&diff(100, 100, &[]));
    s.on_snapshot(&snap(100));
    assert_eq!(s.on_diff(&diff(101, 110, &[lv(4, 1)])), DiffOutcome::Applied);
    assert_eq!(s.on_diff(&diff(90, 109, &[lv(4, 9)])), DiffOutcome::Ignored);
    assert_eq!(s.book().unwrap().fixed_bids().next(), Some(lv(4, 1)));
    assert_eq!(s.on_diff(&diff(120, 130, &[])), DiffOutcome::Gap { expected: 111, got: 120 });
    assert!(s.book().is_none());
    // The gap event starts the new buffer; a snapshot at 125 keeps it (130 > 125).
    assert_eq!(s.on_snapshot(&snap(125)), SnapshotOutcome::Synced { applied: 1 });
    assert_eq!(s.book().unwrap().update_id(), 130);
}

#[test]
fn removing_absent_level_is_a_no_op() {
    let mut s = new_sync();
    s.on_diff(&diff(1, 1, &[]));
    s.on_snapshot(&snap(1));
    assert_eq!(s.on_diff(&diff(2, 2, &[lv(99, 0)])), DiffOutcome::Applied);
    assert_eq!(s.book().unwrap().depth(), (1, 1));
}

#[test]
fn buffer_is_bounded_and_reset_starts_over() {
    let mut s = BookSync::with_bounds(Scales::plain(0, 0), 2, 100);
    s.on_diff(&diff(1, 1, &[]));
    s.on_diff(&diff(2, 2, &[]));
    s.on_diff(&diff(3, 3, &[]));
    // The oldest diff (U=1) was dropped, so a snapshot at 1 is older than the first kept U=2.
    assert_eq!(s.on_snapshot(&snap(1)), SnapshotOutcome::TooOld { last_update_id: 1, first_buffered: 2 });
    s.reset();
    assert_eq!(s.on_diff(&diff(10, 10, &[])), DiffOutcome::Buffered { request_snapshot: true });
}

#[test]
fn a_diff_that_crosses_the_book_discards_it() {
    let mut s = new_sync();
    s.on_diff(&diff(1, 1, &[]));
    s.on_snapshot(&snap(1));
    // Bid 100 meets the ask at 100: a locked book is as impossible as a crossed one.
    assert_eq!(s.on_diff(&diff(2, 2, &[lv(100, 1)])), DiffOutcome::Crossed { bid: 100, ask: 100 });
    assert!(s.book().is_none());
    // The driver fetches a snapshot; the next diff does not ask for another.
    assert_eq!(s.on_diff(&diff(3, 3, &[])), DiffOutcome::Buffered { request_snapshot: false });
    assert_eq!(s.on_snapshot(&snap(3)), SnapshotOutcome::Synced { applied: 0 });
}

#[test]
fn a_crossed_snapshot_is_refused() {
    let mut s = new_sync();
    s.on_diff(&diff(10, 10, &[]));
    let crossed = DepthSnapshot { last_update_id: 10, bids: vec![lv(5, 1)], asks: vec![lv(4, 1)] };
    assert_eq!(s.on_snapshot(&crossed), SnapshotOutcome::Crossed { bid: 5, ask: 4 });
    assert!(s.book().is_none());
}

#[test]
fn the_book_keeps_at_most_the_levels_configured() {
    let mut s = BookSync::with_bounds(Scales::plain(0, 0), 10, 3);
    s.on_diff(&diff(1, 1, &[]));
    let many = DepthSnapshot { last_update_id: 1, bids: (1..=10).map(|p| lv(p, 1)).collect(), asks: vec![] };
    s.on_snapshot(&many);
    let prices: Vec<u64> = s.book().unwrap().fixed_bids().map(|l| l.price).collect();
    assert_eq!(prices, vec![10, 9, 8]);
}
