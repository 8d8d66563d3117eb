//! TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps — what authenticator apps
//! use), via totp-rs. This file knows how to enrol and how to find which time step a code
//! belongs to; replay protection (refusing a step already used) lives with the stored state.

use secrecy::{ExposeSecret, SecretBox, SecretString};
use totp_rs::{Algorithm, Builder, Totp};
use zeroize::Zeroizing;

/// Length of a TOTP secret: 160 bits, RFC 4226's recommendation.
pub(crate) const SECRET_LEN: usize = 20;
/// Seconds per TOTP step.
pub(crate) const STEP_SECS: u64 = 30;
/// Digits shown by the authenticator app.
const DIGITS: u8 = 6;
/// Issuer shown in the authenticator app.
const ISSUER: &str = "vigil";

/// A freshly generated TOTP secret, not yet stored: shown to the person once (URI, QR,
/// base32), confirmed with [`TotpEnrollment::verify`], then handed to `Keystore::create`
/// or `Vault::reset_totp`.
pub struct TotpEnrollment {
    secret: SecretBox<[u8; SECRET_LEN]>,
}

impl TotpEnrollment {
    /// A new random 160-bit secret from the thread-local CSPRNG (seeded by the OS).
    pub fn generate() -> Self {
        use rand::Rng;
        let mut secret = SecretBox::new(Box::new([0u8; SECRET_LEN]));
        rand::rng().fill_bytes(secrecy::ExposeSecretMut::expose_secret_mut(&mut secret));
        TotpEnrollment { secret }
    }

    /// Wraps a known secret (the RFC vectors).
    #[cfg(test)]
    pub(crate) fn from_secret(secret: SecretBox<[u8; SECRET_LEN]>) -> Self {
        TotpEnrollment { secret }
    }

    /// The raw secret, for encrypting it into the keystore.
    pub(crate) fn secret(&self) -> &[u8; SECRET_LEN] {
        self.secret.expose_secret()
    }

    /// `otpauth://totp/vigil:ACCOUNT?secret=…&issuer=vigil` for a QR code. A `:` in the
    /// account (forbidden by the Key URI format) is replaced by `_`; an empty one becomes
    /// `vigil`.
    pub fn otpauth_uri(&self, account: &str) -> SecretString {
        let account = match account.replace(':', "_") {
            a if a.is_empty() => ISSUER.to_owned(),
            a => a,
        };
        let totp = totp(self.secret(), DIGITS, Some(account));
        // Cannot fail: the only error is an empty or `:`-containing account, excluded above.
        secret_string(Zeroizing::new(totp.to_url().unwrap_or_default()))
    }

    /// The secret in RFC 4648 base32 without padding, for typing into an app by hand.
    pub fn base32(&self) -> SecretString {
        secret_string(Zeroizing::new(totp(self.secret(), DIGITS, None).secret().to_base32()))
    }

    /// `true` if `code` is valid at `now_unix` within ±1 step. Used to confirm enrolment;
    /// it does not consume the code.
    pub fn verify(&self, code: &str, now_unix: u64) -> bool {
        matching_step(self.secret(), code, now_unix, None).is_some()
    }
}

/// Copies into an exactly sized secret so no unzeroized spare capacity is left behind.
fn secret_string(text: Zeroizing<String>) -> SecretString {
    SecretString::from(text.as_str())
}

/// A totp-rs instance with vigil's fixed parameters (SHA-1, 30 s, issuer `vigil`, no skew:
/// the ±1 window is walked by [`matching_step`] so the matched step is known).
fn totp(secret: &[u8], digits: u8, account: Option<String>) -> Totp {
    let builder = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(digits)
        .with_step_duration(STEP_SECS)
        .with_skew(0)
        .with_secret(secret.to_vec())
        .with_issuer(Some(ISSUER));
    match account {
        Some(account) => builder.with_account_name(account),
        None => builder,
    }
    .build_noncompliant()
}

/// The code for `unix` time with `digits` digits (the RFC vectors use 8).
#[cfg(test)]
pub(crate) fn code_at(secret: &[u8], digits: u8, unix: u64) -> String {
    totp(secret, digits, None).generate(unix).to_string()
}

/// The newest time step within ±1 of `now_unix` whose code equals `code` and that is
/// strictly after `after_step` if given (replay protection), or `None`. Comparison is constant time
/// (totp-rs tokens compare in constant time).
pub(crate) fn matching_step(
    secret: &[u8],
    code: &str,
    now_unix: u64,
    after_step: Option<u64>,
) -> Option<u64> {
    let code = code.trim();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, DIGITS, None);
    let now = now_unix / STEP_SECS;
    let mut found = None;
    for step in now.saturating_sub(1)..=now.saturating_add(1) {
        let Some(at) = step.checked_mul(STEP_SECS) else { continue };
        if totp.check(code, at) == Some(step) && after_step.is_none_or(|last| step > last) {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const RFC_SECRET: &[u8; 20] = b"12345678901234567890";

    /// RFC 6238 Appendix B, SHA-1 column (8 digits), plus the 6-digit truncation.
    const RFC_ROWS: &[(u64, &str)] = &[
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc6238_appendix_b_sha1_rows() {
        for &(t, expected) in RFC_ROWS {
            assert_eq!(code_at(RFC_SECRET, 8, t), expected, "t={t}");
            assert_eq!(code_at(RFC_SECRET, 6, t), expected[2..], "t={t} 6 digits");
            let step = matching_step(RFC_SECRET, &expected[2..], t, None);
            assert_eq!(step, Some(t / 30), "t={t}");
        }
    }

    #[test]
    fn window_is_plus_minus_one_step_and_replay_is_refused() {
        let t = 1_234_567_890;
        let code = code_at(RFC_SECRET, 6, t);
        assert!(matching_step(RFC_SECRET, &code, t + 30, None).is_some());
        assert!(matching_step(RFC_SECRET, &code, t - 30, None).is_some());
        assert!(matching_step(RFC_SECRET, &code, t + 60, None).is_none());
        assert!(matching_step(RFC_SECRET, &code, t - 60, None).is_none());
        assert!(matching_step(RFC_SECRET, &code, t, Some(t / 30)).is_none());
        assert!(matching_step(RFC_SECRET, &code, t, Some(t / 30 - 1)).is_some());
    }

    #[test]
    fn malformed_codes_are_refused_without_panicking() {
        for bad in ["", "12345", "1234567", "+12345", "12a456", "١٢٣٤٥٦", "      "] {
            assert!(matching_step(RFC_SECRET, bad, 59, None).is_none(), "{bad:?}");
        }
        assert!(matching_step(RFC_SECRET, "287082", u64::MAX, None).is_none());
    }

    #[test]
    fn enrollment_uri_and_base32() {
        let e = TotpEnrollment::from_secret(SecretBox::new(Box::new(*RFC_SECRET)));
        assert_eq!(e.base32().expose_secret(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let uri = e.otpauth_uri("ops@host");
        let uri = uri.expose_secret();
        assert!(uri.starts_with("otpauth://totp/vigil:ops%40host?"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "{uri}");
        assert!(uri.contains("issuer=vigil"), "{uri}");
        assert!(!e.otpauth_uri("a:b").expose_secret().is_empty());
        assert!(e.otpauth_uri("").expose_secret().contains("vigil:vigil"));
        assert!(e.verify("287082", 59));
        assert!(!e.verify("287082", 59 + 90));
    }

    #[test]
    fn generated_secrets_are_distinct() {
        assert_ne!(TotpEnrollment::generate().secret(), TotpEnrollment::generate().secret());
    }
}
