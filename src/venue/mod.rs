//! The live venue's authenticated side: Binance `SIGNED` REST.
//!
//! Market data is public and unsigned (it lives in [`crate::market`]); anything
//! that acts for an account needs the API key in `X-MBX-APIKEY` and an
//! HMAC-SHA256 signature. [`sign`] is that scheme, pure and pinned to Binance's
//! published vectors; [`client`] sends signed requests under the same transport
//! policy as market data; [`restrictions`] reads a key's permissions and holds
//! vigil's policy on them (a key that can move funds is refused). The simulator
//! verifies signatures with the same [`Signer`], so the tests exercise one
//! implementation from both ends.

pub mod client;
pub mod restrictions;
pub mod sign;

pub use client::{AccountError, SignedClient};
pub use restrictions::{ApiRestrictions, Assessment, Verdict, assess};
pub use sign::Signer;
