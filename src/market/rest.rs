//! Binance public REST calls the market side needs: the depth snapshot for
//! book sync, `exchangeInfo` for the gate's instrument filters, and the
//! server time for clock-skew checks, klines for the chart. Every URL passes
//! the transport policy, and every answer body is read up to a cap per call
//! (a hostile or broken server cannot make the client buffer without bound).

use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::domain::{Instrument, Symbol, SymbolCatalog, SymbolStatus, TimestampMs};
use crate::market::Candle;
use crate::market::Interval;
use crate::market::fixed::Scales;
use crate::market::proxy::HttpsProxy;
use crate::market::transport::{TransportError, UrlKind, check_url, web_pki_roots};
use crate::market::wire::{DepthSnapshot, WireError, parse_klines};

/// Body caps, generous for the largest legal answer of each call (a depth
/// snapshot of 5000 levels a side, Binance's largest, is about 400 KB).
const DEPTH_BODY_MAX: usize = 2 << 20;
const KLINES_BODY_MAX: usize = 1 << 20;
const SMALL_BODY_MAX: usize = 64 << 10;
/// Deadline of one call, from connecting to the body's last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Binance's largest `limit` for `GET /api/v3/klines`.
pub const KLINES_MAX_LIMIT: u16 = 1000;

/// Why a REST call failed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("request to {url} failed: {source}")]
    Http { url: String, source: reqwest::Error },
    /// Non-2xx answer; Binance errors carry `{"code":..,"msg":..}` in `body`.
    #[error("{url} answered HTTP {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("unexpected answer from {url}: {source}")]
    Parse { url: String, source: WireError },
    #[error("{url} answered more than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("invalid request: {0}")]
    Request(String),
    #[error("exchangeInfo has no usable entry for {symbol}: {reason}")]
    Instrument { symbol: String, reason: String },
}

/// Most bytes of the full `exchangeInfo` read. Binance's spot listing (about
/// 3,000 symbols, asked without permission sets) is a few MB; a body past
/// this is not one this client can use, and reading it on would let a bad
/// answer fill memory.
pub const CATALOG_MAX_BYTES: usize = 32 * 1024 * 1024;

/// A REST client bound to one base URL (checked once, at construction).
#[derive(Debug, Clone)]
pub struct RestClient {
    base: String,
    http: reqwest::Client,
    /// Kept so the signed client's WebSocket API connection takes the same route.
    proxy: Option<HttpsProxy>,
}

impl RestClient {
    /// Checks `base` against the transport policy and builds a client that
    /// never follows redirects (a redirect could leave the policy's reach)
    /// and goes direct: reqwest would otherwise take a proxy from
    /// `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY`, sending loopback and plaintext
    /// requests (and the signed client's API-key header) to whoever set it.
    /// Each call must finish, body included, within [`DEFAULT_TIMEOUT`].
    pub fn new(base: &str) -> Result<Self, RestError> {
        Self::build(base, DEFAULT_TIMEOUT, None)
    }

    /// [`RestClient::new`], but `https://` calls to other hosts go through
    /// `proxy` when the config names one (`[network] https_proxy`); see
    /// [`HttpsProxy`] for why only then.
    pub fn routed(base: &str, proxy: Option<&HttpsProxy>) -> Result<Self, RestError> {
        Self::build(base, DEFAULT_TIMEOUT, proxy)
    }

    /// [`RestClient::new`] with another whole-call deadline: reqwest's
    /// `timeout` runs from connecting until the body's last byte, so a server
    /// trickling an endless body is cut off, not only one slow to answer.
    pub fn with_timeout(base: &str, timeout: Duration) -> Result<Self, RestError> {
        Self::build(base, timeout, None)
    }

    fn build(base: &str, timeout: Duration, proxy: Option<&HttpsProxy>) -> Result<Self, RestError> {
        check_url(base, UrlKind::Http)?;
        // `no_proxy` drops the environment's proxies; the configured one, if
        // any, is added back after it and applies only to what it carries.
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_only(web_pki_roots());
        if let Some(proxy) = proxy {
            builder = builder.proxy(proxy.for_reqwest());
        }
        let http = builder.build().map_err(|source| RestError::Http { url: base.to_owned(), source })?;
        Ok(Self { base: base.trim_end_matches('/').to_owned(), http, proxy: proxy.cloned() })
    }

    /// The configured proxy this client uses for TLS to other hosts, if any.
    pub fn proxy(&self) -> Option<&HttpsProxy> {
        self.proxy.as_ref()
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The policy-checked HTTP client (no redirects, timeouts), for callers
    /// that add their own authentication, such as the signed account client.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `GET /api/v3/depth?symbol=&limit=`, read into `scales`' units. A side
    /// with more levels than `limit` (more than was asked) is refused, and so
    /// is a price or quantity off the instrument's scale or range.
    pub async fn depth(
        &self,
        symbol: &Symbol,
        limit: u32,
        scales: &Scales,
    ) -> Result<DepthSnapshot, RestError> {
        let (url, body) = self
            .get(
                "/api/v3/depth",
                &[("symbol", symbol.as_str().to_owned()), ("limit", limit.to_string())],
                DEPTH_BODY_MAX,
            )
            .await?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        DepthSnapshot::parse(&body, scales, limit).map_err(|source| RestError::Parse { url, source })
    }

    /// The scales of `symbol`'s book, from its `exchangeInfo` filters.
    pub async fn scales(&self, symbol: &Symbol) -> Result<Scales, RestError> {
        let instruments = self.exchange_info(std::slice::from_ref(symbol)).await?;
        let instrument = instruments.first().ok_or_else(|| RestError::Instrument {
            symbol: symbol.to_string(),
            reason: "symbol not listed".to_owned(),
        })?;
        Scales::of(instrument)
            .map_err(|e| RestError::Instrument { symbol: symbol.to_string(), reason: e.to_string() })
    }

    /// `GET /api/v3/exchangeInfo?symbols=[...]`, in the order asked.
    pub async fn exchange_info(&self, symbols: &[Symbol]) -> Result<Vec<Instrument>, RestError> {
        let names: Vec<&str> = symbols.iter().map(Symbol::as_str).collect();
        let list = serde_json::to_string(&names)
            .map_err(|e| RestError::Parse { url: self.base.clone(), source: e.into() })?;
        let (_, body) = self.get("/api/v3/exchangeInfo", &[("symbols", list)], CATALOG_MAX_BYTES).await?;
        parse_exchange_info(&body, symbols)
    }

    /// `GET /api/v3/exchangeInfo?symbolStatus=TRADING&showPermissionSets=false`:
    /// every symbol the venue trades (spot allowed), read once at start for
    /// the symbol search. The body is read up to [`CATALOG_MAX_BYTES`].
    pub async fn catalog(&self) -> Result<SymbolCatalog, RestError> {
        let query = [("symbolStatus", "TRADING".to_owned()), ("showPermissionSets", "false".to_owned())];
        let (_, body) = self.get("/api/v3/exchangeInfo", &query, CATALOG_MAX_BYTES).await?;
        parse_catalog(&body)
    }

    /// `GET /api/v3/time`: the exchange clock, in ms.
    pub async fn server_time(&self) -> Result<TimestampMs, RestError> {
        #[derive(Deserialize)]
        struct Time {
            #[serde(rename = "serverTime")]
            server_time: TimestampMs,
        }
        let (url, body) = self.get("/api/v3/time", &[], SMALL_BODY_MAX).await?;
        let t: Time = serde_json::from_str(&body).map_err(|e| RestError::Parse { url, source: e.into() })?;
        Ok(t.server_time)
    }

    /// `GET /api/v3/klines?symbol=&interval=&limit=`: the newest `limit`
    /// candles (1..=1000), oldest first; more rows than asked is an error.
    pub async fn klines(
        &self,
        symbol: &Symbol,
        interval: Interval,
        limit: u16,
    ) -> Result<Vec<Candle>, RestError> {
        if !(1..=KLINES_MAX_LIMIT).contains(&limit) {
            return Err(RestError::Request(format!("klines limit {limit} outside 1..={KLINES_MAX_LIMIT}")));
        }
        let query = [
            ("symbol", symbol.as_str().to_owned()),
            ("interval", interval.as_str().to_owned()),
            ("limit", limit.to_string()),
        ];
        let (url, body) = self.get("/api/v3/klines", &query, KLINES_BODY_MAX).await?;
        parse_klines(&body, interval, usize::from(limit)).map_err(|source| RestError::Parse { url, source })
    }

    async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        max_body: usize,
    ) -> Result<(String, String), RestError> {
        let url = format!("{}{path}", self.base);
        let http_err = |source| RestError::Http { url: url.clone(), source };
        let mut resp = self.http.get(&url).query(query).send().await.map_err(http_err)?;
        let status = resp.status();
        if resp.content_length().is_some_and(|n| n > max_body as u64) {
            return Err(RestError::TooLarge { url, limit: max_body });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(http_err)? {
            if bytes.len().saturating_add(chunk.len()) > max_body {
                return Err(RestError::TooLarge { url, limit: max_body });
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if !status.is_success() {
            let body: String = body.chars().take(300).collect();
            return Err(RestError::Status { url, status: status.as_u16(), body });
        }
        Ok((url, body))
    }
}

/// Fetches the instruments (with their filters) for `symbols`.
pub async fn fetch_exchange_info(rest_url: &str, symbols: &[Symbol]) -> Result<Vec<Instrument>, RestError> {
    RestClient::new(rest_url)?.exchange_info(symbols).await
}

/// Fetches every tradable symbol of the venue at `rest_url`.
pub async fn fetch_catalog(rest_url: &str) -> Result<SymbolCatalog, RestError> {
    RestClient::new(rest_url)?.catalog().await
}

/// Fetches the exchange's clock (`serverTime`, ms since the epoch).
pub async fn fetch_server_time(rest_url: &str) -> Result<TimestampMs, RestError> {
    RestClient::new(rest_url)?.server_time().await
}

#[derive(Deserialize)]
struct ExchangeInfo {
    symbols: Vec<SymbolInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SymbolInfo {
    symbol: String,
    status: SymbolStatus,
    base_asset: String,
    quote_asset: String,
    filters: Vec<Filter>,
    /// Missing in old answers, where every listed symbol was spot.
    #[serde(default = "spot_by_default")]
    is_spot_trading_allowed: bool,
}

fn spot_by_default() -> bool {
    true
}

/// The full listing, entries kept unparsed until each is read on its own.
#[derive(Deserialize)]
struct Listing {
    symbols: Vec<serde_json::Value>,
}

/// Parses a full `exchangeInfo` body into the catalog: symbols `TRADING`
/// with spot allowed and both required filters. An entry this client cannot
/// read (a filter of an unexpected shape, a name that is not a symbol) is
/// left out rather than failing the whole listing.
pub fn parse_catalog(body: &str) -> Result<SymbolCatalog, RestError> {
    let listing: Listing = serde_json::from_str(body)
        .map_err(|e| RestError::Parse { url: "/api/v3/exchangeInfo".to_owned(), source: e.into() })?;
    let mut instruments = Vec::with_capacity(listing.symbols.len());
    let mut skipped = 0usize;
    for entry in listing.symbols {
        let usable = serde_json::from_value::<SymbolInfo>(entry).ok().and_then(|info| {
            let symbol = Symbol::new(&info.symbol).ok()?;
            let tradable = info.status == SymbolStatus::Trading && info.is_spot_trading_allowed;
            tradable.then(|| instrument(&symbol, &info).ok()).flatten()
        });
        match usable {
            Some(i) => instruments.push(i),
            None => skipped = skipped.saturating_add(1),
        }
    }
    tracing::info!(symbols = instruments.len(), skipped, "exchangeInfo catalog read");
    Ok(SymbolCatalog::new(instruments))
}

#[derive(Deserialize)]
#[serde(tag = "filterType", rename_all = "SCREAMING_SNAKE_CASE")]
enum Filter {
    #[serde(rename = "PRICE_FILTER", rename_all = "camelCase")]
    Price { min_price: Decimal, max_price: Decimal, tick_size: Decimal },
    #[serde(rename_all = "camelCase")]
    LotSize { min_qty: Decimal, max_qty: Decimal, step_size: Decimal },
    #[serde(rename_all = "camelCase")]
    Notional { min_notional: Decimal },
    #[serde(rename_all = "camelCase")]
    MinNotional { min_notional: Decimal },
    #[serde(other)]
    Other,
}

/// Parses an `exchangeInfo` body into instruments for `wanted`, in that order.
///
/// `PRICE_FILTER` and `LOT_SIZE` are required (a symbol without them is not
/// one this client can trade safely). When both `NOTIONAL` and the legacy
/// `MIN_NOTIONAL` are present, the larger minimum is kept: the order must pass both.
pub fn parse_exchange_info(body: &str, wanted: &[Symbol]) -> Result<Vec<Instrument>, RestError> {
    let info: ExchangeInfo = serde_json::from_str(body)
        .map_err(|e| RestError::Parse { url: "/api/v3/exchangeInfo".to_owned(), source: e.into() })?;
    wanted
        .iter()
        .map(|sym| {
            let entry = info.symbols.iter().find(|s| s.symbol == sym.as_str()).ok_or_else(|| {
                RestError::Instrument { symbol: sym.to_string(), reason: "symbol not listed".to_owned() }
            })?;
            instrument(sym, entry)
        })
        .collect()
}

fn instrument(sym: &Symbol, info: &SymbolInfo) -> Result<Instrument, RestError> {
    let missing =
        |f: &str| RestError::Instrument { symbol: sym.to_string(), reason: format!("no {f} filter") };
    let mut price = None;
    let mut lot = None;
    let mut min_notional = Decimal::ZERO;
    for f in &info.filters {
        match *f {
            Filter::Price { min_price, max_price, tick_size } => {
                price = Some((min_price, max_price, tick_size))
            }
            Filter::LotSize { min_qty, max_qty, step_size } => lot = Some((min_qty, max_qty, step_size)),
            Filter::Notional { min_notional: n } | Filter::MinNotional { min_notional: n } => {
                min_notional = min_notional.max(n)
            }
            Filter::Other => {}
        }
    }
    let (min_price, max_price, tick_size) = price.ok_or_else(|| missing("PRICE_FILTER"))?;
    let (min_qty, max_qty, step_size) = lot.ok_or_else(|| missing("LOT_SIZE"))?;
    Ok(Instrument {
        symbol: sym.clone(),
        base_asset: info.base_asset.clone(),
        quote_asset: info.quote_asset.clone(),
        status: info.status,
        tick_size,
        min_price,
        max_price,
        step_size,
        min_qty,
        max_qty,
        min_notional,
    })
}
