//! Signed trading endpoints in Binance's shapes (reference §2.6): `POST`,
//! `DELETE` and `GET /api/v3/order`, `GET /api/v3/openOrders`,
//! `GET /api/v3/account`, `GET /api/v3/myTrades`. Every answer carries the
//! rate-limit headers; the fault knobs apply before (5xx, -1007, 429, 418) or
//! after (a dropped answer) the order is executed.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::account::{self, authenticate};
use super::accounts::{SimFill, SimOrder};
use super::faults::Fault;
use super::order_params::Params;
use super::order_wire::{self, wire};
use super::rest::ApiError;
use super::server::AppState;
use super::usage::Counts;
use super::weight::{self, with_usage};

/// `myTrades` limit: default and maximum.
const TRADES_DEFAULT: usize = 500;
const TRADES_MAX: usize = 1000;

/// Checks the signature, then charges the request's weight (which may
/// depend on its parameters) and, for an order, the account's order count;
/// then applies the fault knobs.
fn admit(
    app: &AppState,
    headers: &HeaderMap,
    query: Option<String>,
    body: &str,
    weight: fn(&Params) -> u32,
    order: bool,
) -> Result<(usize, Params, Counts), Box<Response>> {
    let (acct, params) = authenticate(app, headers, &query.unwrap_or_default(), body)
        .map_err(|e| Box::new(e.into_response()))?;
    let params = Params(params);
    let counts = app
        .usage
        .charge(app.now_ms(), weight(&params), order.then_some(acct))
        .map_err(|refusal| Box::new(weight::refused(refusal)))?;
    if let Some(fault) = app.faults.next(order) {
        return Err(Box::new(match fault {
            Fault::ServerError { status } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let text = status.canonical_reason().unwrap_or("Internal Server Error");
                with_usage((status, text).into_response(), counts)
            }
            Fault::Timeout { executed } => {
                if executed {
                    // Executed by the engine behind the gateway; the answer is lost.
                    let _ = place(app, acct, &params);
                }
                let body = json!({"code": -1007, "msg": "Timeout waiting for response from backend server. Send status unknown; execution status unknown."});
                with_usage((StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response(), counts)
            }
            Fault::RateLimited { retry_after_s } => weight::limited(
                StatusCode::TOO_MANY_REQUESTS,
                -1003,
                "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                retry_after_s,
                counts,
            ),
            Fault::Banned { retry_after_s } => weight::limited(
                StatusCode::IM_A_TEAPOT,
                -1003,
                "Way too much request weight used; IP banned until later. Please use WebSocket Streams for live updates to avoid bans.",
                retry_after_s,
                counts,
            ),
        }));
    }
    Ok((acct, params, counts))
}

fn ok(value: Value, counts: Counts) -> Response {
    with_usage(axum::Json(value).into_response(), counts)
}

fn answer(result: Result<Value, ApiError>, counts: Counts) -> Response {
    match result {
        Ok(value) => ok(value, counts),
        Err(err) => with_usage(err.into_response(), counts),
    }
}

fn symbol_name(app: &AppState, idx: usize) -> String {
    app.hub.specs().get(idx).map(|s| s.instrument.symbol.to_string()).unwrap_or_default()
}

/// Validates and places the order the params describe.
fn place(app: &AppState, acct: usize, p: &Params) -> Result<(SimOrder, Vec<SimFill>), ApiError> {
    let order = p.new_order(&app.hub)?;
    p.resp_type(order.kind, order.stop.is_some())?;
    app.hub.place(acct, order, app.now_ms())
}

/// `POST /api/v3/order`.
pub(crate) async fn new_order(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, &body, |_| weight::ORDER, true) {
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
        // Headers go out, then the body breaks off and the connection is
        // closed: the order exists, the client cannot know it.
        let broken = futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("connection lost"))
        });
        return with_usage(Response::new(Body::from_stream(broken)), counts);
    }
    let resp =
        params.resp_type(order.kind, order.stop.is_some()).unwrap_or(super::order_params::RespType::Full);
    ok(order_wire::placed(&symbol_name(&app, order.symbol), &order, &fills, resp), counts)
}

/// `DELETE /api/v3/order` by `orderId` or `origClientOrderId`; the cancel's
/// own id is `newClientOrderId` or generated.
pub(crate) async fn cancel_order(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, &body, |_| weight::ORDER, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let cancelled = (|| {
        let symbol = params.symbol(&app.hub)?;
        let find = params.order_ref()?;
        let cancel_id = params.client_id("newClientOrderId")?;
        let (order, cancel_id) = app.hub.cancel(acct, symbol, &find, cancel_id, app.now_ms())?;
        Ok(order_wire::cancelled(&symbol_name(&app, symbol), &order, &cancel_id))
    })();
    answer(cancelled, counts)
}

/// `GET /api/v3/order` by `orderId` or `origClientOrderId`.
pub(crate) async fn query_order(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, "", |_| weight::QUERY, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let found = (|| {
        let symbol = params.symbol(&app.hub)?;
        let find = params.order_ref()?;
        if app.faults.take_forgotten_query() {
            return Err(ApiError::bad(-2013, "Order does not exist."));
        }
        let order = app.hub.with_accounts(|a| a.get(acct, symbol, &find))?;
        Ok(order_wire::queried(&symbol_name(&app, symbol), &order))
    })();
    answer(found, counts)
}

/// `GET /api/v3/openOrders[?symbol=]`.
pub(crate) async fn open_orders(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let weight =
        |p: &Params| if p.get("symbol").is_some() { weight::OPEN_ORDERS } else { weight::OPEN_ORDERS_ALL };
    let (acct, params, counts) = match admit(&app, &headers, query, "", weight, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let listed = (|| {
        let symbol = params.get("symbol").map(|_| params.symbol(&app.hub)).transpose()?;
        let orders = app.hub.with_accounts(|a| a.open_orders(acct, symbol))?;
        Ok(Value::Array(
            orders.iter().map(|o| order_wire::queried(&symbol_name(&app, o.symbol), o)).collect(),
        ))
    })();
    answer(listed, counts)
}

/// `GET /api/v3/account[?omitZeroBalances=true]`.
pub(crate) async fn account(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, "", |_| weight::ACCOUNT, false) {
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
    let uid = 354_937_868_u64.saturating_add(u64::try_from(acct).unwrap_or_default());
    ok(
        json!({
            "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {"maker": rate, "taker": rate, "buyer": wire(Decimal::ZERO), "seller": wire(Decimal::ZERO)},
            "canTrade": true, "canWithdraw": account::can_withdraw(acct), "canDeposit": true,
            "brokered": false, "requireSelfTradePrevention": false, "preventSor": false,
            "updateTime": app.now_ms(), "accountType": "SPOT", "balances": balances,
            "permissions": ["SPOT"], "uid": uid
        }),
        counts,
    )
}

/// `GET /api/v3/myTrades?symbol=[&orderId=][&fromId=][&limit=]`.
pub(crate) async fn my_trades(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (acct, params, counts) = match admit(&app, &headers, query, "", |_| weight::TRADES, false) {
        Ok(admitted) => admitted,
        Err(response) => return *response,
    };
    let read = || -> Result<Value, ApiError> {
        let symbol = params.symbol(&app.hub)?;
        let from_id = params.number::<u64>("fromId")?;
        let limit = params.number::<usize>("limit")?.unwrap_or(TRADES_DEFAULT).clamp(1, TRADES_MAX);
        let fills = match params.number::<u64>("orderId")? {
            // That order's trades, from `fromId` on (the oldest without one), one page.
            Some(order_id) => {
                let from = from_id.unwrap_or(0);
                let mut all = app.hub.with_accounts(|a| a.fills(acct, symbol, Some(from), usize::MAX))?;
                all.retain(|f| f.order_id == order_id);
                all.truncate(limit);
                all
            }
            None => app.hub.with_accounts(|a| a.fills(acct, symbol, from_id, limit))?,
        };
        let name = symbol_name(&app, symbol);
        Ok(Value::Array(fills.iter().map(|f| order_wire::trade(&name, f)).collect()))
    };
    answer(read(), counts)
}
