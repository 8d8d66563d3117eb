//! The one proxy vigil ever uses: the HTTP proxy the config names in
//! `[network] https_proxy`, for `https://` and `wss://` traffic to hosts that
//! are not this machine.
//!
//! Never one from the environment: `HTTPS_PROXY` and friends are set by
//! whoever controls the shell, and a proxy chosen there would see which
//! exchange is called, when, and (for plaintext) the signed requests. A
//! configured proxy is asked to open a tunnel (`CONNECT host:443`) and TLS to
//! the exchange runs inside it end to end, so the proxy sees the host name and
//! the volume of traffic but never a request, a key or an order. Loopback and
//! plaintext URLs always go direct.
//!
//! REST goes through reqwest's own proxy support; the WebSocket connections
//! are tunnelled here with hyper's client (the HTTP is hyper's, not ours).

use bytes::Bytes;
use http_body_util::Empty;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::either::Either;
use url::{Host, Url};

use super::transport::is_loopback;

/// A WebSocket connection, straight or through the configured proxy.
pub type WebSocket = WebSocketStream<MaybeTlsStream<Either<TcpStream, TokioIo<Upgraded>>>>;

/// Why a proxy setting was refused or a tunnel could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The setting itself is not echoed: it may hold a password.
    #[error("https_proxy: {reason}")]
    Invalid { reason: &'static str },
    #[error("cannot reach the proxy {proxy}: {cause}")]
    Unreachable { proxy: String, cause: String },
    #[error("the proxy {proxy} refused a tunnel to {target}: HTTP {status}")]
    Refused { proxy: String, target: String, status: u16 },
}

/// A validated `[network] https_proxy`: `http://host:port`, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpsProxy {
    url: Url,
    /// `host:port` of the proxy, where the tunnel's TCP connection goes.
    address: (String, u16),
}

impl TryFrom<String> for HttpsProxy {
    type Error = ProxyError;

    fn try_from(raw: String) -> Result<Self, ProxyError> {
        Self::parse(&raw)
    }
}

impl From<HttpsProxy> for String {
    fn from(proxy: HttpsProxy) -> Self {
        proxy.url.into()
    }
}

impl HttpsProxy {
    /// Parses the setting. Only `http://` (the tunnel carries the TLS; a TLS
    /// proxy connection would be TLS in TLS), no credentials (a password does
    /// not belong in a config file), no path.
    pub fn parse(raw: &str) -> Result<Self, ProxyError> {
        let invalid = |reason| ProxyError::Invalid { reason };
        let url = Url::parse(raw).map_err(|_| invalid("not a URL (expected http://HOST:PORT)"))?;
        if url.scheme() != "http" {
            return Err(invalid("the proxy must be http://HOST:PORT (the tunnel carries the TLS)"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("proxy credentials are not supported (they would sit in the config file)"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a proxy is HOST:PORT only, without a path or query"));
        }
        let host = match url.host() {
            Some(Host::Domain(name)) => name.to_owned(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(invalid("no host")),
        };
        let port = url.port_or_known_default().ok_or_else(|| invalid("no port"))?;
        Ok(Self { url, address: (host, port) })
    }

    /// The proxy as the config spells it.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// Whether a request to `target` goes through a proxy: only TLS to a host
    /// that is not this machine.
    pub fn carries(target: &Url) -> bool {
        matches!(target.scheme(), "https" | "wss") && target.host().is_some_and(|host| !is_loopback(&host))
    }

    /// The proxy for reqwest: used for what [`HttpsProxy::carries`], nothing else.
    pub(crate) fn for_reqwest(&self) -> reqwest::Proxy {
        let proxy = self.url.clone();
        reqwest::Proxy::custom(move |target| {
            let target = Url::parse(target.as_str()).ok()?;
            Self::carries(&target).then(|| proxy.clone())
        })
    }

    /// Opens a tunnel to `host:port` through the proxy (`CONNECT`).
    async fn tunnel(&self, host: &str, port: u16) -> Result<TokioIo<Upgraded>, ProxyError> {
        let proxy = self.as_str().to_owned();
        let unreachable = |cause: String| ProxyError::Unreachable { proxy: proxy.clone(), cause };
        let tcp = TcpStream::connect((self.address.0.as_str(), self.address.1))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(tcp))
                .await
                .map_err(|e| unreachable(e.to_string()))?;
        // Drives the proxy connection until it is handed over as the tunnel.
        tokio::spawn(connection.with_upgrades());
        let target = authority(host, port);
        let request = hyper::Request::connect(target.as_str())
            .header(hyper::header::HOST, target.as_str())
            .body(Empty::new())
            .map_err(|e| unreachable(e.to_string()))?;
        let response = sender.send_request(request).await.map_err(|e| unreachable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(ProxyError::Refused { proxy, target, status: response.status().as_u16() });
        }
        let upgraded = hyper::upgrade::on(response).await.map_err(|e| unreachable(e.to_string()))?;
        Ok(TokioIo::new(upgraded))
    }
}

/// `host:port` as a CONNECT request names it (an IPv6 host in brackets).
fn authority(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// Connects a WebSocket to `url` (already checked against the transport
/// policy): through `proxy` when it [carries](HttpsProxy::carries) the URL,
/// straight otherwise. TLS, when the URL asks for it, is end to end either way.
pub async fn connect_websocket(
    url: &str,
    config: Option<WebSocketConfig>,
    proxy: Option<&HttpsProxy>,
) -> Result<WebSocket, tungstenite::Error> {
    let request = url.into_client_request()?;
    let parsed =
        Url::parse(url).map_err(|_| tungstenite::Error::Url(tungstenite::error::UrlError::NoHostName))?;
    let host = match parsed.host() {
        Some(Host::Domain(name)) => name.to_owned(),
        Some(Host::Ipv4(ip)) => ip.to_string(),
        Some(Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(tungstenite::Error::Url(tungstenite::error::UrlError::NoHostName)),
    };
    let port = parsed.port_or_known_default().unwrap_or(if parsed.scheme() == "wss" { 443 } else { 80 });
    let stream = match proxy.filter(|_| HttpsProxy::carries(&parsed)) {
        Some(proxy) => Either::Right(proxy.tunnel(&host, port).await.map_err(|e| {
            tungstenite::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, e.to_string()))
        })?),
        None => Either::Left(TcpStream::connect((host.as_str(), port)).await?),
    };
    let (socket, _) = tokio_tungstenite::client_async_tls_with_config(request, stream, config, None).await?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_a_plain_host_and_port_is_a_proxy() {
        let ok = HttpsProxy::parse("http://proxy.corp:3128").unwrap();
        assert_eq!(ok.address, ("proxy.corp".to_owned(), 3128));
        assert_eq!(HttpsProxy::parse("http://10.0.0.1").unwrap().address.1, 80);
        for (raw, why) in [
            ("https://proxy.corp:3128", "must be http://"),
            ("socks5://proxy.corp:1080", "must be http://"),
            ("http://user:secret@proxy.corp:3128", "credentials"),
            ("http://proxy.corp:3128/path", "without a path"),
            ("proxy.corp:3128", "must be http://"),
            ("not a url", "not a URL"),
        ] {
            let err = HttpsProxy::parse(raw).unwrap_err().to_string();
            assert!(err.contains(why), "{raw}: {err}");
            assert!(!err.contains("secret"), "a proxy password must not be echoed: {err}");
        }
    }

    #[test]
    fn only_tls_to_another_host_is_carried() {
        let carried = |raw: &str| HttpsProxy::carries(&Url::parse(raw).unwrap());
        assert!(carried("https://api.binance.com/api/v3/depth"));
        assert!(carried("wss://stream.binance.com:9443/stream"));
        assert!(!carried("http://127.0.0.1:8080/api/v3/depth"));
        assert!(!carried("ws://localhost:9000/ws"));
        assert!(!carried("https://localhost:8443/"));
        assert!(!carried("https://[::1]:8443/"));
    }

    /// A relaying CONNECT proxy on loopback (test-only) that records what it was asked.
    async fn relay_proxy() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let (seen, asked) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut client = BufReader::new(client);
                    let mut head = String::new();
                    client.read_line(&mut head).await.unwrap();
                    let mut line = String::new();
                    while client.read_line(&mut line).await.unwrap() > 2 {
                        line.clear();
                    }
                    seen.send(head.trim_end().to_owned()).unwrap();
                    let target = head.split_whitespace().nth(1).unwrap().to_owned();
                    let mut upstream = TcpStream::connect(target).await.unwrap();
                    let mut client = client.into_inner();
                    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        (address, asked)
    }

    #[tokio::test]
    async fn a_websocket_runs_through_the_tunnel() {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        // A WebSocket echo server, reached only through the proxy's tunnel.
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = server.local_addr().unwrap();
        tokio::spawn(async move {
            let (tcp, _) = server.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            while let Some(Ok(message)) = ws.next().await {
                if message.is_text() {
                    ws.send(message).await.unwrap();
                }
            }
        });
        let (address, mut asked) = relay_proxy().await;
        let proxy = HttpsProxy::parse(&address).unwrap();
        let tunnel = proxy.tunnel("127.0.0.1", target.port()).await.unwrap();
        assert_eq!(asked.recv().await.unwrap(), format!("CONNECT 127.0.0.1:{} HTTP/1.1", target.port()));
        let url = format!("ws://127.0.0.1:{}/ws", target.port());
        let (mut ws, _) = tokio_tungstenite::client_async(url, tunnel).await.unwrap();
        ws.send(Message::text("ping through the tunnel")).await.unwrap();
        let echo = ws.next().await.unwrap().unwrap();
        assert_eq!(echo.into_text().unwrap().as_str(), "ping through the tunnel");
    }

    #[test]
    fn ipv6_targets_are_bracketed() {
        assert_eq!(authority("::1", 443), "[::1]:443");
        assert_eq!(authority("api.binance.com", 443), "api.binance.com:443");
    }
}
