use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Symbol;

/// Exchange trading status of a symbol (`exchangeInfo.symbols[].status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SymbolStatus {
    Trading,
    Halt,
    Break,
    /// Any status this build does not know; never tradable.
    #[serde(other)]
    Other,
}

/// A spot instrument with the exchange filters the gate enforces
/// (`PRICE_FILTER`, `LOT_SIZE`, `NOTIONAL`/`MIN_NOTIONAL`). A zero filter value
/// means "rule disabled", exactly as on Binance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    pub symbol: Symbol,
    pub base_asset: String,
    pub quote_asset: String,
    pub status: SymbolStatus,
    pub tick_size: Decimal,
    pub min_price: Decimal,
    pub max_price: Decimal,
    pub step_size: Decimal,
    pub min_qty: Decimal,
    pub max_qty: Decimal,
    pub min_notional: Decimal,
}
