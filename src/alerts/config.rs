//! `[alerts]` in the config file: where alerts go and whether the TUI rings.

use serde::{Deserialize, Serialize, Serializer};

use crate::market::transport::{TransportError, UrlKind, check_url};

/// `[alerts]`: nothing is sent unless `command` or `webhook_url` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Program and arguments run (no shell) with each alert as one JSON
    /// object on stdin, e.g. `["notify-send-json"]` or
    /// `["ssh", "phone-gw", "vigil-alert"]`. Empty: no command.
    pub command: Vec<String>,
    /// HTTPS endpoint each alert is POSTed to as JSON (plain http only to a
    /// loopback host). Such URLs often carry a token in their path, so
    /// `config show` and the logs print only the host.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "redacted_url")]
    pub webhook_url: Option<String>,
    /// The workstation (`vigil tui`, `vigil demo`) rings the terminal bell on
    /// the same events (tmux marks the window).
    pub bell: bool,
    /// Seconds the market data connection must stay down before `feed_down`
    /// (0 ..= 3600): a planned reconnect is over in well under a second.
    #[serde(deserialize_with = "grace_secs")]
    pub feed_down_after_secs: u64,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self { command: Vec::new(), webhook_url: None, bell: true, feed_down_after_secs: 10 }
    }
}

impl AlertsConfig {
    /// Checks what serde cannot: the webhook's transport and the command's program.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.webhook_url {
            // Said without the URL's path: it may be the token.
            check_url(url, UrlKind::Http).map_err(|e| {
                let why = match e {
                    TransportError::Invalid { reason, .. } => format!("is not a URL ({reason})"),
                    TransportError::Scheme { expected, .. } => format!("has an unsupported scheme: expected {expected}"),
                    TransportError::Insecure { host, secure, .. } => {
                        format!("is clear text to {host}, which is not a loopback host: refused, use {secure}:// instead")
                    }
                };
                format!("[alerts] webhook_url {why}")
            })?;
        }
        if self.command.first().is_some_and(|p| p.trim().is_empty()) {
            return Err("[alerts] command: the program (its first element) is empty".into());
        }
        Ok(())
    }

    /// True when alerts leave the process at all.
    pub fn delivers(&self) -> bool {
        !self.command.is_empty() || self.webhook_url.is_some()
    }
}

fn grace_secs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    crate::config::in_range(d, "feed_down_after_secs", 0, 3600)
}

/// The URL down to its scheme and host: the rest may be a bearer token.
pub fn url_origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => match parsed.host_str() {
            Some(host) => match parsed.port() {
                Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
                None => format!("{}://{host}", parsed.scheme()),
            },
            None => "(a URL without a host)".into(),
        },
        Err(_) => "(an invalid URL)".into(),
    }
}

fn redacted_url<S: Serializer>(url: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => s.serialize_str(&format!("{}/(path hidden)", url_origin(url))),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn clear_text_webhooks_are_refused_unless_loopback() {
        let with = |url: &str| AlertsConfig { webhook_url: Some(url.into()), ..AlertsConfig::default() };
        assert!(with("https://hooks.example.com/T0/B1/secret").validate().is_ok());
        assert!(with("http://127.0.0.1:9000/hook").validate().is_ok());
        let err = with("http://hooks.example.com/T0/B1/secret").validate().unwrap_err();
        assert_eq!(
            err,
            "[alerts] webhook_url is clear text to hooks.example.com, which is not a loopback host: refused, \
             use https:// instead"
        );
        let err = with("ftp://hooks.example.com/x").validate().unwrap_err();
        assert!(err.contains("unsupported scheme"), "{err}");
        assert!(with("hooks.example.com/secret").validate().unwrap_err().contains("is not a URL"));
    }

    #[test]
    fn an_empty_program_is_refused() {
        let config = AlertsConfig { command: vec![" ".into()], ..AlertsConfig::default() };
        assert!(config.validate().unwrap_err().contains("program"));
    }

    #[test]
    fn the_webhook_path_is_never_shown() {
        let config = AlertsConfig {
            webhook_url: Some("https://hooks.example.com:8443/services/T0/B1/s3cr3t?token=x".into()),
            ..AlertsConfig::default()
        };
        let shown = toml::to_string(&config).unwrap();
        assert!(shown.contains("https://hooks.example.com:8443/(path hidden)"), "{shown}");
        assert!(!shown.contains("s3cr3t") && !shown.contains("token"), "{shown}");
    }
}
