//! `GET /sapi/v1/account/apiRestrictions` for two fixed test accounts, with the
//! request checks Binance makes on a `SIGNED` endpoint: a known key in
//! `X-MBX-APIKEY` (else HTTP 401, -2015), a valid HMAC-SHA256 signature over
//! the query string (else -1022), a timestamp inside `recvWindow` (else -1021).
//!
//! The credentials below are **test credentials** and nothing else: the first
//! pair is the example Binance publishes in its API documentation (public, so it
//! opens no real account), the second was made up for vigil's tests.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use secrecy::SecretString;

use crate::venue::Signer;

use super::rest::ApiError;
use super::server::AppState;
use super::wire::ApiRestrictionsMsg;

/// Test credential: the API key of Binance's documented HMAC example; trade-only here.
pub const TRADE_ONLY_API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
/// Test credential: the secret of Binance's documented HMAC example.
pub const TRADE_ONLY_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
/// Test credential (made up): a key with withdrawals enabled, which `keys verify` must refuse.
pub const WITHDRAW_API_KEY: &str = "viRyn1pZwntbwdMzgWCNf2jpEeJFDoarYZ6CCqbq9QYfugCWXYk4ZFg3YXbkvEpJ";
/// Test credential (made up): the secret of [`WITHDRAW_API_KEY`].
pub const WITHDRAW_SECRET: &str = "xUJWJi35KREhyCOhkL4HcOYeAGmJYODLHrhAPJ3kfK0kufanOFWI35BqgPYB8LG3";

/// Binance's default `recvWindow`, and its maximum.
const DEFAULT_RECV_WINDOW_MS: i64 = 5000;
const MAX_RECV_WINDOW_MS: i64 = 60_000;
/// A timestamp this far ahead of the server clock is refused.
const MAX_AHEAD_MS: i64 = 1000;

struct Account {
    api_key: &'static str,
    secret: &'static str,
    restrictions: ApiRestrictionsMsg,
}

fn accounts() -> [Account; 2] {
    let base = ApiRestrictionsMsg {
        ip_restrict: false,
        create_time: 1_698_645_219_000,
        enable_reading: true,
        enable_withdrawals: false,
        enable_internal_transfer: false,
        enable_margin: false,
        enable_futures: false,
        permits_universal_transfer: false,
        enable_vanilla_options: false,
        enable_fix_api_trade: false,
        enable_fix_read_only: false,
        enable_spot_and_margin_trading: true,
        enable_portfolio_margin_trading: false,
    };
    [
        Account { api_key: TRADE_ONLY_API_KEY, secret: TRADE_ONLY_SECRET, restrictions: base },
        // Binance enables withdrawals only on an IP-restricted key.
        Account {
            api_key: WITHDRAW_API_KEY,
            secret: WITHDRAW_SECRET,
            restrictions: ApiRestrictionsMsg { ip_restrict: true, enable_withdrawals: true, ..base },
        },
    ]
}

/// `GET /sapi/v1/account/apiRestrictions?recvWindow=&timestamp=&signature=`.
pub(crate) async fn api_restrictions(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<ApiRestrictionsMsg>, ApiError> {
    let key = headers.get("X-MBX-APIKEY").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let account = accounts().into_iter().find(|a| a.api_key == key).ok_or_else(|| {
        ApiError::new(StatusCode::UNAUTHORIZED, -2015, "Invalid API-key, IP, or permissions for action.")
    })?;
    let query = query.unwrap_or_default();
    let (payload, signature) = match query.rsplit_once("&signature=") {
        Some(split) => split,
        None => ("", query.strip_prefix("signature=").ok_or_else(|| ApiError::mandatory("signature"))?),
    };
    let mut timestamp = None;
    let mut recv_window = DEFAULT_RECV_WINDOW_MS;
    for (name, value) in url::form_urlencoded::parse(payload.as_bytes()) {
        match &*name {
            "timestamp" => {
                timestamp = Some(value.parse::<i64>().map_err(|_| ApiError::mandatory("timestamp"))?)
            }
            "recvWindow" => {
                recv_window = value.parse().map_err(|_| ApiError::mandatory("recvWindow"))?;
                if !(1..=MAX_RECV_WINDOW_MS).contains(&recv_window) {
                    return Err(ApiError::bad(-1131, "recvWindow must be less than 60000."));
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| ApiError::mandatory("timestamp"))?;
    if !Signer::new(SecretString::from(account.secret)).verify(payload.as_bytes(), signature) {
        return Err(ApiError::bad(-1022, "Signature for this request is not valid."));
    }
    let now = app.hub.now_ms();
    if timestamp >= now.saturating_add(MAX_AHEAD_MS) {
        return Err(ApiError::bad(
            -1021,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        ));
    }
    if now.checked_sub(timestamp).is_none_or(|age| age > recv_window) {
        return Err(ApiError::bad(-1021, "Timestamp for this request is outside of the recvWindow."));
    }
    Ok(Json(account.restrictions))
}
