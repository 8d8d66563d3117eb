//! The symbol search modal (`/`): a query typed over the venue's catalog,
//! fuzzy-ranked (see [`super::fuzzy`]), a selection moved with the arrows,
//! Enter to add the selected symbol to the watchlist; and the watchlist's
//! removal key. The engine decides: a refusal comes back as its sentence.

use std::sync::Arc;

use crossterm::event::KeyCode;

use super::action::Action;
use super::app::{App, AppMsg, Pane};
use super::fuzzy;
use crate::domain::{Instrument, SymbolCatalog};
use crate::engine::{Command, CommandError};

/// Rows of results kept (the modal shows what fits).
pub const MAX_RESULTS: usize = 50;
/// Longest query accepted (no symbol is longer than 20).
const MAX_QUERY: usize = 20;
/// Points for a symbol quoted in the session's quote asset: `eth` ranks
/// `ETHUSDT` above `ETHBTC` in a USDT session; a prefix still beats it.
const SAME_QUOTE: i64 = 8;

/// The open search: what was typed, what matches, which row is selected.
#[derive(Debug, Clone)]
pub struct SymbolSearch {
    catalog: Arc<SymbolCatalog>,
    quote: String,
    pub query: String,
    pub results: Vec<Instrument>,
    pub selected: usize,
}

impl SymbolSearch {
    /// A search over `catalog`, preferring symbols quoted in `quote`.
    pub fn new(catalog: Arc<SymbolCatalog>, quote: &str) -> Self {
        let mut search =
            Self { catalog, quote: quote.to_owned(), query: String::new(), results: Vec::new(), selected: 0 };
        search.rank();
        search
    }

    /// The catalog's size (zero when the venue's listing could not be read).
    pub fn catalog_len(&self) -> usize {
        self.catalog.len()
    }

    /// The selected result.
    pub fn selected(&self) -> Option<&Instrument> {
        self.results.get(self.selected)
    }

    /// Types a character (symbols are letters and digits; others are ignored).
    pub fn type_char(&mut self, c: char) {
        if c.is_ascii_alphanumeric() && self.query.len() < MAX_QUERY {
            self.query.push(c.to_ascii_uppercase());
            self.rank();
        }
    }

    pub fn delete_char(&mut self) {
        if self.query.pop().is_some() {
            self.rank();
        }
    }

    /// Moves the selection by `step` rows, staying inside the results.
    pub fn move_selection(&mut self, step: isize) {
        let last = self.results.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(step).min(last);
    }

    /// Best first: score, then the name.
    fn rank(&mut self) {
        let mut scored: Vec<(i64, &Instrument)> = self
            .catalog
            .instruments()
            .iter()
            .filter_map(|i| {
                let bonus = if i.quote_asset == self.quote { SAME_QUOTE } else { 0 };
                fuzzy::score(&self.query, i.symbol.as_str()).map(|s| (s.saturating_add(bonus), i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.symbol.cmp(&b.1.symbol)));
        self.results = scored.into_iter().take(MAX_RESULTS).map(|(_, i)| i.clone()).collect();
        self.selected = 0;
    }
}

impl App {
    /// Opens the search over the latest snapshot's catalog.
    pub(crate) fn open_search(&mut self) {
        self.search = Some(SymbolSearch::new(Arc::clone(&self.snap.symbols), &self.snap.quote_asset));
    }

    /// A bound key while the search is open.
    pub(crate) fn search_action(&mut self, action: Action) {
        let Some(search) = self.search.as_mut() else { return };
        match action {
            Action::Up => search.move_selection(-1),
            Action::Down => search.move_selection(1),
            Action::DeleteChar => search.delete_char(),
            Action::Close => self.search = None,
            Action::Submit => {
                let Some(symbol) = search.selected().map(|i| i.symbol.clone()) else {
                    self.notify("no symbol matches", true);
                    return;
                };
                self.search = None;
                if self.snap.markets.iter().any(|m| m.symbol == symbol) {
                    self.notify(format!("{symbol} is already on the watchlist"), false);
                    self.selected_symbol = Some(symbol);
                    return;
                }
                let added = symbol.clone();
                self.request(
                    |reply| Command::WatchSymbol { symbol, reply },
                    move |r| outcome(r.map(|()| format!("{added} added to the watchlist"))),
                );
            }
            _ => {}
        }
    }

    /// An unbound key while the search is open: typed into the query.
    pub(crate) fn search_char(&mut self, code: KeyCode) {
        if let (Some(search), KeyCode::Char(c)) = (self.search.as_mut(), code) {
            search.type_char(c);
        }
    }

    /// Removes the selected symbol from the watchlist (watchlist focused only,
    /// so a stray key elsewhere never drops a market).
    pub(crate) fn unwatch_selected(&mut self) {
        if self.focus != Pane::Watchlist {
            self.notify("focus the watchlist first", true);
            return;
        }
        let Some(symbol) = self.selected_symbol.clone() else {
            self.notify("the watchlist is empty", false);
            return;
        };
        let removed = symbol.clone();
        self.request(
            |reply| Command::UnwatchSymbol { symbol, reply },
            move |r| outcome(r.map(|()| format!("{removed} removed from the watchlist"))),
        );
    }
}

/// A watchlist change's answer as a status-line notice: the engine's own
/// sentence when it refused.
fn outcome(result: Result<String, CommandError>) -> AppMsg {
    match result {
        Ok(text) => AppMsg::Notice { text, warning: false },
        Err(err) => AppMsg::Notice { text: err.to_string(), warning: true },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::{Symbol, SymbolStatus};
    use rust_decimal::Decimal;

    fn instrument(name: &str, base: &str, quote: &str) -> Instrument {
        Instrument {
            symbol: Symbol::new(name).unwrap(),
            base_asset: base.into(),
            quote_asset: quote.into(),
            status: SymbolStatus::Trading,
            tick_size: Decimal::ONE,
            min_price: Decimal::ONE,
            max_price: Decimal::ONE,
            step_size: Decimal::ONE,
            min_qty: Decimal::ONE,
            max_qty: Decimal::ONE,
            min_notional: Decimal::ONE,
        }
    }

    fn search() -> SymbolSearch {
        let catalog = SymbolCatalog::new(vec![
            instrument("BTCUSDT", "BTC", "USDT"),
            instrument("ETHBTC", "ETH", "BTC"),
            instrument("ETHUSDT", "ETH", "USDT"),
            instrument("SETHUSDT", "SETH", "USDT"),
            instrument("SOLUSDT", "SOL", "USDT"),
        ]);
        SymbolSearch::new(Arc::new(catalog), "USDT")
    }

    fn names(s: &SymbolSearch) -> Vec<&str> {
        s.results.iter().map(|i| i.symbol.as_str()).collect()
    }

    #[test]
    fn typing_eth_ranks_ethusdt_first_and_drops_non_matches() {
        let mut s = search();
        for c in "eth".chars() {
            s.type_char(c);
        }
        assert_eq!(s.query, "ETH");
        assert_eq!(names(&s), ["ETHUSDT", "ETHBTC", "SETHUSDT"]);
        assert_eq!(s.selected().unwrap().symbol.as_str(), "ETHUSDT");
    }

    #[test]
    fn selection_stays_inside_the_results_and_resets_on_typing() {
        let mut s = search();
        s.move_selection(-1);
        assert_eq!(s.selected, 0);
        s.move_selection(10);
        assert_eq!(s.selected, 4);
        s.type_char('s');
        assert_eq!(s.selected, 0);
        s.delete_char();
        assert_eq!(s.results.len(), 5);
    }

    #[test]
    fn only_symbol_characters_are_typed() {
        let mut s = search();
        s.type_char('/');
        s.type_char(' ');
        assert!(s.query.is_empty());
    }
}
