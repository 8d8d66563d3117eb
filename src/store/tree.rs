//! Names of the sled trees in `<state-dir>/db`. They are the on-disk layout:
//! renaming one orphans existing data, so they are constants in one place.

/// `OrderId` (u64 big-endian) → `Order` JSON.
pub const ORDERS: &str = "orders";
/// `OrderId` (u64 BE) ++ fill seq (u64 BE) → `Fill` JSON.
pub const FILLS: &str = "fills";
/// Symbol (ASCII) → `Position` JSON.
pub const POSITIONS: &str = "positions";
/// Asset (ASCII) → `Balance` JSON.
pub const BALANCES: &str = "balances";
/// Fixed scalar records: equity peak, next order id.
pub const META: &str = "meta";
/// Small named values the engine chooses (never the approval mode).
pub const VALUES: &str = "values";
/// Audit entries: seq (u64 BE) → entry JSON.
pub const AUDIT: &str = "audit";
/// Audit head and metadata, written in the same transaction as each entry.
pub const AUDIT_META: &str = "audit_meta";
