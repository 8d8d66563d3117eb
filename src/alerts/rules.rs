//! Which changes of the engine's read model are alerts: the one owner of that
//! rule, used by the delivery task (command, webhook) and by the TUI's bell.
//!
//! Pure: it compares each [`Snapshot`] with what it saw before, so it works
//! on any `EngineHandle` (in process or, later, over the socket) and the
//! engine itself knows nothing of alerts. Snapshots coalesce (a watch
//! channel keeps the latest), so every rule compares states, never counts
//! events: fills by identity in the recent-fills list, the controls' cause,
//! the feed's connection state, and the event tail by sequence number.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::alert::{Alert, AlertKind, Detail};
use crate::domain::{FeedState, Fill, TimestampMs, Venue};
use crate::engine::{BUDGET_SPENT_NOTE, Cause, Controls, Snapshot};
use crate::store::Actor;

/// The alert rules' memory of the last snapshot.
#[derive(Debug)]
pub struct AlertRules {
    /// How long the feed must stay down before `feed_down` (a planned reconnect takes < 1 s).
    feed_grace: Duration,
    /// The last snapshot observed (shared, not copied).
    seen: Option<Arc<Snapshot>>,
    feed: FeedWatch,
}

/// The feed's connection as the rules follow it.
#[derive(Debug, Default)]
struct FeedWatch {
    /// Down since (and in which state), while the connection is not up.
    down: Option<Down>,
}

#[derive(Debug)]
struct Down {
    since: Instant,
    /// The engine's time when the outage began.
    since_ms: TimestampMs,
    venue: Option<Venue>,
    alerted: bool,
    feed: String,
    state: FeedState,
    detail: String,
}

impl AlertRules {
    /// Rules that report a feed outage once it has lasted `feed_grace`.
    pub fn new(feed_grace: Duration) -> Self {
        Self { feed_grace, seen: None, feed: FeedWatch::default() }
    }

    /// The alerts `snapshot` brings, seen at `now`. The first snapshot is the
    /// baseline: what it already shows is history, except a halt in force,
    /// which is reported once ("started halted: unclean shutdown") because the
    /// person away needs to know the engine is waiting for them.
    pub fn observe(&mut self, snapshot: &Arc<Snapshot>, now: Instant) -> Vec<Alert> {
        let mut alerts = Vec::new();
        match &self.seen {
            None => {
                if let Some(cause) = snapshot.controls.cause() {
                    let mut alert = controls_alert(&snapshot.controls, cause, snapshot);
                    alert.text = format!("vigil started with trading {}", alert.text);
                    alerts.push(alert);
                }
            }
            Some(seen) if Arc::ptr_eq(seen, snapshot) => {}
            Some(seen) => {
                let new = new_fills(&seen.fills, &snapshot.fills);
                // Oldest first, as they happened.
                alerts.extend(new.iter().rev().map(|f| Alert::fill(f, snapshot.venue)));
                alerts.extend(self.controls_change(&seen.controls, snapshot));
                alerts.extend(budget_spent(seen, snapshot));
            }
        }
        alerts.extend(self.feed_change(snapshot, now));
        alerts.extend(self.poll(now));
        self.seen = Some(snapshot.clone());
        alerts
    }

    /// Alerts that are due by time alone: a feed outage that has now lasted the grace.
    pub fn poll(&mut self, now: Instant) -> Vec<Alert> {
        let grace = self.feed_grace;
        let Some(down) = self.feed.down.as_mut().filter(|d| !d.alerted) else { return Vec::new() };
        if now.saturating_duration_since(down.since) < grace {
            return Vec::new();
        }
        down.alerted = true;
        let text = format!(
            "market data feed {} is {} ({} s so far){}: nothing trades on stale data",
            down.feed,
            down.state.as_str(),
            now.saturating_duration_since(down.since).as_secs(),
            if down.detail.is_empty() { String::new() } else { format!(": {}", down.detail) }
        );
        let detail = Detail::Feed {
            feed: down.feed.clone(),
            state: down.state.as_str().into(),
            detail: down.detail.clone(),
        };
        vec![Alert { kind: AlertKind::FeedDown, ts_ms: down.since_ms, venue: down.venue, text, detail }]
    }

    /// When [`poll`](Self::poll) has something to say, if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.feed.down.as_ref().filter(|d| !d.alerted).map(|d| d.since + self.feed_grace)
    }

    fn controls_change(&self, before: &Controls, snapshot: &Snapshot) -> Option<Alert> {
        let after = &snapshot.controls;
        match (before.cause(), after.cause()) {
            (_, Some(cause)) if before.cause() != Some(cause) || before.name() != after.name() => {
                Some(controls_alert(after, cause, snapshot))
            }
            (Some(cause), None) => Some(Alert {
                kind: AlertKind::Released,
                ts_ms: snapshot.now_ms,
                venue: snapshot.venue,
                text: format!(
                    "trading is active again in {} mode (it was {}: {})",
                    after.name(),
                    before.trading_state(),
                    cause.why
                ),
                detail: Detail::Controls { state: "active".into(), actor: String::new(), why: String::new() },
            }),
            _ => None,
        }
    }

    fn feed_change(&mut self, snapshot: &Snapshot, now: Instant) -> Option<Alert> {
        let up = matches!(snapshot.feed_state, Some(FeedState::Connected | FeedState::Synced));
        match (&self.feed.down, up) {
            (None, false) => {
                self.feed.down = Some(Down {
                    since: now,
                    since_ms: snapshot.feed_since_ms.unwrap_or(snapshot.now_ms),
                    venue: snapshot.venue,
                    alerted: false,
                    feed: snapshot.feed_name.clone(),
                    state: snapshot.feed_state.unwrap_or(FeedState::Connecting),
                    detail: snapshot.feed_detail.clone(),
                });
                None
            }
            (Some(down), false) => {
                // Still down: keep when it began, follow what it says now.
                let (since, since_ms, alerted) = (down.since, down.since_ms, down.alerted);
                self.feed.down = Some(Down {
                    since,
                    since_ms,
                    venue: snapshot.venue,
                    alerted,
                    feed: snapshot.feed_name.clone(),
                    state: snapshot.feed_state.unwrap_or(FeedState::Connecting),
                    detail: snapshot.feed_detail.clone(),
                });
                None
            }
            (Some(down), true) => {
                let alert = down.alerted.then(|| Alert {
                    kind: AlertKind::FeedUp,
                    ts_ms: snapshot.now_ms,
                    venue: snapshot.venue,
                    text: format!(
                        "market data feed {} is back after {} s",
                        snapshot.feed_name,
                        now.saturating_duration_since(down.since).as_secs()
                    ),
                    detail: Detail::Feed {
                        feed: snapshot.feed_name.clone(),
                        state: snapshot.feed_state.map_or("connected", FeedState::as_str).into(),
                        detail: snapshot.feed_detail.clone(),
                    },
                });
                self.feed.down = None;
                alert
            }
            (None, true) => None,
        }
    }
}

/// The alert for a cause in force: a breaker, the kill switch, or another halt.
fn controls_alert(controls: &Controls, cause: &Cause, snapshot: &Snapshot) -> Alert {
    let kind = match cause.actor {
        Actor::Breaker(_) => AlertKind::Breaker,
        Actor::Person | Actor::Cli => AlertKind::KillSwitch,
        Actor::Engine | Actor::Restart | Actor::Exchange | Actor::Strategy(_) => AlertKind::Halt,
    };
    let state = controls.name().replace('_', " ");
    Alert {
        kind,
        ts_ms: cause.at_ms,
        venue: snapshot.venue,
        text: format!("{state} by {}: {}", cause.actor, cause.why),
        detail: Detail::Controls {
            state: controls.name().into(),
            actor: cause.actor.to_string(),
            why: cause.why.clone(),
        },
    }
}

/// The budget-spent line, if the event tail gained it since `seen`.
fn budget_spent(seen: &Snapshot, snapshot: &Snapshot) -> Option<Alert> {
    let last_seen = seen.log.last().map_or(0, |l| l.seq);
    let line = snapshot.log.iter().find(|l| l.seq > last_seen && l.text == BUDGET_SPENT_NOTE)?;
    let budget = seen.controls.budget();
    let (max_orders, max_notional) =
        budget.map_or((0, Default::default()), |b| (b.max_orders, b.max_notional));
    Some(Alert {
        kind: AlertKind::BudgetSpent,
        ts_ms: line.ts_ms,
        venue: snapshot.venue,
        text: format!(
            "autonomous budget spent ({max_orders} orders / {} {}): back to confirm mode, nothing more is sent \
             until a person acts",
            max_notional.normalize(),
            snapshot.quote_asset
        ),
        detail: Detail::Budget { max_orders, max_notional },
    })
}

/// The fills of `now` that `before` did not have. Both lists are most recent
/// first, capped at the same length: `now` is some new fills followed by the
/// start of `before` (whose tail may have been cut). Matching by position
/// rather than by value counts two identical fills (same order, time, price,
/// quantity) as two.
fn new_fills<'a>(before: &[Fill], now: &'a [Fill]) -> &'a [Fill] {
    if before.is_empty() {
        return now;
    }
    // The smallest k whose rest of `now` is the start of `before` (k = len always is).
    let fresh = (0..=now.len())
        .find(|&k| {
            let rest = &now[k..];
            rest.len() <= before.len() && rest == &before[..rest.len()]
        })
        .unwrap_or(now.len());
    &now[..fresh]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::{Liquidity, OrderId, Side, Symbol};

    fn fill(order: u64, price: i64) -> Fill {
        Fill {
            order_id: OrderId(order),
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side: Side::Buy,
            price: price.into(),
            qty: "0.001".parse().unwrap(),
            fee: "0.06".parse().unwrap(),
            fee_asset: "USDT".into(),
            liquidity: Liquidity::Taker,
            ts_ms: 1,
            trade_id: None,
        }
    }

    struct Nowhere;
    impl crate::engine::ControlsRecorder for Nowhere {
        fn record(&mut self, _: &crate::engine::Transition) -> Result<(), String> {
            Ok(())
        }
    }

    fn snap(version: u64, controls: &Controls, feed: Option<FeedState>) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            version,
            now_ms: 1_000 + version as i64,
            controls: controls.clone(),
            feed_name: "sim".into(),
            feed_state: feed,
            quote_asset: "USDT".into(),
            ..Snapshot::default()
        })
    }

    fn changed(controls: &Controls, change: crate::engine::Change, actor: Actor, why: &str) -> Controls {
        let mut next = controls.clone();
        next.apply(change, Cause::new(actor, why, 7), &mut Nowhere).unwrap();
        next
    }

    const UP: Option<FeedState> = Some(FeedState::Connected);

    #[test]
    fn a_halt_in_force_at_start_is_one_alert_then_history() {
        let halted =
            changed(&Controls::confirm(), crate::engine::Change::Halt, Actor::Restart, "unclean shutdown");
        let mut rules = AlertRules::new(Duration::ZERO);
        let now = Instant::now();
        let first = rules.observe(&snap(1, &halted, UP), now);
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(first[0].kind, AlertKind::Halt);
        assert_eq!(first[0].text, "vigil started with trading halted by restart: unclean shutdown");
        assert!(rules.observe(&snap(2, &halted, UP), now).is_empty(), "the same halt is not news");
    }

    #[test]
    fn each_new_cause_is_an_alert_named_by_who_acted() {
        use crate::engine::Change;
        let mut rules = AlertRules::new(Duration::ZERO);
        let now = Instant::now();
        let active = Controls::confirm();
        assert!(rules.observe(&snap(1, &active, UP), now).is_empty());
        let reduced = changed(&active, Change::Reduce, Actor::Breaker("daily_loss_limit".into()), "loss 210");
        let halted = changed(&reduced, Change::Halt, Actor::Person, "kill switch");
        let released = changed(&halted, Change::Release, Actor::Person, "released");
        let kinds = |a: Vec<Alert>| a.into_iter().map(|a| (a.kind, a.text)).collect::<Vec<_>>();
        assert_eq!(
            kinds(rules.observe(&snap(2, &reduced, UP), now)),
            [(AlertKind::Breaker, "reducing by breaker:daily_loss_limit: loss 210".to_owned())]
        );
        assert_eq!(
            kinds(rules.observe(&snap(3, &halted, UP), now)),
            [(AlertKind::KillSwitch, "halted by person: kill switch".to_owned())]
        );
        assert_eq!(
            kinds(rules.observe(&snap(4, &released, UP), now)),
            [(
                AlertKind::Released,
                "trading is active again in confirm mode (it was halted: kill switch)".to_owned()
            )]
        );
    }

    #[test]
    fn a_feed_outage_shorter_than_the_grace_is_silent_a_longer_one_is_down_then_up() {
        let grace = Duration::from_secs(10);
        let mut rules = AlertRules::new(grace);
        let t0 = Instant::now();
        let c = Controls::confirm();
        assert!(rules.observe(&snap(1, &c, UP), t0).is_empty());
        // A planned reconnect: down for 1 s.
        assert!(rules.observe(&snap(2, &c, Some(FeedState::Reconnecting)), t0).is_empty());
        assert_eq!(rules.next_deadline(), Some(t0 + grace));
        assert!(rules.observe(&snap(3, &c, UP), t0 + Duration::from_secs(1)).is_empty());
        assert_eq!(rules.next_deadline(), None);
        // A real outage.
        let t1 = t0 + Duration::from_secs(100);
        assert!(rules.observe(&snap(4, &c, Some(FeedState::Reconnecting)), t1).is_empty());
        assert!(rules.poll(t1 + Duration::from_secs(9)).is_empty());
        let down = rules.poll(t1 + grace);
        assert_eq!(down.len(), 1);
        assert_eq!(down[0].kind, AlertKind::FeedDown);
        assert!(
            down[0].text.starts_with("market data feed sim is reconnecting (10 s so far)"),
            "{}",
            down[0].text
        );
        assert!(rules.poll(t1 + grace * 2).is_empty(), "one alert per outage");
        let up = rules.observe(&snap(5, &c, UP), t1 + Duration::from_secs(30));
        assert_eq!(up.len(), 1);
        assert_eq!(
            (up[0].kind, up[0].text.as_str()),
            (AlertKind::FeedUp, "market data feed sim is back after 30 s")
        );
    }

    #[test]
    fn the_budget_running_out_is_an_alert() {
        use crate::engine::{Change, LogLine};
        let mut rules = AlertRules::new(Duration::ZERO);
        let now = Instant::now();
        let arm = Change::Arm { max_orders: 2, max_notional: "500".parse().unwrap() };
        let armed = changed(&Controls::confirm(), arm, Actor::Person, "armed");
        assert!(rules.observe(&snap(1, &armed, UP), now).is_empty());
        let mut spent = (*snap(2, &Controls::confirm(), UP)).clone();
        spent.log = vec![LogLine { seq: 9, ts_ms: 5, kind: "mode".into(), text: BUDGET_SPENT_NOTE.into() }];
        let alerts = rules.observe(&Arc::new(spent), now);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].kind, AlertKind::BudgetSpent);
        assert!(
            alerts[0].text.starts_with("autonomous budget spent (2 orders / 500 USDT)"),
            "{}",
            alerts[0].text
        );
    }

    #[test]
    fn new_fills_are_the_ones_in_front_of_what_was_seen() {
        let (a, b, c) = (fill(1, 10), fill(2, 20), fill(3, 30));
        let new = |before: &[&Fill], now: &[&Fill]| {
            let (before, now): (Vec<Fill>, Vec<Fill>) =
                (before.iter().map(|f| (*f).clone()).collect(), now.iter().map(|f| (*f).clone()).collect());
            new_fills(&before, &now).iter().map(|f| f.order_id.0).collect::<Vec<_>>()
        };
        assert_eq!(new(&[], &[&a]), [1]);
        assert!(new(&[&a], &[&a]).is_empty());
        assert_eq!(new(&[&b, &a], &[&c, &b, &a]), [3]);
        // Capped: the oldest fell off the end.
        assert_eq!(new(&[&b, &a], &[&c, &b]), [3]);
        // Two identical fills (one order walking one level twice at one ms) are two.
        assert_eq!(new(&[&a], &[&a, &a]), [1]);
        // Nothing in common (more new fills than the list holds): all are new.
        assert_eq!(new(&[&a], &[&c, &b]), [3, 2]);
    }
}
