//! The synthetic market on its own: determinism and book invariants, checked by
//! replaying its diffs into an independent local book.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;
use vigil::domain::Symbol;
use vigil::sim::{SimEvent, SimMarket, SymbolSpec};

fn all_presets() -> Vec<SymbolSpec> {
    SymbolSpec::preset_names()
        .into_iter()
        .map(|n| SymbolSpec::preset(&Symbol::new(n).unwrap()).unwrap())
        .collect()
}

fn run(seed: u64, steps: usize) -> Vec<SimEvent> {
    let mut m = SimMarket::new(seed, SymbolSpec::defaults()).unwrap();
    (0..steps).flat_map(|_| m.step()).collect()
}

#[test]
fn same_seed_same_events_different_seed_different_events() {
    let a = run(7, 3000);
    let b = run(7, 3000);
    assert!(a.len() >= 3000, "every step changes something");
    assert_eq!(a, b);
    assert_ne!(a, run(8, 3000));
    // The opening books depend on the seed too.
    let snap = |seed| SimMarket::new(seed, SymbolSpec::defaults()).unwrap().snapshot(0, 5000).unwrap();
    assert_eq!(snap(7), snap(7));
    assert_ne!(snap(7), snap(8));
}

/// A local book rebuilt from the diffs alone.
#[derive(Default)]
struct LocalBook {
    id: u64,
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
}

fn on_grid(v: Decimal, unit: Decimal) -> bool {
    (v % unit).is_zero()
}

fn check_invariants(seed: u64, steps: usize) {
    let specs = all_presets();
    let mut m = SimMarket::new(seed, specs.clone()).unwrap();
    let mut books: Vec<LocalBook> = (0..specs.len())
        .map(|i| {
            let s = m.snapshot(i, usize::MAX).unwrap();
            LocalBook {
                id: s.last_update_id,
                bids: s.bids.iter().map(|l| (l.price, l.qty)).collect(),
                asks: s.asks.iter().map(|l| (l.price, l.qty)).collect(),
            }
        })
        .collect();
    let mut trades = 0;
    for step in 0..steps {
        for ev in m.step() {
            match ev {
                SimEvent::Trade(t) => {
                    let i = &specs[m.index_of(&t.symbol).unwrap()].instrument;
                    assert!(t.qty > Decimal::ZERO && on_grid(t.qty, i.step_size), "trade qty {t:?}");
                    assert!(on_grid(t.price, i.tick_size), "trade price {t:?}");
                    trades += 1;
                }
                SimEvent::Depth(d) => {
                    let idx = m.index_of(&d.symbol).unwrap();
                    let i = &specs[idx].instrument;
                    let book = &mut books[idx];
                    assert_eq!(d.update_id, book.id + 1, "update ids contiguous (seed {seed}, step {step})");
                    assert!(!d.bids.is_empty() || !d.asks.is_empty());
                    book.id = d.update_id;
                    for (levels, side) in [(&d.bids, &mut book.bids), (&d.asks, &mut book.asks)] {
                        for l in levels {
                            assert!(on_grid(l.price, i.tick_size) && l.price > Decimal::ZERO, "{l:?}");
                            assert!(on_grid(l.qty, i.step_size) && l.qty >= Decimal::ZERO, "{l:?}");
                            if l.qty.is_zero() {
                                side.remove(&l.price);
                            } else {
                                side.insert(l.price, l.qty);
                            }
                        }
                    }
                    let best_bid = book.bids.keys().next_back().unwrap();
                    let best_ask = book.asks.keys().next().unwrap();
                    assert!(
                        best_bid < best_ask,
                        "crossed book {best_bid} >= {best_ask} (seed {seed}, step {step})"
                    );
                }
            }
        }
        if step % 97 == 0 {
            for (idx, book) in books.iter().enumerate() {
                let s = m.snapshot(idx, usize::MAX).unwrap();
                assert_eq!(s.last_update_id, book.id);
                assert_eq!(s.bids.iter().map(|l| (l.price, l.qty)).collect::<BTreeMap<_, _>>(), book.bids);
                assert_eq!(s.asks.iter().map(|l| (l.price, l.qty)).collect::<BTreeMap<_, _>>(), book.asks);
            }
        }
    }
    assert!(trades > 0, "the takers traded");
}

#[test]
fn long_seeded_run_keeps_invariants() {
    check_invariants(42, 20_000);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_seed_keeps_invariants(seed in any::<u64>()) {
        check_invariants(seed, 1_500);
    }
}

#[test]
fn snapshots_are_sorted_best_first_and_limited() {
    let mut m = SimMarket::new(1, SymbolSpec::defaults()).unwrap();
    for _ in 0..500 {
        m.step();
    }
    let s = m.snapshot(0, 10).unwrap();
    assert_eq!((s.bids.len(), s.asks.len()), (10, 10));
    assert!(s.bids.windows(2).all(|w| w[0].price > w[1].price));
    assert!(s.asks.windows(2).all(|w| w[0].price < w[1].price));
    let (id, bid, ask) = m.top_of_book(0).unwrap();
    assert_eq!((id, bid, ask), (s.last_update_id, s.bids[0], s.asks[0]));
    assert!(m.snapshot(99, 10).is_none());
    // The walk stays near its start price (BTCUSDT starts at 64000).
    assert!(bid.price > Decimal::from(32_000) && ask.price < Decimal::from(128_000));
}

#[test]
fn bad_listings_are_rejected() {
    assert!(SimMarket::new(1, Vec::new()).is_err());
    let btc = SymbolSpec::preset(&Symbol::new("BTCUSDT").unwrap()).unwrap();
    assert!(SimMarket::new(1, vec![btc.clone(), btc.clone()]).is_err());
    let mut off_grid = btc;
    off_grid.start_price = "64000.005".parse().unwrap();
    assert!(SimMarket::new(1, vec![off_grid]).is_err());
}
