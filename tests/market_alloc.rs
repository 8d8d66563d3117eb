//! The depth hot path allocates nothing per message: once a book is live,
//! parsing a diff frame into the reused `DepthDiff` and applying it to the
//! fixed-point book makes no heap allocation at all. Checked with a counting
//! global allocator that counts only on the measuring thread.
#![allow(clippy::unwrap_used, unsafe_code)] // a GlobalAlloc impl is unsafe by definition

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use vigil::market::fixed::Scales;
use vigil::market::sync::{BookSync, DiffOutcome};
use vigil::market::wire::{DepthDiff, DepthSnapshot, Frame, parse_frame};

#[path = "../benches/support/depth_input.rs"]
mod depth_input;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the thread-locals may be gone while a thread shuts down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get().saturating_add(1)));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// bookkeeping touches only const-initialised thread-locals (no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn parse_and_apply_allocate_nothing_per_message() {
    // BTCUSDT: tick 0.01, step 0.00001.
    let scales = Scales::plain(2, 5);
    let mut sync = BookSync::new(scales);
    let mut diff = DepthDiff::default();
    let Ok(Frame::Depth { .. }) = parse_frame(&depth_input::first_frame(), &scales, &mut diff) else {
        panic!("first frame")
    };
    sync.on_diff(&diff);
    sync.on_snapshot(&DepthSnapshot::parse(&depth_input::snapshot_body(), &scales, 1000).unwrap());
    let messages = depth_input::messages(5_000);
    // One message first, so the reused diff has grown to a frame's levels.
    let (warm, rest) = messages.split_first().unwrap();
    assert!(matches!(parse_frame(warm, &scales, &mut diff), Ok(Frame::Depth { .. })));
    assert_eq!(sync.on_diff(&diff), DiffOutcome::Applied);

    let mut applied = 0u64;
    let n = allocations(|| {
        for m in rest {
            let parsed = parse_frame(m, &scales, &mut diff);
            if matches!(parsed, Ok(Frame::Depth { .. })) && sync.on_diff(&diff) == DiffOutcome::Applied {
                applied += 1;
            }
        }
    });
    assert_eq!(applied, rest.len() as u64, "every message parsed and applied");
    assert_eq!(n, 0, "{n} allocations for {} messages", rest.len());

    // The counter works: the same loop with a fresh diff per message allocates.
    let fresh = allocations(|| {
        for m in rest.iter().take(10) {
            let _ = parse_frame(m, &scales, &mut DepthDiff::default());
        }
    });
    assert!(fresh >= 10, "counting allocator saw {fresh} allocations");
}
