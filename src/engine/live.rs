//! The live venue inside the engine: what the exchange's reports mean for
//! the orders, fills and balances the engine owns.
//!
//! [`LiveLink`] holds what the engine knows of the exchange (is the user data
//! stream up, has it reconciled since, the clock skew, the exchange's rate
//! limits and pauses, orders placed outside vigil, the trades already
//! booked). The rules, each in one place:
//!
//! - An order is stored `Submitting` before its request leaves. An answer
//!   makes it `Submitted` (or closes it); a refusal closes it; an outcome that
//!   is not known (timeout, lost connection, 5xx, -1007) makes it `Unknown`:
//!   it keeps its reservation, counts as open, and is queried by its client id
//!   until the exchange says what it is. It is never sent again.
//! - A fill is booked once per (symbol, trade id), whichever report brings
//!   it first: the order's answer, the user data stream or reconciliation.
//! - The exchange is the truth for balances; the local store for intent,
//!   approvals and the audit log.
//! - After every (re)subscription of the user data stream, reconciliation
//!   reads the account; until it has been applied, `venue_armed` fails.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde_json::json;
use tokio::sync::mpsc;

use super::api::LiveStatus;
use super::controls::Change;
use super::state::EngineState;
use crate::domain::{
    Fill, Liquidity, Order, OrderId, OrderIntent, OrderStatus, OrderType, Origin, Side, Symbol, TimestampMs,
};
use crate::exec::{ReconcileOrder, Reconciliation, VenueReport, VenueRequest};
use crate::risk::{ExchangeUsage, KeyPermissions};
use crate::store::{Actor, AuditKind};
use crate::venue::client::RECV_WINDOW_MS;
use crate::venue::wire::{AccountTrade, AssetBalance, ExchangeStatus, ExecutionReport, OrderReport};
use crate::venue::{Failure, NewOrder, OrderKind, Usage};

/// An unknown order is asked about this often.
const QUERY_EVERY_MS: i64 = 2_000;
/// A failed reconciliation is tried again after this long.
const RECONCILE_RETRY_MS: i64 = 5_000;
/// An order the exchange does not know is taken as never placed only once its
/// request can no longer arrive: the exchange refuses a request older than
/// `recvWindow`, and this margin covers a request still in flight.
const NEVER_ARRIVED_AFTER_MS: i64 = RECV_WINDOW_MS + 5_000;

/// Binance spot's published limits (exchangeInfo `rateLimits`), used to
/// refuse one order before the exchange would.
const WEIGHT_PER_MINUTE: u32 = 6_000;
const ORDERS_PER_10S: u32 = 100;
const ORDERS_PER_DAY: u32 = 200_000;

/// The key the live venue trades with, as the session established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveKey {
    /// The keystore's key name, or the simulator's test key.
    pub label: String,
    /// The simulator's public test key, used without a keystore.
    pub test_key: bool,
    /// A trade-only verdict recorded (or re-verified at start) from the
    /// endpoint this session trades with.
    pub verified: bool,
    pub permissions: Option<KeyPermissions>,
    /// How `verified` was settled, in words (re-verified now, or the stored
    /// verdict and where it came from), for the event tail and the audit log.
    pub standing: String,
}

/// The engine's side of a running live venue.
pub struct LiveLink {
    requests: mpsc::UnboundedSender<VenueRequest>,
    pub(super) key: LiveKey,
    stream_up: bool,
    /// A reconciliation has been applied since the stream last came up.
    reconciled: bool,
    /// The account's balances have been read at least once this session.
    balances_known: bool,
    reconcile_in_flight: bool,
    /// Reconcile again as soon as the one in flight is done.
    reconcile_again: bool,
    /// True while a reconciliation's answer is being applied.
    applying_reconciliation: bool,
    reconcile_retry_at: Option<TimestampMs>,
    skew_ms: Option<i64>,
    /// Submissions paused by a 429 or 418 until then, with the exchange's words.
    paused: Option<(TimestampMs, String)>,
    usage: Usage,
    fee_rate: Option<Decimal>,
    /// Open orders at the exchange that vigil did not place.
    external: Vec<Order>,
    booked_trades: BTreeSet<(Symbol, u64)>,
    /// The highest trade id seen per symbol: reconciliation reads from the next.
    last_trade: BTreeMap<Symbol, u64>,
    /// Orders a person (or the engine) wants cancelled; a cancel is sent again
    /// whenever one of them is found still working.
    cancel_wanted: BTreeSet<OrderId>,
    last_query_ms: TimestampMs,
    /// Orders whose `Place` request this session has sent and not yet heard
    /// back from: that request will report, so -2013 cannot mean "never sent".
    placing: BTreeSet<OrderId>,
    /// When the exchange first said it has no such order (-2013). Binance
    /// answers -2013 for orders that exist now and then, so an order is closed
    /// on it only when it stays unknown there for a while.
    missing_since: BTreeMap<OrderId, TimestampMs>,
    /// Requests held while the exchange asked for a pause (429/418): sending
    /// during a pause is what gets an IP banned.
    deferred: Vec<VenueRequest>,
    /// When each asset's balance was last reported by the stream (`E`), so an
    /// older account read does not undo a newer event.
    balance_times: BTreeMap<String, TimestampMs>,
}

impl LiveLink {
    /// A link over `requests`, knowing the trades already booked.
    pub fn new(requests: mpsc::UnboundedSender<VenueRequest>, key: LiveKey, booked: &[Fill]) -> Self {
        let mut link = Self {
            requests,
            key,
            stream_up: false,
            reconciled: false,
            balances_known: false,
            reconcile_in_flight: false,
            reconcile_again: false,
            applying_reconciliation: false,
            reconcile_retry_at: None,
            skew_ms: None,
            paused: None,
            usage: Usage::default(),
            fee_rate: None,
            external: Vec::new(),
            booked_trades: BTreeSet::new(),
            last_trade: BTreeMap::new(),
            cancel_wanted: BTreeSet::new(),
            last_query_ms: 0,
            placing: BTreeSet::new(),
            missing_since: BTreeMap::new(),
            deferred: Vec::new(),
            balance_times: BTreeMap::new(),
        };
        for fill in booked {
            if let Some(trade) = fill.trade_id {
                link.remember_trade(&fill.symbol, trade);
            }
        }
        link
    }

    fn remember_trade(&mut self, symbol: &Symbol, trade: u64) -> bool {
        let last = self.last_trade.entry(symbol.clone()).or_insert(trade);
        *last = (*last).max(trade);
        self.booked_trades.insert((symbol.clone(), trade))
    }

    /// True once the account's balances have been read: before that the
    /// portfolio is empty, and equity (the breakers, the day's PnL) means nothing.
    pub fn balances_known(&self) -> bool {
        self.balances_known
    }

    /// True while orders may not go out: reconciling, or the stream is down.
    pub fn reconciling(&self) -> bool {
        !(self.stream_up && self.reconciled)
    }

    /// Local minus exchange clock, once measured.
    pub fn skew_ms(&self) -> Option<i64> {
        self.skew_ms
    }

    /// The account's taker fee, once the account was read.
    pub fn fee_rate(&self) -> Option<Decimal> {
        self.fee_rate
    }

    /// Orders at the exchange that vigil did not place.
    pub fn external(&self) -> &[Order] {
        &self.external
    }

    /// The exchange's limits as the gate reads them.
    pub fn exchange_usage(&self, now: TimestampMs) -> ExchangeUsage<'_> {
        ExchangeUsage {
            paused: self.paused.as_ref().and_then(|(until, why)| {
                let left = until.saturating_sub(now);
                (left > 0).then(|| (left.unsigned_abs(), why.as_str()))
            }),
            weight_1m: self.usage.weight_1m.map(|used| (used, WEIGHT_PER_MINUTE)),
            orders_10s: self.usage.orders_10s.map(|used| (used, ORDERS_PER_10S)),
            orders_1d: self.usage.orders_1d.map(|used| (used, ORDERS_PER_DAY)),
        }
    }

    /// Sends `request`, or holds it while the exchange's pause lasts (a
    /// periodic query is dropped instead: the next tick asks again). False
    /// only when the venue task has stopped.
    fn send(&mut self, request: VenueRequest, now: TimestampMs) -> bool {
        let paused = self.paused.as_ref().is_some_and(|(until, _)| now < *until);
        match (paused, &request) {
            (false, _) => self.requests.send(request).is_ok(),
            (true, VenueRequest::Query { .. }) => true,
            (true, _) => {
                self.deferred.push(request);
                true
            }
        }
    }

    /// Sends what was held during a pause, in order.
    fn release_deferred(&mut self) {
        for request in std::mem::take(&mut self.deferred) {
            // A stopped venue task is reported when the next order is sent.
            let _ = self.requests.send(request);
        }
    }
}

/// How an order goes on the wire: limit orders with their time in force (or
/// `LIMIT_MAKER` for post-only, `STOP_LOSS_LIMIT`/`TAKE_PROFIT_LIMIT` with
/// their `stopPrice`), market orders by base quantity or quote amount. `None` for a
/// limit order without a price.
fn wire_order(order: &Order) -> Option<NewOrder> {
    let intent = &order.intent;
    let tif = intent.tif;
    let kind = match (intent.order_type, intent.price) {
        (OrderType::Limit, Some(price)) if intent.post_only => OrderKind::PostOnly { price, qty: intent.qty },
        (OrderType::Limit, Some(price)) if let Some(stop) = intent.stop => {
            OrderKind::StopLimit { stop, price, qty: intent.qty, tif }
        }
        (OrderType::Limit, Some(price)) => OrderKind::Limit { price, qty: intent.qty, tif },
        (OrderType::Limit, None) => return None,
        (OrderType::Market, _) => match intent.quote_qty {
            Some(quote) => OrderKind::MarketQuote { quote },
            None => OrderKind::Market { qty: intent.qty },
        },
    };
    Some(NewOrder {
        symbol: intent.symbol.clone(),
        side: intent.side,
        kind,
        client_id: order.client_id.clone(),
    })
}

/// The open status an order the exchange still works has: `AwaitingTrigger`
/// for a stop-limit order the exchange says is not working yet, else `Submitted`.
fn open_status(order: &Order, working: bool) -> OrderStatus {
    if order.intent.stop.is_some() && !working {
        OrderStatus::AwaitingTrigger
    } else {
        OrderStatus::Submitted
    }
}

/// The local status an exchange status leads to, for orders that end.
fn closing_status(status: ExchangeStatus) -> Option<(OrderStatus, &'static str)> {
    match status {
        ExchangeStatus::Canceled => Some((OrderStatus::Cancelled, "cancelled at the exchange")),
        ExchangeStatus::Expired | ExchangeStatus::ExpiredInMatch => {
            Some((OrderStatus::Cancelled, "expired at the exchange"))
        }
        ExchangeStatus::Rejected => Some((OrderStatus::Rejected, "rejected by the exchange")),
        _ => None,
    }
}

impl EngineState {
    fn link(&mut self) -> Option<&mut LiveLink> {
        self.live.as_deref_mut()
    }

    /// Sends a `Submitting` order to the exchange.
    pub(super) fn route_live(&mut self, id: OrderId) {
        let Some(order) = self.ledger.get(id).cloned() else { return };
        let Some(wire) = wire_order(&order) else {
            self.close(id, OrderStatus::Rejected, Some("a limit order needs a price".to_owned()));
            return;
        };
        let now = self.now();
        let sent = self.link().is_some_and(|l| {
            l.placing.insert(id);
            l.send(VenueRequest::Place { id, order: wire }, now)
        });
        if !sent {
            self.close(id, OrderStatus::Rejected, Some("the live venue has stopped: not sent".to_owned()));
        }
    }

    /// Asks the exchange to cancel `id`; it closes when the exchange says so.
    pub(super) fn cancel_live(&mut self, id: OrderId) {
        let Some(order) = self.ledger.get(id).cloned() else { return };
        let now = self.now();
        let Some(link) = self.link() else { return };
        link.cancel_wanted.insert(id);
        let request = VenueRequest::Cancel {
            id,
            symbol: order.intent.symbol.clone(),
            client_id: order.client_id.clone(),
        };
        if !link.send(request, now) {
            self.note("venue", format!("#{id}: the live venue has stopped; the cancel was not sent"));
            return;
        }
        self.note("cancel", format!("#{id} cancel requested at the exchange"));
    }

    /// The live venue as the screen shows it.
    pub(super) fn live_status(&self) -> Option<LiveStatus> {
        let link = self.live.as_ref()?;
        let now = self.now();
        Some(LiveStatus {
            stream_up: link.stream_up,
            reconciling: link.reconciling(),
            skew_ms: link.skew_ms,
            paused: link
                .exchange_usage(now)
                .paused
                .map(|(left, why)| format!("{why} ({} s left)", left.div_ceil(1000))),
            external_orders: link.external.clone(),
            key_refused: (!link.key.verified).then(|| link.key.standing.clone()),
        })
    }

    /// True while cancels sent to the exchange have not been answered.
    pub(super) fn cancels_in_flight(&self) -> bool {
        self.live.as_ref().is_some_and(|l| l.cancel_wanted.iter().any(|id| self.ledger.is_open(*id)))
    }

    /// One report from the live venue; an amend waiting for its original's
    /// cancel goes on (or is dropped) once the report has been applied.
    pub fn on_venue(&mut self, report: VenueReport) {
        self.apply_venue_report(report);
        self.resolve_amends();
    }

    fn apply_venue_report(&mut self, report: VenueReport) {
        match report {
            VenueReport::Placed { id, report } => {
                self.placed(id);
                self.on_answer(id, &report, true)
            }
            VenueReport::PlaceFailed { id, failure } => {
                self.placed(id);
                self.on_place_failed(id, failure)
            }
            VenueReport::Cancelled { id, report } => self.on_answer(id, &report, false),
            VenueReport::CancelFailed { id, failure } => self.on_cancel_failed(id, failure),
            VenueReport::Queried { id, report } => match report {
                Some(report) => self.on_answer(id, &report, false),
                None => {
                    let mut differences = Vec::new();
                    self.on_not_at_exchange(id, &mut differences);
                    self.audit_differences(&differences);
                }
            },
            VenueReport::QueryFailed { id, failure } => self.on_query_failed(id, &failure),
            VenueReport::Execution(report) => self.on_execution(&report),
            VenueReport::Balances(position) => {
                if let Some(link) = self.link() {
                    for b in &position.balances {
                        link.balance_times.insert(b.asset.clone(), position.event_time);
                    }
                }
                let listed: Vec<_> =
                    position.balances.iter().map(|b| (b.asset.clone(), b.free, b.locked)).collect();
                self.portfolio.set_exchange_balances(&listed, None);
                self.persist_balances();
            }
            VenueReport::Malformed { reason } => {
                // An event that could not be read may have been an order's
                // last: read the account rather than wait for a reconnect.
                self.note("venue", format!("an unreadable user data event ({reason}): reconciling"));
                self.request_reconcile();
            }
            VenueReport::StreamUp => {
                if let Some(link) = self.link() {
                    link.stream_up = true;
                    link.reconciled = false;
                }
                self.note("venue", "user data stream subscribed: reconciling");
                self.request_reconcile();
            }
            VenueReport::StreamDown { reason, retry_in } => {
                let was_up = self.link().is_some_and(|l| std::mem::replace(&mut l.stream_up, false));
                if was_up {
                    let body = json!({ "text": "user data stream down", "reason": reason });
                    self.audit(AuditKind::Note, Actor::Exchange, body);
                }
                self.note(
                    "venue",
                    format!("user data stream down ({reason}); retrying in {} ms", retry_in.as_millis()),
                );
            }
            VenueReport::Reconciled(found) => self.apply_reconciliation(*found),
            VenueReport::ReconcileFailed { reason } => {
                let retry = self.now().saturating_add(RECONCILE_RETRY_MS);
                if let Some(link) = self.link() {
                    link.reconcile_in_flight = false;
                    link.reconcile_retry_at = Some(retry);
                }
                self.note("venue", format!("reconciliation failed ({reason}); retrying"));
            }
            VenueReport::ClockSynced { skew_ms } => {
                let first = self.link().is_some_and(|l| l.skew_ms.replace(skew_ms).is_none());
                if first {
                    self.note("venue", format!("clock offset to the exchange: {skew_ms} ms"));
                }
            }
            VenueReport::ClockFailed { reason } => self.note("venue", format!("clock sync failed: {reason}")),
            VenueReport::Usage(usage) => {
                if let Some(link) = self.link() {
                    link.usage = usage;
                }
            }
        }
    }

    /// Housekeeping for the live venue: query unknown orders, retry a failed
    /// reconciliation, end an expired pause.
    pub(super) fn tick_live(&mut self) {
        let now = self.now();
        let missing: BTreeSet<OrderId> =
            self.live.as_ref().map(|l| l.missing_since.keys().copied().collect()).unwrap_or_default();
        let asking: Vec<(OrderId, Symbol, String)> = self
            .ledger
            .open_orders()
            .filter(|o| o.status == OrderStatus::Unknown || missing.contains(&o.id))
            .map(|o| (o.id, o.intent.symbol.clone(), o.client_id.clone()))
            .collect();
        let Some(link) = self.link() else { return };
        let ended = link.paused.as_ref().is_some_and(|(until, _)| now >= *until);
        if ended {
            link.paused = None;
            link.release_deferred();
        }
        if !asking.is_empty() && now.saturating_sub(link.last_query_ms) >= QUERY_EVERY_MS {
            link.last_query_ms = now;
            for (id, symbol, client_id) in asking {
                link.send(VenueRequest::Query { id, symbol, client_id }, now);
            }
        }
        let retry = link.reconcile_retry_at.is_some_and(|at| now >= at);
        if retry {
            link.reconcile_retry_at = None;
            self.request_reconcile();
        }
        if ended {
            self.note("venue", "the exchange's pause is over: submissions may resume");
        }
    }

    /// Asks the venue to read the account (one reconciliation at a time).
    pub(super) fn request_reconcile(&mut self) {
        let orders: Vec<ReconcileOrder> = self
            .ledger
            .open_orders()
            .map(|o| ReconcileOrder {
                id: o.id,
                symbol: o.intent.symbol.clone(),
                client_id: o.client_id.clone(),
                booked: o.filled_qty,
            })
            .collect();
        let symbols: Vec<Symbol> = self.config.instruments.iter().map(|i| i.symbol.clone()).collect();
        let now = self.now();
        let Some(link) = self.link() else { return };
        if link.reconcile_in_flight {
            link.reconcile_again = true;
            return;
        }
        let from_trade = symbols
            .into_iter()
            .map(|s| (s.clone(), link.last_trade.get(&s).map(|t| t.saturating_add(1))))
            .collect();
        link.reconcile_in_flight = true;
        link.send(VenueRequest::Reconcile { orders, from_trade }, now);
    }

    /// The `Place` request of `id` has reported back.
    fn placed(&mut self, id: OrderId) {
        if let Some(link) = self.link() {
            link.placing.remove(&id);
        }
    }

    /// Differences found outside a reconciliation, audited and shown.
    fn audit_differences(&mut self, differences: &[String]) {
        if differences.is_empty() {
            return;
        }
        let body = json!({ "text": "the exchange disagrees", "differences": differences });
        self.audit(AuditKind::Note, Actor::Exchange, body);
    }

    /// An order request failed: refused (closed), rate-limited or banned
    /// (closed, and submissions paused or trading halted), or unknown (kept).
    fn on_place_failed(&mut self, id: OrderId, failure: Failure) {
        let now = self.now();
        let (reason, pause) = match failure {
            Failure::Unknown { reason } => {
                // The user data stream may already have told what happened.
                if let Some(known) = self.ledger.get(id).and_then(|o| o.venue_order_id) {
                    let text = "answer lost; the user data stream had reported the order";
                    let body = json!({ "order": id, "text": text, "reason": reason });
                    self.audit(AuditKind::Note, Actor::Exchange, body);
                    self.note(
                        "venue",
                        format!("#{id} answer lost ({reason}); the exchange had reported it as order {known}: never resending"),
                    );
                    return;
                }
                if let Some(order) = self.ledger.update_open(id, Some(OrderStatus::Unknown), None, now) {
                    self.persist_order(&order);
                }
                let body = json!({ "order": id, "text": "outcome unknown: querying the exchange", "reason": reason });
                self.audit(AuditKind::Note, Actor::Exchange, body);
                self.note(
                    "venue",
                    format!("#{id} outcome unknown ({reason}): asking the exchange, never resending"),
                );
                if let Some(link) = self.link() {
                    link.last_query_ms = 0;
                }
                return;
            }
            Failure::Refused { reason, .. } | Failure::Timestamp { reason } => (reason, None),
            Failure::RateLimited { retry_after_s, reason } => (reason, Some((retry_after_s, false))),
            Failure::Banned { retry_after_s, reason } => (reason, Some((retry_after_s, true))),
        };
        self.audit(AuditKind::Rejected, Actor::Exchange, json!({ "order": id, "reason": reason }));
        self.close(id, OrderStatus::Rejected, Some(format!("refused by the exchange: {reason}")));
        if let Some((secs, banned)) = pause {
            self.pause_submissions(secs, banned, &reason);
        }
    }

    /// A 429 pauses submissions for `Retry-After`; a 418 also halts trading,
    /// naming when the ban ends.
    fn pause_submissions(&mut self, secs: u64, banned: bool, reason: &str) {
        let now = self.now();
        let until = now.saturating_add(i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX));
        let why = if banned { "IP banned (HTTP 418)" } else { "too many requests (HTTP 429)" };
        if let Some(link) = self.link() {
            link.paused = Some((until, format!("{why}, Retry-After {secs} s")));
        }
        self.note("venue", format!("the exchange says {why}: submissions paused for {secs} s"));
        if banned {
            let ends = chrono::DateTime::from_timestamp_millis(until)
                .map_or_else(|| until.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
            let cause = format!("the exchange banned this IP until {ends}: {reason}");
            if let Err(err) = self.control(Change::Halt, Actor::Exchange, &cause) {
                self.note("venue", format!("could not halt: {err}"));
            }
        }
    }

    fn on_cancel_failed(&mut self, id: OrderId, failure: Failure) {
        let reason = match &failure {
            Failure::RateLimited { retry_after_s, reason } => {
                self.pause_submissions(*retry_after_s, false, reason);
                reason.clone()
            }
            Failure::Banned { retry_after_s, reason } => {
                self.pause_submissions(*retry_after_s, true, reason);
                reason.clone()
            }
            Failure::Refused { reason, .. } | Failure::Timestamp { reason } | Failure::Unknown { reason } => {
                reason.clone()
            }
        };
        self.note("cancel", format!("#{id} cancel not confirmed ({reason}): asking the exchange"));
        // -2011 "Unknown order" may mean it filled, or never arrived: only a
        // query says which.
        let Some(order) = self.ledger.get(id).filter(|o| o.status.is_open()).cloned() else { return };
        let now = self.now();
        if let Some(link) = self.link() {
            link.send(
                VenueRequest::Query { id, symbol: order.intent.symbol, client_id: order.client_id },
                now,
            );
        }
    }

    fn on_query_failed(&mut self, id: OrderId, failure: &Failure) {
        if let Failure::RateLimited { retry_after_s, reason } = failure {
            self.pause_submissions(*retry_after_s, false, reason);
        }
        if let Failure::Banned { retry_after_s, reason } = failure {
            self.pause_submissions(*retry_after_s, true, reason);
        }
        tracing::debug!(order = %id, ?failure, "order query failed; will ask again");
    }

    /// What an answer about one order (placed, cancelled or queried) says:
    /// its exchange id, the fills it lists, and whether it still works.
    fn on_answer(&mut self, id: OrderId, report: &OrderReport, placed: bool) {
        let now = self.now();
        if let Some(link) = self.link() {
            link.missing_since.remove(&id);
        }
        let Some(order) = self.ledger.get(id).cloned() else { return };
        let working = (!report.status.is_final()).then(|| open_status(&order, report.working()));
        if let Some(updated) = self.ledger.update_open(id, working, Some(report.order_id), now) {
            self.persist_order(&updated);
        }
        if placed {
            self.note("ack", format!("#{id} acknowledged by the exchange as order {}", report.order_id));
        }
        for fill in &report.fills {
            let fill = Fill {
                order_id: id,
                symbol: order.intent.symbol.clone(),
                side: order.intent.side,
                price: fill.price,
                qty: fill.qty,
                fee: fill.commission,
                fee_asset: fill.commission_asset.clone(),
                // Fills in an order's own answer are what it took on arrival.
                liquidity: Liquidity::Taker,
                ts_ms: now,
                trade_id: Some(fill.trade_id),
            };
            self.book_live_fill(fill);
        }
        let executed = report.executed_qty.unwrap_or_default();
        self.settle(id, report.status, executed, None);
    }

    /// Brings an order in line with the exchange's status once its fills are
    /// booked: closes it when the exchange has finished with it, sends the
    /// cancel again if one is wanted and it still works, and reconciles when
    /// the exchange reports more filled than vigil has booked.
    fn settle(&mut self, id: OrderId, status: ExchangeStatus, executed: Decimal, why: Option<&str>) {
        let Some(order) = self.ledger.get(id).filter(|o| o.status.is_open()).cloned() else { return };
        if executed > order.filled_qty {
            // Trades vigil has not seen yet: read them before closing
            // anything. Reconciliation reads the order's own trades; if even
            // those do not add up, the order stays open and says so rather
            // than asking again in a loop.
            if self.link().is_some_and(|l| l.applying_reconciliation) {
                let booked = order.filled_qty;
                self.note(
                    "venue",
                    format!("#{id}: the exchange reports {executed} executed, {booked} booked; left open"),
                );
            } else {
                self.request_reconcile();
            }
            return;
        }
        if let Some((closed, text)) = closing_status(status) {
            let reason = why.map_or_else(|| text.to_owned(), |w| format!("{text}: {w}"));
            let actor =
                if self.link().is_some_and(|l| l.cancel_wanted.remove(&id)) { "cancel" } else { "venue" };
            self.audit(
                AuditKind::Cancel,
                Actor::Exchange,
                json!({ "order": id, "status": closed, "why": reason }),
            );
            self.close(id, closed, Some(reason));
            tracing::debug!(order = %id, actor, "closed at the exchange's word");
            return;
        }
        if status == ExchangeStatus::Filled {
            // Every fill booked and yet open: the ledger's remaining rounding.
            self.close(id, OrderStatus::Filled, None);
            return;
        }
        let again = self.link().is_some_and(|l| l.cancel_wanted.contains(&id));
        if again && order.status != OrderStatus::Submitting {
            self.cancel_live(id);
        }
    }

    /// The exchange has no order with this client id.
    /// The exchange says it has no order with this client id (-2013). The
    /// order is closed on that only when no request of this session can still
    /// place it, the request is older than the exchange accepts, and the
    /// exchange has said so for `NEVER_ARRIVED_AFTER_MS` (Binance answers
    /// -2013 for existing orders now and then); until then it is asked again.
    fn on_not_at_exchange(&mut self, id: OrderId, differences: &mut Vec<String>) {
        let now = self.now();
        let Some(order) = self.ledger.get(id).filter(|o| o.status.is_open()).cloned() else { return };
        let Some(link) = self.link() else { return };
        if link.placing.contains(&id) {
            return;
        }
        let missing_for = now.saturating_sub(*link.missing_since.entry(id).or_insert(now));
        let sent_ago = now.saturating_sub(order.updated_ms);
        if missing_for < NEVER_ARRIVED_AFTER_MS || sent_ago < NEVER_ARRIVED_AFTER_MS {
            return;
        }
        link.missing_since.remove(&id);
        let (status, reason) = match order.status {
            OrderStatus::Submitting | OrderStatus::Unknown => (
                OrderStatus::Rejected,
                format!("never reached the exchange: unknown to it {} s after it was sent", sent_ago / 1000),
            ),
            _ if order.filled_qty.is_zero() => {
                (OrderStatus::Cancelled, "unknown to the exchange: it no longer has this order".to_owned())
            }
            _ => (OrderStatus::Cancelled, "unknown to the exchange after partial fills".to_owned()),
        };
        differences.push(format!("#{id} {reason}"));
        self.audit(AuditKind::Rejected, Actor::Exchange, json!({ "order": id, "reason": reason }));
        self.close(id, status, Some(reason));
    }

    /// One `executionReport`: for one of vigil's orders, its fill (once per
    /// trade id) and status; for any other order, the external list.
    fn on_execution(&mut self, report: &ExecutionReport) {
        let Some(id) = self.ledger.by_client_id(report.order_client_id()) else {
            self.on_external_execution(report);
            return;
        };
        let now = self.now();
        let Some(order) = self.ledger.get(id).cloned() else { return };
        // A stop-limit order works once triggered: on the book, or trading.
        let triggered = report.on_book || report.cumulative_qty > Decimal::ZERO;
        let working = (!report.status.is_final()).then(|| open_status(&order, triggered));
        if order.status == OrderStatus::AwaitingTrigger && working == Some(OrderStatus::Submitted) {
            self.note("triggered", format!("#{id} triggered at the exchange: now working as a limit order"));
        }
        if let Some(updated) = self.ledger.update_open(id, working, Some(report.order_id), now) {
            self.persist_order(&updated);
        }
        if let Ok(trade) = u64::try_from(report.trade_id)
            && report.last_qty > Decimal::ZERO
        {
            let fill = Fill {
                order_id: id,
                symbol: order.intent.symbol.clone(),
                side: order.intent.side,
                price: report.last_price,
                qty: report.last_qty,
                fee: report.commission.unwrap_or_default(),
                fee_asset: report.commission_asset.clone().unwrap_or_else(|| self.config.quote_asset.clone()),
                liquidity: if report.maker { Liquidity::Maker } else { Liquidity::Taker },
                ts_ms: report.transaction_time,
                trade_id: Some(trade),
            };
            self.book_live_fill(fill);
        }
        let why = report.reject_reason.as_deref().filter(|r| *r != "NONE");
        self.settle(id, report.status, report.cumulative_qty, why);
    }

    /// Keeps the list of orders placed outside vigil current.
    fn on_external_execution(&mut self, report: &ExecutionReport) {
        let Ok(symbol) = Symbol::new(&report.symbol) else { return };
        let Some(link) = self.link() else { return };
        link.external.retain(|o| o.venue_order_id != Some(report.order_id));
        if report.status.is_final() {
            return;
        }
        let price_qty = Some((report.order_price, report.order_qty));
        let order = external_order(
            &symbol,
            report.order_client_id(),
            report.order_id,
            report.side.into(),
            price_qty,
            report.cumulative_qty,
            report.event_time,
        );
        link.external.push(order);
    }

    /// Books one fill from the exchange, once per trade id. A fill the
    /// exchange made must be accounted for: one that cannot be booked halts
    /// trading instead of being dropped.
    fn book_live_fill(&mut self, fill: Fill) {
        let Some(trade) = fill.trade_id else { return };
        if fill.qty <= Decimal::ZERO || fill.price <= Decimal::ZERO || fill.fee < Decimal::ZERO {
            let text = format!(
                "#{}: a fill report with a non-positive amount (trade {trade}) was not booked",
                fill.order_id
            );
            self.note("venue", text);
            return;
        }
        let fresh = self.link().is_some_and(|l| !l.booked_trades.contains(&(fill.symbol.clone(), trade)));
        if !fresh {
            return;
        }
        let id = fill.order_id;
        let symbol = fill.symbol.clone();
        if let Err(reason) = self.book_fill(fill) {
            let cause = format!("a fill of order #{id} (trade {trade}) could not be booked: {reason}");
            self.note("venue", cause.clone());
            if let Err(err) = self.control(Change::Halt, Actor::Engine, &cause) {
                self.note("venue", format!("could not halt: {err}"));
            }
            return;
        }
        if let Some(link) = self.link() {
            link.remember_trade(&symbol, trade);
        }
    }

    /// The account's balances replace vigil's (minus what vigil's own open
    /// orders hold and the exchange may not have locked yet), except for an
    /// asset the stream reported after the account was read: that event is
    /// newer. An asset the account no longer lists is zero.
    fn apply_account_balances(&mut self, balances: &[AssetBalance], read_at: TimestampMs) {
        let newer: BTreeSet<String> = self
            .live
            .as_ref()
            .map(|l| {
                l.balance_times.iter().filter(|(_, at)| **at > read_at).map(|(a, _)| a.clone()).collect()
            })
            .unwrap_or_default();
        let listed: Vec<(String, Decimal, Decimal)> = balances
            .iter()
            .filter(|b| !newer.contains(&b.asset))
            .map(|b| (b.asset.clone(), b.free, b.locked))
            .collect();
        self.portfolio.set_exchange_balances(&listed, Some(&newer));
        self.persist_balances();
    }

    /// Applies what reconciliation read: resolves each asked order, books the
    /// trades vigil missed, refreshes the external orders and the balances,
    /// and audits every difference it found.
    fn apply_reconciliation(&mut self, found: Reconciliation) {
        if let Some(link) = self.link() {
            link.applying_reconciliation = true;
        }
        let mut differences = Vec::new();
        let Reconciliation { mut orders, open, account, mut trades } = found;
        let now = self.now();
        // An order the exchange lists as open is open, whatever a query said
        // (Binance answers -2013 for existing orders now and then).
        for (id, report) in &mut orders {
            if report.is_none()
                && let Some(client_id) = self.ledger.get(*id).map(|o| o.client_id.clone())
            {
                *report = open.iter().find(|o| o.order_client_id() == client_id).cloned();
            }
        }
        for (id, report) in &orders {
            if let Some(report) = report
                && let Some(order) = self.ledger.update_open(*id, None, Some(report.order_id), now)
            {
                self.persist_order(&order);
            }
        }
        trades.sort_by_key(|t| t.id);
        for trade in &trades {
            self.reconcile_trade(trade, &mut differences);
        }
        for (id, report) in orders {
            match report {
                Some(report) => {
                    let before = self.ledger.get(id).map(|o| o.status);
                    self.settle(id, report.status, report.executed_qty.unwrap_or_default(), None);
                    let working = self
                        .ledger
                        .get(id)
                        .filter(|_| !report.status.is_final())
                        .map(|o| open_status(o, report.working()));
                    if let Some(order) = self.ledger.update_open(id, working, None, now) {
                        self.persist_order(&order);
                    }
                    let after = self.ledger.get(id).map(|o| o.status);
                    if before != after
                        && let (Some(before), Some(after)) = (before, after)
                    {
                        differences.push(format!("#{id} was {before}, the exchange says {after}"));
                    }
                }
                None => self.on_not_at_exchange(id, &mut differences),
            }
        }
        let external: Vec<Order> = open
            .iter()
            .filter(|o| self.ledger.by_client_id(o.order_client_id()).is_none())
            .filter_map(|o| {
                let symbol = Symbol::new(&o.symbol).ok()?;
                Some(external_order(
                    &symbol,
                    o.order_client_id(),
                    o.order_id,
                    o.side.into(),
                    Some((o.price.unwrap_or_default(), o.orig_qty.unwrap_or_default())),
                    o.executed_qty.unwrap_or_default(),
                    now,
                ))
            })
            .collect();
        for order in &external {
            differences.push(format!(
                "external order {} on {} ({} {}), placed outside vigil: counted in exposure, not managed",
                order.client_id, order.intent.symbol, order.intent.side, order.intent.qty
            ));
        }
        self.apply_account_balances(&account.balances, account.update_time);
        let again = match self.link() {
            Some(link) => {
                link.external = external;
                link.fee_rate = account.commission_rates.map(|r| r.taker);
                link.reconcile_in_flight = false;
                link.applying_reconciliation = false;
                // A reconnect during this reconciliation asked for another:
                // only that one covers the gap.
                link.reconciled = link.stream_up && !link.reconcile_again;
                link.balances_known = true;
                std::mem::take(&mut link.reconcile_again)
            }
            None => false,
        };
        let body = json!({
            "text": "reconciled with the exchange",
            "differences": differences,
            "trades_read": trades.len(),
            "can_trade": account.can_trade,
        });
        self.audit(AuditKind::Note, Actor::Exchange, body);
        if differences.is_empty() {
            self.note("venue", "reconciled: no differences");
        } else {
            self.note("venue", format!("reconciled: {} difference(s)", differences.len()));
            for difference in differences {
                self.note("venue", difference);
            }
        }
        if again {
            self.request_reconcile();
        }
    }

    /// A trade from `myTrades`: booked if it belongs to one of vigil's orders
    /// and was not booked yet.
    fn reconcile_trade(&mut self, trade: &AccountTrade, differences: &mut Vec<String>) {
        let Ok(symbol) = Symbol::new(&trade.symbol) else { return };
        let Some(id) = self.ledger.by_venue_id(&symbol, trade.order_id) else {
            if let Some(link) = self.link() {
                // Another program's trade: advance the cursor, book nothing.
                let last = link.last_trade.entry(symbol).or_insert(trade.id);
                *last = (*last).max(trade.id);
            }
            return;
        };
        let Some(order) = self.ledger.get(id).cloned() else { return };
        let booked = self.link().is_some_and(|l| l.booked_trades.contains(&(symbol.clone(), trade.id)));
        if booked {
            return;
        }
        if !order.status.is_open() {
            differences.push(format!("trade {} of closed order #{id} was not booked", trade.id));
            return;
        }
        let side = if trade.is_buyer { Side::Buy } else { Side::Sell };
        let fill = Fill {
            order_id: id,
            symbol: symbol.clone(),
            side,
            price: trade.price,
            qty: trade.qty,
            fee: trade.commission,
            fee_asset: trade.commission_asset.clone(),
            liquidity: if trade.is_maker { Liquidity::Maker } else { Liquidity::Taker },
            ts_ms: trade.time,
            trade_id: Some(trade.id),
        };
        differences.push(format!(
            "#{id} fill of {} {symbol} @ {} (trade {}) booked late",
            trade.qty, trade.price, trade.id
        ));
        self.book_live_fill(fill);
    }
}

/// An order vigil did not place, as the screen and the gate see it.
fn external_order(
    symbol: &Symbol,
    client_id: &str,
    venue_order_id: u64,
    side: Side,
    price_qty: Option<(Decimal, Decimal)>,
    filled: Decimal,
    now: TimestampMs,
) -> Order {
    let (price, qty) = price_qty.unwrap_or((Decimal::ZERO, filled));
    Order {
        id: OrderId(0),
        client_id: crate::venue::client::printable(client_id),
        venue_order_id: Some(venue_order_id),
        intent: OrderIntent {
            symbol: symbol.clone(),
            side,
            order_type: OrderType::Limit,
            qty,
            price: (!price.is_zero()).then_some(price),
            origin: Origin::External,
            tif: crate::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
        },
        status: OrderStatus::Submitted,
        filled_qty: filled,
        filled_quote: Decimal::ZERO,
        realized_pnl: Decimal::ZERO,
        created_ms: now,
        updated_ms: now,
        reason: None,
    }
}
