//! The terminal bell on alert events (`[alerts] bell`): the same
//! [`AlertRules`] the alert delivery uses, fed with the snapshots this screen
//! shows, so the bell and the alerts can never disagree on what an event is.
//! One ring per batch of alerts: a burst of fills is one bell, not twenty.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::alerts::AlertRules;
use crate::engine::Snapshot;

/// What rings: the real terminal writes BEL; tests leave it out and count.
pub type Ringer = Box<dyn FnMut() + Send>;

/// The bell's rules and what it has rung.
pub struct Bell {
    rules: AlertRules,
    due: bool,
    rung: u64,
    ringer: Option<Ringer>,
}

impl Bell {
    /// A bell whose baseline is `first` (what it shows already happened).
    pub fn new(first: &Arc<Snapshot>, feed_grace: Duration) -> Self {
        let mut rules = AlertRules::new(feed_grace);
        // A halt in force at start is one ring, like its alert.
        let due = !rules.observe(first, Instant::now()).is_empty();
        Self { rules, due, rung: 0, ringer: None }
    }

    pub fn set_ringer(&mut self, ringer: Ringer) {
        self.ringer = Some(ringer);
    }

    /// A new snapshot is on screen.
    pub fn observe(&mut self, snapshot: &Arc<Snapshot>) {
        self.due |= !self.rules.observe(snapshot, Instant::now()).is_empty();
    }

    /// Time alone has made an alert due (a feed outage that lasted the grace).
    pub fn poll(&mut self) {
        self.due |= !self.rules.poll(Instant::now()).is_empty();
    }

    /// When [`poll`](Self::poll) may have something.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.rules.next_deadline()
    }

    /// Rings once if anything happened since the last ring.
    pub fn ring_if_due(&mut self) {
        if std::mem::take(&mut self.due) {
            self.rung = self.rung.saturating_add(1);
            if let Some(ring) = self.ringer.as_mut() {
                ring();
            }
        }
    }

    /// How often it rang.
    pub fn rung(&self) -> u64 {
        self.rung
    }
}
