//! The trading calls of one key: place, cancel and query orders, read the
//! account and its trades (reference §2.6). Each is one signed request through
//! [`SignedClient`]; what a failure means for the order is [`Failure`].

use reqwest::Method;
use rust_decimal::Decimal;

use super::client::{AccountError, SignedClient};
use super::endpoints::Endpoint;
use super::wire::{Account, AccountTrade, OrderReport};
use crate::domain::{Side, StopTrigger, Symbol};

/// `myTrades` returns at most this many trades per call (Binance's maximum).
pub const TRADES_PAGE: usize = 1000;
/// Pages read in one go at most (100,000 trades): a server that keeps sending
/// full pages cannot keep vigil reading, or fill its memory, forever.
pub const MAX_TRADE_PAGES: usize = 100;

pub use crate::domain::TimeInForce;

/// `timeInForce` as Binance spells it.
fn tif_param(tif: TimeInForce) -> &'static str {
    match tif {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
    }
}

/// What kind of order, with the amounts its type needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    Limit {
        price: Decimal,
        qty: Decimal,
        tif: TimeInForce,
    },
    /// `LIMIT_MAKER`: refused by the exchange if it would take liquidity.
    PostOnly {
        price: Decimal,
        qty: Decimal,
    },
    /// `STOP_LOSS_LIMIT` / `TAKE_PROFIT_LIMIT`: a limit order that waits
    /// for `stopPrice` (the exchange reports it NEW, not working, until then).
    StopLimit {
        stop: StopTrigger,
        price: Decimal,
        qty: Decimal,
        tif: TimeInForce,
    },
    /// `MARKET` by base quantity.
    Market {
        qty: Decimal,
    },
    /// `MARKET` by quote amount (`quoteOrderQty`).
    MarketQuote {
        quote: Decimal,
    },
}

/// A new order as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub symbol: Symbol,
    pub side: Side,
    pub kind: OrderKind,
    /// `newClientOrderId`: derived from the durable local order id.
    pub client_id: String,
}

impl NewOrder {
    /// The request's parameters, decimals in plain notation (Binance's
    /// `^([0-9]{1,20})(\.[0-9]{1,20})?$`: no exponent, no trailing zeros).
    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("symbol", self.symbol.as_str().to_owned()),
            ("side", self.side.as_exchange_str().to_owned()),
            ("newClientOrderId", self.client_id.clone()),
            ("newOrderRespType", "FULL".to_owned()),
        ];
        let plain = |d: Decimal| d.normalize().to_string();
        match self.kind {
            OrderKind::Limit { price, qty, tif } => params.extend([
                ("type", "LIMIT".to_owned()),
                ("timeInForce", tif_param(tif).to_owned()),
                ("quantity", plain(qty)),
                ("price", plain(price)),
            ]),
            OrderKind::PostOnly { price, qty } => params.extend([
                ("type", "LIMIT_MAKER".to_owned()),
                ("quantity", plain(qty)),
                ("price", plain(price)),
            ]),
            OrderKind::StopLimit { stop, price, qty, tif } => params.extend([
                ("type", stop.kind.as_exchange_str().to_owned()),
                ("timeInForce", tif_param(tif).to_owned()),
                ("quantity", plain(qty)),
                ("price", plain(price)),
                ("stopPrice", plain(stop.price)),
            ]),
            OrderKind::Market { qty } => {
                params.extend([("type", "MARKET".to_owned()), ("quantity", plain(qty))])
            }
            OrderKind::MarketQuote { quote } => {
                params.extend([("type", "MARKET".to_owned()), ("quoteOrderQty", plain(quote))])
            }
        }
        params
    }
}

/// What a failed trading request means for the order it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The exchange refused it, or it never left: nothing happened.
    Refused { code: Option<i64>, reason: String },
    /// -1021: the timestamp was outside `recvWindow`. Refused before the
    /// matching engine; resync the clock once and send the same request again.
    Timestamp { reason: String },
    /// HTTP 429: refused; no request may go out for `retry_after_s`.
    RateLimited { retry_after_s: u64, reason: String },
    /// HTTP 418: this IP is banned for `retry_after_s`.
    Banned { retry_after_s: u64, reason: String },
    /// No answer that says what happened (timeout, lost connection, 5xx,
    /// -1007, an unreadable success): the exchange may have acted.
    Unknown { reason: String },
}

/// When Binance sends no `Retry-After`, wait this long after a 429/418.
const DEFAULT_RETRY_AFTER_S: u64 = 60;

impl Failure {
    /// Classifies an error as Binance documents it (§2.8): a 5xx or -1007
    /// "execution status unknown" is never a refusal.
    pub fn of(err: &AccountError) -> Self {
        let reason = err.to_string();
        let retry_after_s = err.retry_after_s().unwrap_or(DEFAULT_RETRY_AFTER_S);
        match (err, err.status(), err.code()) {
            (
                AccountError::Http { .. } | AccountError::Parse { .. } | AccountError::TooLarge { .. },
                _,
                _,
            ) => Self::Unknown { reason },
            (_, _, Some(-1007)) => Self::Unknown { reason },
            (_, Some(status), _) if status >= 500 => Self::Unknown { reason },
            (_, Some(429), _) => Self::RateLimited { retry_after_s, reason },
            (_, Some(418), _) => Self::Banned { retry_after_s, reason },
            (_, _, Some(-1021)) => Self::Timestamp { reason },
            (_, _, code) => Self::Refused { code, reason },
        }
    }
}

impl SignedClient {
    /// `POST /api/v3/order` with a `FULL` response (fills included).
    pub async fn place(&self, order: &NewOrder) -> Result<OrderReport, AccountError> {
        self.call(Method::POST, Endpoint::Order, &order.params()).await
    }

    /// `DELETE /api/v3/order` by `origClientOrderId`.
    pub async fn cancel(&self, symbol: &Symbol, client_id: &str) -> Result<OrderReport, AccountError> {
        let params = [("symbol", symbol.as_str().to_owned()), ("origClientOrderId", client_id.to_owned())];
        self.call(Method::DELETE, Endpoint::Order, &params).await
    }

    /// `GET /api/v3/order` by `origClientOrderId`; -2013 means the exchange
    /// has no such order.
    pub async fn query(&self, symbol: &Symbol, client_id: &str) -> Result<OrderReport, AccountError> {
        let params = [("symbol", symbol.as_str().to_owned()), ("origClientOrderId", client_id.to_owned())];
        self.call(Method::GET, Endpoint::Order, &params).await
    }

    /// `GET /api/v3/openOrders?symbol=` (per symbol: weight 6, against 80 for all).
    pub async fn open_orders(&self, symbol: &Symbol) -> Result<Vec<OrderReport>, AccountError> {
        self.call(Method::GET, Endpoint::OpenOrders, &[("symbol", symbol.as_str().to_owned())]).await
    }

    /// `GET /api/v3/account?omitZeroBalances=true`.
    pub async fn account(&self) -> Result<Account, AccountError> {
        self.call(Method::GET, Endpoint::Account, &[("omitZeroBalances", "true".to_owned())]).await
    }

    /// `GET /api/v3/myTrades?symbol=&fromId=&limit=1000`: trades from `from_id`
    /// on, oldest first (the most recent page when `from_id` is `None`).
    pub async fn my_trades(
        &self,
        symbol: &Symbol,
        from_id: Option<u64>,
    ) -> Result<Vec<AccountTrade>, AccountError> {
        let mut params = vec![("symbol", symbol.as_str().to_owned()), ("limit", TRADES_PAGE.to_string())];
        if let Some(id) = from_id {
            params.push(("fromId", id.to_string()));
        }
        self.call(Method::GET, Endpoint::MyTrades, &params).await
    }

    /// `GET /api/v3/myTrades?symbol=&orderId=&fromId=&limit=1000`, page
    /// after page: every trade of one order.
    pub async fn order_trades(
        &self,
        symbol: &Symbol,
        order_id: u64,
    ) -> Result<Vec<AccountTrade>, AccountError> {
        let mut trades: Vec<AccountTrade> = Vec::new();
        let mut from: Option<u64> = None;
        for _ in 0..MAX_TRADE_PAGES {
            let mut params = vec![
                ("symbol", symbol.as_str().to_owned()),
                ("orderId", order_id.to_string()),
                ("limit", TRADES_PAGE.to_string()),
            ];
            if let Some(id) = from {
                params.push(("fromId", id.to_string()));
            }
            let page: Vec<AccountTrade> = self.call(Method::GET, Endpoint::MyTrades, &params).await?;
            let full = page.len() >= TRADES_PAGE;
            let last = page.iter().map(|t| t.id).max();
            trades.extend(page);
            match (full, last) {
                (true, Some(last)) if from.is_none_or(|f| last >= f) => from = Some(last.saturating_add(1)),
                _ => break,
            }
        }
        Ok(trades)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn api(status: u16, code: i64) -> AccountError {
        AccountError::Api { endpoint: "e".into(), status, code, msg: "m".into(), retry_after_s: Some(7) }
    }

    #[test]
    fn outcomes_binance_calls_unknown_are_never_refusals() {
        let lost = AccountError::Http { endpoint: "e".into(), cause: "operation timed out".into() };
        assert!(matches!(Failure::of(&lost), Failure::Unknown { .. }));
        assert!(matches!(Failure::of(&api(503, -1007)), Failure::Unknown { .. }));
        assert!(matches!(Failure::of(&api(408, -1007)), Failure::Unknown { .. }));
        let bare_5xx = AccountError::Status { endpoint: "e".into(), status: 502, retry_after_s: None };
        assert!(matches!(Failure::of(&bare_5xx), Failure::Unknown { .. }));
        let unreadable = AccountError::Parse {
            endpoint: "e".into(),
            source: serde_json::from_str::<u8>("x").unwrap_err(),
        };
        assert!(matches!(Failure::of(&unreadable), Failure::Unknown { .. }));
    }

    #[test]
    fn rate_limits_bans_timestamps_and_refusals_are_told_apart() {
        assert_eq!(
            Failure::of(&api(429, -1003)),
            Failure::RateLimited { retry_after_s: 7, reason: api(429, -1003).to_string() }
        );
        assert!(matches!(Failure::of(&api(418, -1003)), Failure::Banned { retry_after_s: 7, .. }));
        assert!(matches!(Failure::of(&api(400, -1021)), Failure::Timestamp { .. }));
        assert!(matches!(Failure::of(&api(400, -2010)), Failure::Refused { code: Some(-2010), .. }));
        assert!(matches!(Failure::of(&api(400, -1013)), Failure::Refused { code: Some(-1013), .. }));
    }

    #[test]
    fn order_parameters_are_plain_decimals_and_carry_the_client_id() {
        let order = NewOrder {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side: Side::Buy,
            kind: OrderKind::Limit {
                price: "64000.10".parse().unwrap(),
                qty: "0.00100000".parse().unwrap(),
                tif: TimeInForce::Gtc,
            },
            client_id: "vigil-0a1b2c3d-7".into(),
        };
        let params = order.params();
        let get = |k: &str| params.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("price"), Some("64000.1"));
        assert_eq!(get("quantity"), Some("0.001"));
        assert_eq!(get("timeInForce"), Some("GTC"));
        assert_eq!(get("newClientOrderId"), Some("vigil-0a1b2c3d-7"));
        let quote = NewOrder { kind: OrderKind::MarketQuote { quote: "25".parse().unwrap() }, ..order };
        let params = quote.params();
        assert!(params.contains(&("quoteOrderQty", "25".to_owned())));
        assert!(!params.iter().any(|(n, _)| *n == "price" || *n == "quantity"));
    }

    #[test]
    fn stop_limit_orders_carry_their_type_and_stop_price() {
        let stop =
            StopTrigger { kind: crate::domain::StopKind::TakeProfit, price: "63000.50".parse().unwrap() };
        let order = NewOrder {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side: Side::Sell,
            kind: OrderKind::StopLimit {
                stop,
                price: "62990".parse().unwrap(),
                qty: "0.01".parse().unwrap(),
                tif: TimeInForce::Gtc,
            },
            client_id: "vigil-0a1b2c3d-8".into(),
        };
        let params = order.params();
        let get = |k: &str| params.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("type"), Some("TAKE_PROFIT_LIMIT"));
        assert_eq!(
            (get("stopPrice"), get("price"), get("timeInForce")),
            (Some("63000.5"), Some("62990"), Some("GTC"))
        );
    }
}
