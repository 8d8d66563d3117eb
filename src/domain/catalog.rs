//! The venue's tradable symbols, as `exchangeInfo` lists them: what the
//! symbol search offers and where a symbol added at runtime takes its filters
//! from. Read once at start; shared behind an `Arc` so the snapshot the engine
//! publishes many times a second carries it for the cost of a pointer.

use super::{Instrument, Symbol};

/// Symbols the venue trades (status `TRADING`, spot allowed), sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolCatalog {
    instruments: Vec<Instrument>,
}

impl SymbolCatalog {
    /// A catalog of `instruments`; sorted by symbol, a repeated symbol kept once.
    pub fn new(mut instruments: Vec<Instrument>) -> Self {
        instruments.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        instruments.dedup_by(|a, b| a.symbol == b.symbol);
        Self { instruments }
    }

    /// The instrument of `symbol`, if the venue trades it.
    pub fn get(&self, symbol: &Symbol) -> Option<&Instrument> {
        self.instruments
            .binary_search_by(|i| i.symbol.cmp(symbol))
            .ok()
            .and_then(|at| self.instruments.get(at))
    }

    /// Every instrument, by symbol.
    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }

    pub fn len(&self) -> usize {
        self.instruments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.instruments.is_empty()
    }
}
