//! Confirmation → exchange acknowledgement on loopback, against the embedded
//! simulator: the live path a person's `y` takes. Three numbers per order, so
//! vigil's own share can be told from the round trip:
//!
//! - **confirm**: the `Confirm` command's answer — the gate (21 checks) run
//!   again, the reservation, the order stored `submitting` and its audit
//!   entries flushed, the request handed to the venue task. All of this
//!   happens before a byte leaves.
//! - **ack**: from sending `Confirm` to the engine publishing the order with
//!   the exchange's id (the answer received, parsed, stored, published).
//! - **round trip**: the same signed `POST /api/v3/order` sent straight from
//!   a client (sign, HTTP, the simulator's matching, parse), no engine.
//!
//! vigil's share is ack − round trip. Orders rest far from the market and are
//! cancelled after each measurement, so no limit binds. Runs in a few
//! seconds: `cargo bench --bench live_ack` (`VIGIL_ACK_ORDERS=N`, default 80,
//! at most 90: the exchange allows 100 orders per 10 s).

#![allow(clippy::unwrap_used)] // a bench: a failure should stop it loudly

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use vigil::clock::SystemClock;
use vigil::domain::{OrderStatus, OrderType, Side};
use vigil::engine::{Command, SubmitOutcome};
use vigil::sim::account::{TRADE_ONLY_API_KEY as KEY, TRADE_ONLY_SECRET as SECRET};
use vigil::venue::{NewOrder, OrderKind, SignedClient, Signer, TimeInForce};

#[path = "../tests/support/live_fixture.rs"]
mod live_fixture;

use live_fixture::{btc, d, intent, top, trade_only};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // f64 only picks an index for a report.
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));
    println!("{name:<12} p50 {:>8.3} ms   p99 {:>8.3} ms   (n = {})", ms(p50), ms(p99), samples.len());
    (p50, p99)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let n: usize = std::env::var("VIGIL_ACK_ORDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(80).min(90);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let sim = live_fixture::sim(5).await;
        let dir = tempfile::tempdir().unwrap();
        let engine =
            live_fixture::start_with(dir.path(), &sim, KEY, SECRET, trade_only(), |c| c.limits.dedupe_window_ms = 0)
                .await;
        let ready = engine.ready().await;
        let (bid, _) = top(&ready);
        let base = (bid * d("0.97")).round_dp(2);
        let (mut confirm, mut ack) = (Vec::new(), Vec::new());
        for i in 0..n {
            let price = base - d("0.01") * rust_decimal::Decimal::from(i);
            let order = intent(Side::Buy, OrderType::Limit, "0.001", Some(price));
            let outcome = engine.handle.request(|reply| Command::Submit { intent: order, hold: false, reply }).await.unwrap();
            let SubmitOutcome::Pending { id, .. } = outcome else { panic!("not pending: {outcome:?}") };
            let mut rx = engine.handle.watch();
            rx.borrow_and_update();
            let start = Instant::now();
            let answer = engine.handle.request(|reply| Command::Confirm { id, reply }).await.unwrap();
            confirm.push(start.elapsed());
            assert!(matches!(answer, SubmitOutcome::Sent { .. }), "{answer:?}");
            loop {
                let acked = rx.borrow_and_update().orders.iter().any(|o| o.id == id && o.venue_order_id.is_some());
                if acked {
                    break;
                }
                rx.changed().await.unwrap();
            }
            ack.push(start.elapsed());
            engine.handle.request(|reply| Command::Cancel { id, reply }).await.unwrap();
            engine.wait(|s| s.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Cancelled)).await;
        }
        engine.stop().await;
        // Let the 10 s order window empty before the client's own orders.
        tokio::time::sleep(Duration::from_secs(10)).await;

        let signer = Arc::new(Signer::new(SecretString::from(SECRET)));
        let client = SignedClient::new(&sim.rest_url(), None, SecretString::from(KEY), signer.clone(), Arc::new(SystemClock))
            .unwrap();
        client.sync_clock().await.unwrap();
        let mut round_trip = Vec::new();
        for i in 0..n {
            let price = base - d("0.01") * rust_decimal::Decimal::from(i);
            let order = NewOrder {
                symbol: btc(),
                side: Side::Buy,
                kind: OrderKind::Limit { price, qty: d("0.001"), tif: TimeInForce::Gtc },
                client_id: format!("bench-{i}"),
            };
            let start = Instant::now();
            client.place(&order).await.unwrap();
            round_trip.push(start.elapsed());
            client.cancel(&btc(), &order.client_id).await.unwrap();
        }
        let payload = "symbol=BTCUSDT&side=BUY&newClientOrderId=vigil-0a1b2c3d-17&newOrderRespType=FULL&type=LIMIT\
                       &timeInForce=GTC&quantity=0.001&price=62080.15&recvWindow=5000&timestamp=1764000000000";
        let start = Instant::now();
        for _ in 0..10_000 {
            std::hint::black_box(signer.signature(payload.as_bytes()).unwrap());
        }
        let sign = start.elapsed() / 10_000;

        println!("live venue, confirmation -> exchange acknowledgement, loopback simulator:");
        let (_, _) = report("confirm", confirm);
        let (ack50, ack99) = report("ack", ack);
        let (rt50, rt99) = report("round trip", round_trip);
        println!("sign         {:>8.4} ms per request (HMAC-SHA256, in the round trip)", ms(sign));
        println!(
            "vigil share  p50 {:>8.3} ms   p99 {:>8.3} ms   (ack - round trip, at each percentile)",
            ms(ack50.saturating_sub(rt50)),
            ms(ack99.saturating_sub(rt99))
        );
        sim.shutdown().await;
    });
}
