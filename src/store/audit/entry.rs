//! One audit entry, its canonical bytes and its chained HMAC tag.
//!
//! tag = HMAC-SHA256(key, prev_tag || canonical(seq, ts, kind, actor, body)).
//! The canonical bytes are length-prefixed fields with the body as JSON whose
//! object keys are sorted, so the same entry always MACs the same way no matter
//! how serde_json orders maps in this build.

use std::fmt;

use hmac::Mac;
use serde::{Deserialize, Serialize};

use super::key::AuditKey;
use super::tag::Tag;
use crate::domain::TimestampMs;

/// Domain separation for entry MACs (a head or key-check MAC can never pass as one).
const ENTRY_DOMAIN: &[u8] = b"vigil-audit-entry-v1\0";

/// What an entry records. The names are a stable contract (shown and filtered on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// An order intent arrived (person or strategy).
    Intent,
    /// The pre-trade gate's verdicts for an intent.
    Gate,
    /// A person confirmed a pending order.
    Confirmed,
    /// An order was rejected (gate, person or venue).
    Rejected,
    /// An order was sent to the venue.
    Submitted,
    /// An execution.
    Fill,
    /// A cancel request or confirmation.
    Cancel,
    /// Venue or approval mode changed.
    ModeChange,
    /// The kill switch was engaged or released.
    KillSwitch,
    /// A breaker tripped (drawdown, daily loss, loss streak).
    Breaker,
    /// A keystore unlock attempt and its outcome (never the secret).
    UnlockAttempt,
    /// Anything else worth a line (start-up, shutdown, reconciliation).
    Note,
}

impl AuditKind {
    /// The stable name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intent => "intent",
            Self::Gate => "gate",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
            Self::Submitted => "submitted",
            Self::Fill => "fill",
            Self::Cancel => "cancel",
            Self::ModeChange => "mode_change",
            Self::KillSwitch => "kill_switch",
            Self::Breaker => "breaker",
            Self::UnlockAttempt => "unlock_attempt",
            Self::Note => "note",
        }
    }
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who caused an entry: `person`, `strategy:NAME`, `engine`, `breaker:CHECK`,
/// `restart` or `cli`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Actor {
    /// The operator, at the workstation or the CLI.
    Person,
    Strategy(String),
    /// The engine on its own account (budget spent, an order's end, expiry).
    Engine,
    /// A breaker, named by its check id (`drawdown_breaker`, `daily_loss_limit`).
    Breaker(String),
    /// The engine acting at start-up on what an earlier session left.
    Restart,
    Cli,
    /// The exchange, on the live venue: a fill, a refusal, a cancel or
    /// expiry it reported, or a difference reconciliation found.
    Exchange,
}

/// A string that is not a known actor.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid actor {0:?}: expected person, engine, restart, cli, exchange, strategy:NAME or breaker:NAME"
)]
pub struct ActorError(pub String);

impl TryFrom<String> for Actor {
    type Error = ActorError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "person" => Ok(Self::Person),
            "engine" => Ok(Self::Engine),
            "restart" => Ok(Self::Restart),
            "cli" => Ok(Self::Cli),
            "exchange" => Ok(Self::Exchange),
            _ => {
                let named =
                    |prefix: &str| s.strip_prefix(prefix).filter(|n| !n.is_empty()).map(str::to_owned);
                if let Some(name) = named("strategy:") {
                    Ok(Self::Strategy(name))
                } else if let Some(name) = named("breaker:") {
                    Ok(Self::Breaker(name))
                } else {
                    Err(ActorError(s))
                }
            }
        }
    }
}

impl From<Actor> for String {
    fn from(a: Actor) -> Self {
        a.to_string()
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Person => f.write_str("person"),
            Self::Strategy(name) => write!(f, "strategy:{name}"),
            Self::Engine => f.write_str("engine"),
            Self::Breaker(name) => write!(f, "breaker:{name}"),
            Self::Restart => f.write_str("restart"),
            Self::Cli => f.write_str("cli"),
            Self::Exchange => f.write_str("exchange"),
        }
    }
}

/// One link of the chain as stored (JSON) and shown by `vigil audit show`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the log, contiguous from 1.
    pub seq: u64,
    pub ts_ms: TimestampMs,
    pub kind: AuditKind,
    pub actor: Actor,
    /// Details; never a secret.
    pub body: serde_json::Value,
    /// The previous entry's tag (the genesis tag for entry 1).
    pub prev_tag: Tag,
    pub tag: Tag,
}

/// The body with every object's keys sorted, recursively.
fn canonical_value(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let sorted = keys.into_iter().map(|k| (k.clone(), canonical_value(&map[k.as_str()])));
            serde_json::Value::Object(sorted.collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(canonical_value).collect())
        }
        other => other.clone(),
    }
}

fn put_field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The bytes an entry's tag covers (besides the previous tag).
pub fn canonical_bytes(
    seq: u64,
    ts_ms: TimestampMs,
    kind: AuditKind,
    actor: &Actor,
    body: &serde_json::Value,
) -> Vec<u8> {
    // Serializing a `Value` cannot fail (its map keys are always strings).
    let body = serde_json::to_vec(&canonical_value(body)).unwrap_or_default();
    let mut out = Vec::with_capacity(64 + body.len());
    out.extend_from_slice(ENTRY_DOMAIN);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&ts_ms.to_be_bytes());
    put_field(&mut out, kind.as_str().as_bytes());
    put_field(&mut out, actor.to_string().as_bytes());
    put_field(&mut out, &body);
    out
}

fn entry_mac(key: &AuditKey, prev: &Tag, canonical: &[u8]) -> hmac::Hmac<sha2::Sha256> {
    let mut mac = key.mac();
    mac.update(prev.as_bytes());
    mac.update(canonical);
    mac
}

/// The tag of a new entry chained after `prev`.
fn compute_tag(key: &AuditKey, prev: &Tag, canonical: &[u8]) -> Tag {
    Tag::from_mac(entry_mac(key, prev, canonical))
}

impl AuditEntry {
    /// Builds entry `seq` chained after `prev_tag` and signs it with `key`.
    pub fn new_signed(
        key: &AuditKey,
        seq: u64,
        ts_ms: TimestampMs,
        kind: AuditKind,
        actor: Actor,
        body: serde_json::Value,
        prev_tag: Tag,
    ) -> Self {
        let tag = compute_tag(key, &prev_tag, &canonical_bytes(seq, ts_ms, kind, &actor, &body));
        Self { seq, ts_ms, kind, actor, body, prev_tag, tag }
    }

    /// True when `tag` is the HMAC of this entry chained after `prev_tag`
    /// (compared in constant time).
    pub fn tag_is_valid(&self, key: &AuditKey) -> bool {
        let canonical = canonical_bytes(self.seq, self.ts_ms, self.kind, &self.actor, &self.body);
        entry_mac(key, &self.prev_tag, &canonical).verify_slice(self.tag.as_bytes()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn actor_round_trips_and_rejects_junk() {
        for a in [Actor::Person, Actor::Engine, Actor::Cli, Actor::Strategy("grid".into())] {
            assert_eq!(Actor::try_from(a.to_string()).unwrap(), a);
        }
        assert!(Actor::try_from("strategy:".to_owned()).is_err());
        assert!(Actor::try_from("root".to_owned()).is_err());
    }

    #[test]
    fn canonical_bytes_ignore_key_order_but_not_values() {
        let a = serde_json::json!({"b": 1, "a": {"y": [1, 2], "x": "s"}});
        let b: serde_json::Value = serde_json::from_str(r#"{"a":{"x":"s","y":[1,2]},"b":1}"#).unwrap();
        let c = serde_json::json!({"b": 2, "a": {"y": [1, 2], "x": "s"}});
        let bytes = |v| canonical_bytes(1, 5, AuditKind::Note, &Actor::Cli, v);
        assert_eq!(bytes(&a), bytes(&b));
        assert_ne!(bytes(&a), bytes(&c));
        assert_ne!(bytes(&a), canonical_bytes(2, 5, AuditKind::Note, &Actor::Cli, &a));
    }

    #[test]
    fn an_entry_with_floats_in_its_body_verifies_after_a_round_trip_through_storage() {
        // Found by fuzzing: without serde_json's exact float parsing, 17600000e40
        // read back one bit off and the stored entry failed its own check.
        let key = AuditKey::from_vault(secrecy::SecretBox::new(Box::new([7u8; 32])));
        let body: serde_json::Value =
            serde_json::from_str(r#"{"a":17600000e40,"b":1760500e000,"c":0.1}"#).unwrap();
        let entry =
            AuditEntry::new_signed(&key, 0, 1, AuditKind::Note, Actor::Cli, body, super::super::tag::GENESIS);
        let stored = serde_json::to_vec(&entry).unwrap();
        let back: AuditEntry = serde_json::from_slice(&stored).unwrap();
        assert!(back.tag_is_valid(&key));
    }
}
