//! Full gate evaluation over a realistic snapshot: 20-level book per side, 10
//! open orders, 100 recent submissions. Criterion reports mean/median; the
//! `gate_latency` group also times single calls into a sorted sample and prints
//! p50/p99/p99.9 (each sample includes ~20-40 ns of `Instant::now` overhead).
#![allow(clippy::unwrap_used)]

#[path = "../tests/risk_support/mod.rs"]
mod risk_support;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use risk_support::*;
use vigil::domain::{OrderStatus, Side};
use vigil::risk::{Limits, evaluate};

/// The realistic world: every check runs its full path and the order passes.
fn world() -> World {
    let mut w = World::new();
    w.bids = (0..20).map(|i| level(&format!("{}", 9_990 - i), "0.75")).collect();
    w.asks = (0..20).map(|i| level(&format!("{}", 10_010 + i), "0.75")).collect();
    w.bids.iter_mut().chain(w.asks.iter_mut()).for_each(|l| l.price /= d("100"));
    w.orders = (0..10)
        .map(|i| order(i, limit(Side::Buy, "0.01", &format!("{}", 95 + i)), OrderStatus::Submitted))
        .collect();
    // 100 submissions over the last 10 minutes, 6 s apart: 9 inside the last minute.
    w.submissions = (0..100).map(|i| sent(Side::Buy, "0.01", Some("95"), 5_000 + i * 6_000)).collect();
    w
}

fn limits_for_bench() -> Limits {
    Limits { max_open_orders: 20, ..limits() }
}

fn gate(c: &mut Criterion) {
    let (w, l) = (world(), limits_for_bench());
    let snap = w.snap();
    let buy = limit(Side::Buy, "1", "100.05");
    let mkt = market(Side::Buy, "3");
    assert!(evaluate(&buy, &snap, &l, NOW).passed(), "the bench order should pass every check");
    assert!(evaluate(&mkt, &snap, &l, NOW).passed(), "the bench market order should pass every check");
    let mut group = c.benchmark_group("gate");
    group.bench_function("limit_buy_all_21_checks", |b| {
        b.iter(|| evaluate(black_box(&buy), black_box(&snap), black_box(&l), black_box(NOW)))
    });
    group.bench_function("market_buy_all_21_checks", |b| {
        b.iter(|| evaluate(black_box(&mkt), black_box(&snap), black_box(&l), black_box(NOW)))
    });
    group.finish();
}

fn latency(_c: &mut Criterion) {
    let (w, l) = (world(), limits_for_bench());
    let snap = w.snap();
    let buy = limit(Side::Buy, "1", "100.05");
    let mut samples: Vec<u128> = Vec::with_capacity(200_000);
    for _ in 0..10_000 {
        black_box(evaluate(black_box(&buy), &snap, &l, NOW));
    }
    for _ in 0..200_000 {
        let start = Instant::now();
        black_box(evaluate(black_box(&buy), &snap, &l, NOW));
        samples.push(start.elapsed().as_nanos());
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    println!(
        "gate_latency/limit_buy (200000 calls): p50 {} ns, p90 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
        at(0.50),
        at(0.90),
        at(0.99),
        at(0.999),
        samples[samples.len() - 1]
    );
}

criterion_group!(benches, gate, latency);
criterion_main!(benches);
