//! A signed REST client for one Binance API key: `X-MBX-APIKEY` on every request,
//! `timestamp` from the exchange's own clock, `signature` from [`Signer`].
//!
//! Nothing here puts the key, the secret or a signed URL into an error or a log
//! line: errors name the endpoint without its query, reqwest errors are stripped
//! of their URL, and the key header is marked sensitive.

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::restrictions::ApiRestrictions;
use super::sign::Signer;
use crate::market::rest::{RestClient, RestError};
use crate::market::transport::TransportError;

/// How long a signed request stays valid after its timestamp (Binance's default;
/// the docs recommend 5000 or less).
const RECV_WINDOW_MS: &str = "5000";

/// The longest exchange message shown; longer ones are cut.
const MAX_MSG_CHARS: usize = 200;

/// Why a signed call failed. Display is one line a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("cannot read the exchange's clock to timestamp the request: {0}")]
    ServerTime(String),
    #[error("the stored API key has characters that cannot be sent in an HTTP header; re-add it")]
    KeyNotAHeader,
    /// No answer: `cause` is the whole error chain, with no URL in it.
    #[error("request to {endpoint} failed: {cause}")]
    Http { endpoint: String, cause: String },
    /// The exchange's `{"code":..,"msg":..}` error payload.
    #[error("{endpoint} refused the request: Binance error {code}: {msg} (HTTP {status})")]
    Api { endpoint: String, status: u16, code: i64, msg: String },
    #[error("{endpoint} does not exist on this server (HTTP 404)")]
    NotFound { endpoint: String },
    #[error("{endpoint} answered HTTP {status} without a Binance error payload")]
    Status { endpoint: String, status: u16 },
    #[error("unexpected answer from {endpoint}: {source}")]
    Parse { endpoint: String, source: serde_json::Error },
}

impl AccountError {
    /// The Binance error code, if the exchange answered with one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Signed calls for one key against one REST base URL.
pub struct SignedClient {
    /// The public client: transport policy, timeouts, no redirects, server time.
    rest: RestClient,
    api_key: SecretString,
    signer: Signer,
}

impl SignedClient {
    /// Checks `base` against the transport policy (TLS unless loopback) through
    /// the market-data client, which this one signs on top of.
    pub fn new(base: &str, api_key: SecretString, secret: SecretString) -> Result<Self, AccountError> {
        let rest = RestClient::new(base).map_err(|e| match e {
            RestError::Transport(policy) => AccountError::Transport(policy),
            other => AccountError::Http { endpoint: base.to_owned(), cause: printable(&causes(&other)) },
        })?;
        Ok(Self { rest, api_key, signer: Signer::new(secret) })
    }

    /// `GET /sapi/v1/account/apiRestrictions`: what this key may do.
    pub async fn api_restrictions(&self) -> Result<ApiRestrictions, AccountError> {
        let path = "/sapi/v1/account/apiRestrictions";
        let body = self.signed_get(path).await?;
        serde_json::from_str(&body)
            .map_err(|source| AccountError::Parse { endpoint: self.endpoint(path), source })
    }

    /// A USER_DATA GET with only `recvWindow` and `timestamp`, the timestamp taken
    /// from `/api/v3/time` so a skewed local clock cannot cause -1021.
    async fn signed_get(&self, path: &str) -> Result<String, AccountError> {
        let endpoint = self.endpoint(path);
        let mut key =
            HeaderValue::from_str(self.api_key.expose_secret()).map_err(|_| AccountError::KeyNotAHeader)?;
        key.set_sensitive(true);
        let now =
            self.rest.server_time().await.map_err(|e| AccountError::ServerTime(printable(&causes(&e))))?;
        let query =
            self.signer.signed_query(&[("recvWindow", RECV_WINDOW_MS), ("timestamp", &now.to_string())]);
        let http_err = |e: reqwest::Error| AccountError::Http {
            endpoint: endpoint.clone(),
            cause: causes(&e.without_url()),
        };
        let resp = self
            .rest
            .http()
            .get(format!("{endpoint}?{query}"))
            .header("X-MBX-APIKEY", key)
            .send()
            .await
            .map_err(http_err)?;
        let status = resp.status();
        let body = resp.text().await.map_err(http_err)?;
        if status.is_success() {
            return Ok(body);
        }
        Err(error_from(endpoint, status.as_u16(), &body))
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.rest.base())
    }
}

/// Turns a non-2xx answer into an error: the exchange's code and message when
/// the body is a Binance error payload, else just the status.
fn error_from(endpoint: String, status: u16, body: &str) -> AccountError {
    #[derive(Deserialize)]
    struct Payload {
        code: i64,
        msg: String,
    }
    match serde_json::from_str::<Payload>(body) {
        Ok(p) => AccountError::Api { endpoint, status, code: p.code, msg: printable(&p.msg) },
        Err(_) if status == 404 => AccountError::NotFound { endpoint },
        Err(_) => AccountError::Status { endpoint, status },
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
fn printable(msg: &str) -> String {
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
            401,
            r#"{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}"#,
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
            error_from(ENDPOINT.into(), 404, "<html>nope</html>"),
            AccountError::NotFound { .. }
        ));
        let err = error_from(ENDPOINT.into(), 502, "upstream said: GET /x?signature=abc");
        assert!(matches!(err, AccountError::Status { status: 502, .. }));
        assert!(!err.to_string().contains("signature"), "{err}");
    }

    #[test]
    fn exchange_messages_lose_control_characters_and_length() {
        let body = format!(r#"{{"code":-1,"msg":"a\u001b[2Jb{}"}}"#, "x".repeat(500));
        let AccountError::Api { msg, .. } = error_from(ENDPOINT.into(), 400, &body) else {
            panic!("expected an API error")
        };
        assert!(msg.starts_with("a[2Jb") && msg.chars().count() == MAX_MSG_CHARS, "{msg}");
    }

    #[test]
    fn clear_text_to_a_remote_host_is_refused_before_any_request() {
        let err =
            SignedClient::new("http://api.binance.com", SecretString::from("k"), SecretString::from("s"))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
        assert!(err.contains("refusing clear-text"), "{err}");
    }
}
