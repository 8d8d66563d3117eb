//! The engine's side of the gate: build a [`RiskSnapshot`] from what the
//! actor owns, run the pure checks, and turn results into display lines.

use rust_decimal::Decimal;

use super::api::{CheckLine, CheckVerdict};
use super::state::EngineState;
use crate::domain::{Balance, FeedState, Order, OrderId, OrderIntent, Position, Side, Symbol, Venue};
use crate::risk::{self, BreakerTrip, BudgetLeft, CheckResult, FeedView, LiveArming, RiskSnapshot, Verdict};

impl EngineState {
    /// Every check's verdict on `intent`, in the DESIGN.md order.
    pub fn gate(&self, intent: &OrderIntent) -> Vec<CheckLine> {
        self.gate_replacing(intent, None)
    }

    /// Every check's verdict on `intent` as if open order `replacing` were
    /// already cancelled (an amend's replacement): the original is not
    /// counted among the open orders, and what it holds counts as free.
    pub fn gate_replacing(&self, intent: &OrderIntent, replacing: Option<OrderId>) -> Vec<CheckLine> {
        self.with_risk_snapshot(Some(&intent.symbol), replacing, |snapshot| {
            check_lines(&risk::evaluate(intent, snapshot, &self.config.limits, self.now()).checks)
        })
    }

    /// What an accepted `intent` locks: (asset, amount), exactly as the
    /// `balance_available` check assumed; `None` if it cannot be valued.
    pub fn reservation(&self, intent: &OrderIntent) -> Option<(String, Decimal)> {
        self.with_risk_snapshot(Some(&intent.symbol), None, |snapshot| {
            risk::reservation(intent, snapshot, &self.config.limits).map(|r| (r.asset, r.amount))
        })
    }

    /// A breaker (daily loss, drawdown) that has tripped, if any.
    pub fn breaker_trip(&self) -> Option<BreakerTrip> {
        self.with_risk_snapshot(None, None, |snapshot| risk::breaker_status(snapshot, &self.config.limits))
    }

    /// The fee rate reservations add to a buy: the exchange's reported rate,
    /// else the paper broker's, else the configured one.
    pub fn effective_fee_rate(&self) -> Decimal {
        self.config.limits.fee_rate(self.reported_fee_rate())
    }

    /// The taker rate the venue reports (the account's on live, the broker's on paper).
    fn reported_fee_rate(&self) -> Option<Decimal> {
        match &self.live {
            Some(live) => live.fee_rate(),
            None => (self.config.venue == Venue::Paper).then_some(self.broker.fees().taker),
        }
    }

    fn with_risk_snapshot<R>(
        &self,
        symbol: Option<&Symbol>,
        replacing: Option<OrderId>,
        f: impl FnOnce(&RiskSnapshot<'_>) -> R,
    ) -> R {
        let mut balances: Vec<(String, Balance)> =
            self.portfolio.balances().iter().map(|(a, b)| (a.clone(), b.clone())).collect();
        if let Some((asset, held)) = replacing.and_then(|id| self.held_by(id)) {
            for (_, balance) in balances.iter_mut().filter(|(a, _)| *a == asset) {
                balance.free = balance.free.saturating_add(held);
                balance.locked = balance.locked.saturating_sub(held).max(Decimal::ZERO);
            }
        }
        let positions: Vec<Position> = self.portfolio.positions().values().cloned().collect();
        // Orders placed outside vigil count against every limit too.
        let external = self.live.as_ref().map_or(&[][..], |l| l.external());
        let open_orders: Vec<Order> =
            self.ledger.open_orders().filter(|o| Some(o.id) != replacing).chain(external).cloned().collect();
        let submissions: Vec<risk::Submission> = self.ledger.submissions().cloned().collect();
        let market = symbol.and_then(|s| self.markets.get(s));
        let book = market.and_then(|m| m.book.as_ref());
        let unrealized: Decimal = self
            .portfolio
            .positions()
            .values()
            .filter_map(|p| p.unrealized_pnl(self.markets.get(&p.symbol)?.mark()?))
            .fold(Decimal::ZERO, Decimal::saturating_add);
        let streak = self.ledger.loss_streak();
        let equity = self.equity();
        let snapshot = RiskSnapshot {
            venue: self.config.venue,
            approval: self.controls.approval(),
            trading_state: self.controls.trading_state(),
            kill_switch: self.controls.kill_switch(),
            live: LiveArming {
                keystore_unlocked: self.totp.is_some(),
                test_key: self.live.as_ref().is_some_and(|l| l.key.test_key),
                key_verified: self.live.as_ref().is_some_and(|l| l.key.verified),
                reconciling: self.live.as_ref().is_none_or(|l| l.reconciling()),
            },
            autonomy: self.controls.budget().map(|b| BudgetLeft {
                orders: b.max_orders.saturating_sub(b.orders_used),
                notional: b.max_notional.saturating_sub(b.notional_used).max(Decimal::ZERO),
            }),
            instrument: symbol.and_then(|s| self.instrument(s)),
            feed: FeedView {
                state: market.map_or(FeedState::Connecting, |m| m.state),
                last_update_ms: market.and_then(|m| m.last_update_ms),
            },
            bids: book.map_or(&[], |b| &b.bids),
            asks: book.map_or(&[], |b| &b.asks),
            last_price: market.and_then(|m| m.last_price),
            balances: &balances,
            positions: &positions,
            open_orders: &open_orders,
            recent_submissions: &submissions,
            equity,
            peak_equity: self.marks.peak.max(equity),
            realized_pnl_today: self.pnl_today().saturating_sub(unrealized),
            unrealized_pnl: unrealized,
            losing_streak: streak.count,
            last_loss_ms: streak.last_loss_ms,
            clock_skew_ms: self.live.as_ref().and_then(|l| l.skew_ms()),
            key_permissions: self.live.as_ref().and_then(|l| l.key.permissions),
            exchange: self.live.as_ref().map(|l| l.exchange_usage(self.now())),
            fee_rate: self.reported_fee_rate(),
        };
        f(&snapshot)
    }
}

impl EngineState {
    /// The asset and amount open order `id` holds (quote for a buy, base for a sell).
    fn held_by(&self, id: OrderId) -> Option<(String, Decimal)> {
        let order = self.ledger.get(id)?;
        let instrument = self.instrument(&order.intent.symbol)?;
        let asset = match order.intent.side {
            Side::Buy => instrument.quote_asset.clone(),
            Side::Sell => instrument.base_asset.clone(),
        };
        Some((asset, self.portfolio.held(id)))
    }
}

/// The gate's results as display lines (the form the snapshot, the screen
/// and the audit log carry).
pub fn check_lines(results: &[CheckResult]) -> Vec<CheckLine> {
    results.iter().map(line).collect()
}

fn line(result: &CheckResult) -> CheckLine {
    CheckLine {
        id: result.id.as_str().to_owned(),
        verdict: match result.verdict {
            Verdict::Pass => CheckVerdict::Pass,
            Verdict::Warn => CheckVerdict::Warn,
            Verdict::Fail => CheckVerdict::Fail,
            Verdict::Skip => CheckVerdict::Skip,
        },
        detail: result.detail.clone(),
    }
}
