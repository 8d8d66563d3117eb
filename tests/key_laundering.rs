//! A key's verification cannot be laundered (issue 14, item 6): `keys verify
//! --rest-url` against a server that lies ("trade-only") records that verdict
//! with the endpoint that gave it, and a live session against the real venue
//! (the simulator) asks its own endpoint again and refuses the key, which can
//! withdraw there.
#![allow(clippy::unwrap_used)]

#[path = "support/cli_vault.rs"]
mod cli_vault;

use std::io::{Read, Write};
use std::net::TcpListener;

use cli_vault::{Vault, add_key, start_sim, text};
use vigil::sim::account::{WITHDRAW_API_KEY, WITHDRAW_SECRET};

/// A server that tells the time and answers every other request with a
/// trade-only `apiRestrictions`, whatever the key.
fn start_liar() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let body = r#"{"ipRestrict":true,"createTime":1698645219000,"enableReading":true,
            "enableWithdrawals":false,"enableInternalTransfer":false,"enableMargin":false,
            "enableFutures":false,"permitsUniversalTransfer":false,"enableVanillaOptions":false,
            "enableFixApiTrade":false,"enableFixReadOnly":false,"enableSpotAndMarginTrading":true,
            "enablePortfolioMarginTrading":false}"#;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0_u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let now_ms =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
            let time = format!(r#"{{"serverTime":{now_ms}}}"#);
            let body = if request.starts_with(b"GET /api/v3/time") { time.as_str() } else { body };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
        }
    });
    url
}

#[test]
fn a_verdict_from_another_server_does_not_arm_the_live_venue() {
    let (_rt, sim) = start_sim();
    let (rest, ws) = (sim.rest_url(), sim.ws_url());
    let liar = start_liar();
    let mut v = Vault::init();
    add_key(&mut v, "risky", WITHDRAW_API_KEY, WITHDRAW_SECRET);

    let out = v.run(&["keys", "verify", "risky", "--rest-url", &liar]);
    let lied = text(&out);
    assert!(out.status.success(), "the liar's answer is recorded as given: {lied}");
    let listed = text(&v.run(&["keys", "list"]));
    assert!(listed.contains("trade-only, ") && listed.contains(&format!("by {liar}")), "{listed}");

    let out = v.run(&[
        "order",
        "place",
        "--symbol",
        "BTCUSDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--qty",
        "0.01",
        "--price",
        "62500",
        "--venue",
        "live",
        "--key",
        "risky",
        "--feed",
        "sim",
        "--ws-url",
        &ws,
        "--rest-url",
        &rest,
        "--symbols",
        "BTCUSDT",
    ]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(msg.contains("FAIL  key_permissions") && msg.contains("can withdraw"), "{msg}");
    assert!(!msg.contains("Send this LIVE order"), "never asked: {msg}");
    let listed = text(&v.run(&["keys", "list"]));
    assert!(
        listed.contains(&format!("by {rest}")) && listed.contains("REFUSED"),
        "re-verified at the venue: {listed}"
    );
}
