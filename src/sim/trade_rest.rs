//! Signed trading endpoints in Binance's shapes (reference §2.6): `POST`,
//! `DELETE` and `GET /api/v3/order`, `GET /api/v3/openOrders`,
//! `GET /api/v3/account`, `GET /api/v3/myTrades`. Every answer carries the
//! rate-limit headers; the fault knobs apply before (5xx, -1007, 429, 418) or
//! after (a dropped answer) the order is executed.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::account::authenticate;
use super::accounts::{Kind, NewOrder, OrderRef, SimFill, SimOrder, Tif};
use super::faults::Fault;
use super::rest::ApiError;
use super::server::AppState;
use super::usage::Counts;
use crate::domain::Symbol;

/// Request weights, as Binance documents them.
const ORDER_WEIGHT: u32 = 1;
const QUERY_WEIGHT: u32 = 4;
const OPEN_ORDERS_WEIGHT: u32 = 6;
const ACCOUNT_WEIGHT: u32 = 20;
const TRADES_WEIGHT: u32 = 20;
/// `myTrades` limit: default and maximum.
const TRADES_DEFAULT: usize = 500;
const TRADES_MAX: usize = 1000;
/// Binance's rule for decimal parameters.
const DECIMAL_RANGE: &str = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";
const CLIENT_ID_RANGE: &str = "^[a-zA-Z0-9-_]{1,36}$";

/// A signed request's parameters.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn symbol(&self, app: &AppState) -> Result<usize, ApiError> {
        let raw = self.get("symbol").ok_or_else(|| ApiError::mandatory("symbol"))?;
        Symbol::new(raw)
            .ok()
            .and_then(|s| app.hub.index_of(&s))
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
        let value: Decimal = raw
            .parse()
            .map_err(|_| ApiError::bad(-1111, format!("Parameter '{name}' has too much precision.")))?;
        Ok(Some(value))
    }

    fn order_ref(&self) -> Result<OrderRef, ApiError> {
        if let Some(id) = self.get("orderId") {
            return id.parse().map(OrderRef::Id).map_err(|_| ApiError::mandatory("orderId"));
        }
        let client = self.get("origClientOrderId").ok_or_else(|| ApiError::mandatory("orderId"))?;
        Ok(OrderRef::Client(client.to_owned()))
    }
}

/// Checks the signature, then charges the request's weight (and order count).
fn admit(
    app: &AppState,
    headers: &HeaderMap,
    query: Option<String>,
    body: &str,
    weight: u32,
    order: bool,
) -> Result<(usize, Params, Counts), Box<Response>> {
    let (acct, params) = authenticate(app, headers, &query.unwrap_or_default(), body)
        .map_err(|e| Box::new(e.into_response()))?;
    let counts = app.usage.charge(app.now_ms(), weight, order.then_some(acct)).map_err(|counts| {
        let (code, msg) = if counts.orders.is_some() && counts.weight_1m <= super::usage::WEIGHT_PER_MINUTE {
            (-1015, "Too many new orders; current limit is 100 orders per 10 SECOND.")
        } else {
            (-1003, "Too much request weight used; current limit is 6000 request weight per 1 MINUTE.")
        };
        Box::new(limited(StatusCode::TOO_MANY_REQUESTS, code, msg, 10, counts))
    })?;
    if let Some(fault) = app.faults.next(order) {
        return Err(Box::new(match fault {
            Fault::ServerError => (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response(),
            Fault::Timeout { executed } => {
                if executed {
                    // Executed by the engine behind the gateway; the answer is lost.
                    let _ = place(app, acct, &Params(params.clone()));
                }
                let body = json!({"code": -1007, "msg": "Timeout waiting for response from backend server. Send status unknown; execution status unknown."});
                with_usage((StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response(), counts)
            }
            Fault::RateLimited { retry_after_s } => limited(
                StatusCode::TOO_MANY_REQUESTS,
                -1003,
                "Too many requests; current limit is 6000 request weight per 1 MINUTE.",
                retry_after_s,
                counts,
            ),
            Fault::Banned { retry_after_s } => limited(
                StatusCode::IM_A_TEAPOT,
                -1003,
                "Way too much request weight used; IP banned until later.",
                retry_after_s,
                counts,
            ),
        }));
    }
    Ok((acct, Params(params), counts))
}

fn limited(status: StatusCode, code: i32, msg: &str, retry_after_s: u64, counts: Counts) -> Response {
    let mut response =
        with_usage((status, axum::Json(json!({"code": code, "msg": msg}))).into_response(), counts);
    if let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string()) {
        response.headers_mut().insert("Retry-After", value);
    }
    response
}

fn with_usage(mut response: Response, counts: Counts) -> Response {
    let headers = response.headers_mut();
    let mut put = |name: &'static str, n: u32| {
        if let Ok(value) = HeaderValue::from_str(&n.to_string()) {
            headers.insert(name, value);
        }
    };
    put("X-MBX-USED-WEIGHT-1M", counts.weight_1m);
    if let Some((ten, day)) = counts.orders {
        put("X-MBX-ORDER-COUNT-10S", ten);
        put("X-MBX-ORDER-COUNT-1D", day);
    }
    response
}

fn ok(value: Value, counts: Counts) -> Response {
    with_usage(axum::Json(value).into_response(), counts)
}

fn wire(d: Decimal) -> String {
    let mut d = d;
    d.rescale(8);
    d.to_string()
}

/// The order fields every answer shares (`RESULT`).
fn order_json(app: &AppState, o: &SimOrder) -> Value {
    let symbol = app.hub.specs().get(o.symbol).map(|s| s.instrument.symbol.to_string()).unwrap_or_default();
    let (kind, tif) = match o.kind {
        Kind::Limit(Tif::Gtc) => ("LIMIT", "GTC"),
        Kind::Limit(Tif::Ioc) => ("LIMIT", "IOC"),
        Kind::Limit(Tif::Fok) => ("LIMIT", "FOK"),
        Kind::LimitMaker => ("LIMIT_MAKER", "GTC"),
        Kind::Market => ("MARKET", "GTC"),
    };
    json!({
        "symbol": symbol, "orderId": o.id, "orderListId": -1, "clientOrderId": o.client_id,
        "price": wire(o.price), "origQty": wire(o.orig_qty), "executedQty": wire(o.executed),
        "origQuoteOrderQty": wire(o.orig_quote), "cummulativeQuoteQty": wire(o.cum_quote),
        "status": o.status, "timeInForce": tif, "type": kind, "side": if o.buy { "BUY" } else { "SELL" },
        "stopPrice": wire(Decimal::ZERO), "icebergQty": wire(Decimal::ZERO), "time": o.time,
        "updateTime": o.update_time, "isWorking": o.status == "NEW", "workingTime": o.time,
        "selfTradePreventionMode": "NONE"
    })
}

fn fill_json(f: &SimFill) -> Value {
    json!({"price": wire(f.price), "qty": wire(f.qty), "commission": wire(f.commission),
           "commissionAsset": f.commission_asset, "tradeId": f.trade_id})
}

/// Validates and places the order the params describe.
fn place(app: &AppState, acct: usize, p: &Params) -> Result<(SimOrder, Vec<SimFill>), ApiError> {
    let symbol = p.symbol(app)?;
    let buy = match p.get("side") {
        Some("BUY") => true,
        Some("SELL") => false,
        _ => return Err(ApiError::mandatory("side")),
    };
    let tif = match p.get("timeInForce") {
        None | Some("GTC") => Tif::Gtc,
        Some("IOC") => Tif::Ioc,
        Some("FOK") => Tif::Fok,
        Some(_) => return Err(ApiError::bad(-1115, "Invalid timeInForce.")),
    };
    let kind = match p.get("type") {
        Some("LIMIT") => Kind::Limit(tif),
        Some("LIMIT_MAKER") => Kind::LimitMaker,
        Some("MARKET") => Kind::Market,
        Some(_) => return Err(ApiError::bad(-1116, "Invalid orderType.")),
        None => return Err(ApiError::mandatory("type")),
    };
    let (price, qty, quote_qty) = (p.decimal("price")?, p.decimal("quantity")?, p.decimal("quoteOrderQty")?);
    if kind != Kind::Market && price.is_none() {
        return Err(ApiError::mandatory("price"));
    }
    if [price, qty, quote_qty].iter().flatten().any(|d| d.is_zero()) {
        return Err(ApiError::bad(-1013, "Invalid quantity."));
    }
    let client_id = match p.get("newClientOrderId") {
        Some(id)
            if (1..=36).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            id.to_owned()
        }
        Some(_) => return Err(ApiError::illegal("newClientOrderId", CLIENT_ID_RANGE)),
        None => format!("sim{}", app.now_ms()),
    };
    let price = if kind == Kind::Market { None } else { price };
    let order = NewOrder { symbol, buy, kind, price, qty, quote_qty, client_id };
    app.hub.place(acct, order, app.now_ms())
}

/// `POST /api/v3/order`.
pub(crate) async fn new_order(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, &body, ORDER_WEIGHT, true) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let placed = place(&app, acct, &params);
    let delay = app.faults.order_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (order, fills) = match placed {
        Ok(done) => done,
        Err(err) => return with_usage(err.into_response(), counts),
    };
    if app.faults.take_drop_after_execution() {
        // Headers go out, then the body breaks off: the order exists, the
        // client cannot know it.
        let broken = futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("connection lost"))
        });
        return with_usage(Response::new(Body::from_stream(broken)), counts);
    }
    let mut value = order_json(&app, &order);
    match params.get("newOrderRespType") {
        Some("ACK") => {
            value = json!({"symbol": value["symbol"], "orderId": order.id, "orderListId": -1,
                           "clientOrderId": order.client_id, "transactTime": order.time});
        }
        Some("RESULT") => {}
        // FULL, Binance's default for LIMIT and MARKET.
        _ => value["fills"] = Value::Array(fills.iter().map(fill_json).collect()),
    }
    if let Some(obj) = value.as_object_mut() {
        obj.insert("transactTime".into(), json!(order.update_time));
    }
    ok(value, counts)
}

/// `DELETE /api/v3/order`.
pub(crate) async fn cancel_order(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, &body, ORDER_WEIGHT, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let cancelled = params.symbol(&app).and_then(|symbol| {
        let find = params.order_ref()?;
        app.hub.cancel(acct, symbol, &find, app.now_ms())
    });
    match cancelled {
        Ok(order) => {
            let mut value = order_json(&app, &order);
            value["origClientOrderId"] = json!(order.client_id);
            value["clientOrderId"] = json!(format!("cancel{}", order.id));
            ok(value, counts)
        }
        Err(err) => with_usage(err.into_response(), counts),
    }
}

/// `GET /api/v3/order`.
pub(crate) async fn query_order(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, "", QUERY_WEIGHT, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let found = params.symbol(&app).and_then(|symbol| {
        let find = params.order_ref()?;
        if app.faults.take_forgotten_query() {
            return Err(ApiError::bad(-2013, "Order does not exist."));
        }
        app.hub.with_accounts(|a| a.get(acct, symbol, &find))
    });
    match found {
        Ok(order) => ok(order_json(&app, &order), counts),
        Err(err) => with_usage(err.into_response(), counts),
    }
}

/// `GET /api/v3/openOrders`.
pub(crate) async fn open_orders(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, "", OPEN_ORDERS_WEIGHT, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let symbol = match params.get("symbol").map(|_| params.symbol(&app)).transpose() {
        Ok(symbol) => symbol,
        Err(err) => return with_usage(err.into_response(), counts),
    };
    match app.hub.with_accounts(|a| a.open_orders(acct, symbol)) {
        Ok(orders) => ok(Value::Array(orders.iter().map(|o| order_json(&app, o)).collect()), counts),
        Err(err) => with_usage(err.into_response(), counts),
    }
}

/// `GET /api/v3/account`.
pub(crate) async fn account(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, "", ACCOUNT_WEIGHT, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let omit_zero = params.get("omitZeroBalances") == Some("true");
    let balances = match app.hub.with_accounts(|a| a.balances(acct)) {
        Ok(balances) => balances,
        Err(err) => return with_usage(err.into_response(), counts),
    };
    let balances: Vec<Value> = balances
        .into_iter()
        .filter(|(_, free, locked)| !(omit_zero && free.is_zero() && locked.is_zero()))
        .map(|(asset, free, locked)| json!({"asset": asset, "free": wire(free), "locked": wire(locked)}))
        .collect();
    let rate = wire(Decimal::new(1, 3));
    ok(
        json!({
            "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {"maker": rate, "taker": rate, "buyer": wire(Decimal::ZERO), "seller": wire(Decimal::ZERO)},
            "canTrade": true, "canWithdraw": false, "canDeposit": true, "brokered": false,
            "requireSelfTradePrevention": false, "preventSor": false, "updateTime": app.now_ms(),
            "accountType": "SPOT", "balances": balances, "permissions": ["SPOT"], "uid": 354_937_868 + acct
        }),
        counts,
    )
}

/// `GET /api/v3/myTrades`.
pub(crate) async fn my_trades(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, "", TRADES_WEIGHT, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let read = || -> Result<Value, ApiError> {
        let symbol = params.symbol(&app)?;
        let from_id = params
            .get("fromId")
            .map(str::parse::<u64>)
            .transpose()
            .map_err(|_| ApiError::mandatory("fromId"))?;
        let limit = params
            .get("limit")
            .map(str::parse::<usize>)
            .transpose()
            .map_err(|_| ApiError::mandatory("limit"))?;
        let limit = limit.unwrap_or(TRADES_DEFAULT).clamp(1, TRADES_MAX);
        let order_id = params
            .get("orderId")
            .map(str::parse::<u64>)
            .transpose()
            .map_err(|_| ApiError::mandatory("orderId"))?;
        let fills = match order_id {
            // That order's trades, from `fromId` on (the oldest without one), one page.
            Some(order_id) => {
                let mut all = app
                    .hub
                    .with_accounts(|a| a.fills(acct, symbol, Some(from_id.unwrap_or(0)), usize::MAX))?;
                all.retain(|f| f.order_id == order_id);
                all.truncate(limit);
                all
            }
            None => app.hub.with_accounts(|a| a.fills(acct, symbol, from_id, limit))?,
        };
        let name = app.hub.specs().get(symbol).map(|s| s.instrument.symbol.to_string()).unwrap_or_default();
        Ok(Value::Array(
            fills
                .iter()
                .map(|f| {
                    json!({"symbol": name, "id": f.trade_id, "orderId": f.order_id, "orderListId": -1,
                           "price": wire(f.price), "qty": wire(f.qty),
                           "quoteQty": wire(f.price.checked_mul(f.qty).unwrap_or_default()),
                           "commission": wire(f.commission), "commissionAsset": f.commission_asset,
                           "time": f.time, "isBuyer": f.buyer, "isMaker": f.maker, "isBestMatch": true})
                })
                .collect(),
        ))
    };
    match read() {
        Ok(value) => ok(value, counts),
        Err(err) => with_usage(err.into_response(), counts),
    }
}
