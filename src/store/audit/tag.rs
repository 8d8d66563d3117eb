//! [`Tag`]: a 32-byte HMAC-SHA256 output, stored and shown as hex.

use std::fmt;

use hmac::Mac;
use serde::{Deserialize, Serialize};

/// An entry or head tag. Not secret (it is a MAC), so it may be shown.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag([u8; 32]);

/// The previous tag of entry 1: fixed, so the chain has a known start.
pub const GENESIS: Tag = Tag([0u8; 32]);

/// A string that is not 64 hex digits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid tag {0:?}: expected 64 hex digits")]
pub struct TagError(pub String);

impl Tag {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The first 12 hex digits, enough to compare heads by eye.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..6])
    }

    pub(crate) fn from_mac(mac: hmac::Hmac<sha2::Sha256>) -> Self {
        let out = mac.finalize().into_bytes();
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&out);
        Self(bytes)
    }
}

impl TryFrom<String> for Tag {
    type Error = TagError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&s, &mut bytes).map_err(|_| TagError(s))?;
        Ok(Self(bytes))
    }
}

impl From<Tag> for String {
    fn from(t: Tag) -> Self {
        hex::encode(t.0)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.short())
    }
}
