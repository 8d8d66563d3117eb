//! The watched symbols, changed at runtime: a symbol from the venue's
//! catalog is added (its filters loaded for the gate, its streams subscribed
//! on the live market connection, its book synced from a depth snapshot by
//! the feed), or removed once nothing of the account depends on it. Every
//! change is stored with its audit entry in one atomic write, so the watched
//! set a restart comes back with is the one the audit log explains.

use std::sync::Arc;

use serde_json::json;

use super::api::CommandError;
use super::state::EngineState;
use crate::domain::{Instrument, Symbol, SymbolCatalog};
use crate::market::{FeedCommand, FeedControl};
use crate::store::{Actor, Store, StoreError};

/// The most symbols watched at once. Each is three streams (Binance allows
/// 1024 per connection) and a depth snapshot of weight 50 at every
/// (re)connect: 50 symbols spend 2,500 of the 6,000 weight a minute allows,
/// leaving room for orders and reconciliation.
pub const MAX_WATCHED: usize = 50;

/// The store key of the watched set (a JSON array of symbol names).
pub const WATCHLIST_KEY: &str = "watchlist";

/// What runtime watchlist changes need: where a new symbol's filters come
/// from, and the running feed to subscribe it on.
pub struct WatchlistSetup {
    pub catalog: Arc<SymbolCatalog>,
    pub feed: FeedControl,
}

/// The watched set a data dir stored, if it stored one (a value that does
/// not read as symbols counts as none: the config's symbols start instead).
pub fn stored_watchlist(store: &Store) -> Result<Option<Vec<Symbol>>, StoreError> {
    Ok(store.value(WATCHLIST_KEY)?.and_then(|v| serde_json::from_value::<Vec<Symbol>>(v).ok()))
}

/// The symbols a session starts watching: the set the data dir stored (the
/// watchlist as last changed), joined by any named with `--symbols` this
/// time; without a stored set, the configured ones. A stored symbol the
/// venue no longer lists is left out (the catalog, when there is one, says).
pub fn initial_watchlist(
    stored: Option<Vec<Symbol>>,
    flags: &[Symbol],
    configured: Vec<Symbol>,
    catalog: &SymbolCatalog,
) -> Vec<Symbol> {
    let Some(stored) = stored.filter(|s| !s.is_empty()) else { return configured };
    let mut watched: Vec<Symbol> = stored
        .into_iter()
        .filter(|s| {
            let listed = catalog.is_empty() || catalog.get(s).is_some();
            if !listed {
                tracing::warn!(symbol = %s, "stored watchlist symbol no longer listed; left out");
            }
            listed
        })
        .collect();
    for symbol in flags {
        if !watched.contains(symbol) {
            watched.push(symbol.clone());
        }
    }
    if watched.is_empty() { configured } else { watched }
}

/// Exchange padding dropped from the filters ("0.01000000" → "0.01"), so
/// check sentences and the audit log read cleanly.
pub(super) fn normalize(i: &mut Instrument) {
    for value in [
        &mut i.tick_size,
        &mut i.min_price,
        &mut i.max_price,
        &mut i.step_size,
        &mut i.min_qty,
        &mut i.max_qty,
        &mut i.min_notional,
    ] {
        *value = value.normalize();
    }
}

impl EngineState {
    /// The watched symbols, in the order they were added.
    pub(super) fn watched(&self) -> Vec<Symbol> {
        self.config.instruments.iter().map(|i| i.symbol.clone()).collect()
    }

    /// Stores the watched set when it differs from `stored` (the first start,
    /// or symbols given on the command line that joined a stored set).
    pub(super) fn store_watchlist_if_changed(&mut self, stored: Option<Vec<Symbol>>) {
        let watched = self.watched();
        if stored.as_ref() != Some(&watched)
            && let Err(err) = self.persist.put_value(WATCHLIST_KEY, &json!(watched))
        {
            self.storage_failed("watchlist", &err);
        }
    }

    /// Adds `symbol` to the watched set.
    pub(super) fn watch_symbol(&mut self, symbol: Symbol) -> Result<(), CommandError> {
        let refused = |why: String| Err(CommandError::Refused(why));
        if self.instrument(&symbol).is_some() {
            return refused(format!("{symbol} is already on the watchlist"));
        }
        let Some(link) = self.watchlist.as_ref() else {
            return refused("this session's watchlist is fixed (no market data feed to subscribe on)".into());
        };
        if self.config.instruments.len() >= MAX_WATCHED {
            return refused(format!(
                "the watchlist holds at most {MAX_WATCHED} symbols: remove one before adding {symbol}"
            ));
        }
        let Some(mut instrument) = link.catalog.get(&symbol).cloned() else {
            return refused(format!("{symbol} is not a spot symbol the venue trades"));
        };
        normalize(&mut instrument);
        link.feed
            .send(FeedCommand::Watch(symbol.clone()))
            .map_err(|e| CommandError::Refused(e.to_string()))?;
        self.config.instruments.push(instrument);
        self.markets.watch(&symbol);
        self.record_watchlist(format!("watchlist: added {symbol}"), &symbol);
        Ok(())
    }

    /// Removes `symbol` from the watched set, unless something of the
    /// account still depends on its market.
    pub(super) fn unwatch_symbol(&mut self, symbol: Symbol) -> Result<(), CommandError> {
        let Some(instrument) = self.instrument(&symbol).cloned() else {
            return Err(CommandError::Refused(format!("{symbol} is not on the watchlist")));
        };
        if let Some(why) = self.unwatch_blocker(&instrument) {
            return Err(CommandError::Refused(format!("{symbol} stays on the watchlist: {why}")));
        }
        if let Some(link) = self.watchlist.as_ref() {
            link.feed
                .send(FeedCommand::Unwatch(symbol.clone()))
                .map_err(|e| CommandError::Refused(e.to_string()))?;
        }
        self.config.instruments.retain(|i| i.symbol != symbol);
        self.markets.unwatch(&symbol);
        self.record_watchlist(format!("watchlist: removed {symbol}"), &symbol);
        Ok(())
    }

    /// Why `instrument`'s symbol must stay watched, in words; `None` when it may go.
    fn unwatch_blocker(&self, instrument: &Instrument) -> Option<String> {
        let symbol = &instrument.symbol;
        if self.config.instruments.len() <= 1 {
            return Some("it is the last watched symbol (the feed needs one)".into());
        }
        let pending = self.ledger.pending_orders().filter(|o| &o.intent.symbol == symbol).count();
        if pending > 0 {
            return Some(format!("{pending} order(s) await your confirmation on it; reject them first"));
        }
        let open = self.ledger.open_orders().filter(|o| &o.intent.symbol == symbol).count();
        if open > 0 {
            return Some(format!("it has {open} open order(s); cancel them first"));
        }
        let external = self
            .live
            .as_ref()
            .map_or(0, |l| l.external().iter().filter(|o| &o.intent.symbol == symbol).count());
        if external > 0 {
            return Some(format!("the exchange lists {external} open order(s) on it placed outside vigil"));
        }
        if let Some(p) = self.portfolio.position(symbol).filter(|p| !p.qty.is_zero()) {
            return Some(format!(
                "you hold a position of {} {} in it",
                p.qty.normalize(),
                instrument.base_asset
            ));
        }
        let held =
            self.portfolio.balances().get(&instrument.base_asset).is_some_and(|b| !b.total().is_zero());
        if held && instrument.quote_asset == self.config.quote_asset {
            return Some(format!(
                "its price marks the {} you hold (equity and the breakers need it)",
                instrument.base_asset
            ));
        }
        if let Some(name) = self.strategies.trading(symbol) {
            return Some(format!("strategy {name} trades it"));
        }
        None
    }

    /// Stores the new watched set with its audit entry (one atomic write).
    fn record_watchlist(&mut self, text: String, symbol: &Symbol) {
        let watched = self.watched();
        let body = json!({ "text": text, "symbol": symbol, "watchlist": watched });
        match self.persist.record_value(WATCHLIST_KEY, &json!(watched), Actor::Person, body) {
            Ok(_) => self.note("watchlist", text),
            Err(err) => self.storage_failed("watchlist", &err),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::SymbolStatus;

    fn sym(s: &str) -> Symbol {
        Symbol::new(s).unwrap()
    }

    fn catalog(names: &[&str]) -> SymbolCatalog {
        let one = Decimal::ONE;
        SymbolCatalog::new(
            names
                .iter()
                .map(|n| Instrument {
                    symbol: sym(n),
                    base_asset: n.trim_end_matches("USDT").into(),
                    quote_asset: "USDT".into(),
                    status: SymbolStatus::Trading,
                    tick_size: one,
                    min_price: one,
                    max_price: one,
                    step_size: one,
                    min_qty: one,
                    max_qty: one,
                    min_notional: one,
                })
                .collect(),
        )
    }

    #[test]
    fn the_stored_set_wins_and_flags_join_it() {
        let listed = catalog(&["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
        let configured = vec![sym("BTCUSDT")];
        assert_eq!(initial_watchlist(None, &[], configured.clone(), &listed), configured);
        let stored = Some(vec![sym("ETHUSDT"), sym("BTCUSDT")]);
        assert_eq!(
            initial_watchlist(stored.clone(), &[sym("SOLUSDT"), sym("ETHUSDT")], configured.clone(), &listed),
            [sym("ETHUSDT"), sym("BTCUSDT"), sym("SOLUSDT")]
        );
        // An empty stored set is no set: the configured symbols start.
        assert_eq!(initial_watchlist(Some(Vec::new()), &[], configured.clone(), &listed), configured);
    }

    #[test]
    fn a_stored_symbol_no_longer_listed_is_left_out() {
        let listed = catalog(&["BTCUSDT"]);
        let stored = Some(vec![sym("LUNAUSDT"), sym("BTCUSDT")]);
        assert_eq!(initial_watchlist(stored.clone(), &[], vec![sym("ETHUSDT")], &listed), [sym("BTCUSDT")]);
        // Without a catalog nothing can be judged delisted: the stored set stands.
        assert_eq!(
            initial_watchlist(stored, &[], vec![sym("ETHUSDT")], &SymbolCatalog::default()),
            [sym("LUNAUSDT"), sym("BTCUSDT")]
        );
        // Every stored symbol gone: the configured ones start.
        let gone = Some(vec![sym("LUNAUSDT")]);
        assert_eq!(initial_watchlist(gone, &[], vec![sym("BTCUSDT")], &listed), [sym("BTCUSDT")]);
    }
}
