//! HMAC-SHA256 request signing, Binance's `SIGNED` scheme (reference §2.2–2.3),
//! and the WebSocket API's variant (§2.10).
//!
//! REST: the signature is HMAC-SHA256, keyed with the API secret, over the
//! exact bytes sent: the query string concatenated without separator to the
//! body. It goes out as lowercase hex in a final `signature=` parameter. The
//! query is built with `form_urlencoded`, so what is signed and what is sent
//! are one string and non-ASCII values are percent-encoded before signing, as
//! Binance requires.
//!
//! WebSocket API: every parameter but `signature`, sorted by name, joined as
//! `name=value` with `&`, not percent-encoded.
//!
//! A live session's signer does not hold the secret: it asks a
//! [`SecretSource`] (the unlocked vault) for it at each signature and drops it
//! right after, so the plaintext lives for one HMAC. The same type verifies
//! signatures on the simulator's side, in constant time.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// Where a signer finds its secret at the moment it signs.
pub trait SecretSource: Send + Sync {
    /// The API secret, decrypted for one signature; zeroized when dropped.
    fn secret(&self) -> Result<SecretString, SecretError>;
}

/// The secret could not be read (the vault record is gone or damaged). The
/// text names the record, never its content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the API secret: {0}")]
pub struct SecretError(pub String);

enum Held {
    /// Kept in memory for the signer's life: the simulator and the tests.
    InMemory(SecretString),
    /// Decrypted at each signature.
    Source(Box<dyn SecretSource>),
}

/// Signs (and checks) request payloads with one API secret.
///
/// Deliberately not `Debug` or `Clone`, so it cannot end up in a log line or
/// a stray copy.
pub struct Signer {
    held: Held,
}

impl Signer {
    /// A signer holding `secret` in memory (zeroized on drop).
    pub fn new(secret: SecretString) -> Self {
        Self { held: Held::InMemory(secret) }
    }

    /// A signer that decrypts its secret from `source` for each signature.
    pub fn from_source(source: Box<dyn SecretSource>) -> Self {
        Self { held: Held::Source(source) }
    }

    /// Lowercase hex HMAC-SHA256 of `payload` (the query string, then the body).
    pub fn signature(&self, payload: &[u8]) -> Result<String, SecretError> {
        let mut mac = self.mac()?;
        mac.update(payload);
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// `params` form-encoded in order, then `&signature=<hex>` over exactly that
    /// encoding: the whole query string (or body) of a signed request.
    pub fn signed_query(&self, params: &[(&str, &str)]) -> Result<String, SecretError> {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(params);
        let payload = query.finish();
        let signature = self.signature(payload.as_bytes())?;
        Ok(format!("{payload}&signature={signature}"))
    }

    /// The WebSocket API signature of `params` (which must not contain
    /// `signature`): sorted by name, `name=value` joined with `&`, raw UTF-8.
    pub fn ws_api_signature(&self, params: &[(&str, &str)]) -> Result<String, SecretError> {
        self.signature(ws_api_payload(params).as_bytes())
    }

    /// True if `hex_signature` is this secret's signature of `payload`. Hex is
    /// read in either case (Binance: HMAC signatures are not case-sensitive);
    /// the comparison is constant-time. An unreadable secret verifies nothing.
    pub fn verify(&self, payload: &[u8], hex_signature: &str) -> bool {
        let Ok(claimed) = hex::decode(hex_signature) else { return false };
        let Ok(mut mac) = self.mac() else { return false };
        mac.update(payload);
        mac.verify_slice(&claimed).is_ok()
    }

    fn mac(&self) -> Result<Hmac<Sha256>, SecretError> {
        let key = |secret: &SecretString| {
            <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret().as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC-SHA256 accepts keys of any length"))
        };
        match &self.held {
            Held::InMemory(secret) => Ok(key(secret)),
            // The decrypted copy drops (zeroized) at the end of this arm. The
            // HMAC state holds the key's padded blocks until the signature is
            // done; hmac's `zeroize` feature wipes it when it drops.
            Held::Source(source) => Ok(key(&source.secret()?)),
        }
    }
}

/// The WebSocket API's signed payload: `params` sorted by name, joined as
/// `name=value&...`, not percent-encoded (reference §2.10).
pub fn ws_api_payload(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Binance's published example secret (reference §2.3), paired with
    /// apiKey `vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A`.
    const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    fn signer() -> Signer {
        Signer::new(SecretString::from(SECRET))
    }

    fn order_params(symbol: &str) -> Vec<(&str, &str)> {
        vec![
            ("symbol", symbol),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "1"),
            ("price", "0.1"),
            ("recvWindow", "5000"),
            ("timestamp", "1499827319559"),
        ]
    }

    #[test]
    fn h1_query_string() {
        let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1\
                       &recvWindow=5000&timestamp=1499827319559";
        let expected = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
        assert_eq!(signer().signature(payload.as_bytes()).unwrap(), expected);
        assert_eq!(
            signer().signed_query(&order_params("LTCBTC")).unwrap(),
            format!("{payload}&signature={expected}")
        );
    }

    #[test]
    fn h2_query_string_then_body_without_separator() {
        let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
        let body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            signer().signature(format!("{query}{body}").as_bytes()).unwrap(),
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
        );
    }

    #[test]
    fn h3_non_ascii_is_percent_encoded_before_signing() {
        let payload = "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT\
                       &timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        let expected = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3";
        assert_eq!(signer().signature(payload.as_bytes()).unwrap(), expected);
        assert_eq!(
            signer().signed_query(&order_params("１２３４５６")).unwrap(),
            format!("{payload}&signature={expected}")
        );
    }

    #[test]
    fn verify_accepts_the_signature_in_either_case_and_nothing_else() {
        let payload = b"recvWindow=5000&timestamp=1499827319559";
        let sig = signer().signature(payload).unwrap();
        assert!(signer().verify(payload, &sig));
        assert!(signer().verify(payload, &sig.to_uppercase()));
        assert!(!signer().verify(b"recvWindow=5000&timestamp=1499827319560", &sig));
        assert!(!signer().verify(payload, &sig[..62]));
        assert!(!signer().verify(payload, "not hex"));
        assert!(!Signer::new(SecretString::from("another secret")).verify(payload, &sig));
    }

    #[test]
    fn h4_websocket_api_params_are_sorted_and_not_encoded() {
        let params = [
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01000000"),
            ("price", "52000.00"),
            ("recvWindow", "100"),
            ("timestamp", "1645423376532"),
            ("apiKey", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"),
        ];
        assert_eq!(
            ws_api_payload(&params),
            "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00\
             &quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC\
             &timestamp=1645423376532&type=LIMIT"
        );
        assert_eq!(
            signer().ws_api_signature(&params).unwrap(),
            "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"
        );
    }

    struct Counting(std::sync::atomic::AtomicUsize);

    impl SecretSource for Counting {
        fn secret(&self) -> Result<SecretString, SecretError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(SecretString::from(SECRET))
        }
    }

    #[test]
    fn a_source_backed_signer_asks_for_the_secret_at_every_signature() {
        let source = std::sync::Arc::new(Counting(std::sync::atomic::AtomicUsize::new(0)));
        struct Shared(std::sync::Arc<Counting>);
        impl SecretSource for Shared {
            fn secret(&self) -> Result<SecretString, SecretError> {
                self.0.secret()
            }
        }
        let signer = Signer::from_source(Box::new(Shared(source.clone())));
        let payload = b"recvWindow=5000&timestamp=1499827319559";
        assert_eq!(signer.signature(payload).unwrap(), self::signer().signature(payload).unwrap());
        signer.signature(payload).unwrap();
        assert_eq!(source.0.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
