//! The user data stream's events as Binance sends them (reference §2.10):
//! `executionReport` for every change of an order, `outboundAccountPosition`
//! for the balances a change touched. Built as JSON here, wrapped with the
//! subscription id by `ws_api`.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::accounts::{Kind, STP_MODE, SimFill, SimOrder, Tif, is_open};
use super::order_wire::wire;
use super::spec::SymbolSpec;
use crate::domain::TimestampMs;

/// An `executionReport` in Binance's shape (reference §2.10). `cancel_id` is
/// set for a cancel: then `c` is the cancel request's id and `C` the order's.
pub(crate) fn execution(
    spec: &SymbolSpec,
    o: &SimOrder,
    exec_type: &str,
    fill: Option<&SimFill>,
    cancel_id: Option<&str>,
    now: TimestampMs,
) -> Value {
    let (c, orig) = match cancel_id {
        Some(cancel) => (cancel, o.client_id.as_str()),
        None => (o.client_id.as_str(), ""),
    };
    let on_book =
        is_open(o.status) && o.working && matches!(o.kind, Kind::Limit(Tif::Gtc) | Kind::LimitMaker);
    let kind = match (o.kind, o.stop) {
        (_, Some((stop, _))) => stop.as_exchange_str(),
        (Kind::Limit(_), None) => "LIMIT",
        (Kind::LimitMaker, None) => "LIMIT_MAKER",
        (Kind::Market, None) => "MARKET",
    };
    let stop_price = o.stop.map_or(Decimal::ZERO, |(_, p)| p);
    let working_time = if o.working { o.time } else { -1 };
    let tif = match o.kind {
        Kind::Limit(Tif::Ioc) => "IOC",
        Kind::Limit(Tif::Fok) => "FOK",
        _ => "GTC",
    };
    let (last_qty, last_px, commission, asset, trade_id, maker) = match fill {
        Some(f) => (
            f.qty,
            f.price,
            f.commission,
            Value::from(f.commission_asset.clone()),
            i64::try_from(f.trade_id).unwrap_or(-1),
            f.maker,
        ),
        None => (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Value::Null, -1, false),
    };
    let last_quote = last_px.checked_mul(last_qty).unwrap_or_default();
    json!({
        "e": "executionReport", "E": now, "s": spec.instrument.symbol.as_str(), "c": c,
        "S": if o.buy { "BUY" } else { "SELL" }, "o": kind, "f": tif, "q": wire(o.orig_qty),
        "p": wire(o.price), "P": wire(stop_price), "F": wire(Decimal::ZERO), "g": -1, "C": orig,
        "x": exec_type, "X": o.status, "r": "NONE", "i": o.id, "l": wire(last_qty), "z": wire(o.executed),
        "L": wire(last_px), "n": wire(commission), "N": asset, "T": now, "t": trade_id, "v": 1,
        "I": o.id.saturating_mul(10), "w": on_book, "m": maker, "M": false, "O": o.time,
        "Z": wire(o.cum_quote), "Y": wire(last_quote), "Q": wire(o.orig_quote), "W": working_time, "V": STP_MODE
    })
}

/// An `outboundAccountPosition`: `(asset, free, locked)` of the assets that changed.
pub(crate) fn position(held: &[(&str, Decimal, Decimal)], now: TimestampMs) -> Value {
    let balances: Vec<Value> = held
        .iter()
        .map(|(a, free, locked)| json!({ "a": a, "f": wire(*free), "l": wire(*locked) }))
        .collect();
    json!({ "e": "outboundAccountPosition", "E": now, "u": now, "B": balances })
}
