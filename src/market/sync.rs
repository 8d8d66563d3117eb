//! The Binance book-sync procedure (reference §1.7, current text) as a pure,
//! synchronous state machine: no I/O, no clock, so every rule is unit-tested
//! and the hot path is benchable.
//!
//! The driver feeds it diffs and snapshots and acts on what it answers:
//! fetch a snapshot, publish the book, or report a resync.

use std::collections::VecDeque;

use crate::market::book::OrderBook;
use crate::market::fixed::Scales;
use crate::market::wire::{DepthDiff, DepthSnapshot};

/// Diffs kept while waiting for a snapshot; older ones are dropped first
/// (the snapshot check then simply compares against the oldest kept).
pub const DEFAULT_MAX_BUFFER: usize = 10_000;

/// Levels a side of the book keeps by default (Binance's largest snapshot).
pub const DEFAULT_MAX_LEVELS: usize = 5_000;

/// What happened to a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffOutcome {
    /// No book yet; the diff was buffered. Fetch a snapshot when `request_snapshot`.
    Buffered { request_snapshot: bool },
    /// Applied; the book moved to the diff's final update id.
    Applied,
    /// Older than the book (`u < local id`); nothing changed.
    Ignored,
    /// `U > local id + 1`: events were missed. The book is discarded, this diff
    /// starts a new buffer, and a fresh snapshot must be fetched.
    Gap { expected: u64, got: u64 },
    /// Applied, and the book came out crossed (best bid at or above best
    /// ask, in units): no exchange publishes that, so the data is bad. The
    /// book is discarded and a fresh snapshot must be fetched.
    Crossed { bid: u64, ask: u64 },
}

/// What happened to a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// The book is live; `applied` buffered diffs were replayed onto it.
    Synced { applied: usize },
    /// `lastUpdateId` is older than the first buffered `U`: fetch again.
    TooOld { last_update_id: u64, first_buffered: u64 },
    /// The buffered diffs do not connect to the snapshot: fetch again.
    Gap { expected: u64, got: u64 },
    /// The snapshot (with the buffered diffs replayed) is crossed: fetch again.
    Crossed { bid: u64, ask: u64 },
}

/// Sync state of one symbol's book.
#[derive(Debug, Clone)]
pub struct BookSync {
    scales: Scales,
    book: Option<OrderBook>,
    buffer: VecDeque<DepthDiff>,
    snapshot_requested: bool,
    max_buffer: usize,
    max_levels: usize,
}

impl BookSync {
    /// A machine with no book for an instrument of `scales`, with the default bounds.
    pub fn new(scales: Scales) -> Self {
        Self::with_bounds(scales, DEFAULT_MAX_BUFFER, DEFAULT_MAX_LEVELS)
    }

    /// A machine with no book, buffering at most `max_buffer` diffs and
    /// keeping at most `max_levels` levels a side.
    pub fn with_bounds(scales: Scales, max_buffer: usize, max_levels: usize) -> Self {
        Self {
            scales,
            book: None,
            buffer: VecDeque::new(),
            snapshot_requested: false,
            max_buffer: max_buffer.max(1),
            max_levels: max_levels.max(1),
        }
    }

    /// The scales this book's integers are counted in.
    pub fn scales(&self) -> &Scales {
        &self.scales
    }

    /// The live book, or `None` while syncing.
    pub fn book(&self) -> Option<&OrderBook> {
        self.book.as_ref()
    }

    /// Forgets everything, e.g. after a reconnect: the next diff starts over.
    pub fn reset(&mut self) {
        *self = Self::with_bounds(self.scales, self.max_buffer, self.max_levels);
    }

    /// Feeds one diff from the stream. Once live this neither allocates nor
    /// copies: the diff is applied from the caller's buffer. While syncing
    /// it is copied into the replay buffer.
    #[inline]
    pub fn on_diff(&mut self, diff: &DepthDiff) -> DiffOutcome {
        let Some(book) = self.book.as_mut() else {
            self.push_buffer(diff.clone());
            let request_snapshot = !self.snapshot_requested;
            self.snapshot_requested = true;
            return DiffOutcome::Buffered { request_snapshot };
        };
        match apply(book, diff) {
            Applied::Yes => match book.crossed() {
                None => DiffOutcome::Applied,
                Some((bid, ask)) => {
                    self.resync();
                    DiffOutcome::Crossed { bid, ask }
                }
            },
            Applied::Stale => DiffOutcome::Ignored,
            Applied::Gap { expected, got } => {
                self.resync();
                self.push_buffer(diff.clone());
                DiffOutcome::Gap { expected, got }
            }
        }
    }

    /// Drops the book and the buffer (bad data was seen) and marks a
    /// snapshot as requested: the driver fetches one, the next diff does not ask again.
    pub fn resync(&mut self) {
        self.book = None;
        self.buffer.clear();
        self.snapshot_requested = true;
    }

    /// Feeds the REST snapshot the machine asked for.
    pub fn on_snapshot(&mut self, snap: &DepthSnapshot) -> SnapshotOutcome {
        if self.book.is_some() {
            // Already live (a late answer to an old request): the stream is authoritative.
            return SnapshotOutcome::Synced { applied: 0 };
        }
        if let Some(first) = self.buffer.front()
            && snap.last_update_id < first.first_update_id
        {
            return SnapshotOutcome::TooOld {
                last_update_id: snap.last_update_id,
                first_buffered: first.first_update_id,
            };
        }
        self.buffer.retain(|d| d.final_update_id > snap.last_update_id);
        let mut book = OrderBook::from_snapshot(
            self.scales,
            snap.last_update_id,
            &snap.bids,
            &snap.asks,
            self.max_levels,
        );
        let mut applied: usize = 0;
        while let Some(diff) = self.buffer.front() {
            match apply(&mut book, diff) {
                Applied::Yes => applied = applied.saturating_add(1),
                Applied::Stale => {}
                Applied::Gap { expected, got } => return SnapshotOutcome::Gap { expected, got },
            }
            self.buffer.pop_front();
        }
        if let Some((bid, ask)) = book.crossed() {
            self.buffer.clear();
            return SnapshotOutcome::Crossed { bid, ask };
        }
        self.book = Some(book);
        self.snapshot_requested = false;
        SnapshotOutcome::Synced { applied }
    }

    fn push_buffer(&mut self, diff: DepthDiff) {
        if self.buffer.len() >= self.max_buffer {
            self.buffer.pop_front();
        }
        self.buffer.push_back(diff);
    }
}

enum Applied {
    Yes,
    Stale,
    Gap { expected: u64, got: u64 },
}

/// The update procedure: ignore if `u < local`; gap if `U > local + 1`; else apply.
fn apply(book: &mut OrderBook, diff: &DepthDiff) -> Applied {
    let local = book.update_id();
    if diff.final_update_id < local {
        return Applied::Stale;
    }
    let expected = local.saturating_add(1);
    if diff.first_update_id > expected {
        return Applied::Gap { expected, got: diff.first_update_id };
    }
    book.apply(&diff.bids, &diff.asks, diff.final_update_id);
    Applied::Yes
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
