//! Depth ingest speed: parse + apply of realistic Binance combined-stream
//! diff-depth messages (20 levels changing per message: 10 bids, 10 asks,
//! about one in five a removal) onto a 1000-level-per-side book.
//!
//! Run: `cargo bench --bench depth_ingest`. Target: >= 1,000,000 msg/s on one core.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use vigil::market::sync::{BookSync, DiffOutcome};
use vigil::market::wire::{DepthSnapshot, Frame, parse_frame};

const MESSAGES: u64 = 2000;
const SNAPSHOT_ID: u64 = 1_000_000;

/// Deterministic pseudo-random numbers (xorshift), so every run ingests the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Price `ticks` cents from zero, written the way Binance does: 8 decimals.
fn px(ticks: u64) -> String {
    format!("{}.{:02}000000", ticks / 100, ticks % 100)
}

fn qty(rng: &mut Rng) -> String {
    if rng.next().is_multiple_of(5) {
        "0.00000000".to_owned()
    } else {
        format!("{}.{:08}", rng.next() % 3, rng.next() % 100_000_000)
    }
}

fn snapshot() -> DepthSnapshot {
    let mid = 6_412_310u64; // 64123.10
    let bids: Vec<[String; 2]> = (1..=1000).map(|i| [px(mid - i), "1.00000000".to_owned()]).collect();
    let asks: Vec<[String; 2]> = (0..1000).map(|i| [px(mid + i), "1.00000000".to_owned()]).collect();
    let body = serde_json::json!({"lastUpdateId": SNAPSHOT_ID, "bids": bids, "asks": asks}).to_string();
    DepthSnapshot::parse(&body).unwrap()
}

fn messages() -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mid = 6_412_310u64;
    let mut id = SNAPSHOT_ID + 1;
    (0..MESSAGES)
        .map(|_| {
            let bids: Vec<[String; 2]> =
                (0..10).map(|_| [px(mid - 1 - rng.next() % 50), qty(&mut rng)]).collect();
            let asks: Vec<[String; 2]> =
                (0..10).map(|_| [px(mid + rng.next() % 50), qty(&mut rng)]).collect();
            let (first, last) = (id, id + 2);
            id = last + 1;
            let data = serde_json::json!({"e":"depthUpdate","E":1_700_000_000_000_u64 + first,"s":"BTCUSDT",
                "U":first,"u":last,"b":bids,"a":asks});
            format!(r#"{{"stream":"btcusdt@depth@100ms","data":{data}}}"#)
        })
        .collect()
}

fn synced() -> BookSync {
    let mut sync = BookSync::default();
    let first = format!(
        r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":{SNAPSHOT_ID},"u":{SNAPSHOT_ID},"b":[],"a":[]}}}}"#
    );
    let Frame::Depth { diff, .. } = parse_frame(&first).unwrap() else { unreachable!() };
    sync.on_diff(diff);
    sync.on_snapshot(&snapshot());
    assert!(sync.book().is_some());
    sync
}

fn ingest(c: &mut Criterion) {
    let msgs = messages();
    let bytes: usize = msgs.iter().map(String::len).sum();
    eprintln!("{} messages, {} bytes on average", msgs.len(), bytes / msgs.len());
    let mut group = c.benchmark_group("depth_ingest");
    group.throughput(Throughput::Elements(MESSAGES));
    group.bench_function("parse_and_apply", |b| {
        b.iter_batched_ref(
            synced,
            |sync| {
                for m in &msgs {
                    let Ok(Frame::Depth { diff, .. }) = parse_frame(black_box(m)) else { unreachable!() };
                    let outcome = sync.on_diff(diff);
                    debug_assert_eq!(outcome, DiffOutcome::Applied);
                    black_box(outcome);
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("parse_only", |b| {
        b.iter(|| {
            for m in &msgs {
                black_box(parse_frame(black_box(m)).is_ok());
            }
        });
    });
    let diffs: Vec<_> = msgs
        .iter()
        .map(|m| match parse_frame(m) {
            Ok(Frame::Depth { diff, .. }) => diff,
            _ => unreachable!(),
        })
        .collect();
    group.bench_function("apply_only", |b| {
        b.iter_batched(
            || (synced(), diffs.clone()),
            |(mut sync, diffs)| {
                for d in diffs {
                    black_box(sync.on_diff(d));
                }
                sync
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
