//! The venue's catalog from the full exchangeInfo, against a local server:
//! only TRADING symbols with spot allowed and both required filters are kept
//! (an entry of an unexpected shape is left out, not fatal), the query asks
//! for what the catalog needs, and a body past the bound is refused.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use vigil::domain::Symbol;
use vigil::market::{CATALOG_MAX_BYTES, RestError, fetch_catalog};

const FILTERS: &str = r#"[
  {"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1000000.00","tickSize":"0.01"},
  {"filterType":"LOT_SIZE","minQty":"0.0001","maxQty":"9000","stepSize":"0.0001"},
  {"filterType":"NOTIONAL","minNotional":"5","maxNotional":"9000000","applyMinToMarket":true,
   "applyMaxToMarket":false,"avgPriceMins":5}]"#;

fn entry(symbol: &str, status: &str, spot: bool, filters: &str) -> String {
    format!(
        r#"{{"symbol":"{symbol}","status":"{status}","baseAsset":"{}","quoteAsset":"USDT",
            "isSpotTradingAllowed":{spot},"permissionSets":[["SPOT"]],"filters":{filters}}}"#,
        symbol.trim_end_matches("USDT")
    )
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn keeps_tradable_spot_symbols_with_their_filters() {
    let info = |Query(q): Query<HashMap<String, String>>| async move {
        let asked = q.get("symbolStatus").map(String::as_str) == Some("TRADING")
            && q.get("showPermissionSets").map(String::as_str) == Some("false");
        if !asked {
            return (StatusCode::BAD_REQUEST, r#"{"code":-1102,"msg":"unexpected query"}"#.to_owned());
        }
        let symbols = [
            entry("ETHUSDT", "TRADING", true, FILTERS),
            entry("BTCUSDT", "TRADING", true, FILTERS),
            entry("HALTUSDT", "HALT", true, FILTERS),
            entry("MARGINUSDT", "TRADING", false, FILTERS),
            entry(
                "NOLOTUSDT",
                "TRADING",
                true,
                r#"[{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1","tickSize":"0.01"}]"#,
            ),
            entry("ODDUSDT", "TRADING", true, r#"[{"filterType":"PRICE_FILTER","minPrice":"x"}]"#),
        ];
        let body = format!(
            r#"{{"timezone":"UTC","serverTime":1,"rateLimits":[],"exchangeFilters":[],"symbols":[{}]}}"#,
            symbols.join(",")
        );
        (StatusCode::OK, body)
    };
    let base = serve(Router::new().route("/api/v3/exchangeInfo", get(info))).await;
    let catalog = fetch_catalog(&base).await.unwrap();
    let names: Vec<&str> = catalog.instruments().iter().map(|i| i.symbol.as_str()).collect();
    assert_eq!(names, ["BTCUSDT", "ETHUSDT"], "sorted; halted, margin-only and unreadable entries left out");
    let eth = catalog.get(&Symbol::new("ETHUSDT").unwrap()).unwrap();
    assert_eq!((eth.base_asset.as_str(), eth.quote_asset.as_str()), ("ETH", "USDT"));
    assert_eq!(eth.tick_size.to_string(), "0.01");
    assert_eq!(eth.step_size.to_string(), "0.0001");
    assert_eq!(eth.min_notional.to_string(), "5");
    assert!(catalog.get(&Symbol::new("HALTUSDT").unwrap()).is_none());
}

#[tokio::test]
async fn a_body_past_the_bound_is_refused() {
    let huge = || async { format!(r#"{{"symbols":[],"pad":"{}"}}"#, " ".repeat(CATALOG_MAX_BYTES)) };
    let base = serve(Router::new().route("/api/v3/exchangeInfo", get(huge))).await;
    let err = fetch_catalog(&base).await.unwrap_err();
    assert!(matches!(err, RestError::TooLarge { limit: CATALOG_MAX_BYTES, .. }), "{err}");
}

#[tokio::test]
async fn an_exchange_error_is_reported() {
    let refuse = || async { (StatusCode::TOO_MANY_REQUESTS, r#"{"code":-1003,"msg":"Too many requests"}"#) };
    let base = serve(Router::new().route("/api/v3/exchangeInfo", get(refuse))).await;
    let err = fetch_catalog(&base).await.unwrap_err().to_string();
    assert!(err.contains("429") && err.contains("-1003"), "{err}");
}
