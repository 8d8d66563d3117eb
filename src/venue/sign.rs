//! HMAC-SHA256 request signing, Binance's `SIGNED` scheme (reference §2.2–2.3).
//!
//! The signature is HMAC-SHA256, keyed with the API secret, over the exact bytes
//! sent: the query string concatenated without separator to the body. It goes out
//! as lowercase hex in a final `signature=` parameter. The query is built with
//! `form_urlencoded`, so what is signed and what is sent are one string and
//! non-ASCII values are percent-encoded before signing, as Binance requires.
//!
//! The same type verifies signatures on the simulator's side, in constant time.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// Signs (and checks) request payloads with one API secret.
///
/// Holds the secret only as a [`SecretString`] (zeroized on drop); deliberately
/// not `Debug` or `Clone`, so it cannot end up in a log line or a stray copy.
pub struct Signer {
    secret: SecretString,
}

impl Signer {
    /// A signer for `secret`, the API secret that pairs with the key in `X-MBX-APIKEY`.
    pub fn new(secret: SecretString) -> Self {
        Self { secret }
    }

    /// Lowercase hex HMAC-SHA256 of `payload` (the query string, then the body).
    pub fn signature(&self, payload: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(payload);
        hex::encode(mac.finalize().into_bytes())
    }

    /// `params` form-encoded in order, then `&signature=<hex>` over exactly that
    /// encoding: the whole query string of a signed GET.
    pub fn signed_query(&self, params: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(params);
        let payload = query.finish();
        let signature = self.signature(payload.as_bytes());
        format!("{payload}&signature={signature}")
    }

    /// True if `hex_signature` is this secret's signature of `payload`. Hex is
    /// read in either case (Binance: HMAC signatures are not case-sensitive);
    /// the comparison is constant-time.
    pub fn verify(&self, payload: &[u8], hex_signature: &str) -> bool {
        let Ok(claimed) = hex::decode(hex_signature) else { return false };
        let mut mac = self.mac();
        mac.update(payload);
        mac.verify_slice(&claimed).is_ok()
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(self.secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC-SHA256 accepts keys of any length"))
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(signer().signature(payload.as_bytes()), expected);
        assert_eq!(signer().signed_query(&order_params("LTCBTC")), format!("{payload}&signature={expected}"));
    }

    #[test]
    fn h2_query_string_then_body_without_separator() {
        let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
        let body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            signer().signature(format!("{query}{body}").as_bytes()),
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
        );
    }

    #[test]
    fn h3_non_ascii_is_percent_encoded_before_signing() {
        let payload = "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT\
                       &timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        let expected = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3";
        assert_eq!(signer().signature(payload.as_bytes()), expected);
        assert_eq!(
            signer().signed_query(&order_params("１２３４５６")),
            format!("{payload}&signature={expected}")
        );
    }

    #[test]
    fn verify_accepts_the_signature_in_either_case_and_nothing_else() {
        let payload = b"recvWindow=5000&timestamp=1499827319559";
        let sig = signer().signature(payload);
        assert!(signer().verify(payload, &sig));
        assert!(signer().verify(payload, &sig.to_uppercase()));
        assert!(!signer().verify(b"recvWindow=5000&timestamp=1499827319560", &sig));
        assert!(!signer().verify(payload, &sig[..62]));
        assert!(!signer().verify(payload, "not hex"));
        assert!(!Signer::new(SecretString::from("another secret")).verify(payload, &sig));
    }
}
