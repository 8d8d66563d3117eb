//! The one proxy vigil uses (issue 14): the config's `[network] https_proxy`,
//! for TLS to other hosts only. A fake proxy on loopback records the tunnels
//! it is asked for and refuses them (nothing here reaches a real exchange).
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use vigil::market::proxy::{HttpsProxy, connect_websocket};
use vigil::market::rest::RestClient;
use vigil::sim::{self, SimConfig};

/// A proxy that records each request line and answers 403.
async fn refusing_proxy() -> (HttpsProxy, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = HttpsProxy::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let (seen, asked) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut client = BufReader::new(client);
                let mut head = String::new();
                // A connection closed before its request line (the tap being
                // killed, a dropped attempt) asked for nothing.
                if client.read_line(&mut head).await.is_err() || head.is_empty() {
                    return;
                }
                let _ = seen.send(head.trim_end().to_owned());
                let _ =
                    client.get_mut().write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n").await;
            });
        }
    });
    (proxy, asked)
}

async fn next(asked: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(10), asked.recv()).await.unwrap().unwrap()
}

#[tokio::test]
async fn tls_to_the_exchange_is_tunnelled_and_the_refusal_is_named() {
    let (proxy, mut asked) = refusing_proxy().await;
    let rest = RestClient::routed("https://api.binance.com", Some(&proxy)).unwrap();
    let err = rest.server_time().await.unwrap_err();
    assert_eq!(next(&mut asked).await, "CONNECT api.binance.com:443 HTTP/1.1");
    assert!(format!("{err:?}").contains("TunnelUnsuccessful"), "{err:?}");

    let err =
        connect_websocket("wss://stream.binance.com:9443/stream", None, Some(&proxy)).await.unwrap_err();
    assert_eq!(next(&mut asked).await, "CONNECT stream.binance.com:9443 HTTP/1.1");
    let err = err.to_string();
    assert!(err.contains("refused a tunnel to stream.binance.com:9443: HTTP 403"), "{err}");
}

#[tokio::test]
async fn loopback_and_plaintext_never_go_through_it() {
    let (proxy, mut asked) = refusing_proxy().await;
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let rest = RestClient::routed(&sim.rest_url(), Some(&proxy)).unwrap();
    assert!(rest.server_time().await.is_ok(), "the loopback simulator is reached directly");
    let url = format!("{}/ws/btcusdt@trade", sim.ws_url());
    connect_websocket(&url, None, Some(&proxy)).await.unwrap();
    assert!(asked.try_recv().is_err(), "the proxy was asked for a loopback URL");
    sim.shutdown().await;
}

#[test]
fn the_binary_takes_the_proxy_from_the_config_only() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (proxy, mut asked) = runtime.block_on(refusing_proxy());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("[network]\nhttps_proxy = \"{}\"\n", proxy.as_str())).unwrap();

    // `market tap` against Binance: its first connection is a tunnel request
    // to the configured proxy, not to the one the environment names.
    let (environment, mut asked_env) = runtime.block_on(refusing_proxy());
    let mut tap = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--config")
        .arg(&config)
        .args(["market", "tap", "--feed", "binance", "--symbols", "BTCUSDT"])
        .env("HTTPS_PROXY", environment.as_str())
        .env("ALL_PROXY", environment.as_str())
        .env("https_proxy", environment.as_str())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = runtime.block_on(next(&mut asked));
    let _ = tap.kill();
    let _ = tap.wait();
    assert!(first.starts_with("CONNECT ") && first.contains(".binance.com:"), "{first}");
    assert!(asked_env.try_recv().is_err(), "the environment's proxy was used");

    // `config show` names it; a proxy with a password is refused without echoing it.
    let shown = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--config")
        .arg(&config)
        .args(["config", "show"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains("network") && l.contains("https_proxy") && l.contains(proxy.as_str())),
        "{text}"
    );
    std::fs::write(&config, "[network]\nhttps_proxy = \"http://trader:hunter2@proxy.corp:3128\"\n").unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--config")
        .arg(&config)
        .args(["config", "show"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("proxy credentials are not supported"), "{err}");
    assert!(!err.contains("hunter2"), "the password was echoed: {err}");
}
