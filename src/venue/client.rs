//! A signed REST client for one Binance API key: `X-MBX-APIKEY` on every
//! request, `timestamp` from the exchange's clock (the local clock corrected by
//! the last measured offset), `signature` from [`Signer`].
//!
//! Every answer's rate-limit headers (`X-MBX-USED-WEIGHT-1M`,
//! `X-MBX-ORDER-COUNT-10S`, `-1D`) are kept in [`Usage`], and `Retry-After`
//! travels with a 429 or 418. Bodies are read up to [`MAX_BODY_BYTES`].
//!
//! Nothing here puts the key, the secret or a signed URL into an error or a log
//! line: errors name the endpoint without its query, reqwest errors are stripped
//! of their URL, and the key header is marked sensitive.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::endpoints::Endpoint;
use super::restrictions::ApiRestrictions;
use super::sign::{SecretError, Signer};
use crate::clock::Clock;
use crate::domain::TimestampMs;
use crate::market::proxy::HttpsProxy;
use crate::market::rest::{RestClient, RestError};
use crate::market::transport::TransportError;

/// How long a signed request stays valid after its timestamp (Binance's default;
/// the docs recommend 5000 or less).
pub const RECV_WINDOW_MS: i64 = 5000;

/// The longest exchange message shown; longer ones are cut.
const MAX_MSG_CHARS: usize = 200;

/// The largest answer read from a signed endpoint. The biggest legitimate one
/// is `myTrades` at its 1000-trade limit (about 300 KB); anything past this is
/// a broken or hostile server, and the request fails instead of filling memory.
pub const MAX_BODY_BYTES: usize = 4 << 20;

/// Why a signed call failed. Display is one line a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("cannot read the exchange's clock to timestamp the request: {0}")]
    ServerTime(String),
    #[error("the stored API key has characters that cannot be sent in an HTTP header; re-add it")]
    KeyNotAHeader,
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// No answer (timeout, refused or dropped connection): `cause` is the
    /// whole error chain, with no URL in it.
    #[error("request to {endpoint} failed: {cause}")]
    Http { endpoint: String, cause: String },
    /// The exchange's `{"code":..,"msg":..}` error payload.
    #[error("{endpoint} refused the request: Binance error {code}: {msg} (HTTP {status})")]
    Api { endpoint: String, status: u16, code: i64, msg: String, retry_after_s: Option<u64> },
    #[error("{endpoint} does not exist on this server (HTTP 404)")]
    NotFound { endpoint: String },
    #[error("{endpoint} answered HTTP {status} without a Binance error payload")]
    Status { endpoint: String, status: u16, retry_after_s: Option<u64> },
    #[error("unexpected answer from {endpoint}: {source}")]
    Parse { endpoint: String, source: serde_json::Error },
    #[error("{endpoint} sent more than {MAX_BODY_BYTES} bytes; the answer was not read")]
    TooLarge { endpoint: String },
}

impl AccountError {
    /// The Binance error code, if the exchange answered with one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The HTTP status, if the exchange answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Status { status, .. } => Some(*status),
            Self::NotFound { .. } => Some(404),
            _ => None,
        }
    }

    /// Seconds the exchange asked to wait (`Retry-After` on a 429 or 418).
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            Self::Api { retry_after_s, .. } | Self::Status { retry_after_s, .. } => *retry_after_s,
            _ => None,
        }
    }
}

/// The exchange's count of what this IP and account have used, from the last
/// answer's headers (`None`: the header was absent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// `X-MBX-USED-WEIGHT-1M`.
    pub weight_1m: Option<u32>,
    /// `X-MBX-ORDER-COUNT-10S`.
    pub orders_10s: Option<u32>,
    /// `X-MBX-ORDER-COUNT-1D`.
    pub orders_1d: Option<u32>,
}

impl Usage {
    fn from_headers(headers: &HeaderMap, previous: Usage) -> Self {
        let read = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u32>().ok();
        Self {
            weight_1m: read("x-mbx-used-weight-1m").or(previous.weight_1m),
            orders_10s: read("x-mbx-order-count-10s").or(previous.orders_10s),
            orders_1d: read("x-mbx-order-count-1d").or(previous.orders_1d),
        }
    }
}

/// Signed calls for one key against one REST base URL.
pub struct SignedClient {
    /// The public client: transport policy, timeouts, no redirects, server time.
    rest: RestClient,
    api_key: SecretString,
    signer: Arc<Signer>,
    clock: Arc<dyn Clock>,
    /// Exchange time minus local time, as last measured (ms).
    offset_ms: AtomicI64,
    usage: Mutex<Usage>,
}

impl SignedClient {
    /// Checks `base` against the transport policy through the market-data
    /// client, which this one signs on top of.
    pub fn new(
        base: &str,
        proxy: Option<&HttpsProxy>,
        api_key: SecretString,
        signer: Arc<Signer>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, AccountError> {
        let rest = RestClient::routed(base, proxy).map_err(|e| match e {
            RestError::Transport(policy) => AccountError::Transport(policy),
            other => AccountError::Http { endpoint: base.to_owned(), cause: printable(&causes(&other)) },
        })?;
        Ok(Self { rest, api_key, signer, clock, offset_ms: AtomicI64::new(0), usage: Mutex::default() })
    }

    /// The REST base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        self.rest.base()
    }

    /// The configured proxy, for the WebSocket API connection to take the same route.
    pub fn proxy(&self) -> Option<&HttpsProxy> {
        self.rest.proxy()
    }

    /// The API key (sent in a header marked sensitive; never shown).
    pub fn api_key(&self) -> &SecretString {
        &self.api_key
    }

    /// The signer, shared with the WebSocket API connection.
    pub fn signer(&self) -> &Arc<Signer> {
        &self.signer
    }

    /// Rate-limit usage as of the last answer.
    pub fn usage(&self) -> Usage {
        *self.usage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Local time corrected to the exchange's clock by the last measured offset.
    pub fn exchange_now(&self) -> TimestampMs {
        self.clock.now_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Measures the local clock against `GET /api/v3/time` and keeps the
    /// offset for timestamps. Returns the skew as the gate reads it: local
    /// minus exchange, in ms (the exchange time is taken at the request's
    /// midpoint, so the round trip does not count as skew).
    pub async fn sync_clock(&self) -> Result<i64, AccountError> {
        let before = self.clock.now_ms();
        let server =
            self.rest.server_time().await.map_err(|e| AccountError::ServerTime(printable(&causes(&e))))?;
        let after = self.clock.now_ms();
        let midpoint = before.saturating_add(after.saturating_sub(before) / 2);
        let skew = midpoint.saturating_sub(server);
        self.offset_ms.store(skew.saturating_neg(), Ordering::Relaxed);
        Ok(skew)
    }

    /// `GET /sapi/v1/account/apiRestrictions`: what this key may do. Times
    /// itself from a fresh `/api/v3/time`, so a skewed local clock cannot
    /// cause -1021 in a one-shot check.
    pub async fn api_restrictions(&self) -> Result<ApiRestrictions, AccountError> {
        self.sync_clock().await?;
        self.call(Method::GET, Endpoint::ApiRestrictions, &[]).await
    }

    /// A signed request: `params`, then `recvWindow`, `timestamp` and
    /// `signature`, in the query string (GET, DELETE) or the form body (POST).
    /// The answer is parsed as `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        to: Endpoint,
        params: &[(&str, String)],
    ) -> Result<T, AccountError> {
        let endpoint = self.endpoint(to.path());
        let body = self.send(method, to, params).await?;
        serde_json::from_slice(&body).map_err(|source| AccountError::Parse { endpoint, source })
    }

    async fn send(
        &self,
        method: Method,
        to: Endpoint,
        params: &[(&str, String)],
    ) -> Result<Vec<u8>, AccountError> {
        let endpoint = self.endpoint(to.path());
        let mut key =
            HeaderValue::from_str(self.api_key.expose_secret()).map_err(|_| AccountError::KeyNotAHeader)?;
        key.set_sensitive(true);
        let timestamp = self.exchange_now().to_string();
        let window = RECV_WINDOW_MS.to_string();
        let mut all: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.push(("recvWindow", &window));
        all.push(("timestamp", &timestamp));
        let signed = self.signer.signed_query(&all)?;
        let http_err = |e: reqwest::Error| AccountError::Http {
            endpoint: endpoint.clone(),
            cause: causes(&e.without_url()),
        };
        let request = if method == Method::POST {
            self.rest
                .http()
                .post(&endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(signed)
        } else {
            self.rest.http().request(method, format!("{endpoint}?{signed}"))
        };
        let mut resp = request.header("X-MBX-APIKEY", key).send().await.map_err(http_err)?;
        let status = resp.status();
        {
            let mut usage = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
            *usage = Usage::from_headers(resp.headers(), *usage);
        }
        let retry_after_s = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(http_err)? {
            if body.len().saturating_add(chunk.len()) > MAX_BODY_BYTES {
                return Err(AccountError::TooLarge { endpoint });
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok(body);
        }
        Err(error_from(endpoint, status, retry_after_s, &body))
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.rest.base())
    }
}

/// Turns a non-2xx answer into an error: the exchange's code and message when
/// the body is a Binance error payload, else just the status.
fn error_from(endpoint: String, status: StatusCode, retry_after_s: Option<u64>, body: &[u8]) -> AccountError {
    #[derive(Deserialize)]
    struct Payload {
        code: i64,
        msg: String,
    }
    let status = status.as_u16();
    match serde_json::from_slice::<Payload>(body) {
        Ok(p) => AccountError::Api { endpoint, status, code: p.code, msg: printable(&p.msg), retry_after_s },
        Err(_) if status == 404 => AccountError::NotFound { endpoint },
        Err(_) => AccountError::Status { endpoint, status, retry_after_s },
    }
}

/// An error and its sources as one line, skipping a source whose text the
/// previous message already contains (many wrappers repeat their cause).
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        next = cause.source();
    }
    line
}

/// The exchange's message, cut short and without control characters, so a
/// hostile or broken server cannot drive the terminal.
pub(crate) fn printable(msg: &str) -> String {
    msg.chars().filter(|c| !c.is_control()).take(MAX_MSG_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: &str = "https://api.binance.com/sapi/v1/account/apiRestrictions";

    #[test]
    fn binance_error_payload_becomes_one_line_with_code_and_msg() {
        let err = error_from(
            ENDPOINT.into(),
            StatusCode::UNAUTHORIZED,
            None,
            br#"{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}"#,
        );
        assert_eq!(err.code(), Some(-2015));
        assert_eq!(
            err.to_string(),
            "https://api.binance.com/sapi/v1/account/apiRestrictions refused the request: Binance error \
             -2015: Invalid API-key, IP, or permissions for action. (HTTP 401)"
        );
    }

    #[test]
    fn a_404_without_payload_is_not_found_and_other_bodies_are_not_echoed() {
        assert!(matches!(
            error_from(ENDPOINT.into(), StatusCode::NOT_FOUND, None, b"<html>nope</html>"),
            AccountError::NotFound { .. }
        ));
        let err = error_from(
            ENDPOINT.into(),
            StatusCode::BAD_GATEWAY,
            None,
            b"upstream said: GET /x?signature=abc",
        );
        assert!(matches!(err, AccountError::Status { status: 502, .. }));
        assert!(!err.to_string().contains("signature"), "{err}");
    }

    #[test]
    fn exchange_messages_lose_control_characters_and_length() {
        let body = format!(r#"{{"code":-1,"msg":"a\u001b[2Jb{}"}}"#, "x".repeat(500));
        let AccountError::Api { msg, .. } =
            error_from(ENDPOINT.into(), StatusCode::BAD_REQUEST, None, body.as_bytes())
        else {
            panic!("expected an API error")
        };
        assert!(msg.starts_with("a[2Jb") && msg.chars().count() == MAX_MSG_CHARS, "{msg}");
    }

    #[test]
    fn clear_text_to_a_remote_host_is_refused_before_any_request() {
        let signer = Arc::new(Signer::new(SecretString::from("s")));
        let clock = Arc::new(crate::clock::SystemClock);
        let err = SignedClient::new("http://api.binance.com", None, SecretString::from("k"), signer, clock)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("refusing clear-text"), "{err}");
    }
}
