//! The trading answers' JSON, each in the shape Binance documents for it
//! (reference §2.6): `POST /api/v3/order` as ACK, RESULT or FULL, the cancel
//! answer, the order as `GET /api/v3/order` and `openOrders` show it, and a
//! `myTrades` entry. Decimals are strings with 8 places, as Binance prints them.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::accounts::{Kind, STP_MODE, SimFill, SimOrder, Tif};
use super::order_params::RespType;

/// A decimal as Binance prints it: a string with 8 places.
pub(crate) fn wire(d: Decimal) -> String {
    let mut d = d;
    d.rescale(8);
    d.to_string()
}

/// `(type, timeInForce)` of an order.
fn names(o: &SimOrder) -> (&'static str, &'static str) {
    let (kind, tif) = kind_names(o.kind);
    match o.stop {
        Some((stop, _)) => (stop.as_exchange_str(), tif),
        None => (kind, tif),
    }
}

/// When the order started working: -1 while a stop-limit order waits for its trigger.
fn working_time(o: &SimOrder) -> i64 {
    if o.working { o.time } else { -1 }
}

/// `(type, timeInForce)`.
fn kind_names(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Limit(Tif::Gtc) => ("LIMIT", "GTC"),
        Kind::Limit(Tif::Ioc) => ("LIMIT", "IOC"),
        Kind::Limit(Tif::Fok) => ("LIMIT", "FOK"),
        Kind::LimitMaker => ("LIMIT_MAKER", "GTC"),
        Kind::Market => ("MARKET", "GTC"),
    }
}

fn side(o: &SimOrder) -> &'static str {
    if o.buy { "BUY" } else { "SELL" }
}

/// The answer to `POST /api/v3/order`.
pub(crate) fn placed(symbol: &str, o: &SimOrder, fills: &[SimFill], resp: RespType) -> Value {
    let mut value = json!({
        "symbol": symbol, "orderId": o.id, "orderListId": -1, "clientOrderId": o.client_id,
        "transactTime": o.update_time,
    });
    if resp == RespType::Ack {
        return value;
    }
    let (kind, tif) = names(o);
    if let Some(obj) = value.as_object_mut() {
        let mut more = json!({
            "price": wire(o.price), "origQty": wire(o.orig_qty), "executedQty": wire(o.executed),
            "origQuoteOrderQty": wire(o.orig_quote), "cummulativeQuoteQty": wire(o.cum_quote),
            "status": o.status, "timeInForce": tif, "type": kind, "side": side(o),
            "workingTime": working_time(o), "selfTradePreventionMode": STP_MODE,
        });
        if let Some((_, stop)) = o.stop
            && let Value::Object(more) = &mut more
        {
            more.insert("stopPrice".into(), Value::from(wire(stop)));
        }
        if let Value::Object(more) = more {
            obj.extend(more);
        }
        if resp == RespType::Full {
            obj.insert("fills".into(), Value::Array(fills.iter().map(fill).collect()));
        }
    }
    value
}

/// One entry of a FULL answer's `fills`.
fn fill(f: &SimFill) -> Value {
    json!({"price": wire(f.price), "qty": wire(f.qty), "commission": wire(f.commission),
           "commissionAsset": f.commission_asset, "tradeId": f.trade_id})
}

/// The answer to `DELETE /api/v3/order`: `clientOrderId` is the cancel's.
pub(crate) fn cancelled(symbol: &str, o: &SimOrder, cancel_id: &str) -> Value {
    let (kind, tif) = names(o);
    json!({
        "symbol": symbol, "origClientOrderId": o.client_id, "orderId": o.id, "orderListId": -1,
        "clientOrderId": cancel_id, "transactTime": o.update_time, "price": wire(o.price),
        "origQty": wire(o.orig_qty), "executedQty": wire(o.executed),
        "origQuoteOrderQty": wire(o.orig_quote), "cummulativeQuoteQty": wire(o.cum_quote),
        "status": o.status, "timeInForce": tif, "type": kind, "side": side(o),
        "selfTradePreventionMode": STP_MODE,
    })
}

/// An order as `GET /api/v3/order` and `GET /api/v3/openOrders` show it.
pub(crate) fn queried(symbol: &str, o: &SimOrder) -> Value {
    let (kind, tif) = names(o);
    let working = matches!(o.status, "NEW" | "PARTIALLY_FILLED") && o.working;
    json!({
        "symbol": symbol, "orderId": o.id, "orderListId": -1, "clientOrderId": o.client_id,
        "price": wire(o.price), "origQty": wire(o.orig_qty), "executedQty": wire(o.executed),
        "cummulativeQuoteQty": wire(o.cum_quote), "status": o.status, "timeInForce": tif,
        "type": kind, "side": side(o), "stopPrice": wire(o.stop.map_or(Decimal::ZERO, |(_, p)| p)),
        "icebergQty": wire(Decimal::ZERO), "time": o.time, "updateTime": o.update_time,
        "isWorking": working, "workingTime": working_time(o), "origQuoteOrderQty": wire(o.orig_quote),
        "selfTradePreventionMode": STP_MODE,
    })
}

/// One `GET /api/v3/myTrades` entry.
pub(crate) fn trade(symbol: &str, f: &SimFill) -> Value {
    json!({
        "symbol": symbol, "id": f.trade_id, "orderId": f.order_id, "orderListId": -1,
        "price": wire(f.price), "qty": wire(f.qty),
        "quoteQty": wire(f.price.checked_mul(f.qty).unwrap_or_default()),
        "commission": wire(f.commission), "commissionAsset": f.commission_asset, "time": f.time,
        "isBuyer": f.buyer, "isMaker": f.maker, "isBestMatch": true,
    })
}
