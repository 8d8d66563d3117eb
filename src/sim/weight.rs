//! Request weight on the wire: what each endpoint costs (Binance's documented
//! weights), the `X-MBX-USED-WEIGHT-1M` / `X-MBX-ORDER-COUNT-*` headers every
//! answer carries, and the 429 answer when a limit is reached. The signed
//! endpoints charge through `trade_rest::admit`; the public ones through
//! [`public`], a middleware, so no REST answer goes out without the headers.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::server::AppState;
use super::usage::{Counts, Refusal};

/// `POST`/`DELETE /api/v3/order`.
pub(crate) const ORDER: u32 = 1;
/// `GET /api/v3/order`.
pub(crate) const QUERY: u32 = 4;
/// `GET /api/v3/openOrders` with a symbol, and without one.
pub(crate) const OPEN_ORDERS: u32 = 6;
pub(crate) const OPEN_ORDERS_ALL: u32 = 80;
/// `GET /api/v3/account`.
pub(crate) const ACCOUNT: u32 = 20;
/// `GET /api/v3/myTrades`.
pub(crate) const TRADES: u32 = 20;

/// The weight of a public (or `sapi`) request, from its path and query.
fn public_weight(path: &str, query: &str) -> u32 {
    let param = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    };
    match path {
        "/api/v3/depth" => match param("limit").and_then(|l| l.parse::<u32>().ok()).unwrap_or(100) {
            0..=100 => 5,
            101..=500 => 25,
            501..=1000 => 50,
            _ => 250,
        },
        "/api/v3/exchangeInfo" => 20,
        "/api/v3/klines" => 2,
        "/api/v3/ticker/24hr" => match (param("symbol"), param("symbols")) {
            (Some(_), _) => 2,
            (None, Some(list)) => match list.matches(',').count() {
                0..=19 => 2,
                20..=99 => 40,
                _ => 80,
            },
            (None, None) => 80,
        },
        _ => 1,
    }
}

/// Charges a public request's weight and stamps the header on its answer.
pub(crate) async fn public(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let weight = public_weight(request.uri().path(), request.uri().query().unwrap_or_default());
    match app.usage.charge(app.now_ms(), weight, None) {
        Ok(counts) => with_usage(next.run(request).await, counts),
        Err(refusal) => refused(refusal),
    }
}

/// HTTP 429 for a limit reached (nothing was executed).
pub(crate) fn refused(r: Refusal) -> Response {
    limited(StatusCode::TOO_MANY_REQUESTS, r.code, &r.msg, r.retry_after_s, r.counts)
}

/// A Binance error with `Retry-After` (429 or 418).
pub(crate) fn limited(
    status: StatusCode,
    code: i32,
    msg: &str,
    retry_after_s: u64,
    counts: Counts,
) -> Response {
    let mut response =
        with_usage((status, axum::Json(json!({"code": code, "msg": msg}))).into_response(), counts);
    if let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string()) {
        response.headers_mut().insert("Retry-After", value);
    }
    response
}

/// Stamps the rate-limit headers on an answer.
pub(crate) fn with_usage(mut response: Response, counts: Counts) -> Response {
    let headers = response.headers_mut();
    let mut put = |name: &'static str, n: u32| {
        if let Ok(value) = HeaderValue::from_str(&n.to_string()) {
            headers.insert(name, value);
        }
    };
    put("X-MBX-USED-WEIGHT-1M", counts.weight_1m);
    if let Some((ten, day)) = counts.orders {
        put("X-MBX-ORDER-COUNT-10S", ten);
        put("X-MBX-ORDER-COUNT-1D", day);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_weights_follow_binance_tables() {
        assert_eq!(public_weight("/api/v3/depth", ""), 5);
        assert_eq!(public_weight("/api/v3/depth", "symbol=BTCUSDT&limit=1000"), 50);
        assert_eq!(public_weight("/api/v3/depth", "limit=5000"), 250);
        assert_eq!(public_weight("/api/v3/exchangeInfo", ""), 20);
        assert_eq!(public_weight("/api/v3/ticker/24hr", "symbol=BTCUSDT"), 2);
        assert_eq!(public_weight("/api/v3/ticker/24hr", ""), 80);
        assert_eq!(public_weight("/api/v3/time", ""), 1);
    }
}
