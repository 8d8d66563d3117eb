//! Property: at every terminal size from 40x12 to 250x70, with random prices and quantities
//! at the simulator's real tick and step sizes, every number the workstation shows is whole —
//! it reads back as the exact value at its precision — or it is not shown at all. A number
//! is never cut.
//!
//! How it can fail: the random values have five integer digits and start with `7`
//! (70000.00 … 79999.99, quantities 7000 … 7999.99999), so no other number on screen (times,
//! ids, equity, check sentences, percentages) shares their digits. On the rendered buffer,
//! every run of digits and dots of three characters or more is compared with the values put
//! in: a run that is a *shorter* start of one of them is a number cut (`7123` or `71234.5`
//! for `71234.56`: what a fixed-width column, a clipped line or an ellipsis does; every
//! renderer here cuts on the right). A longer run (a mid price at half a tick, a sentence
//! quoting the value) is not a cut.
//!
//! The chart is in (its candles are random on the same grid, so its title and its axis
//! labels are checked): a label is computed, not put in, so besides the prefix rule every
//! number of the chart's label column must be a whole price, five integer digits and the
//! tick's decimals. An open stop-limit ticket (quantity, stop and limit price) is drawn at
//! every size too.
#![allow(clippy::unwrap_used)]

#[path = "support/tui_fixture.rs"]
mod fixture;
#[path = "support/tui_render.rs"]
mod render;

use std::collections::BTreeSet;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use rust_decimal::Decimal;
use vigil::domain::Level;
use vigil::engine::{EngineHandle, Snapshot};
use vigil::market::{BookUpdate, Candle, CandleSeries, Interval};
use vigil::tui::{App, TuiOptions};

/// `value` printed at `dp` places, as the exchange would print it.
fn at(value: Decimal, dp: u32) -> String {
    let mut v = value.round_dp(dp);
    v.rescale(dp);
    v.to_string()
}

fn dp(step: Decimal) -> u32 {
    step.normalize().scale()
}

/// A random count of `step`s: a value in [7000, 8000) scaled by `unit` (so 70000.00 …
/// 79999.99 for a price with `unit` 10), an exact multiple of `step`.
fn on_grid(seed: u64, step: Decimal, unit: i64) -> Decimal {
    let lo = Decimal::from(7000 * unit);
    let span = Decimal::from(1000 * unit);
    let steps = (span / step).trunc();
    let n = Decimal::from(seed) % steps;
    lo + n * step
}

/// The fixture with every price and quantity replaced by random ones on the grid, and the
/// values put in, as their exact text at the instrument's precision.
fn randomized(seeds: &[u64], levels: usize) -> (Snapshot, BTreeSet<String>) {
    let mut snap = fixture::snapshot(levels, 0, 12);
    let mut known = BTreeSet::new();
    let mut seed = seeds.iter().copied().cycle();
    let mut next = move || seed.next().unwrap_or(7);
    let filters = |snap: &Snapshot, symbol: &vigil::domain::Symbol| {
        let m = snap.markets.iter().find(|m| &m.symbol == symbol).unwrap();
        (m.tick_size.unwrap(), m.step_size.unwrap())
    };
    for i in 0..snap.markets.len() {
        let (tick, step) = (snap.markets[i].tick_size.unwrap(), snap.markets[i].step_size.unwrap());
        let mid = on_grid(next(), tick, 10);
        let market = &mut snap.markets[i];
        market.last_price = Some(mid);
        market.open_price = market.last_price;
        market.history.clear();
        known.insert(at(mid, dp(tick)));
        for interval in Interval::ALL {
            let candles: Vec<Candle> = market
                .candles
                .get(interval)
                .iter()
                .map(|c| {
                    let (a, b) = (on_grid(next(), tick, 10), on_grid(next(), tick, 10));
                    let (low, high) = (a.min(b), a.max(b));
                    for p in [low, high] {
                        known.insert(at(p, dp(tick)));
                    }
                    Candle { open: low, close: high, high, low, ..*c }
                })
                .collect();
            *market.candles.get_mut(interval) = CandleSeries::from_candles(candles);
        }
        // The fixture has no book without history (it centres the book on the last price):
        // give every market one, so the ladder and the ticket are drawn too.
        let symbol = market.symbol.clone();
        let book = market.book.get_or_insert_with(|| BookUpdate {
            symbol,
            seq: 1000,
            bids: Vec::new(),
            asks: Vec::new(),
            ts_ms: fixture::T0 + 60_000,
        });
        {
            let level = |k: usize, sign: i64, seed: u64| {
                let price = mid + Decimal::from(sign * (1 + k as i64 * 3)) * tick;
                Level { price, qty: on_grid(seed, step, 1) }
            };
            book.asks = (0..levels).map(|k| level(k, 1, next())).collect();
            book.bids = (0..levels).map(|k| level(k, -1, next())).collect();
            for l in book.asks.iter().chain(&book.bids) {
                known.insert(at(l.price, dp(tick)));
                known.insert(at(l.qty, dp(step)));
            }
        }
    }
    for k in 0..snap.orders.len() {
        let (tick, step) = filters(&snap, &snap.orders[k].intent.symbol);
        let o = &mut snap.orders[k];
        o.intent.qty = on_grid(next(), step, 1);
        o.intent.price = Some(on_grid(next(), tick, 10));
        o.filled_qty =
            if o.status == vigil::domain::OrderStatus::Filled { o.intent.qty } else { Decimal::ZERO };
        known.insert(at(o.intent.qty, dp(step)));
        known.insert(at(o.intent.price.unwrap(), dp(tick)));
    }
    for k in 0..snap.fills.len() {
        let (tick, step) = filters(&snap, &snap.fills[k].symbol);
        let f = &mut snap.fills[k];
        f.qty = on_grid(next(), step, 1);
        f.price = on_grid(next(), tick, 10);
        known.insert(at(f.qty, dp(step)));
        known.insert(at(f.price, dp(tick)));
    }
    for k in 0..snap.positions.len() {
        let (tick, step) = filters(&snap, &snap.positions[k].symbol);
        let p = &mut snap.positions[k];
        p.qty = on_grid(next(), step, 1);
        p.avg_cost = on_grid(next(), tick, 10);
        known.insert(at(p.qty, dp(step)));
        known.insert(at(p.avg_cost, dp(tick)));
    }
    (snap, known)
}

/// Runs of digits and dots (trimmed of dots) on each row.
fn numbers(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (row, line) in text.lines().enumerate() {
        let mut run = String::new();
        for c in line.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_digit() || c == '.' {
                run.push(c);
            } else if !run.is_empty() {
                out.push((row, run.trim_matches('.').to_owned()));
                run.clear();
            }
        }
    }
    out
}

/// The first cut number on `screen`, if any.
fn cut(screen: &str, known: &BTreeSet<String>) -> Option<String> {
    numbers(screen).into_iter().filter(|(_, n)| n.len() >= 3 && !known.contains(n)).find_map(|(row, n)| {
        let whole = known.iter().find(|k| k.len() > n.len() && k.starts_with(&n))?;
        Some(format!("row {row}: {n:?} is a cut {whole:?}"))
    })
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// A chart label that is not a whole price, on the zoomed chart (the focused pane, drawn
/// with a thick border over the whole body): the last word inside each of its rows is the
/// label column; one that starts like a price must read `NNNNN.dd…` at the tick's `dp`.
fn cut_label(screen: &str, dp: usize) -> Option<String> {
    let rows = screen.lines().enumerate().skip_while(|(_, l)| !l.contains('┏')).skip(1);
    for (row, line) in rows.take_while(|(_, l)| !l.contains('┗')) {
        let inside = line.trim_end().trim_end_matches('┃').trim_end();
        let label = inside.rsplit([' ', '┃']).next().unwrap_or("");
        if !label.starts_with('7') || label.len() < 3 {
            continue;
        }
        let whole = label.split_once('.').is_some_and(|(int, frac)| {
            int.len() == 5 && frac.len() == dp && int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
        });
        if !whole {
            return Some(format!("row {row}: chart label {label:?} is not a whole price"));
        }
    }
    None
}

/// The open ticket: a buy stop-limit, the quantity typed in, the stop at the best ask and
/// the limit at the best bid (both put in, so both are known values).
fn open_stop_ticket(app: &mut App, qty: &str) {
    app.on_key(key(KeyCode::Char('b')));
    for _ in 0..5 {
        app.on_key(key(KeyCode::Char('t')));
    }
    for c in qty.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::Tab));
    app.on_key(key(KeyCode::Char('a')));
    app.on_key(key(KeyCode::Tab));
    app.on_key(key(KeyCode::Char('b')));
}

/// Every screen to check at one size: each compact tab (or the full layout), each pane
/// zoomed, and an open stop-limit ticket typed with `qty`.
fn screens(app: &mut App, (w, h): (u16, u16), qty: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let shot = |app: &App| render::text(&render::render(w, h, |f| app.draw(f)));
    for (name, tab) in [("market", '1'), ("portfolio", '2'), ("inbox", '3')] {
        app.on_key(key(KeyCode::Char(tab)));
        out.push((name.to_owned(), shot(app)));
    }
    app.on_key(key(KeyCode::Char('1')));
    app.on_key(key(KeyCode::Char('z')));
    for pane in 0..vigil::tui::Pane::ALL.len() {
        out.push((format!("zoomed pane {pane}"), shot(app)));
        app.on_key(key(KeyCode::Tab));
    }
    // Back to the watchlist, unzoomed, then the ticket over the book.
    app.on_key(key(KeyCode::Char('z')));
    open_stop_ticket(app, qty);
    assert!(app.mode() == vigil::tui::Mode::Ticket, "the ticket did not open");
    out.push(("stop-limit ticket".to_owned(), shot(app)));
    app.on_key(key(KeyCode::Esc));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_number_is_ever_cut(
        w in 40u16..=250,
        h in 12u16..=70,
        seeds in proptest::collection::vec(any::<u64>(), 64),
        levels in 1usize..25,
    ) {
        let (snap, mut known) = randomized(&seeds, levels);
        let btc = &snap.markets[0];
        let (tick, step) = (btc.tick_size.unwrap(), btc.step_size.unwrap());
        let qty = at(on_grid(seeds[0], step, 1), dp(step));
        known.insert(qty.clone());
        // The ticket needs the book's sides: a book of at least one level each.
        prop_assume!(btc.book.as_ref().is_some_and(|b| !b.bids.is_empty() && !b.asks.is_empty()));
        let (handle, ends) = EngineHandle::channel();
        ends.snapshots.send(Arc::new(snap)).unwrap();
        let mut app = App::new(handle, &TuiOptions::default()).unwrap();
        for (name, screen) in screens(&mut app, (w, h), &qty) {
            let label = || (name == "zoomed pane 1").then(|| cut_label(&screen, dp(tick) as usize)).flatten();
            if let Some(why) = cut(&screen, &known).or_else(label) {
                prop_assert!(false, "{w}x{h} {name}: {why}\n{screen}");
            }
        }
    }
}

/// The scanner itself: it sees a cut and accepts whole or longer numbers.
#[test]
fn the_scanner_sees_cuts() {
    let known: BTreeSet<String> = ["71234.56".to_owned(), "7012.00345".to_owned()].into();
    assert_eq!(cut("│ 71234.56 │ 7012.00345", &known), None);
    assert!(cut("│ 7123 │", &known).is_some());
    assert!(cut("│ 71234.5… │", &known).is_some());
    assert!(cut("│7012.003│", &known).is_some());
    // A mid at half a tick quotes more digits, and is whole.
    assert_eq!(cut("mid 71234.565", &known), None);
    // A chart label is whole at the tick's decimals, or it is cut.
    let chart =
        |label: &str| format!("┏ BTCUSDT 1m ━┓\n┃█ │   {label}┃\n┃ █    11-14 22:13┃\n┗━━━━━━━━━━━━━┛\n");
    assert_eq!(cut_label(&chart("71234.56"), 2), None);
    assert!(cut_label(&chart("71234.5"), 2).is_some());
    assert!(cut_label(&chart("7123"), 2).is_some());
}
