//! Depth ingest speed: parse + apply of realistic Binance combined-stream
//! diff-depth messages (20 levels changing per message: 10 bids, 10 asks,
//! about one in five a removal) onto a 1000-level-per-side fixed-point book.
//!
//! Run: `cargo bench --bench depth_ingest`. Target: >= 1,000,000 msg/s on one core.
//! The `book_layout` group measures the layouts the book could have on the
//! same diffs (the chosen one is `OrderBook`'s: sorted, best last, scanned
//! from the top).
#![allow(clippy::unwrap_used)]

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use vigil::market::fixed::FixedLevel;
use vigil::market::sync::{BookSync, DiffOutcome};
use vigil::market::wire::{DepthDiff, DepthSnapshot, Frame, parse_frame};

#[path = "support/depth_input.rs"]
mod depth_input;

const MESSAGES: u64 = 2000;

fn snapshot() -> DepthSnapshot {
    DepthSnapshot::parse(&depth_input::snapshot_body(), &depth_input::SCALES, 1000).unwrap()
}

fn synced() -> BookSync {
    let mut sync = BookSync::new(depth_input::SCALES);
    let mut diff = DepthDiff::default();
    let Frame::Depth { .. } =
        parse_frame(&depth_input::first_frame(), &depth_input::SCALES, &mut diff).unwrap()
    else {
        unreachable!()
    };
    sync.on_diff(&diff);
    sync.on_snapshot(&snapshot());
    assert!(sync.book().is_some());
    sync
}

fn diffs(msgs: &[String]) -> Vec<DepthDiff> {
    msgs.iter()
        .map(|m| {
            let mut diff = DepthDiff::default();
            assert!(matches!(parse_frame(m, &depth_input::SCALES, &mut diff), Ok(Frame::Depth { .. })));
            diff
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let msgs = depth_input::messages(MESSAGES);
    let bytes: usize = msgs.iter().map(String::len).sum();
    eprintln!("{} messages, {} bytes on average", msgs.len(), bytes / msgs.len());
    let scales = depth_input::SCALES;
    let mut group = c.benchmark_group("depth_ingest");
    group.throughput(Throughput::Elements(MESSAGES));
    group.bench_function("parse_and_apply", |b| {
        let mut diff = DepthDiff::default();
        b.iter_batched_ref(
            synced,
            |sync| {
                for m in &msgs {
                    let Ok(Frame::Depth { .. }) = parse_frame(black_box(m), &scales, &mut diff) else {
                        unreachable!()
                    };
                    let outcome = sync.on_diff(&diff);
                    debug_assert_eq!(outcome, DiffOutcome::Applied);
                    black_box(outcome);
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("parse_only", |b| {
        let mut diff = DepthDiff::default();
        b.iter(|| {
            for m in &msgs {
                black_box(parse_frame(black_box(m), &scales, &mut diff).is_ok());
            }
        });
    });
    let diffs = diffs(&msgs);
    group.bench_function("apply_only", |b| {
        b.iter_batched_ref(
            synced,
            |sync| {
                for d in &diffs {
                    black_box(sync.on_diff(d));
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
    layouts(c, &diffs);
}

/// One side of a candidate book layout.
trait Side: Clone {
    fn from_levels(levels: &[FixedLevel], bids: bool) -> Self;
    fn set(&mut self, level: FixedLevel);
}

/// Sorted, best last, binary search over the whole side (the previous book).
#[derive(Clone)]
struct BinarySearch(Vec<FixedLevel>, bool);

impl Side for BinarySearch {
    fn from_levels(levels: &[FixedLevel], bids: bool) -> Self {
        let mut v = levels.to_vec();
        v.sort_by_key(|l| if bids { l.price } else { u64::MAX - l.price });
        BinarySearch(v, bids)
    }
    fn set(&mut self, level: FixedLevel) {
        let bids = self.1;
        let key = |p: u64| if bids { p } else { u64::MAX - p };
        match self.0.binary_search_by_key(&key(level.price), |l| key(l.price)) {
            Ok(i) if level.qty == 0 => {
                self.0.remove(i);
            }
            Ok(i) => self.0[i].qty = level.qty,
            Err(_) if level.qty == 0 => {}
            Err(i) => self.0.insert(i, level),
        }
    }
}

/// `BTreeMap` price → qty.
#[derive(Clone)]
struct Tree(BTreeMap<Reverse<u64>, u64>, BTreeMap<u64, u64>, bool);

impl Side for Tree {
    fn from_levels(levels: &[FixedLevel], bids: bool) -> Self {
        let mut t = Tree(BTreeMap::new(), BTreeMap::new(), bids);
        for l in levels {
            t.set(*l);
        }
        t
    }
    fn set(&mut self, level: FixedLevel) {
        match (self.2, level.qty) {
            (true, 0) => {
                self.0.remove(&Reverse(level.price));
            }
            (true, q) => {
                self.0.insert(Reverse(level.price), q);
            }
            (false, 0) => {
                self.1.remove(&level.price);
            }
            (false, q) => {
                self.1.insert(level.price, q);
            }
        }
    }
}

fn layout<S: Side>(c: &mut Criterion, name: &str, snap: &DepthSnapshot, diffs: &[DepthDiff]) {
    let book = (S::from_levels(&snap.bids, true), S::from_levels(&snap.asks, false));
    let mut group = c.benchmark_group("book_layout");
    group.throughput(Throughput::Elements(diffs.len() as u64));
    group.bench_function(name, |b| {
        b.iter_batched_ref(
            || book.clone(),
            |(bids, asks)| {
                for d in diffs {
                    d.bids.iter().for_each(|l| bids.set(*l));
                    d.asks.iter().for_each(|l| asks.set(*l));
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

fn layouts(c: &mut Criterion, diffs: &[DepthDiff]) {
    let snap = snapshot();
    layout::<BinarySearch>(c, "sorted_vec_binary_search", &snap, diffs);
    layout::<Tree>(c, "btreemap", &snap, diffs);
    let mut group = c.benchmark_group("book_layout");
    group.throughput(Throughput::Elements(diffs.len() as u64));
    group.bench_function("sorted_vec_scan_from_top (chosen)", |b| {
        b.iter_batched_ref(
            synced,
            |sync| {
                for d in diffs {
                    black_box(sync.on_diff(d));
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
