//! REST helpers against a local server: server time, exchangeInfo (with the
//! `symbols` query as Binance expects it), Binance-shaped errors, and the
//! transport policy on REST URLs.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use vigil::domain::Symbol;
use vigil::market::{RestError, fetch_exchange_info, fetch_server_time};

async fn server() -> String {
    let info = |Query(q): Query<HashMap<String, String>>| async move {
        // Answer only the exact JSON-array form of the `symbols` parameter.
        if q.get("symbols").map(String::as_str) != Some(r#"["BTCUSDT"]"#) {
            return (StatusCode::BAD_REQUEST, r#"{"code":-1121,"msg":"Invalid symbol."}"#.to_owned());
        }
        let body = r#"{"timezone":"UTC","serverTime":1,"rateLimits":[],"exchangeFilters":[],"symbols":[
          {"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","filters":[
            {"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1000000.00","tickSize":"0.01"},
            {"filterType":"LOT_SIZE","minQty":"0.00001","maxQty":"9000","stepSize":"0.00001"},
            {"filterType":"NOTIONAL","minNotional":"5","maxNotional":"9000000","applyMinToMarket":true,
             "applyMaxToMarket":false,"avgPriceMins":5}]}]}"#;
        (StatusCode::OK, body.to_owned())
    };
    let app = Router::new()
        .route("/api/v3/time", get(|| async { r#"{"serverTime":1700000000123}"# }))
        .route("/api/v3/exchangeInfo", get(info));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn server_time_and_exchange_info() {
    let base = server().await;
    assert_eq!(fetch_server_time(&base).await.unwrap(), 1_700_000_000_123);
    let inst = fetch_exchange_info(&base, &[Symbol::new("BTCUSDT").unwrap()]).await.unwrap();
    assert_eq!(inst.len(), 1);
    assert_eq!(inst[0].tick_size.to_string(), "0.01");
    assert_eq!(inst[0].step_size.to_string(), "0.00001");
    assert_eq!(inst[0].min_notional.to_string(), "5");
}

#[tokio::test]
async fn binance_errors_are_reported_with_their_body() {
    let base = server().await;
    let err = fetch_exchange_info(&base, &[Symbol::new("NOPE").unwrap()]).await.unwrap_err();
    assert!(matches!(err, RestError::Status { status: 400, .. }), "{err}");
    assert!(err.to_string().contains("-1121"), "{err}");
    let err = fetch_server_time(&format!("{base}/missing")).await.unwrap_err();
    assert!(matches!(err, RestError::Status { status: 404, .. }), "{err}");
}

#[tokio::test]
async fn clear_text_rest_to_remote_host_is_refused() {
    let err = fetch_server_time("http://api.binance.com").await.unwrap_err();
    assert!(matches!(err, RestError::Transport(_)), "{err}");
    assert!(err.to_string().contains("http://api.binance.com"), "{err}");
}
