//! A webhook receiver on loopback for alert tests and benches: records every
//! JSON body POSTed to `/hook`, or (`hanging`) accepts the request and never
//! answers, like a stuck chat service.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use serde_json::Value;

/// The bodies received so far, in arrival order.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<Value>>>);

impl Received {
    pub fn all(&self) -> Vec<Value> {
        self.0.lock().unwrap().clone()
    }
}

/// Starts a receiver; returns its URL and what it received.
pub async fn start(hanging: bool) -> (String, Received) {
    let received = Received::default();
    let store = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |body: String| {
            let store = store.clone();
            async move {
                if hanging {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                store.0.lock().unwrap().push(serde_json::from_str(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// The JSON lines a `tee -a FILE` alert command wrote.
pub fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
