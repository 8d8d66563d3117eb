//! Byte encodings shared by the store and the audit log: big-endian integer
//! keys (so byte order is numeric order and iteration is ordered) and
//! serde_json values (readable with any JSON tool when debugging a state dir).

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a stored value could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// A stored value is not the JSON this build expects.
    #[error("{tree}/{key}: unreadable value: {source}")]
    Value {
        tree: &'static str,
        key: String,
        #[source]
        source: serde_json::Error,
    },
    /// A stored key has the wrong length or encoding.
    #[error("{tree}: malformed key {key}")]
    Key { tree: &'static str, key: String },
}

/// A key as shown in messages: UTF-8 when printable, hex otherwise.
pub fn show_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if s.chars().all(|c| c.is_ascii_graphic()) => s.to_owned(),
        _ => hex::encode(key),
    }
}

/// Big-endian bytes of a u64 id.
pub fn u64_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// Decodes an 8-byte big-endian key.
pub fn parse_u64_key(tree: &'static str, key: &[u8]) -> Result<u64, CodecError> {
    let bytes: [u8; 8] = key.try_into().map_err(|_| CodecError::Key { tree, key: show_key(key) })?;
    Ok(u64::from_be_bytes(bytes))
}

/// Serializes a value for storage.
pub fn encode<T: Serialize>(tree: &'static str, key: &[u8], value: &T) -> Result<Vec<u8>, CodecError> {
    serde_json::to_vec(value).map_err(|source| CodecError::Value { tree, key: show_key(key), source })
}

/// Deserializes a stored value, naming the tree and key on failure.
pub fn decode<T: DeserializeOwned>(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<T, CodecError> {
    serde_json::from_slice(bytes).map_err(|source| CodecError::Value { tree, key: show_key(key), source })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn u64_keys_sort_numerically() {
        let mut keys = [300u64, 2, 70_000, 1].map(u64_key);
        keys.sort();
        let ids: Vec<u64> = keys.iter().map(|k| parse_u64_key("t", k).unwrap()).collect();
        assert_eq!(ids, vec![1, 2, 300, 70_000]);
        assert!(parse_u64_key("t", b"short").is_err());
    }
}
