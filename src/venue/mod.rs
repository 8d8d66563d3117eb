//! The live venue's authenticated side: Binance `SIGNED` REST and the
//! WebSocket API's user data stream.
//!
//! Market data is public and unsigned (it lives in [`crate::market`]); anything
//! that acts for an account needs the API key and an HMAC-SHA256 signature.
//! [`sign`] is that scheme, pure and pinned to Binance's published vectors;
//! [`client`] sends signed requests under the same transport policy as market
//! data, to the [`endpoints`] listed there and nowhere else; [`trading`] is
//! the order, account and trade calls; [`user_stream`] subscribes to fills
//! and balances on the WebSocket API; [`wire`] is what those answer;
//! [`restrictions`] reads a key's permissions and holds vigil's policy on them
//! (a key that can move funds is refused). The simulator verifies signatures
//! with the same [`Signer`], so the tests exercise one implementation from
//! both ends.

pub mod client;
pub mod endpoints;
pub mod restrictions;
pub mod sign;
pub mod trading;
pub mod user_stream;
pub mod wire;

pub use client::{AccountError, SignedClient, Usage};
pub use endpoints::Endpoint;
pub use restrictions::{ApiRestrictions, Assessment, Verdict, assess};
pub use sign::{SecretError, SecretSource, Signer};
pub use trading::{Failure, NewOrder, OrderKind, TimeInForce};
pub use user_stream::{UserEvent, UserStream, UserStreamError};
