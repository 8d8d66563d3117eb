//! The instruments the simulator lists: exchange filters plus where the synthetic
//! price starts. Presets mirror the real Binance filters so a client that passes the
//! sim's `exchangeInfo` through its pre-trade gate sees realistic constraints.

use rust_decimal::Decimal;

use crate::domain::{Instrument, Symbol, SymbolStatus};

use super::SimError;

/// Most decimals the wire format carries (Binance prints 8).
pub const WIRE_DECIMALS: u32 = 8;

/// One listed symbol: its filters and the synthetic market's starting price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolSpec {
    pub instrument: Instrument,
    /// Where the random walk starts; it stays within half to twice this value.
    pub start_price: Decimal,
}

/// (symbol, base, quote, start price, tick, step) for each preset.
const PRESETS: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("BTCUSDT", "BTC", "USDT", "64000", "0.01", "0.00001"),
    ("ETHUSDT", "ETH", "USDT", "3200", "0.01", "0.0001"),
    ("SOLUSDT", "SOL", "USDT", "150", "0.01", "0.001"),
    ("BNBUSDT", "BNB", "USDT", "600", "0.01", "0.001"),
    ("XRPUSDT", "XRP", "USDT", "2.5", "0.0001", "0.1"),
];

impl SymbolSpec {
    /// The preset for `symbol` (`BTCUSDT`, `ETHUSDT`, `SOLUSDT`, `BNBUSDT`, `XRPUSDT`).
    pub fn preset(symbol: &Symbol) -> Option<Self> {
        let (name, base, quote, start, tick, step) =
            PRESETS.iter().find(|p| p.0 == symbol.as_str()).copied()?;
        let dec = |s: &str| s.parse::<Decimal>().ok();
        Some(Self {
            instrument: Instrument {
                symbol: Symbol::new(name).ok()?,
                base_asset: base.to_owned(),
                quote_asset: quote.to_owned(),
                status: SymbolStatus::Trading,
                tick_size: dec(tick)?,
                min_price: dec(tick)?,
                max_price: Decimal::from(1_000_000),
                step_size: dec(step)?,
                min_qty: dec(step)?,
                max_qty: Decimal::from(9_000_000),
                min_notional: Decimal::from(5),
            },
            start_price: dec(start)?,
        })
    }

    /// Names of every preset, for error messages and `--help`.
    pub fn preset_names() -> Vec<&'static str> {
        PRESETS.iter().map(|p| p.0).collect()
    }

    /// The default listing: BTCUSDT, ETHUSDT and SOLUSDT.
    pub fn defaults() -> Vec<Self> {
        ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
            .iter()
            .filter_map(|s| Symbol::new(s).ok())
            .filter_map(|s| Self::preset(&s))
            .collect()
    }

    /// Presets for the given symbols; an unknown symbol is an error naming the presets.
    pub fn presets_for(symbols: &[Symbol]) -> Result<Vec<Self>, SimError> {
        symbols
            .iter()
            .map(|s| {
                Self::preset(s).ok_or_else(|| SimError::UnknownSymbol {
                    symbol: s.to_string(),
                    known: Self::preset_names().join(","),
                })
            })
            .collect()
    }

    /// Checks the spec can be simulated: positive tick/step that fit the wire's 8 decimals,
    /// and a start price on the tick grid far enough from zero for a random walk.
    pub fn validate(&self) -> Result<(), SimError> {
        let i = &self.instrument;
        let bad =
            |why: &str| Err(SimError::InvalidSpec { symbol: i.symbol.to_string(), why: why.to_owned() });
        if i.tick_size <= Decimal::ZERO || i.step_size <= Decimal::ZERO {
            return bad("tick and step must be positive");
        }
        if i.tick_size.scale() > WIRE_DECIMALS || i.step_size.scale() > WIRE_DECIMALS {
            return bad("tick and step must have at most 8 decimals");
        }
        if !(self.start_price % i.tick_size).is_zero() {
            return bad("start price must be a multiple of the tick size");
        }
        if self.start_price < i.tick_size * Decimal::from(1000) {
            return bad("start price must be at least 1000 ticks");
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_unknown_symbols_are_named() {
        for name in SymbolSpec::preset_names() {
            let spec = SymbolSpec::preset(&Symbol::new(name).unwrap()).unwrap();
            assert!(spec.validate().is_ok(), "{name}");
        }
        let err = SymbolSpec::presets_for(&[Symbol::new("DOGEUSDT").unwrap()]);
        assert!(matches!(err, Err(SimError::UnknownSymbol { .. })));
    }
}
