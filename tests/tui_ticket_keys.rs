//! Order entry in few keys, counted, on the real engine: every key a person presses after
//! opening the ticket goes through `App::on_key`, the engine's answers come back through the
//! same paths the terminal loop uses, and the test counts the keys.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;
#[path = "support/tui_render.rs"]
mod render;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixture::{Harness, d, loose_limits, start};
use tokio::sync::broadcast;
use vigil::domain::{OrderType, Side};
use vigil::engine::{Event, Snapshot};
use vigil::risk::Limits;
use vigil::tui::{App, Mode, TuiOptions};

/// One key as the terminal reports it: a character, or a named key in angle brackets.
fn press(app: &mut App, key: &str) {
    let code = match key {
        "<enter>" => KeyCode::Enter,
        "<esc>" => KeyCode::Esc,
        "<tab>" => KeyCode::Tab,
        "<up>" => KeyCode::Up,
        "<down>" => KeyCode::Down,
        other => KeyCode::Char(other.chars().next().unwrap()),
    };
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// Splits `b%<enter>y` into the keys `b`, `%`, `<enter>`, `y`.
fn keys(spec: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = spec;
    while let Some(c) = rest.chars().next() {
        let len = if c == '<' { rest.find('>').unwrap() + 1 } else { c.len_utf8() };
        out.push(rest[..len].to_owned());
        rest = &rest[len..];
    }
    out
}

/// Feeds the engine's events and command answers back into `app` until `done` holds.
async fn settle(app: &mut App, events: &mut broadcast::Receiver<Event>, done: impl Fn(&App) -> bool) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !done(app) {
            tokio::select! {
                Ok(event) = events.recv() => app.on_engine_event(event),
                Some(msg) = app.next_reply(), if app.awaiting_replies() => app.on_msg(msg),
                () = tokio::time::sleep(Duration::from_millis(10)) => app.refresh_snapshot(),
            }
        }
    })
    .await
    .unwrap_or_else(|_| {
        let screen = render::text(&render::render(100, 30, |f| app.draw(f)));
        panic!("the screen did not settle within 5 s:\n{screen}")
    });
}

/// Types `spec` (letting the engine answer between keys when `patient`), then waits until
/// the engine holds an order beyond the `before` it had, and returns the keys pressed after
/// the opening `b`/`s`.
async fn enter(h: &Harness, app: &mut App, spec: &str, patient: bool) -> usize {
    let mut events = h.handle.events();
    let before = h.handle.snapshot().orders.len();
    let pressed = keys(spec);
    for key in &pressed {
        press(app, key);
        if patient {
            settle(app, &mut events, |a| a.mode() != Mode::Ticket || !a.ticket_waiting()).await;
        }
    }
    settle(app, &mut events, |a| a.snapshot().orders.len() > before && !a.awaiting_replies()).await;
    pressed.len() - 1
}

fn best(snap: &Snapshot, side: Side) -> rust_decimal::Decimal {
    let book = snap.markets[0].book.as_ref().unwrap();
    match side {
        Side::Buy => book.bids[0].price,
        Side::Sell => book.asks[0].price,
    }
}

async fn workstation(dir: &std::path::Path) -> (Harness, App) {
    // Room for a 25 % preset of the 10 000 USDT the harness holds.
    let limits = Limits { max_order_notional: d("5000"), ..loose_limits() };
    let h = start(dir, limits, vec![]).await;
    let mut app = App::new(h.handle.clone(), &TuiOptions::default()).unwrap();
    app.refresh_snapshot();
    (h, app)
}

#[tokio::test]
async fn a_limit_at_the_best_bid_takes_three_keys_after_b() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut app) = workstation(dir.path()).await;
    let bid = best(&h.handle.snapshot(), Side::Buy);
    // b opens at the best bid; % sizes 25 % of the free USDT; Enter reviews; y confirms.
    let count = enter(&h, &mut app, "b%<enter>y", true).await;
    assert!(count <= 5, "{count} keys after b");
    assert_eq!(count, 3);
    let snap = h.handle.snapshot();
    let order = snap.orders.last().unwrap();
    assert_eq!((order.intent.order_type, order.intent.price), (OrderType::Limit, Some(bid)));
    // 25 % of 10 000 USDT with the fee on top, floored to the step.
    let spend = order.intent.qty * bid * (rust_decimal::Decimal::ONE + snap.fee_rate);
    assert!(spend <= d("2500") && spend > d("2490"), "{spend}");
    assert!(order.status.is_open(), "{:?}", order.status);
    h.stop().await;
}

#[tokio::test]
async fn the_quantity_is_remembered_so_the_next_order_is_three_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut app) = workstation(dir.path()).await;
    enter(&h, &mut app, "b0.01<enter>y", true).await;
    // One tick under the first (an identical order is refused as a duplicate).
    let count = enter(&h, &mut app, "b<down><enter>y", true).await;
    assert_eq!(count, 3);
    let snap = h.handle.snapshot();
    assert_eq!(snap.orders.iter().filter(|o| o.intent.qty == d("0.01")).count(), 2);
    h.stop().await;
}

#[tokio::test]
async fn a_market_buy_of_100_usdt_takes_seven_keys_after_b() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut app) = workstation(dir.path()).await;
    // t: limit → market; $: size in USDT; 100; Enter; y.
    let count = enter(&h, &mut app, "bt$100<enter>y", true).await;
    assert_eq!(count, 7);
    let snap = h.handle.snapshot();
    let order = snap.orders.last().unwrap();
    assert_eq!((order.intent.order_type, order.intent.quote_qty), (OrderType::Market, Some(d("100"))));
    let spent: rust_decimal::Decimal = snap.fills.iter().map(|f| f.qty * f.price).sum();
    assert!(spent <= d("100") && spent > d("99"), "spent {spent}");
    h.stop().await;
}

#[tokio::test]
async fn keys_typed_faster_than_the_checks_are_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut app) = workstation(dir.path()).await;
    // The whole order typed before the engine answers a single preview.
    enter(&h, &mut app, "b0.001<enter>y", false).await;
    let snap = h.handle.snapshot();
    let order = snap.orders.last().unwrap();
    assert_eq!((order.intent.qty, order.intent.price), (d("0.001"), Some(best(&snap, Side::Buy))));
    h.stop().await;
}

#[tokio::test]
async fn one_key_prices_and_tick_nudges() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut app) = workstation(dir.path()).await;
    let snap = h.handle.snapshot();
    let (bid, ask) = (best(&snap, Side::Buy), best(&snap, Side::Sell));
    let tick = snap.instruments[0].tick_size;
    // A buy at the ask moved two ticks up, then one at the bid moved one tick down.
    enter(&h, &mut app, "b0.01a<up><up><enter>y", true).await;
    enter(&h, &mut app, "bb<down><enter>y", true).await;
    let snap = h.handle.snapshot();
    let prices: Vec<_> = snap.orders.iter().filter_map(|o| o.intent.price).collect();
    assert!(prices.contains(&(ask + tick + tick)), "{prices:?}");
    assert!(prices.contains(&(bid - tick)), "{prices:?}");
    h.stop().await;
}

#[tokio::test]
async fn an_amend_of_a_resting_order_takes_three_keys_after_e() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut app) = workstation(dir.path()).await;
    enter(&h, &mut app, "b0.01<enter>y", true).await;
    let snap = h.handle.snapshot();
    let original = snap.orders.last().unwrap().clone();
    let tick = snap.instruments[0].tick_size;
    // 2: the orders pane, its open order selected; e: amend it; up: one tick higher.
    press(&mut app, "2");
    let count = enter(&h, &mut app, "e<up><enter>y", true).await;
    assert_eq!(count, 3);
    let snap = h.wait(|s| s.orders.iter().any(|o| o.id == original.id && !o.status.is_open())).await;
    let replacement = snap.orders.iter().find(|o| o.id != original.id && o.status.is_open()).unwrap();
    assert_eq!(replacement.intent.price, original.intent.price.map(|p| p + tick));
    assert_eq!(replacement.intent.qty, original.intent.qty);
    h.stop().await;
}

#[tokio::test]
async fn a_stop_limit_from_the_ticket_waits_for_its_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut app) = workstation(dir.path()).await;
    let snap = h.handle.snapshot();
    let (ask, tick) = (best(&snap, Side::Sell), snap.instruments[0].tick_size);
    // Five t: limit → market → post-only → IOC → FOK → stop-limit. The stop two ticks over
    // the ask (a buy stop fires on a rise), the limit three.
    enter(&h, &mut app, "bttttt0.01<tab>a<up><up><tab>a<up><up><up><enter>y", true).await;
    let snap = h.handle.snapshot();
    let order = snap.orders.last().unwrap();
    let stop = order.intent.stop.unwrap();
    assert_eq!((stop.kind, stop.price), (vigil::domain::StopKind::StopLoss, ask + tick + tick));
    assert_eq!(order.intent.price, Some(ask + tick + tick + tick));
    assert_eq!(order.status, vigil::domain::OrderStatus::AwaitingTrigger);
    h.stop().await;
}

#[tokio::test]
async fn a_price_picked_from_the_ladder_opens_the_ticket_there() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut app) = workstation(dir.path()).await;
    let snap = h.handle.snapshot();
    let second_bid = snap.markets[0].book.as_ref().unwrap().bids[1].price;
    // Focus the book (watchlist → chart → book), step down to the best bid, then one more.
    for key in ["<tab>", "<tab>", "j", "j"] {
        press(&mut app, key);
    }
    let count = enter(&h, &mut app, "b0.01<enter>y", true).await;
    assert_eq!(count, 6);
    let snap = h.handle.snapshot();
    assert_eq!(snap.orders.last().unwrap().intent.price, Some(second_bid));
    h.stop().await;
}

/// The presets are capped at what the gate allows: with the default `max_order_notional`
/// (1000 USDT) and 10 000 USDT free, 25 % (2500 USDT, which the gate would refuse) becomes
/// the largest order it accepts, 1000 USDT floored to the step; so does 100 %.
#[tokio::test]
async fn size_presets_stay_within_max_order_notional() {
    let dir = tempfile::tempdir().unwrap();
    let limits = loose_limits();
    assert_eq!(limits.max_order_notional, d("1000"), "the default this test is about");
    let h = start(dir.path(), limits, vec![]).await;
    let mut app = App::new(h.handle.clone(), &TuiOptions::default()).unwrap();
    app.refresh_snapshot();
    let step = h.handle.snapshot().instruments[0].step_size;
    for spec in ["b%<enter>y", "b<down>%%%<enter>y"] {
        let count = enter(&h, &mut app, spec, true).await;
        let snap = h.handle.snapshot();
        let order = snap.orders.last().unwrap();
        assert!(order.status.is_open(), "{spec}: {:?} ({:?})", order.status, order.reason);
        let price = order.intent.price.unwrap();
        let notional = order.intent.qty * price;
        // At most the cap, and less than one step short of it.
        assert!(notional <= d("1000") && notional > d("1000") - step * price, "{spec}: {notional}");
        assert!(count <= 6, "{spec}: {count} keys");
    }
    h.stop().await;
}
