//! The fixed depth-diff input shared by `depth_ingest` (criterion) and
//! `depth_callgrind` (instruction counts): realistic Binance combined-stream
//! diff-depth messages (20 levels changing per message: 10 bids, 10 asks,
//! about one in five a removal) against a 1000-level-per-side snapshot.
//! Deterministic (xorshift), so every run ingests the same bytes.
#![allow(dead_code)]

use vigil::market::fixed::Scales;

/// BTCUSDT's scales: tick 0.01, step 0.00001.
pub const SCALES: Scales = Scales::plain(2, 5);

pub const SNAPSHOT_ID: u64 = 1_000_000;
pub const MID: u64 = 6_412_310; // 64123.10 in cents

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
        format!("{}.{:05}000", rng.next() % 3, rng.next() % 100_000)
    }
}

/// The REST snapshot body: 1000 levels a side around the mid.
pub fn snapshot_body() -> String {
    let bids: Vec<[String; 2]> = (1..=1000).map(|i| [px(MID - i), "1.00000000".to_owned()]).collect();
    let asks: Vec<[String; 2]> = (0..1000).map(|i| [px(MID + i), "1.00000000".to_owned()]).collect();
    serde_json::json!({"lastUpdateId": SNAPSHOT_ID, "bids": bids, "asks": asks}).to_string()
}

/// The diff that straddles the snapshot (sync's first event).
pub fn first_frame() -> String {
    format!(
        r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":{SNAPSHOT_ID},"u":{SNAPSHOT_ID},"b":[],"a":[]}}}}"#
    )
}

/// `n` contiguous diff frames following the snapshot. Bids stay below the
/// mid and asks at or above it, so the book never crosses.
pub fn messages(n: u64) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut id = SNAPSHOT_ID + 1;
    (0..n)
        .map(|_| {
            let bids: Vec<[String; 2]> =
                (0..10).map(|_| [px(MID - 1 - rng.next() % 50), qty(&mut rng)]).collect();
            let asks: Vec<[String; 2]> = (0..10).map(|_| [px(MID + rng.next() % 50), qty(&mut rng)]).collect();
            let (first, last) = (id, id + 2);
            id = last + 1;
            // Binance's key order (e, E, s, U, u, b, a): `json!` would sort the keys.
            let (b, a) = (serde_json::to_string(&bids).unwrap(), serde_json::to_string(&asks).unwrap());
            let time = 1_700_000_000_000_u64 + first;
            format!(
                r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":{time},"s":"BTCUSDT","U":{first},"u":{last},"b":{b},"a":{a}}}}}"#
            )
        })
        .collect()
}
