use std::fmt;

use serde::{Deserialize, Serialize};

/// An exchange spot symbol such as `BTCUSDT`, always upper case.
///
/// Validated on construction so a typo in a config file or CLI flag is caught at
/// the edge, not as a silent "no data" later.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(String);

/// Why a string is not a symbol.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid symbol {0:?}: expected 2-20 letters or digits, such as BTCUSDT")]
pub struct SymbolError(pub String);

impl Symbol {
    /// Parses and upper-cases a symbol (`btcusdt` → `BTCUSDT`).
    pub fn new(raw: &str) -> Result<Self, SymbolError> {
        let upper = raw.trim().to_ascii_uppercase();
        let valid = (2..=20).contains(&upper.len()) && upper.bytes().all(|b| b.is_ascii_alphanumeric());
        if valid { Ok(Self(upper)) } else { Err(SymbolError(raw.to_owned())) }
    }

    /// The symbol as the exchange spells it in REST calls (`BTCUSDT`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-case form Binance uses in stream names (`btcusdt@trade`).
    pub fn stream_name(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl std::str::FromStr for Symbol {
    type Err = SymbolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Symbol {
    type Error = SymbolError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<Symbol> for String {
    fn from(s: Symbol) -> Self {
        s.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Symbol({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_rejects_junk() {
        assert_eq!(Symbol::new("btcusdt").map(|s| s.to_string()), Ok("BTCUSDT".into()));
        assert!(Symbol::new("BTC/USDT").is_err());
        assert!(Symbol::new("B").is_err());
        assert!(Symbol::new("").is_err());
    }
}
