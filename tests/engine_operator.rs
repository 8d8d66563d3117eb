//! What the operator sees the engine do: losing trades counted per order,
//! audit entries that name who acted, proposals that expire and stay quiet
//! after a "no", cancel-all that does what it says, a clean stop that honours
//! `[engine] on_shutdown`, and answers that arrive after their effects are
//! published. All against the real engine, store and audit log.
#![allow(clippy::unwrap_used)]

#[path = "support/engine_fixture.rs"]
mod fixture;

use fixture::{T0, buy, d, intent, loose_limits, start, start_with};
use vigil::domain::{OrderStatus, OrderType, Origin, Side};
use vigil::engine::{CancelAllReport, CheckVerdict, Command, CommandError, OnShutdown, SubmitOutcome};
use vigil::market::MarketEvent;
use vigil::risk::Limits;
use vigil::store::{Actor, AuditEntry, AuditKind};
use vigil::strategy::{Strategy, StrategyContext};

/// Limits that let a 0.1 BTC position through and keep the daily-loss breaker out of the way.
fn roomy() -> Limits {
    Limits {
        max_order_notional: d("10000"),
        max_position_notional: d("20000"),
        max_concentration_pct: d("100"),
        daily_loss_limit: d("100000"),
        ..loose_limits()
    }
}

fn rejected(entries: &[AuditEntry], order: u64) -> Vec<&AuditEntry> {
    entries.iter().filter(|e| e.kind == AuditKind::Rejected && e.body["order"] == order).collect()
}

#[tokio::test]
async fn a_market_sell_walking_four_levels_at_a_loss_is_one_losing_trade() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits { loss_streak: 2, ..roomy() };
    let h =
        start_with(dir.path(), limits.clone(), vec![], |_| {}, fixture::book(64_000, 5, "0.002", T0)).await;
    assert!(matches!(h.place(buy(OrderType::Market, "0.008", None)).await, SubmitOutcome::Sent { .. }));
    h.refresh(fixture::book(63_000, 5, "0.002", T0)).await;
    let sell = intent(Side::Sell, OrderType::Market, "0.008", None);
    let SubmitOutcome::Sent { id, .. } = h.place(sell).await else { panic!("the sell was not sent") };
    let snap = h.handle.snapshot();
    assert_eq!(snap.fills.iter().filter(|f| f.order_id == id).count(), 4, "four book levels, four fills");
    assert!(snap.orders.iter().any(|o| o.id == id && o.realized_pnl < d("0")), "sold at a loss");

    let streak = |checks: Vec<vigil::engine::CheckLine>| {
        checks.into_iter().find(|c| c.id == "loss_streak_cooldown").unwrap()
    };
    let check = streak(h.preview(buy(OrderType::Limit, "0.001", Some("62000"))).await);
    assert_eq!(check.verdict, CheckVerdict::Pass, "{check:?}");
    assert!(check.detail.starts_with("1 losing trades in a row"), "{}", check.detail);

    // The streak is stored when it changes: a crash does not forget it.
    h.crash().await;
    let h = start_with(dir.path(), limits, vec![], |_| {}, fixture::book(63_000, 5, "0.002", T0)).await;
    let check = streak(h.preview(buy(OrderType::Limit, "0.001", Some("62000"))).await);
    assert!(check.detail.starts_with("1 losing trades in a row"), "{}", check.detail);
    h.stop().await;
}

#[tokio::test]
async fn a_breaker_drops_pending_orders_in_its_own_name() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits { max_drawdown_pct: d("1"), ..roomy() };
    let h = start(dir.path(), limits, vec![]).await;
    assert!(matches!(h.place(buy(OrderType::Market, "0.1", None)).await, SubmitOutcome::Sent { .. }));
    let SubmitOutcome::Pending { id, .. } = h.submit(buy(OrderType::Limit, "0.01", Some("63500"))).await
    else {
        panic!("confirm mode holds the order")
    };
    h.market(fixture::book(60_000, 5, "2", T0)).await;
    let snap = h.wait(|s| s.controls.kill_switch()).await;
    let cause = snap.controls.cause().unwrap();
    assert_eq!(cause.actor, Actor::Breaker("drawdown_breaker".into()));
    assert!(snap.pending.is_empty());
    h.stop().await;

    let entries = fixture::audit_entries(dir.path());
    let dropped = rejected(&entries, id.0);
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    assert_eq!(dropped[0].actor, Actor::Breaker("drawdown_breaker".into()));
    assert!(
        dropped[0].body["reason"].as_str().unwrap().starts_with("kill switch: drawdown"),
        "{:?}",
        dropped[0]
    );
    assert!(
        entries.iter().all(|e| e.actor != Actor::Person || e.kind != AuditKind::Rejected),
        "no person rejected anything"
    );
    let halt = entries.iter().find(|e| e.kind == AuditKind::KillSwitch).unwrap();
    assert_eq!(
        (halt.actor.clone(), halt.body["from"].as_str()),
        (Actor::Breaker("drawdown_breaker".into()), Some("confirm"))
    );
}

#[tokio::test]
async fn a_proposal_older_than_its_ttl_cannot_be_approved() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    let SubmitOutcome::Pending { id, .. } = h.submit(buy(OrderType::Limit, "0.01", Some("63500"))).await
    else {
        panic!("pending")
    };
    assert_eq!(h.handle.snapshot().pending[0].expires_ms, T0 + 30_000, "the inbox knows when it expires");
    h.clock.advance(30_000);
    let confirmed = h.handle.request(|reply| Command::Confirm { id, reply }).await;
    assert_eq!(confirmed, Err(CommandError::Expired { id, ttl_secs: 30 }));
    let snap = h.handle.snapshot();
    assert!(snap.orders.iter().any(|o| o.id == id && o.status == OrderStatus::Rejected));
    assert!(snap.fills.is_empty(), "nothing was sent");

    // Unanswered, a proposal expires by itself too.
    h.refresh(fixture::book(64_000, 5, "2", T0)).await;
    let SubmitOutcome::Pending { id: later, .. } =
        h.submit(buy(OrderType::Limit, "0.01", Some("63400"))).await
    else {
        panic!("pending")
    };
    h.clock.advance(30_001);
    h.wait(|s| s.pending.is_empty()).await;
    // A late "yes" (or "no") to an order that expired by itself says so.
    let late = h.handle.request(|reply| Command::Confirm { id: later, reply }).await;
    assert_eq!(late, Err(CommandError::Expired { id: later, ttl_secs: 30 }));
    let late = h.handle.request(|reply| Command::Reject { id: later, reply }).await;
    assert_eq!(late, Err(CommandError::Expired { id: later, ttl_secs: 30 }));
    h.stop().await;

    let entries = fixture::audit_entries(dir.path());
    for order in [id, later] {
        let expired = rejected(&entries, order.0);
        assert_eq!(expired.len(), 1, "{expired:?}");
        assert_eq!(expired[0].actor, Actor::Engine);
        assert_eq!(expired[0].body["reason"], "expired unanswered after 30 s");
    }
}

/// Proposes the same limit buy on every book event.
struct Repeater;

impl Strategy for Repeater {
    fn name(&self) -> &'static str {
        "repeater"
    }

    fn symbol(&self) -> &vigil::domain::Symbol {
        static BTC: std::sync::OnceLock<vigil::domain::Symbol> = std::sync::OnceLock::new();
        BTC.get_or_init(fixture::btc)
    }

    fn on_event(
        &mut self,
        event: &MarketEvent,
        ctx: &StrategyContext<'_>,
    ) -> Vec<vigil::domain::OrderIntent> {
        if !matches!(event, MarketEvent::Book(_)) || !ctx.working.is_empty() {
            return Vec::new();
        }
        let mut proposal = buy(OrderType::Limit, "0.01", Some("63500"));
        proposal.origin = Origin::Strategy("repeater".into());
        vec![proposal]
    }
}

#[tokio::test]
async fn a_rejected_proposal_stays_quiet_for_the_mute_time() {
    let dir = tempfile::tempdir().unwrap();
    let tweak = |c: &mut vigil::engine::EngineConfig| c.proposals.reject_mute_ms = 60_000;
    let h = start_with(
        dir.path(),
        loose_limits(),
        vec![Box::new(Repeater)],
        tweak,
        fixture::book(64_000, 5, "2", T0),
    )
    .await;
    h.market(fixture::book(64_000, 5, "2", T0)).await;
    let snap = h.wait(|s| s.pending.len() == 1).await;
    let id = snap.pending[0].order.id;
    h.handle.request(|reply| Command::Reject { id, reply }).await.unwrap();
    for _ in 0..3 {
        h.clock.advance(10_000);
        h.refresh(fixture::book(64_000, 5, "2", T0)).await;
    }
    let snap = h.handle.snapshot();
    assert!(snap.pending.is_empty(), "proposed again {} s after a no: {:?}", 30, snap.pending);
    h.clock.advance(30_001);
    h.market(fixture::book(64_000, 5, "2", T0)).await;
    let snap = h.wait(|s| s.pending.len() == 1).await;
    assert_ne!(snap.pending[0].order.id, id, "a new proposal, after the mute time");

    // Cancel-all by a person is a "no" too: the inbox does not refill at the next book.
    let report = h.handle.request(|reply| Command::CancelAll { reply }).await.unwrap();
    assert_eq!(report.rejected, 1);
    h.clock.advance(1_000);
    h.refresh(fixture::book(64_000, 5, "2", T0)).await;
    assert!(h.handle.snapshot().pending.is_empty(), "proposed again right after cancel-all");
    h.stop().await;

    let entries = fixture::audit_entries(dir.path());
    assert_eq!(rejected(&entries, id.0)[0].actor, Actor::Person);
}

#[tokio::test]
async fn cancel_all_does_what_it_reports() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    for price in ["63000", "62900"] {
        assert!(matches!(
            h.place(buy(OrderType::Limit, "0.01", Some(price))).await,
            SubmitOutcome::Sent { .. }
        ));
    }
    assert!(matches!(
        h.submit(buy(OrderType::Limit, "0.01", Some("62800"))).await,
        SubmitOutcome::Pending { .. }
    ));
    let report = h.handle.request(|reply| Command::CancelAll { reply }).await.unwrap();
    assert_eq!(report, CancelAllReport { cancelled: 2, rejected: 1 });
    let snap = h.handle.snapshot();
    assert!(snap.pending.is_empty() && snap.orders.iter().all(|o| o.status.is_terminal()));
    h.stop().await;
}

#[tokio::test]
async fn on_shutdown_cancel_cancels_open_orders_and_leave_keeps_them() {
    for (policy, open_after) in [(OnShutdown::Leave, 1), (OnShutdown::Cancel, 0)] {
        let dir = tempfile::tempdir().unwrap();
        let tweak = move |c: &mut vigil::engine::EngineConfig| c.on_shutdown = policy;
        let h =
            start_with(dir.path(), loose_limits(), vec![], tweak, fixture::book(64_000, 5, "2", T0)).await;
        assert!(matches!(
            h.place(buy(OrderType::Limit, "0.01", Some("63000"))).await,
            SubmitOutcome::Sent { .. }
        ));
        assert!(matches!(
            h.submit(buy(OrderType::Limit, "0.01", Some("62900"))).await,
            SubmitOutcome::Pending { .. }
        ));
        h.stop().await;

        let h = start(dir.path(), loose_limits(), vec![]).await;
        let snap = h.handle.snapshot();
        assert_eq!(snap.orders.iter().filter(|o| o.status.is_open()).count(), open_after, "{policy:?}");
        assert!(snap.pending.is_empty(), "{policy:?}: a clean stop answers what nobody will");
        h.stop().await;
        let first_stop = fixture::audit_entries(dir.path())
            .into_iter()
            .find(|e| e.body["text"] == "engine stopped")
            .unwrap();
        assert_eq!(first_stop.body["on_shutdown"], serde_json::to_value(policy).unwrap());
        assert_eq!(first_stop.body["rejected"], 1);
    }
}

#[tokio::test]
async fn the_answer_comes_after_the_snapshot_that_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    h.arm(5, "5000").await;
    for i in 1..=20 {
        // A different quantity each time, or the duplicate check would refuse it.
        let qty = format!("0.00{i:02}");
        let SubmitOutcome::Sent { id, .. } = h.submit(buy(OrderType::Market, &qty, None)).await else {
            panic!("sent")
        };
        // No waiting: the published snapshot already holds the fill.
        let snap = h.handle.snapshot();
        assert!(snap.fills.iter().any(|f| f.order_id == id), "answer before its fill was published");
        if snap.controls.budget().is_none() {
            break;
        }
    }
    let snap = h.handle.snapshot();
    let seqs: Vec<u64> = snap.log.iter().map(|l| l.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "log lines are numbered without gaps: {seqs:?}");
    h.stop().await;
}

#[tokio::test]
async fn huge_numbers_are_refused_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    let huge = "79228162514264337593543950335"; // Decimal::MAX
    let cases = [
        buy(OrderType::Limit, huge, Some("1")),
        buy(OrderType::Limit, "1", Some(huge)),
        buy(OrderType::Limit, "99999999999999", Some("99999999999999")),
        buy(OrderType::Market, huge, None),
        intent(Side::Sell, OrderType::Market, huge, None),
        buy(OrderType::Limit, "0.0000000000000000000000000001", Some(huge)),
    ];
    for case in cases {
        let outcome = h.submit(case.clone()).await;
        assert!(matches!(outcome, SubmitOutcome::Refused { .. }), "{case:?}: {outcome:?}");
    }
    // The engine is alive and still trades.
    assert!(matches!(
        h.place(buy(OrderType::Limit, "0.01", Some("63000"))).await,
        SubmitOutcome::Sent { .. }
    ));
    h.stop().await;
}

#[tokio::test]
async fn a_halt_stored_by_an_earlier_version_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = vigil::store::Store::open(&dir.path().join("state")).unwrap();
        let legacy = serde_json::json!({ "kill_switch": true, "trading_state": "halted" });
        store.put_value("trading_state", &legacy).unwrap();
    }
    let h = start(dir.path(), loose_limits(), vec![]).await;
    let snap = h.handle.snapshot();
    assert!(snap.controls.kill_switch(), "an old halt must survive the upgrade");
    assert_eq!(snap.controls.cause().unwrap().actor, Actor::Restart);
    assert!(matches!(
        h.submit(buy(OrderType::Limit, "0.01", Some("63000"))).await,
        SubmitOutcome::Refused { .. }
    ));
    h.stop().await;
}

#[tokio::test]
async fn the_kill_switch_cancels_what_is_left_even_when_already_halted() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), loose_limits(), vec![]).await;
    assert!(matches!(
        h.place(buy(OrderType::Limit, "0.01", Some("63000"))).await,
        SubmitOutcome::Sent { .. }
    ));
    // A crash right after the halt was stored, before its cancels: the order is still open on disk.
    h.crash().await;
    {
        let store = vigil::store::Store::open(&dir.path().join("state")).unwrap();
        let halted = serde_json::json!({
            "state": "halted",
            "cause": { "actor": "person", "why": "operator", "at_ms": T0 }
        });
        store.put_value("controls", &halted).unwrap();
    }
    let h = start(dir.path(), loose_limits(), vec![]).await;
    let snap = h.handle.snapshot();
    assert!(snap.controls.kill_switch());
    assert!(
        snap.orders.iter().all(|o| !o.status.is_open()),
        "a restored halt leaves nothing open: {:?}",
        snap.orders
    );
    h.stop().await;
    let entries = fixture::audit_entries(dir.path());
    let cancel = entries.iter().find(|e| e.kind == AuditKind::Cancel).unwrap();
    assert_eq!(cancel.actor, Actor::Restart);
}
