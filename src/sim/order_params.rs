//! A signed trading request's parameters, read the way Binance reads them
//! (reference §2.6): decimals in `^([0-9]{1,20})(\.[0-9]{1,20})?$` (no sign,
//! no exponent), client ids in `^[a-zA-Z0-9-_]{1,36}$`, the mandatory and the
//! forbidden parameters of each order type. Nothing here touches an account:
//! a request that passes becomes a [`NewOrder`] for the matching rules.

use rust_decimal::Decimal;

use super::accounts::{Kind, NewOrder, OrderRef, Tif};
use super::hub::Hub;
use super::rest::ApiError;
use crate::domain::{StopKind, Symbol};

/// Binance's rule for decimal parameters.
const DECIMAL_RANGE: &str = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";
/// Binance's rule for client order ids.
const CLIENT_ID_RANGE: &str = "^[a-zA-Z0-9-_]{1,36}$";

/// A signed request's parameters, query string first (Binance: a parameter
/// in both the query string and the body is taken from the query string).
pub(crate) struct Params(pub Vec<(String, String)>);

fn not_required(name: &str) -> ApiError {
    ApiError::bad(-1106, format!("Parameter '{name}' sent when not required."))
}

impl Params {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `symbol`, as a listing index.
    pub(crate) fn symbol(&self, hub: &Hub) -> Result<usize, ApiError> {
        let raw = self.get("symbol").ok_or_else(|| ApiError::mandatory("symbol"))?;
        Symbol::new(raw)
            .ok()
            .and_then(|s| hub.index_of(&s))
            .ok_or_else(|| ApiError::bad(-1121, "Invalid symbol."))
    }

    /// A decimal in Binance's syntax: digits, an optional point and digits.
    fn decimal(&self, name: &str) -> Result<Option<Decimal>, ApiError> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
        let digits =
            |s: &str, min: usize| (min..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int, 1) || (raw.contains('.') && !digits(frac, 1)) {
            return Err(ApiError::illegal(name, DECIMAL_RANGE));
        }
        // Up to 40 digits pass the syntax; a Decimal holds 28.
        let value = Decimal::from_str_exact(raw)
            .map_err(|_| ApiError::bad(-1111, format!("Parameter '{name}' has too much precision.")))?;
        Ok(Some(value))
    }

    /// A client order id parameter (`newClientOrderId`).
    pub(crate) fn client_id(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(id)
                if (1..=36).contains(&id.len())
                    && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                Ok(Some(id.to_owned()))
            }
            Some(_) => Err(ApiError::illegal(name, CLIENT_ID_RANGE)),
        }
    }

    /// A whole-number parameter; malformed is -1100.
    pub(crate) fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.get(name)
            .map(|raw| raw.parse::<T>().map_err(|_| ApiError::illegal(name, "^[0-9]{1,20}$")))
            .transpose()
    }

    /// The order a cancel or query names: `orderId`, else `origClientOrderId`.
    pub(crate) fn order_ref(&self) -> Result<OrderRef, ApiError> {
        if let Some(id) = self.number::<u64>("orderId")? {
            return Ok(OrderRef::Id(id));
        }
        let client = self.get("origClientOrderId").ok_or_else(|| ApiError::mandatory("orderId"))?;
        Ok(OrderRef::Client(client.to_owned()))
    }

    /// `newOrderRespType`, with Binance's default: `FULL` for `LIMIT` and
    /// `MARKET`, `ACK` for every other type (`LIMIT_MAKER`, the stop types).
    pub(crate) fn resp_type(&self, kind: Kind, stop: bool) -> Result<RespType, ApiError> {
        match self.get("newOrderRespType") {
            Some("ACK") => Ok(RespType::Ack),
            Some("RESULT") => Ok(RespType::Result),
            Some("FULL") => Ok(RespType::Full),
            Some(_) => Err(ApiError::illegal("newOrderRespType", "ACK, RESULT, FULL")),
            None if kind == Kind::LimitMaker || stop => Ok(RespType::Ack),
            None => Ok(RespType::Full),
        }
    }

    /// Reads a `POST /api/v3/order` into an order for the matching rules.
    pub(crate) fn new_order(&self, hub: &Hub) -> Result<NewOrder, ApiError> {
        let symbol = self.symbol(hub)?;
        let buy = match self.get("side") {
            Some("BUY") => true,
            Some("SELL") => false,
            Some(_) => return Err(ApiError::bad(-1117, "Invalid side.")),
            None => return Err(ApiError::mandatory("side")),
        };
        let (kind, stop_kind) = self.kind()?;
        let (price, qty, quote_qty) =
            (self.decimal("price")?, self.decimal("quantity")?, self.decimal("quoteOrderQty")?);
        let stop = match (stop_kind, self.decimal("stopPrice")?) {
            (Some(k), Some(p)) if p.is_zero() => {
                return Err(ApiError::bad(-1013, format!("Invalid stopPrice for {k:?}.")));
            }
            (Some(k), Some(p)) => Some((k, p)),
            (Some(_), None) => return Err(ApiError::mandatory("stopPrice")),
            (None, Some(_)) => return Err(not_required("stopPrice")),
            (None, None) => None,
        };
        match kind {
            Kind::Market => {
                if price.is_some() {
                    return Err(not_required("price"));
                }
                match (qty, quote_qty) {
                    (None, None) => {
                        return Err(ApiError::bad(
                            -1102,
                            "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(ApiError::bad(-1128, "Combination of optional parameters invalid."));
                    }
                    _ => {}
                }
            }
            Kind::Limit(_) | Kind::LimitMaker => {
                if quote_qty.is_some() {
                    return Err(not_required("quoteOrderQty"));
                }
                price.ok_or_else(|| ApiError::mandatory("price"))?;
                qty.ok_or_else(|| ApiError::mandatory("quantity"))?;
            }
        }
        if price.is_some_and(|p| p.is_zero()) {
            return Err(ApiError::bad(-1013, "Invalid price."));
        }
        if qty.or(quote_qty).is_some_and(|q| q.is_zero()) {
            return Err(ApiError::bad(-1013, "Invalid quantity."));
        }
        let client_id = self.client_id("newClientOrderId")?;
        Ok(NewOrder { symbol, buy, kind, price, qty, quote_qty, client_id, stop })
    }

    /// `type` and `timeInForce`: required for `LIMIT` and the stop-limit
    /// types (which are limit orders with a trigger), refused otherwise.
    fn kind(&self) -> Result<(Kind, Option<StopKind>), ApiError> {
        let stop = match self.get("type") {
            Some("STOP_LOSS_LIMIT") => Some(StopKind::StopLoss),
            Some("TAKE_PROFIT_LIMIT") => Some(StopKind::TakeProfit),
            _ => return self.plain_kind().map(|k| (k, None)),
        };
        match self.tif()? {
            Some(tif) => Ok((Kind::Limit(tif), stop)),
            None => Err(ApiError::mandatory("timeInForce")),
        }
    }

    fn tif(&self) -> Result<Option<Tif>, ApiError> {
        match self.get("timeInForce") {
            None => Ok(None),
            Some("GTC") => Ok(Some(Tif::Gtc)),
            Some("IOC") => Ok(Some(Tif::Ioc)),
            Some("FOK") => Ok(Some(Tif::Fok)),
            Some(_) => Err(ApiError::bad(-1115, "Invalid timeInForce.")),
        }
    }

    fn plain_kind(&self) -> Result<Kind, ApiError> {
        match (self.get("type"), self.tif()?) {
            (Some("LIMIT"), Some(tif)) => Ok(Kind::Limit(tif)),
            (Some("LIMIT"), None) => Err(ApiError::mandatory("timeInForce")),
            (Some("LIMIT_MAKER" | "MARKET"), Some(_)) => Err(not_required("timeInForce")),
            (Some("LIMIT_MAKER"), None) => Ok(Kind::LimitMaker),
            (Some("MARKET"), None) => Ok(Kind::Market),
            (Some(_), _) => Err(ApiError::bad(-1116, "Invalid orderType.")),
            (None, _) => Err(ApiError::mandatory("type")),
        }
    }
}

/// `newOrderRespType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RespType {
    Ack,
    Result,
    Full,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    fn code(r: Result<Option<Decimal>, ApiError>) -> i32 {
        r.err().map(|e| e.parts().1).unwrap_or(0)
    }

    #[test]
    fn decimals_follow_binance_syntax_and_never_overflow() {
        let read = |v: &str| params(&[("price", v)]).decimal("price");
        assert_eq!(read("64000.5").unwrap(), Some(Decimal::new(640005, 1)));
        assert_eq!(code(read("-1")), -1100, "no sign");
        assert_eq!(code(read("1e5")), -1100, "no exponent");
        assert_eq!(code(read(".5")), -1100);
        assert_eq!(code(read("123456789012345678901")), -1100, "21 integer digits");
        assert_eq!(code(read("12345678901234567890.12345678901234567890")), -1111, "40 digits");
        assert_eq!(read("99999999999999999999").unwrap(), Some("99999999999999999999".parse().unwrap()));
    }

    #[test]
    fn response_type_defaults_like_binance() {
        let none = params(&[]);
        assert_eq!(none.resp_type(Kind::Limit(Tif::Gtc), false).unwrap(), RespType::Full);
        assert_eq!(none.resp_type(Kind::Market, false).unwrap(), RespType::Full);
        assert_eq!(none.resp_type(Kind::LimitMaker, false).unwrap(), RespType::Ack);
        assert_eq!(none.resp_type(Kind::Limit(Tif::Gtc), true).unwrap(), RespType::Ack, "stop types");
        assert_eq!(
            params(&[("newOrderRespType", "RESULT")]).resp_type(Kind::Market, false).unwrap(),
            RespType::Result
        );
    }

    #[test]
    fn client_ids_follow_the_documented_pattern() {
        let read = |v: &str| params(&[("newClientOrderId", v)]).client_id("newClientOrderId");
        assert_eq!(read("vigil-0a_Z9").unwrap().as_deref(), Some("vigil-0a_Z9"));
        for bad in ["", "has.dot", "space d", &"x".repeat(37)] {
            let (status, code, msg) = read(bad).unwrap_err().parts();
            assert_eq!((status, code), (400, -1100), "{bad}");
            assert_eq!(
                msg,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'."
            );
        }
    }
}
