//! Throughput of the synthetic market: how many steps per second one core can
//! generate, which bounds the simulator's fast mode (`vigil sim serve --rate`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigil::sim::{SimMarket, SymbolSpec};

fn step(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim_market");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("1000_steps_3_symbols", |b| {
        let Ok(mut market) = SimMarket::new(42, SymbolSpec::defaults()) else { return };
        b.iter(|| {
            let mut events = 0;
            for _ in 0..1_000 {
                events += market.step().len();
            }
            events
        });
    });
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
