//! REST market-data endpoints in Binance's shapes: `/api/v3/depth`,
//! `/api/v3/exchangeInfo`, `/api/v3/time`, `/api/v3/ticker/24hr`, with errors as
//! `{"code":-1121,"msg":"Invalid symbol."}` and HTTP 400.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;

use crate::domain::Symbol;

use super::accounts::STP_MODE;
use super::hub::Hub;
use super::server::AppState;
use super::spec::SymbolSpec;
use super::ticker::DAY_MS;
use super::usage::{ORDERS_PER_10S, ORDERS_PER_DAY, WEIGHT_PER_MINUTE};
use super::wire::{
    DepthSnapshotMsg, ErrorMsg, ExchangeInfoMsg, FilterMsg, Fixed, RateLimitMsg, ServerTimeMsg,
    SymbolInfoMsg, Ticker24hMsg, levels,
};

/// `limit` when `/api/v3/depth` is called without one.
const DEFAULT_DEPTH_LIMIT: usize = 100;
/// Binance serves at most this many levels per side.
const MAX_DEPTH_LIMIT: usize = 5000;

type Params = Query<HashMap<String, String>>;

/// A Binance error response.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: i32,
    msg: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, code: i32, msg: impl Into<String>) -> Self {
        Self { status, code, msg: msg.into() }
    }

    pub(super) fn bad(code: i32, msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, msg)
    }

    fn invalid_symbol() -> Self {
        Self::bad(-1121, "Invalid symbol.")
    }

    pub(super) fn mandatory(param: &str) -> Self {
        Self::bad(-1102, format!("Mandatory parameter '{param}' was not sent, was empty/null, or malformed."))
    }

    /// HTTP status, Binance code and message (the WebSocket API sends them in its own envelope).
    pub(super) fn parts(self) -> (u16, i32, String) {
        (self.status.as_u16(), self.code, self.msg)
    }

    pub(super) fn illegal(param: &str, range: &str) -> Self {
        Self::bad(
            -1100,
            format!("Illegal characters found in parameter '{param}'; legal range is '{range}'."),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorMsg { code: self.code, msg: self.msg })).into_response()
    }
}

pub(super) fn symbol_index(hub: &Hub, raw: &str) -> Result<usize, ApiError> {
    Symbol::new(raw).ok().and_then(|s| hub.index_of(&s)).ok_or_else(ApiError::invalid_symbol)
}

/// Which symbols a request names: `symbol=X` (one), `symbols=["X","Y"]` (several),
/// or neither (every listed symbol).
enum Selection {
    One(usize),
    Many(Vec<usize>),
}

fn select(hub: &Hub, params: &HashMap<String, String>) -> Result<Selection, ApiError> {
    match (params.get("symbol"), params.get("symbols")) {
        (Some(_), Some(_)) => Err(ApiError::bad(-1128, "Combination of optional parameters invalid.")),
        (Some(one), None) => Ok(Selection::One(symbol_index(hub, one)?)),
        (None, Some(many)) => {
            let names: Vec<String> = serde_json::from_str(many)
                .map_err(|_| ApiError::illegal("symbols", "a JSON array of symbols, e.g. [\"BTCUSDT\"]"))?;
            if names.is_empty() {
                return Err(ApiError::mandatory("symbols"));
            }
            names.iter().map(|n| symbol_index(hub, n)).collect::<Result<_, _>>().map(Selection::Many)
        }
        (None, None) => Ok(Selection::Many((0..hub.specs().len()).collect())),
    }
}

/// `GET /api/v3/time`.
pub(crate) async fn time(State(app): State<AppState>) -> Json<ServerTimeMsg> {
    Json(ServerTimeMsg { server_time: app.now_ms() })
}

/// `GET /api/v3/depth?symbol=&limit=`: a snapshot a client can sync the diff stream from.
pub(crate) async fn depth(State(app): State<AppState>, Query(params): Params) -> Result<Response, ApiError> {
    let raw = params.get("symbol").filter(|s| !s.is_empty()).ok_or_else(|| ApiError::mandatory("symbol"))?;
    let idx = symbol_index(&app.hub, raw)?;
    let limit = match params.get("limit") {
        None => DEFAULT_DEPTH_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(MAX_DEPTH_LIMIT),
            _ => return Err(ApiError::illegal("limit", "1-5000")),
        },
    };
    let snap = app.hub.snapshot(idx, limit).ok_or_else(ApiError::invalid_symbol)?;
    let body = DepthSnapshotMsg {
        last_update_id: snap.last_update_id,
        bids: levels(&snap.bids),
        asks: levels(&snap.asks),
    };
    Ok(Json(body).into_response())
}

/// `GET /api/v3/exchangeInfo[?symbol=|?symbols=]`.
pub(crate) async fn exchange_info(
    State(app): State<AppState>,
    Query(params): Params,
) -> Result<Json<ExchangeInfoMsg>, ApiError> {
    let indices = match select(&app.hub, &params)? {
        Selection::One(i) => vec![i],
        Selection::Many(v) => v,
    };
    let specs = app.hub.specs();
    Ok(Json(ExchangeInfoMsg {
        timezone: "UTC",
        server_time: app.now_ms(),
        rate_limits: vec![
            RateLimitMsg {
                rate_limit_type: "REQUEST_WEIGHT",
                interval: "MINUTE",
                interval_num: 1,
                limit: WEIGHT_PER_MINUTE,
            },
            RateLimitMsg {
                rate_limit_type: "ORDERS",
                interval: "SECOND",
                interval_num: 10,
                limit: ORDERS_PER_10S,
            },
            RateLimitMsg {
                rate_limit_type: "ORDERS",
                interval: "DAY",
                interval_num: 1,
                limit: ORDERS_PER_DAY,
            },
            RateLimitMsg {
                rate_limit_type: "RAW_REQUESTS",
                interval: "MINUTE",
                interval_num: 5,
                limit: 61000,
            },
        ],
        exchange_filters: [],
        symbols: indices.into_iter().filter_map(|i| specs.get(i)).map(symbol_info).collect(),
    }))
}

fn symbol_info(spec: &SymbolSpec) -> SymbolInfoMsg {
    let i = &spec.instrument;
    SymbolInfoMsg {
        symbol: i.symbol.to_string(),
        status: i.status,
        base_asset: i.base_asset.clone(),
        base_asset_precision: 8,
        quote_asset: i.quote_asset.clone(),
        quote_precision: 8,
        quote_asset_precision: 8,
        base_commission_precision: 8,
        quote_commission_precision: 8,
        order_types: ["LIMIT", "LIMIT_MAKER", "MARKET"],
        iceberg_allowed: false,
        oco_allowed: false,
        oto_allowed: false,
        quote_order_qty_market_allowed: true,
        allow_trailing_stop: false,
        cancel_replace_allowed: false,
        amend_allowed: false,
        is_spot_trading_allowed: true,
        is_margin_trading_allowed: false,
        filters: vec![
            FilterMsg::Price {
                min_price: Fixed(i.min_price),
                max_price: Fixed(i.max_price),
                tick_size: Fixed(i.tick_size),
            },
            FilterMsg::LotSize {
                min_qty: Fixed(i.min_qty),
                max_qty: Fixed(i.max_qty),
                step_size: Fixed(i.step_size),
            },
            FilterMsg::Notional {
                min_notional: Fixed(i.min_notional),
                apply_min_to_market: true,
                max_notional: Fixed(Decimal::from(9_000_000)),
                apply_max_to_market: false,
                avg_price_mins: 5,
            },
        ],
        permissions: [],
        permission_sets: [["SPOT"]],
        default_self_trade_prevention_mode: STP_MODE,
        allowed_self_trade_prevention_modes: ["EXPIRE_MAKER"],
    }
}

/// `GET /api/v3/ticker/24hr`: one object for `symbol=`, an array otherwise.
pub(crate) async fn ticker_24hr(
    State(app): State<AppState>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let now = app.hub.now_ms();
    Ok(match select(&app.hub, &params)? {
        Selection::One(i) => Json(ticker(&app.hub, i, now)).into_response(),
        Selection::Many(v) => {
            Json(v.into_iter().map(|i| ticker(&app.hub, i, now)).collect::<Vec<_>>()).into_response()
        }
    })
}

/// The 24 h ticker of one symbol (REST shape; the `@ticker` stream reuses it).
pub(super) fn ticker(hub: &Hub, idx: usize, now: i64) -> Ticker24hMsg {
    let (stats, prev_close, top) = hub.ticker(idx, now);
    let zero = Decimal::ZERO;
    let symbol = hub.specs().get(idx).map(|s| s.instrument.symbol.to_string()).unwrap_or_default();
    let (bid, ask) =
        top.map(|(b, a)| ((b.price, b.qty), (a.price, a.qty))).unwrap_or(((zero, zero), (zero, zero)));
    let mut msg = Ticker24hMsg {
        symbol,
        price_change: Fixed(zero),
        price_change_percent: "0.000".into(),
        weighted_avg_price: Fixed(zero),
        prev_close_price: Fixed(prev_close.unwrap_or(zero)),
        last_price: Fixed(zero),
        last_qty: Fixed(zero),
        bid_price: Fixed(bid.0),
        bid_qty: Fixed(bid.1),
        ask_price: Fixed(ask.0),
        ask_qty: Fixed(ask.1),
        open_price: Fixed(zero),
        high_price: Fixed(zero),
        low_price: Fixed(zero),
        volume: Fixed(zero),
        quote_volume: Fixed(zero),
        open_time: now - DAY_MS,
        close_time: now,
        first_id: -1,
        last_id: -1,
        count: 0,
    };
    if let Some(s) = stats {
        let change = s.last - s.open;
        let mut pct = (change * Decimal::ONE_HUNDRED).checked_div(s.open).unwrap_or(zero);
        pct.rescale(3);
        msg.price_change = Fixed(change);
        msg.price_change_percent = pct.to_string();
        msg.weighted_avg_price = Fixed(s.quote_volume.checked_div(s.volume).unwrap_or(zero));
        msg.last_price = Fixed(s.last);
        msg.last_qty = Fixed(s.last_qty);
        msg.open_price = Fixed(s.open);
        msg.high_price = Fixed(s.high);
        msg.low_price = Fixed(s.low);
        msg.volume = Fixed(s.volume);
        msg.quote_volume = Fixed(s.quote_volume);
        msg.first_id = i64::try_from(s.first_id).unwrap_or(i64::MAX);
        msg.last_id = i64::try_from(s.last_id).unwrap_or(i64::MAX);
        msg.count = s.count;
    }
    msg
}
