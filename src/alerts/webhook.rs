//! `[alerts] webhook_url`: POSTs the alert as JSON. The client follows the
//! project's rules for anything it fetches: the URL passes the transport
//! policy (TLS unless loopback), redirects are not followed (they could lead
//! out of the policy's reach), every request has a timeout, and the answer's
//! body is not read. The URL is never logged whole: its path is often the token.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use super::config::url_origin;
use super::deliver::{Failure, Sink};
use crate::market::transport::{TransportError, UrlKind, check_url};

/// Longest one POST may take, connecting included.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The endpoint and a client bound to the rules above.
#[derive(Debug, Clone)]
pub struct WebhookSink {
    url: url::Url,
    http: reqwest::Client,
}

/// Why a webhook could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

impl WebhookSink {
    pub fn new(raw: &str, timeout: Duration) -> Result<Self, WebhookError> {
        let url = check_url(raw, UrlKind::Http)?;
        // As every other client: no proxy from the environment (the URL's path
        // is often the token), and only the public web PKI roots.
        let http = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only(crate::market::transport::web_pki_roots())
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("vigil/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { url, http })
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> String {
        format!("webhook {}", url_origin(self.url.as_str()))
    }

    async fn deliver(&self, body: &[u8]) -> Result<(), Failure> {
        let sent = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => {
                let status = answer.status();
                // Only "later" answers are worth repeating; any other 4xx will say the same again.
                let retry = status.is_server_error()
                    || status == StatusCode::TOO_MANY_REQUESTS
                    || status == StatusCode::REQUEST_TIMEOUT;
                Err(Failure { reason: format!("answered HTTP {}", status.as_u16()), retry })
            }
            // reqwest's error text names the URL (and so the token): left out.
            Err(err) => Err(Failure { reason: err.without_url().to_string(), retry: true }),
        }
    }
}
