//! The two fixed test accounts' keys, the request checks Binance makes on
//! every `SIGNED` endpoint, and `GET /sapi/v1/account/apiRestrictions`.
//!
//! The checks, in Binance's order: a known key in `X-MBX-APIKEY` (else HTTP
//! 401, -2015); `timestamp` present (else -1102); `recvWindow` at most 60 000
//! (else -1131); a valid HMAC-SHA256 signature over the query string
//! concatenated with the body, `signature` left out (else -1022); a timestamp
//! less than 1 s ahead and at most `recvWindow` behind the server clock (else
//! -1021). `authenticate` does them for REST, `authenticate_ws` for the
//! WebSocket API, whose payload is the params sorted by name.
//!
//! The credentials below are **test credentials** and nothing else: the first
//! pair is the example Binance publishes in its API documentation (public, so it
//! opens no real account), the second was made up for vigil's tests.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use rust_decimal::Decimal;
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
/// A timestamp at least this large is in microseconds (year 5138 in milliseconds).
const MICROS_FROM: i64 = 100_000_000_000_000;

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
    let (query_rest, in_query) = without_signature(query);
    let (body_rest, in_body) = without_signature(body);
    let signature = in_query.or(in_body).ok_or_else(|| ApiError::mandatory("signature"))?;
    let payload = format!("{query_rest}{body_rest}");
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .chain(url::form_urlencoded::parse(body.as_bytes()))
        .filter(|(k, _)| k != "signature")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let secret = accounts().get(idx).map(|a| a.secret).ok_or_else(unknown_key)?;
    check(app, &params, || Signer::new(SecretString::from(secret)).verify(payload.as_bytes(), signature))?;
    Ok((idx, params))
}

/// `part` (a query string or a form body) as sent with its `signature=`
/// pair taken out, and that signature.
fn without_signature(part: &str) -> (String, Option<&str>) {
    let mut signature = None;
    let kept: Vec<&str> = part
        .split('&')
        .filter(|pair| match pair.strip_prefix("signature=") {
            Some(sig) => {
                signature = Some(sig);
                false
            }
            None => !pair.is_empty(),
        })
        .collect();
    (kept.join("&"), signature)
}

/// Whether a WebSocket API request's `signature` is `secret`'s HMAC of its
/// other params sorted by name and joined `k=v&…` (reference §2.10).
pub(crate) fn ws_signature_ok(secret: &str, params: &[(String, String)], signature: &str) -> bool {
    let unsigned: Vec<(&str, &str)> =
        params.iter().filter(|(k, _)| k != "signature").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let payload = crate::venue::sign::ws_api_payload(&unsigned);
    Signer::new(SecretString::from(secret)).verify(payload.as_bytes(), signature)
}

/// Whether the account at `idx` may withdraw (`canWithdraw`).
pub(crate) fn can_withdraw(idx: usize) -> bool {
    accounts().get(idx).is_some_and(|a| a.restrictions.enable_withdrawals)
}

/// The same checks for a WebSocket API request: `apiKey` among the params,
/// the signature over the params sorted by name (reference §2.10).
pub(crate) fn authenticate_ws(app: &AppState, params: &[(String, String)]) -> Result<usize, ApiError> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let idx = index_of_key(get("apiKey").unwrap_or_default()).ok_or_else(unknown_key)?;
    let signature = get("signature").ok_or_else(|| ApiError::mandatory("signature"))?;
    let secret = accounts().get(idx).map(|a| a.secret).ok_or_else(unknown_key)?;
    check(app, params, || ws_signature_ok(secret, params, signature))?;
    Ok(idx)
}

/// The timestamp checks around `signature_ok` (run once the parameters are known good).
fn check(
    app: &AppState,
    params: &[(String, String)],
    signature_ok: impl FnOnce() -> bool,
) -> Result<(), ApiError> {
    let mut timestamp = None;
    let mut recv_window = Decimal::from(DEFAULT_RECV_WINDOW_MS);
    for (name, value) in params {
        match name.as_str() {
            "timestamp" if timestamp.is_none() => {
                let t = value.parse::<i64>().map_err(|_| ApiError::mandatory("timestamp"))?;
                // Binance takes milliseconds or microseconds (16 digits).
                timestamp = Some(if t >= MICROS_FROM { t / 1000 } else { t });
            }
            "recvWindow" => {
                // Milliseconds with up to three decimals (microseconds).
                recv_window = Decimal::from_str_exact(value)
                    .ok()
                    .filter(|w| w.scale() <= 3)
                    .ok_or_else(|| ApiError::mandatory("recvWindow"))?;
                if recv_window <= Decimal::ZERO || recv_window > Decimal::from(MAX_RECV_WINDOW_MS) {
                    return Err(ApiError::bad(-1131, "recvWindow must be less than 60000."));
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| ApiError::mandatory("timestamp"))?;
    if !signature_ok() {
        return Err(ApiError::bad(-1022, "Signature for this request is not valid."));
    }
    let now = app.now_ms();
    if timestamp >= now.saturating_add(MAX_AHEAD_MS) {
        return Err(ApiError::bad(
            -1021,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        ));
    }
    if now.checked_sub(timestamp).is_none_or(|age| Decimal::from(age) > recv_window) {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    /// Reference §2.10 (H4): Binance's WebSocket API example, params in the
    /// order a client might send them; the signed payload sorts them.
    #[test]
    fn ws_api_signature_matches_binance_documented_vector() {
        let params = pairs(&[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01000000"),
            ("price", "52000.00"),
            ("recvWindow", "100"),
            ("timestamp", "1645423376532"),
            ("apiKey", TRADE_ONLY_API_KEY),
            ("signature", "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"),
        ]);
        let unsigned: Vec<(&str, &str)> =
            params.iter().filter(|(k, _)| k != "signature").map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            crate::venue::sign::ws_api_payload(&unsigned),
            "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT"
        );
        let sig = "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24";
        assert!(ws_signature_ok(TRADE_ONLY_SECRET, &params, sig));
        assert!(!ws_signature_ok(WITHDRAW_SECRET, &params, sig), "another secret");
        let mut tampered = params.clone();
        tampered[5].1 = "52000.01".into();
        assert!(!ws_signature_ok(TRADE_ONLY_SECRET, &tampered, sig));
    }

    /// Reference §2.3 (H2): query string and body signed as one, no `&` between.
    #[test]
    fn rest_payload_is_query_then_body_without_the_signature() {
        let (query, none) = without_signature("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC");
        let (body, sig) = without_signature(
            "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77",
        );
        assert_eq!(none, None);
        let payload = format!("{query}{body}");
        let signer = Signer::new(SecretString::from(TRADE_ONLY_SECRET));
        assert!(signer.verify(payload.as_bytes(), sig.unwrap()));
    }
}
