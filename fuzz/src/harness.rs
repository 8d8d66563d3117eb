//! What each fuzz target does with one input. Shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`, nightly) and the stable replay and mutation tests
//! (`tests/fuzz_regressions.rs`), so CI exercises exactly what the fuzzer runs.
//!
//! Each function feeds the bytes to vigil's public parse/apply entry points, the
//! same ones the feed, the venue client, the store and the CLI call. Bad input
//! must come back as an error; a panic (vigil's, or an invariant asserted here
//! about what was accepted) is a crash.

use rust_decimal::Decimal;
use secrecy::SecretBox;

use vigil::config::Config;
use vigil::domain::{Instrument, Symbol, SymbolStatus};
use vigil::market::book::OrderBook;
use vigil::market::fixed::Scales;
use vigil::market::rest::{parse_catalog, parse_exchange_info};
use vigil::market::sync::BookSync;
use vigil::market::wire::{DepthDiff, DepthSnapshot, Frame, parse_frame, parse_klines};
use vigil::market::{BookUpdate, Interval, Level};
use vigil::server::{ClientFrame, MAX_CLIENT_FRAME, MAX_SERVER_FRAME, ServerFrame, frame_codec};
use vigil::store::{AuditEntry, AuditKey};
use vigil::tui::{Theme, ThemeFile};
use vigil::venue::wire::{Account, AccountPosition, ExecutionReport, OrderReport};
use vigil::venue::{ApiRestrictions, assess};

/// What a target does with one input; it panics only on a bug.
pub type Target = fn(&[u8]);

/// Every target by name: the name is the cargo-fuzz target and the directory of
/// its seeds (`fuzz/seeds/NAME`) and kept crashes (`fuzz/regressions/NAME`).
pub const TARGETS: &[(&str, Target)] = &[
    ("market_frames", market_frames),
    ("rest_depth", rest_depth),
    ("rest_exchange_info", rest_exchange_info),
    ("rest_account", rest_account),
    ("rest_order", rest_order),
    ("rest_api_restrictions", rest_api_restrictions),
    ("keystore_header", vigil_keystore::fuzzing::header),
    ("keystore_record", vigil_keystore::fuzzing::record),
    ("audit_entry", audit_entry),
    ("config", config),
    ("theme", theme),
    ("socket_frames", socket_frames),
];

/// Levels of the top of book the feed publishes.
const TOP_LEVELS: usize = 20;
/// Diffs buffered before a snapshot: small, so the fuzzer reaches the eviction path.
const SYNC_BUFFER: usize = 16;
/// Levels kept a side: small, so the fuzzer reaches the trimming path.
const MAX_LEVELS: usize = 64;
/// Levels a snapshot may carry (what the feed asks for).
const SNAPSHOT_LIMIT: usize = 1000;

/// BTCUSDT's real filters: tick 0.01 in [0.01, 1000000], step 0.00001 up to 9000.
fn btcusdt_scales() -> Option<Scales> {
    let d = |s: &str| s.parse::<Decimal>().ok();
    let instrument = Instrument {
        symbol: Symbol::new("BTCUSDT").ok()?,
        base_asset: "BTC".into(),
        quote_asset: "USDT".into(),
        status: SymbolStatus::Trading,
        tick_size: d("0.01")?,
        min_price: d("0.01")?,
        max_price: d("1000000")?,
        step_size: d("0.00001")?,
        min_qty: d("0.00001")?,
        max_qty: d("9000")?,
        min_notional: d("5")?,
    };
    Scales::of(&instrument).ok()
}

/// The WebSocket path: one combined-stream frame per line, depth diffs driven
/// through the book-sync state machine in fixed point. A line that parses as a
/// REST depth snapshot is handed to it as the snapshot it asked for.
pub fn market_frames(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(scales) = btcusdt_scales() else { return };
    let mut sync = BookSync::with_bounds(scales, SYNC_BUFFER, MAX_LEVELS);
    let mut diff = DepthDiff::default();
    for line in text.lines() {
        if let Ok(snapshot) = DepthSnapshot::parse(line, &scales, SNAPSHOT_LIMIT) {
            sync.on_snapshot(&snapshot);
        } else if let Ok(Frame::Depth { .. }) = parse_frame(line, &scales, &mut diff) {
            sync.on_diff(&diff);
        } else {
            continue;
        }
        if let Some(book) = sync.book() {
            check_book(book);
        }
    }
}

/// `GET /api/v3/depth` and `GET /api/v3/klines`: the snapshot becomes a book.
pub fn rest_depth(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(scales) = btcusdt_scales() else { return };
    if let Ok(snapshot) = DepthSnapshot::parse(text, &scales, SNAPSHOT_LIMIT) {
        assert!(snapshot.bids.len() <= SNAPSHOT_LIMIT && snapshot.asks.len() <= SNAPSHOT_LIMIT);
        let book = OrderBook::from_snapshot(
            scales,
            snapshot.last_update_id,
            &snapshot.bids,
            &snapshot.asks,
            MAX_LEVELS,
        );
        check_book(&book);
    }
    if let Ok(candles) = parse_klines(text, Interval::M1, 1000) {
        assert!(candles.len() <= 1000, "{} candles accepted where 1000 were asked", candles.len());
    }
}

/// `GET /api/v3/exchangeInfo`, both as the instrument filters and as the symbol catalog.
pub fn rest_exchange_info(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let wanted: Vec<Symbol> = ["BTCUSDT", "ETHUSDT"].iter().filter_map(|s| Symbol::new(s).ok()).collect();
    if let Ok(instruments) = parse_exchange_info(text, &wanted) {
        for i in &instruments {
            assert!(wanted.contains(&i.symbol), "{} returned but not asked for", i.symbol.as_str());
        }
    }
    let _ = parse_catalog(text);
}

/// `GET /api/v3/account` and the user stream's `outboundAccountPosition`.
pub fn rest_account(data: &[u8]) {
    if let Ok(account) = serde_json::from_slice::<Account>(data) {
        let _ = account.balances.iter().try_fold(Decimal::ZERO, |sum, b| sum.checked_add(b.free));
    }
    let _ = serde_json::from_slice::<AccountPosition>(data);
}

/// Order answers (`POST`/`DELETE`/`GET /api/v3/order`, `openOrders`) and the
/// user stream's `executionReport`.
pub fn rest_order(data: &[u8]) {
    if let Ok(report) = serde_json::from_slice::<OrderReport>(data) {
        let _ = (report.order_client_id(), report.working(), report.status.is_final());
    }
    if let Ok(orders) = serde_json::from_slice::<Vec<OrderReport>>(data) {
        let _ = orders.iter().filter(|o| o.working()).count();
    }
    if let Ok(report) = serde_json::from_slice::<ExecutionReport>(data) {
        let _ = report.order_client_id();
    }
}

/// `GET /sapi/v1/account/apiRestrictions` and the policy that judges it.
pub fn rest_api_restrictions(data: &[u8]) {
    if let Ok(restrictions) = serde_json::from_slice::<ApiRestrictions>(data) {
        let _ = assess(&restrictions);
        let _ = restrictions.flags();
    }
}

/// One stored audit entry (`audit` tree), as `vigil audit verify` reads it.
pub fn audit_entry(data: &[u8]) {
    let Ok(entry) = serde_json::from_slice::<AuditEntry>(data) else { return };
    let key = AuditKey::from_vault(SecretBox::new(Box::new([7u8; 32])));
    let _ = entry.tag_is_valid(&key);
    let resigned = AuditEntry::new_signed(
        &key,
        entry.seq,
        entry.ts_ms,
        entry.kind,
        entry.actor.clone(),
        entry.body.clone(),
        entry.prev_tag,
    );
    assert!(resigned.tag_is_valid(&key), "an entry signed by the key does not verify under it");
    let stored = serde_json::to_vec(&resigned).unwrap_or_default();
    match serde_json::from_slice::<AuditEntry>(&stored) {
        Ok(back) => {
            assert!(back.tag_is_valid(&key), "a stored signed entry does not verify after reading back")
        }
        Err(e) => panic!("a signed entry does not read back: {e}"),
    }
}

/// `config.toml`, as `vigil` loads it: what parses is valid, and survives
/// `vigil config show` (printed, then read again) unchanged.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = Config::parse(text, "fuzz") else { return };
    match config.to_toml() {
        Ok(shown) => match Config::parse(&shown, "shown") {
            Ok(again) => assert_eq!(again, config, "config changed through `config show`:\n{shown}"),
            Err(e) => panic!("`config show` printed a config that does not load: {e}\n{shown}"),
        },
        Err(e) => panic!("an accepted config cannot be shown: {e}"),
    }
}

/// A user theme file, resolved over its base as `vigil tui` loads it.
pub fn theme(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if ThemeFile::parse("fuzz", text).is_err() {
        return;
    }
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::write(dir.path().join("fuzz.toml"), text).is_err() {
        return;
    }
    for no_color in [false, true] {
        let _ = Theme::load("fuzz", Some(dir.path()), no_color);
    }
}

/// What any published book must be: each side strictly ordered best first,
/// no empty level, and a top of book whose mid is computed without a panic.
fn check_book(book: &OrderBook) {
    let ordered = |levels: &[Level], better: fn(&Decimal, &Decimal) -> bool| {
        levels.windows(2).all(|w| better(&w[0].price, &w[1].price))
    };
    let bids: Vec<Level> = book.bids().collect();
    let asks: Vec<Level> = book.asks().collect();
    assert!(ordered(&bids, |a, b| a > b), "bids not strictly descending");
    assert!(ordered(&asks, |a, b| a < b), "asks not strictly ascending");
    assert!(bids.iter().chain(&asks).all(|l| l.qty > Decimal::ZERO), "a level with no quantity is stored");
    let (top_bids, top_asks) = book.top(TOP_LEVELS);
    if let Ok(symbol) = Symbol::new("BTCUSDT") {
        let update = BookUpdate { symbol, seq: book.update_id(), bids: top_bids, asks: top_asks, ts_ms: 0 };
        let _ = update.mid();
    }
}

/// Bytes on the engine's socket, read as the engine reads a client (frames
/// capped at [`MAX_CLIENT_FRAME`], each decoded as a [`ClientFrame`]) and as a
/// client reads the engine ([`ServerFrame`]s): the same codec and decoder the
/// connection uses.
pub fn socket_frames(data: &[u8]) {
    frames::<ClientFrame>(data, MAX_CLIENT_FRAME);
    frames::<ServerFrame>(data, MAX_SERVER_FRAME);
}

fn frames<T: serde::de::DeserializeOwned>(data: &[u8], cap: usize) {
    use tokio_util::codec::Decoder;
    let mut codec = frame_codec(cap);
    let mut buffer = bytes::BytesMut::from(data);
    // A frame over the cap or a short tail is an error: the connection ends there.
    while let Ok(Some(frame)) = codec.decode_eof(&mut buffer) {
        let _ = serde_json::from_slice::<T>(&frame);
    }
}
