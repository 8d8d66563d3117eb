//! Every signed endpoint and WebSocket API method the live venue can reach.
//!
//! [`SignedClient`](super::SignedClient) takes an [`Endpoint`], not a path, so
//! this enum is the whole list: nothing that withdraws, transfers, borrows or
//! trades derivatives can be called, because there is no variant for it. The
//! test below pins the list; adding an endpoint means changing it there too,
//! where the forbidden families are spelled out.

/// A signed REST endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /sapi/v1/account/apiRestrictions`: what the key may do.
    ApiRestrictions,
    /// `POST`, `DELETE` or `GET /api/v3/order`.
    Order,
    /// `GET /api/v3/openOrders`.
    OpenOrders,
    /// `GET /api/v3/account`.
    Account,
    /// `GET /api/v3/myTrades`.
    MyTrades,
}

impl Endpoint {
    /// Every variant, for the test that pins them.
    pub const ALL: [Endpoint; 5] =
        [Self::ApiRestrictions, Self::Order, Self::OpenOrders, Self::Account, Self::MyTrades];

    /// The path under the REST base URL.
    pub fn path(self) -> &'static str {
        match self {
            Self::ApiRestrictions => "/sapi/v1/account/apiRestrictions",
            Self::Order => "/api/v3/order",
            Self::OpenOrders => "/api/v3/openOrders",
            Self::Account => "/api/v3/account",
            Self::MyTrades => "/api/v3/myTrades",
        }
    }
}

/// The WebSocket API methods the user data connection sends.
pub const WS_API_METHODS: [&str; 2] = ["userDataStream.subscribe.signature", "userDataStream.unsubscribe"];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Words in a path or method that would let a key move funds, borrow or
    /// trade derivatives. None may appear.
    const FORBIDDEN: [&str; 16] = [
        "withdraw",
        "transfer",
        "capital",
        "asset/dust",
        "margin",
        "futures",
        "fapi",
        "dapi",
        "papi",
        "convert",
        "sub-account",
        "subaccount",
        "loan",
        "lending",
        "staking",
        "deposit",
    ];

    #[test]
    fn the_live_client_reaches_exactly_these_endpoints_and_none_that_moves_funds() {
        let paths: Vec<&str> = Endpoint::ALL.iter().map(|e| e.path()).collect();
        assert_eq!(
            paths,
            [
                "/sapi/v1/account/apiRestrictions",
                "/api/v3/order",
                "/api/v3/openOrders",
                "/api/v3/account",
                "/api/v3/myTrades"
            ]
        );
        for name in paths.iter().chain(WS_API_METHODS.iter()) {
            let lower = name.to_ascii_lowercase();
            for word in FORBIDDEN {
                assert!(!lower.contains(word), "{name} contains {word:?}");
            }
        }
        // Exhaustive on purpose: a new variant does not compile until it is
        // listed in ALL and judged here.
        for endpoint in Endpoint::ALL {
            match endpoint {
                Endpoint::ApiRestrictions
                | Endpoint::Order
                | Endpoint::OpenOrders
                | Endpoint::Account
                | Endpoint::MyTrades => {}
            }
        }
    }

    #[test]
    fn no_source_file_names_a_fund_moving_binance_path() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("endpoints.rs") {
                    continue;
                }
                seen += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                for prefix in ["\"/sapi/", "\"/fapi/", "\"/dapi/", "\"/papi/", "\"/wapi/"] {
                    for (at, _) in text.match_indices(prefix) {
                        let literal: String = text[at + 1..].chars().take_while(|c| *c != '"').collect();
                        let allowed = literal == Endpoint::ApiRestrictions.path();
                        assert!(allowed, "{} names {literal}", path.display());
                    }
                }
            }
        }
        assert!(seen > 50, "the scan found only {seen} files");
    }
}
