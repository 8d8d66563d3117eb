//! What Binance answers on the trading endpoints and sends on the user data
//! stream, as `serde` reads it (reference §2.6, §2.10). Decimals arrive as
//! strings and are read straight into `Decimal`; unknown fields are ignored
//! (Binance adds fields over time), missing optional ones default.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::domain::{Side, TimestampMs};

/// An order's status as Binance reports it (`enums.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExchangeStatus {
    New,
    PendingNew,
    PartiallyFilled,
    Filled,
    Canceled,
    PendingCancel,
    Rejected,
    Expired,
    ExpiredInMatch,
    /// A status this client does not know yet: treated as still working.
    #[serde(other)]
    Other,
}

impl ExchangeStatus {
    /// True once nothing more can happen to the order at the exchange.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Filled | Self::Canceled | Self::Rejected | Self::Expired | Self::ExpiredInMatch)
    }
}

/// `BUY` / `SELL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WireSide {
    Buy,
    Sell,
}

impl From<WireSide> for Side {
    fn from(side: WireSide) -> Self {
        match side {
            WireSide::Buy => Side::Buy,
            WireSide::Sell => Side::Sell,
        }
    }
}

/// One fill inside a `FULL` order response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AckFill {
    pub price: Decimal,
    pub qty: Decimal,
    pub commission: Decimal,
    pub commission_asset: String,
    pub trade_id: u64,
}

/// `POST /api/v3/order` (RESULT or FULL), `DELETE /api/v3/order`,
/// `GET /api/v3/order` and each entry of `GET /api/v3/openOrders`: the fields
/// all four share.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderReport {
    pub symbol: String,
    pub order_id: u64,
    /// The order's own client id (on a cancel answer, `origClientOrderId`
    /// holds it and this is the cancel's id).
    pub client_order_id: String,
    #[serde(default)]
    pub orig_client_order_id: Option<String>,
    #[serde(default)]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub orig_qty: Option<Decimal>,
    #[serde(default)]
    pub executed_qty: Option<Decimal>,
    /// Binance's spelling.
    #[serde(default, rename = "cummulativeQuoteQty")]
    pub cumulative_quote_qty: Option<Decimal>,
    pub status: ExchangeStatus,
    pub side: WireSide,
    #[serde(default)]
    pub fills: Vec<AckFill>,
    /// `GET /api/v3/order`, `openOrders`: false while a stop order waits for its trigger.
    #[serde(default)]
    pub is_working: Option<bool>,
    /// Order answers: when the order started working, -1 while a stop order
    /// waits for its trigger.
    #[serde(default)]
    pub working_time: Option<i64>,
}

impl OrderReport {
    /// The client id of the order this report is about.
    pub fn order_client_id(&self) -> &str {
        self.orig_client_order_id.as_deref().unwrap_or(&self.client_order_id)
    }

    /// False when the report says the order is not working yet (an
    /// untriggered stop order); true when it says nothing.
    pub fn working(&self) -> bool {
        self.is_working.unwrap_or_else(|| self.working_time.is_none_or(|t| t >= 0))
    }
}

/// One asset of `GET /api/v3/account`, or of an `outboundAccountPosition`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AssetBalance {
    #[serde(alias = "a")]
    pub asset: String,
    #[serde(alias = "f")]
    pub free: Decimal,
    #[serde(alias = "l")]
    pub locked: Decimal,
}

/// The account's commission rates (`commissionRates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct CommissionRates {
    pub maker: Decimal,
    pub taker: Decimal,
}

/// `GET /api/v3/account`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    #[serde(default = "yes")]
    pub can_trade: bool,
    /// When the account last changed (ms); 0 when not reported.
    #[serde(default)]
    pub update_time: TimestampMs,
    #[serde(default)]
    pub commission_rates: Option<CommissionRates>,
    pub balances: Vec<AssetBalance>,
}

fn yes() -> bool {
    true
}

/// One trade of `GET /api/v3/myTrades`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountTrade {
    pub symbol: String,
    pub id: u64,
    pub order_id: u64,
    pub price: Decimal,
    pub qty: Decimal,
    pub commission: Decimal,
    pub commission_asset: String,
    pub time: TimestampMs,
    pub is_buyer: bool,
    pub is_maker: bool,
}

/// An `executionReport` event (reference §2.10): one change of one order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExecutionReport {
    #[serde(rename = "E")]
    pub event_time: TimestampMs,
    #[serde(rename = "s")]
    pub symbol: String,
    /// The client id of the request behind the event (for a cancel, the
    /// cancel's own id; the order's is then in `C`).
    #[serde(rename = "c")]
    pub client_order_id: String,
    #[serde(rename = "C", default)]
    pub orig_client_order_id: Option<String>,
    #[serde(rename = "S")]
    pub side: WireSide,
    /// The order's quantity and (limit) price.
    #[serde(rename = "q", default)]
    pub order_qty: Decimal,
    #[serde(rename = "p", default)]
    pub order_price: Decimal,
    /// Execution type: NEW, TRADE, CANCELED, EXPIRED, REJECTED, ...
    #[serde(rename = "x")]
    pub execution_type: String,
    #[serde(rename = "X")]
    pub status: ExchangeStatus,
    #[serde(rename = "r", default)]
    pub reject_reason: Option<String>,
    #[serde(rename = "i")]
    pub order_id: u64,
    #[serde(rename = "l")]
    pub last_qty: Decimal,
    #[serde(rename = "z")]
    pub cumulative_qty: Decimal,
    #[serde(rename = "L")]
    pub last_price: Decimal,
    #[serde(rename = "n", default)]
    pub commission: Option<Decimal>,
    #[serde(rename = "N", default)]
    pub commission_asset: Option<String>,
    #[serde(rename = "T")]
    pub transaction_time: TimestampMs,
    /// -1 when the event is not a trade.
    #[serde(rename = "t")]
    pub trade_id: i64,
    #[serde(rename = "m", default)]
    pub maker: bool,
    /// `w`: the order is on the book (false for an untriggered stop order,
    /// and for orders that never rest).
    #[serde(rename = "w", default)]
    pub on_book: bool,
}

impl ExecutionReport {
    /// The client id of the order the event is about: `C` when Binance set
    /// it (cancels), else `c`.
    pub fn order_client_id(&self) -> &str {
        match self.orig_client_order_id.as_deref() {
            Some(original) if !original.is_empty() => original,
            _ => &self.client_order_id,
        }
    }
}

/// An `outboundAccountPosition` event: balances of the assets that changed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccountPosition {
    #[serde(rename = "E")]
    pub event_time: TimestampMs,
    #[serde(rename = "B")]
    pub balances: Vec<AssetBalance>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn an_execution_report_for_a_cancel_names_the_original_order() {
        let json = r#"{"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"cancel-1","S":"BUY",
            "o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","P":"0.00000000","F":"0.00000000",
            "g":-1,"C":"vigil-ab-7","x":"CANCELED","X":"CANCELED","r":"NONE","i":4293153,
            "l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0","N":null,"T":1499405658657,
            "t":-1,"v":3,"I":8641984,"w":false,"m":false,"M":false,"O":1499405658657,
            "Z":"0.00000000","Y":"0.00000000","Q":"0.00000000","W":1499405658657,"V":"NONE"}"#;
        let report: ExecutionReport = serde_json::from_str(json).unwrap();
        assert_eq!(report.order_client_id(), "vigil-ab-7");
        assert_eq!(report.status, ExchangeStatus::Canceled);
        assert_eq!(report.trade_id, -1);
        assert_eq!(report.commission_asset, None);
    }

    #[test]
    fn a_full_order_response_reads_with_binance_spelling() {
        let json = r#"{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"vigil-ab-1",
            "transactTime":1507725176595,"price":"0.00000000","origQty":"10.00000000",
            "executedQty":"10.00000000","origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"10.00000000",
            "status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL","workingTime":1507725176595,
            "selfTradePreventionMode":"NONE","fills":[{"price":"4000.00000000","qty":"1.00000000",
            "commission":"4.00000000","commissionAsset":"USDT","tradeId":56}]}"#;
        let report: OrderReport = serde_json::from_str(json).unwrap();
        assert_eq!(report.cumulative_quote_qty, Some(Decimal::new(10, 0)));
        assert_eq!(report.fills[0].trade_id, 56);
        assert!(report.status.is_final());
        let unknown: ExchangeStatus = serde_json::from_str(r#""SOMETHING_NEW""#).unwrap();
        assert_eq!(unknown, ExchangeStatus::Other);
    }

    #[test]
    fn account_positions_use_single_letter_names() {
        let json = r#"{"e":"outboundAccountPosition","E":1564034571105,"u":1564034571073,
            "B":[{"a":"ETH","f":"10000.000000","l":"0.000000"}]}"#;
        let position: AccountPosition = serde_json::from_str(json).unwrap();
        assert_eq!(position.balances[0].asset, "ETH");
        assert_eq!(position.balances[0].free, Decimal::new(10000, 0));
    }
}
