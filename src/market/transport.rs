//! Transport policy: market data (and everything else vigil fetches) travels
//! over TLS unless the peer is this very machine.
//!
//! Plain `ws://`/`http://` is allowed only for loopback hosts (127.0.0.0/8,
//! `::1`, `localhost`), which is where the simulator and the tests live. Any
//! other host must use `wss://`/`https://`, so a typo in a config file cannot
//! silently send traffic in clear text over a network.

use std::net::IpAddr;

use url::{Host, Url};

/// Why a URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransportError {
    /// Not a URL at all.
    #[error("invalid URL {url:?}: {reason}")]
    Invalid { url: String, reason: String },
    /// A scheme this feed cannot speak.
    #[error("unsupported scheme in {url:?}: expected {expected}")]
    Scheme { url: String, expected: &'static str },
    /// Clear text to a host that is not loopback.
    #[error("refusing clear-text {url:?}: {host} is not a loopback host, use {secure}:// instead")]
    Insecure { url: String, host: String, secure: &'static str },
}

/// Which protocol family a URL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// A WebSocket endpoint: `wss://`, or `ws://` for loopback.
    WebSocket,
    /// A REST endpoint: `https://`, or `http://` for loopback.
    Http,
}

impl UrlKind {
    fn schemes(self) -> (&'static str, &'static str) {
        match self {
            UrlKind::WebSocket => ("wss", "ws"),
            UrlKind::Http => ("https", "http"),
        }
    }
}

/// Parses `raw` and checks it against the transport policy for `kind`.
pub fn check_url(raw: &str, kind: UrlKind) -> Result<Url, TransportError> {
    let url = Url::parse(raw)
        .map_err(|e| TransportError::Invalid { url: raw.to_owned(), reason: e.to_string() })?;
    let (secure, plain) = kind.schemes();
    let host = url
        .host()
        .ok_or_else(|| TransportError::Invalid { url: raw.to_owned(), reason: "no host".to_owned() })?;
    if url.scheme() == secure {
        return Ok(url);
    }
    if url.scheme() != plain {
        let expected = match kind {
            UrlKind::WebSocket => "wss:// (or ws:// to a loopback host)",
            UrlKind::Http => "https:// (or http:// to a loopback host)",
        };
        return Err(TransportError::Scheme { url: raw.to_owned(), expected });
    }
    if is_loopback(&host) {
        Ok(url)
    } else {
        Err(TransportError::Insecure { url: raw.to_owned(), host: host.to_string(), secure })
    }
}

/// True for 127.0.0.0/8, `::1` and the name `localhost`.
pub(crate) fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// The roots every HTTP client trusts: the public web PKI (Mozilla's list,
/// as `webpki-root-certs` ships it), the same the WebSocket connections trust.
/// Not the machine's store, which `SSL_CERT_FILE`/`SSL_CERT_DIR` or an
/// installed corporate CA can extend: an inspecting proxy would then read
/// every REST request, the API key with it.
pub(crate) fn web_pki_roots() -> Vec<reqwest::Certificate> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn secure_schemes_pass_for_any_host() {
        assert!(check_url("wss://stream.binance.com:9443", UrlKind::WebSocket).is_ok());
        assert!(check_url("https://api.binance.com", UrlKind::Http).is_ok());
    }

    #[test]
    fn clear_text_allowed_only_on_loopback() {
        for ok in
            ["ws://127.0.0.1:9000", "ws://127.8.9.10", "ws://[::1]:80", "ws://localhost:1", "ws://LOCALHOST"]
        {
            assert!(check_url(ok, UrlKind::WebSocket).is_ok(), "{ok}");
        }
        assert!(check_url("http://127.0.0.1:8080/api", UrlKind::Http).is_ok());
        for bad in [
            "ws://stream.binance.com:9443",
            "ws://10.0.0.1",
            "ws://128.0.0.1",
            "ws://[::2]",
            "ws://localhost.evil.com",
            "ws://0.0.0.0",
        ] {
            let err = check_url(bad, UrlKind::WebSocket).unwrap_err();
            assert!(matches!(err, TransportError::Insecure { .. }), "{bad}: {err}");
            assert!(err.to_string().contains(bad.trim_end_matches('/')), "{err}");
        }
    }

    #[test]
    fn refusal_names_the_url_and_the_fix() {
        let err = check_url("http://api.binance.com/x", UrlKind::Http).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("http://api.binance.com/x"), "{msg}");
        assert!(msg.contains("https://"), "{msg}");
    }

    #[test]
    fn wrong_scheme_and_garbage_are_errors() {
        assert!(matches!(
            check_url("https://127.0.0.1", UrlKind::WebSocket),
            Err(TransportError::Scheme { .. })
        ));
        assert!(matches!(check_url("ftp://localhost", UrlKind::Http), Err(TransportError::Scheme { .. })));
        assert!(matches!(check_url("not a url", UrlKind::Http), Err(TransportError::Invalid { .. })));
    }
}
