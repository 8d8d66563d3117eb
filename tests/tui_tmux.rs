//! The workstation in a real terminal: tmux runs `vigil demo` (paper, and
//! `--venue live` against the simulator's test account) at 80x24, the
//! test types a market order, sees the live checks and the confirmation
//! modal, confirms, sees the fill on screen, resizes to 200x50 and quits.
//! tmux is required (CI installs it); its absence is a failure, not a skip.
#![allow(clippy::unwrap_used)]

#[path = "support/tmux.rs"]
mod tmux;
use tmux::Tmux;

#[test]
fn demo_order_round_trip_in_a_real_terminal() {
    round_trip("paper", "", "PAPER");
}

/// The live venue against the simulator's test account: signed orders, the
/// fill from the WebSocket API's user data stream, the same screens.
#[test]
fn live_demo_order_round_trip_in_a_real_terminal() {
    let screen = round_trip("live", "--venue live", "LIVE");
    assert!(!screen.contains("PAPER"), "{screen}");
}

/// Types a market buy in `vigil demo <args>` at 80x24, confirms it, sees the
/// fill, resizes, quits; returns the first screen.
fn round_trip(name: &str, args: &str, badge: &str) -> String {
    let data = tempfile::tempdir().unwrap();
    let tmux = Tmux { socket: format!("vigil-test-{name}-{}", std::process::id()) };
    let program = format!(
        "TERM=xterm-256color {} --data-dir {} demo {args}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_vigil"),
        data.path().display()
    );
    tmux.cmd(&["new-session", "-d", "-s", "vigil", "-x", "80", "-y", "24", &program]);

    let first = tmux.wait_for("the workstation with a synced book", |s| {
        s.contains(badge) && s.contains("connected") && s.contains("spread")
    });
    if badge == "LIVE" {
        assert!(first.contains("sim test key, no keystore"), "the screen says which key: {first}");
        tmux.wait_for("the venue armed (reconciled)", |s| {
            !s.contains("RECONCILING") && !s.contains("NO FILL")
        });
    }
    tmux.keys(&["b"]);
    tmux.wait_for("the buy ticket", |s| s.contains("BUY BTCUSDT"));
    // t: limit → market.
    tmux.keys(&["t", "0", ".", "0", "0", "1"]);
    let ticket = tmux
        .wait_for("live checks for a market order", |s| s.contains("[market]") && s.contains("21 checks"));
    assert!(ticket.contains("kill_switch") && ticket.contains("balance_available"), "{ticket}");

    tmux.keys(&["Enter"]);
    let modal = tmux.wait_for("the confirmation modal", |s| s.contains("Send this order?"));
    assert!(modal.contains("buy 0.001 BTCUSDT market"), "{modal}");
    assert!(modal.contains(&format!(" {badge} ")), "the confirmation names the venue: {modal}");
    assert!(!modal.contains("FAIL "), "no check should fail: {modal}");
    tmux.keys(&["y"]);

    tmux.keys(&["2"]);
    let portfolio = tmux.wait_for("the fill on screen", |s| s.contains("filled") && s.contains("taker"));
    assert!(portfolio.contains("BTCUSDT"), "{portfolio}");

    tmux.cmd(&["resize-window", "-t", "vigil", "-x", "200", "-y", "50"]);
    tmux.keys(&["1"]);
    let wide =
        tmux.wait_for("the full layout at 200x50", |s| s.contains("Events") && s.contains("Watchlist"));
    assert!(wide.lines().any(|l| l.chars().count() > 150), "uses the width:\n{wide}");

    tmux.keys(&["q"]);
    let end = tmux.wait_for("a clean exit", |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
    assert!(!end.contains("panicked"), "{end}");
    first
}

/// The workstation's views and an amend in a real terminal at 160x48: candles with a
/// timeframe switch, the tape, balances, a symbol added at runtime through the search, a
/// resting limit placed from the ticket and amended one tick up from the orders pane.
#[test]
fn demo_views_search_and_amend_in_a_real_terminal() {
    let data = tempfile::tempdir().unwrap();
    let tmux = Tmux { socket: format!("vigil-test-views-{}", std::process::id()) };
    let program = format!(
        "TERM=xterm-256color {} --data-dir {} demo; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_vigil"),
        data.path().display()
    );
    tmux.cmd(&["new-session", "-d", "-s", "vigil", "-x", "160", "-y", "48", &program]);
    let first = tmux.wait_for("candles, tape and balances", |s| {
        s.contains("BTCUSDT 1m")
            && s.contains("Tape BTCUSDT")
            && s.contains("Balances")
            && s.contains("spread")
    });
    assert!(first.contains("24h%"), "the watchlist's 24 h column: {first}");

    tmux.keys(&["]"]);
    tmux.wait_for("the 5m timeframe", |s| s.contains("BTCUSDT 5m"));

    tmux.keys(&["/", "s", "o", "l"]);
    tmux.wait_for("the symbol search", |s| s.contains("Add a symbol") && s.contains("SOLUSDT"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("SOLUSDT in the watchlist", |s| !s.contains("Add a symbol") && s.contains("SOLUSDT"));

    // A buy resting well under the market: quantity, then the price field cleared and typed.
    tmux.keys(&["b", "0", ".", "0", "0", "1", "Tab", "C-u", "6", "3", "0", "0", "0"]);
    tmux.wait_for("the ticket's checks", |s| s.contains("[63000.00▏]") || s.contains("[63000▏]"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the review", |s| s.contains("Send this order?"));
    tmux.keys(&["y"]);
    tmux.wait_for("the order resting", |s| s.contains("(1 open)"));

    tmux.keys(&["2", "e", "Up"]);
    tmux.wait_for("the amend ticket one tick up", |s| s.contains("AMEND #1") && s.contains("63000.01"));
    tmux.keys(&["Enter"]);
    let review = tmux.wait_for("the amend review", |s| s.contains("Amend this order?"));
    assert!(review.contains("#1 becomes: buy 0.001 BTCUSDT limit 63000.01"), "{review}");
    tmux.keys(&["y"]);
    tmux.wait_for("the replacement in the events", |s| s.contains("replaced by #2"));

    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| s.contains("Quit vigil?"));
    tmux.keys(&["y"]);
    let end = tmux.wait_for("a clean exit", |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
}
