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

/// The index of the account whose API key is `key`, if any.
pub(crate) fn index_of_key(key: &str) -> Option<usize> {
    accounts().iter().position(|a| a.api_key == key)
}

/// How many test accounts there are.
pub(crate) fn count() -> usize {
    accounts().len()
}

fn unknown_key() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, -2015, "Invalid API-key, IP, or permissions for action.")
}

/// The checks Binance makes on a `SIGNED` REST request: a known key in
/// `X-MBX-APIKEY`, a valid signature over the query string then the body,
/// a timestamp inside `recvWindow`. Returns the account index and every
/// parameter but the signature (query first, as Binance reads them).
pub(crate) fn authenticate(
    app: &AppState,
    headers: &HeaderMap,
    query: &str,
    body: &str,
) -> Result<(usize, Vec<(String, String)>), ApiError> {
    let key = headers.get("X-MBX-APIKEY").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let idx = index_of_key(key).ok_or_else(unknown_key)?;
    let payload = format!("{query}{body}");
    let (signed, signature) = match payload.rsplit_once("&signature=") {
        Some(split) => split,
        None => ("", payload.strip_prefix("signature=").ok_or_else(|| ApiError::mandatory("signature"))?),
    };
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .chain(url::form_urlencoded::parse(body.as_bytes()))
        .filter(|(k, _)| k != "signature")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    check(app, idx, signed.as_bytes(), signature, &params)?;
    Ok((idx, params))
}

/// The same checks for a WebSocket API request: `apiKey` among the params,
/// the signature over the params sorted by name (reference §2.10).
pub(crate) fn authenticate_ws(app: &AppState, params: &[(String, String)]) -> Result<usize, ApiError> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let idx = index_of_key(get("apiKey").unwrap_or_default()).ok_or_else(unknown_key)?;
    let signature = get("signature").ok_or_else(|| ApiError::mandatory("signature"))?;
    let unsigned: Vec<(&str, &str)> =
        params.iter().filter(|(k, _)| k != "signature").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let payload = crate::venue::sign::ws_api_payload(&unsigned);
    check(app, idx, payload.as_bytes(), signature, params)?;
    Ok(idx)
}

/// Signature and timestamp of account `idx`'s request.
fn check(
    app: &AppState,
    idx: usize,
    payload: &[u8],
    signature: &str,
    params: &[(String, String)],
) -> Result<(), ApiError> {
    let account = accounts().into_iter().nth(idx).ok_or_else(unknown_key)?;
    let mut timestamp = None;
    let mut recv_window = DEFAULT_RECV_WINDOW_MS;
    for (name, value) in params {
        match name.as_str() {
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
    if !Signer::new(SecretString::from(account.secret)).verify(payload, signature) {
        return Err(ApiError::bad(-1022, "Signature for this request is not valid."));
    }
    let now = app.now_ms();
    if timestamp >= now.saturating_add(MAX_AHEAD_MS) {
        return Err(ApiError::bad(
            -1021,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        ));
    }
    if now.checked_sub(timestamp).is_none_or(|age| age > recv_window) {
        return Err(ApiError::bad(-1021, "Timestamp for this request is outside of the recvWindow."));
    }
    Ok(())
}

/// `GET /sapi/v1/account/apiRestrictions?recvWindow=&timestamp=&signature=`.
pub(crate) async fn api_restrictions(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<ApiRestrictionsMsg>, ApiError> {
    let (idx, _) = authenticate(&app, &headers, &query.unwrap_or_default(), "")?;
    let account = accounts().into_iter().nth(idx).ok_or_else(unknown_key)?;
    Ok(Json(account.restrictions))
}
