//! The live venue's I/O: signed REST requests and the user data stream, run
//! off the engine's task so a slow exchange never stalls it.
//!
//! The engine decides; this module only carries. The engine sends
//! [`VenueRequest`]s (place, cancel, query, reconcile, resync the clock) and
//! receives [`VenueReport`]s in its own loop, where every rule lives: what an
//! unknown outcome means, which fills are new, what reconciliation found.
//! Each request runs in its own task, so a cancel is never queued behind a
//! slow order. The user data connection is kept up here: connect, subscribe,
//! forward events, and on any loss reconnect with jittered backoff (and
//! before Binance's 24 h limit), reporting [`VenueReport::StreamUp`] after
//! every subscription so the engine reconciles what it may have missed.
//!
//! One rule is kept here because it is about the request, not the order: a
//! -1021 (timestamp outside `recvWindow`) was refused before the matching
//! engine, so the clock is resynced and the same order, with the same client
//! order id and a fresh timestamp, is sent once more. The engine counts the
//! order as in flight until this task reports, so nothing closes it meanwhile.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::domain::{OrderId, Symbol};
use crate::market::Backoff;
use crate::venue::wire::{Account, AccountPosition, AccountTrade, ExecutionReport, OrderReport};
use crate::venue::{AccountError, Failure, NewOrder, SignedClient, Usage, UserEvent, UserStream};

/// How often the clock is measured against the exchange's.
pub const CLOCK_SYNC_EVERY: Duration = Duration::from_secs(180);
/// Reconnect the user data connection before Binance's 24 h limit.
pub const PLANNED_RECONNECT: Duration = Duration::from_secs(23 * 3600);

/// What the engine asks of the venue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueRequest {
    Place {
        id: OrderId,
        order: NewOrder,
    },
    Cancel {
        id: OrderId,
        symbol: Symbol,
        client_id: String,
    },
    /// What became of an order whose outcome is unknown.
    Query {
        id: OrderId,
        symbol: Symbol,
        client_id: String,
    },
    /// Read the account: each listed order by client id (and its own trades
    /// when the exchange has executed more than `booked`), open orders and
    /// trades since `from_trade` per symbol (`None`: the latest page).
    Reconcile {
        orders: Vec<ReconcileOrder>,
        from_trade: BTreeMap<Symbol, Option<u64>>,
    },
    SyncClock,
}

/// One local open order, as reconciliation asks about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileOrder {
    pub id: OrderId,
    pub symbol: Symbol,
    pub client_id: String,
    /// What vigil has booked as filled.
    pub booked: Decimal,
}

/// What the exchange said, for the engine to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueReport {
    Placed {
        id: OrderId,
        report: Box<OrderReport>,
    },
    PlaceFailed {
        id: OrderId,
        failure: Failure,
    },
    Cancelled {
        id: OrderId,
        report: Box<OrderReport>,
    },
    CancelFailed {
        id: OrderId,
        failure: Failure,
    },
    /// `None`: the exchange has no order with that client id (-2013).
    Queried {
        id: OrderId,
        report: Option<Box<OrderReport>>,
    },
    QueryFailed {
        id: OrderId,
        failure: Failure,
    },
    Execution(Box<ExecutionReport>),
    /// Balances of the assets that changed, as of the event's time.
    Balances(AccountPosition),
    /// A user data event could not be read (it may have been a fill).
    Malformed {
        reason: String,
    },
    /// Subscribed to the user data stream (after a connect or reconnect).
    StreamUp,
    /// The user data connection is down; fills are not being seen.
    StreamDown {
        reason: String,
        retry_in: Duration,
    },
    Reconciled(Box<Reconciliation>),
    ReconcileFailed {
        reason: String,
    },
    /// Local minus exchange clock, ms.
    ClockSynced {
        skew_ms: i64,
    },
    ClockFailed {
        reason: String,
    },
    /// Rate-limit usage after an answer.
    Usage(Usage),
}

/// What a reconciliation read from the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// Each order asked about, with the exchange's report (`None`: unknown there).
    pub orders: Vec<(OrderId, Option<OrderReport>)>,
    /// Every open order of the account on the traded symbols.
    pub open: Vec<OrderReport>,
    pub account: Account,
    /// Trades since the asked ids, per symbol, oldest first.
    pub trades: Vec<AccountTrade>,
}

/// The engine's side of a running live venue.
pub struct LiveVenue {
    pub requests: mpsc::UnboundedSender<VenueRequest>,
    pub reports: mpsc::UnboundedReceiver<VenueReport>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for LiveVenue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveVenue").field("tasks", &self.tasks.len()).finish()
    }
}

impl Drop for LiveVenue {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl LiveVenue {
    /// Starts the request loop, the user data connection and the clock
    /// resync on the current runtime. The first clock sync is reported
    /// before the stream comes up. REST goes to the client's base URL, the
    /// user data stream to `ws_api_url` (`wss://ws-api.binance.com:443/ws-api/v3`).
    pub fn start(client: SignedClient, ws_api_url: String) -> Self {
        let client = Arc::new(client);
        let (requests, mut incoming) = mpsc::unbounded_channel::<VenueRequest>();
        let (out, reports) = mpsc::unbounded_channel();
        let serve = {
            let (client, out) = (client.clone(), out.clone());
            tokio::spawn(async move {
                while let Some(request) = incoming.recv().await {
                    tokio::spawn(serve(client.clone(), out.clone(), request));
                }
            })
        };
        let stream = tokio::spawn(keep_stream(client.clone(), ws_api_url, out.clone()));
        let clock = tokio::spawn(async move {
            let mut every = tokio::time::interval(CLOCK_SYNC_EVERY);
            loop {
                every.tick().await;
                if out.send(sync_clock(&client).await).is_err() {
                    break;
                }
            }
        });
        Self { requests, reports, tasks: vec![serve, stream, clock] }
    }
}

/// Carries out one request and reports its outcome.
async fn serve(client: Arc<SignedClient>, out: mpsc::UnboundedSender<VenueReport>, request: VenueRequest) {
    let report = match request {
        VenueRequest::Place { id, order } => match place(&client, &out, &order).await {
            Ok(report) => VenueReport::Placed { id, report: Box::new(report) },
            Err(failure) => VenueReport::PlaceFailed { id, failure },
        },
        VenueRequest::Cancel { id, symbol, client_id } => match client.cancel(&symbol, &client_id).await {
            Ok(report) => VenueReport::Cancelled { id, report: Box::new(report) },
            Err(err) => VenueReport::CancelFailed { id, failure: Failure::of(&err) },
        },
        VenueRequest::Query { id, symbol, client_id } => match query(&client, &symbol, &client_id).await {
            Ok(report) => VenueReport::Queried { id, report: report.map(Box::new) },
            Err(err) => VenueReport::QueryFailed { id, failure: Failure::of(&err) },
        },
        VenueRequest::Reconcile { orders, from_trade } => {
            match reconcile(&client, orders, from_trade).await {
                Ok(found) => VenueReport::Reconciled(Box::new(found)),
                Err(err) => VenueReport::ReconcileFailed { reason: err.to_string() },
            }
        }
        VenueRequest::SyncClock => sync_clock(&client).await,
    };
    // The engine has stopped if these fail; nothing is left to tell.
    let _ = out.send(VenueReport::Usage(client.usage()));
    let _ = out.send(report);
}

/// Places `order`; on -1021 resyncs the clock and sends the same request once more.
async fn place(
    client: &SignedClient,
    out: &mpsc::UnboundedSender<VenueReport>,
    order: &NewOrder,
) -> Result<OrderReport, Failure> {
    match client.place(order).await {
        Err(err) if matches!(Failure::of(&err), Failure::Timestamp { .. }) => {
            let _ = out.send(sync_clock(client).await);
            client.place(order).await.map_err(|e| Failure::of(&e))
        }
        other => other.map_err(|e| Failure::of(&e)),
    }
}

/// `GET /api/v3/order`; -2013 ("Order does not exist") is `Ok(None)`.
async fn query(
    client: &SignedClient,
    symbol: &Symbol,
    client_id: &str,
) -> Result<Option<OrderReport>, AccountError> {
    match client.query(symbol, client_id).await {
        Ok(report) => Ok(Some(report)),
        Err(err) if err.code() == Some(-2013) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Reads what reconciliation needs, in an order that cannot miss a fill:
/// the asked orders first (so their exchange ids are known), then open
/// orders, then trades, then balances (which already include those trades).
async fn reconcile(
    client: &SignedClient,
    orders: Vec<ReconcileOrder>,
    from_trade: BTreeMap<Symbol, Option<u64>>,
) -> Result<Reconciliation, AccountError> {
    let mut found = Vec::with_capacity(orders.len());
    let mut trades = Vec::new();
    for order in orders {
        let report = query(client, &order.symbol, &order.client_id).await?;
        // Trades of this order vigil has not booked may be older than the
        // per-symbol cursor (a later trade of another order was booked
        // first): read the order's own trades, all of them.
        if let Some(r) = report.as_ref().filter(|r| r.executed_qty.unwrap_or_default() > order.booked) {
            trades.extend(client.order_trades(&order.symbol, r.order_id).await?);
        }
        found.push((order.id, report));
    }
    let mut open = Vec::new();
    for (symbol, from) in from_trade {
        open.extend(client.open_orders(&symbol).await?);
        let mut next = from;
        for _ in 0..crate::venue::trading::MAX_TRADE_PAGES {
            let page = client.my_trades(&symbol, next).await?;
            let full = page.len() >= crate::venue::trading::TRADES_PAGE;
            let last = page.iter().map(|t| t.id).max();
            trades.extend(page);
            // Only a page read forward from an id can be followed; the
            // latest page (no id) is where a fresh account starts.
            match (full, next, last) {
                (true, Some(from), Some(last)) if last >= from => next = Some(last.saturating_add(1)),
                _ => break,
            }
        }
    }
    let account = client.account().await?;
    Ok(Reconciliation { orders: found, open, account, trades })
}

async fn sync_clock(client: &SignedClient) -> VenueReport {
    match client.sync_clock().await {
        Ok(skew_ms) => VenueReport::ClockSynced { skew_ms },
        Err(err) => VenueReport::ClockFailed { reason: err.to_string() },
    }
}

/// Keeps one subscribed user data connection, forever: reconnects with
/// jittered backoff after any loss and before the 24 h limit.
async fn keep_stream(client: Arc<SignedClient>, url: String, out: mpsc::UnboundedSender<VenueReport>) {
    // Timestamps must be right before the subscription is signed.
    if out.send(sync_clock(&client).await).is_err() {
        return;
    }
    let backoff = Backoff::default();
    let mut attempt: u32 = 0;
    loop {
        let reason = match UserStream::connect(&url, &client).await {
            Ok(mut stream) => {
                attempt = 0;
                if out.send(VenueReport::StreamUp).is_err() {
                    return;
                }
                let ended = tokio::select! {
                    ended = forward(&mut stream, &out) => ended,
                    () = tokio::time::sleep(PLANNED_RECONNECT) => {
                        Some("planned reconnect before the 24 h connection limit".to_owned())
                    }
                };
                stream.close().await;
                match ended {
                    Some(reason) => reason,
                    None => return,
                }
            }
            Err(err) => {
                attempt = attempt.saturating_add(1);
                err.to_string()
            }
        };
        let retry_in = backoff.delay(attempt);
        if out.send(VenueReport::StreamDown { reason, retry_in }).is_err() {
            return;
        }
        tokio::time::sleep(retry_in).await;
    }
}

/// Forwards events until the connection ends (`Some(reason)`) or the engine
/// is gone (`None`).
async fn forward(stream: &mut UserStream, out: &mpsc::UnboundedSender<VenueReport>) -> Option<String> {
    loop {
        let seen_malformed = stream.malformed;
        let next = stream.next().await;
        if stream.malformed > seen_malformed {
            let reason = format!("{} unreadable event(s) on this connection", stream.malformed);
            if out.send(VenueReport::Malformed { reason }).is_err() {
                return None;
            }
        }
        let report = match next {
            Ok(UserEvent::Execution(report)) => VenueReport::Execution(report),
            Ok(UserEvent::Balances(position)) => VenueReport::Balances(position),
            Ok(UserEvent::Ending(reason)) => return Some(reason),
            Err(err) => return Some(err.to_string()),
        };
        if out.send(report).is_err() {
            return None;
        }
    }
}
