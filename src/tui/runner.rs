//! The one loop: wait for input, engine snapshots, engine events or command answers; update
//! state; draw when something changed, at most ~30 times a second, and at most 10 times a
//! second when only market data moved (keys, engine answers and account changes still draw
//! within [`FRAME_INTERVAL`]; see ARCHITECTURE.md, "The frame budget", for the measurement
//! behind the cap). With nothing happening it sleeps in `select!` (no timer-driven redraws;
//! a 1 s tick only while a notice is showing).

use std::future::Future;
use std::io;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep, sleep_until};

use super::app::App;
use super::config::TuiOptions;
use super::error::TuiError;
use super::terminal::{TerminalGuard, stop_signal};
use crate::engine::EngineHandle;

/// Minimum time between two frames (~30 fps).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// Minimum time between two frames that only show market data moving (10 fps). Both are
/// leading-edge: the first change after a quiet spell is drawn at once.
pub const MARKET_FRAME_INTERVAL: Duration = Duration::from_millis(100);
const TICK: Duration = Duration::from_secs(1);

/// Runs the workstation on the real terminal until the person quits or a stop signal
/// arrives; sends `Command::Shutdown` on the way out. Theme and key bindings are resolved
/// *before* the terminal is touched, so a config error prints as a normal error.
pub async fn run(handle: EngineHandle, options: TuiOptions) -> Result<(), TuiError> {
    let mut app = App::new(handle, &options)?;
    // BEL moves no cursor and draws nothing: it cannot disturb the frame.
    app.set_ringer(Box::new(|| {
        use std::io::Write as _;
        let mut out = io::stdout();
        let _ = out.write_all(b"\x07").and_then(|()| out.flush());
    }));
    let stop = stop_signal()?;
    let mut guard = TerminalGuard::enter()?;
    let result = run_loop(&mut guard.terminal, app, EventStream::new(), stop).await;
    drop(guard);
    result.map(drop)
}

/// The loop itself, over any backend and input stream, so tests drive it with a
/// `TestBackend` and scripted keys. Returns the app when it quits (for inspection).
pub async fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    mut app: App,
    mut input: impl Stream<Item = io::Result<TermEvent>> + Unpin,
    stop: impl Future<Output = ()>,
) -> Result<App, TuiError> {
    let mut snapshots = app.handle.watch();
    let mut events = app.handle.events();
    snapshots.borrow_and_update();
    app.refresh_snapshot();
    let (mut snapshots_open, mut events_open) = (true, true);
    let mut stop = std::pin::pin!(stop);
    // `dirty`: something on screen changed; `urgent`: something other than market data did.
    let (mut dirty, mut urgent) = (true, true);
    let mut last_draw: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let interval = if urgent { FRAME_INTERVAL } else { MARKET_FRAME_INTERVAL };
        if dirty && last_draw.is_none_or(|t| now.duration_since(t) >= interval) {
            terminal
                .draw(|frame| app.draw(frame))
                .map_err(|e| TuiError::Terminal(io::Error::other(e.to_string())))?;
            (dirty, urgent) = (false, false);
            last_draw = Some(now);
        }
        app.ring_if_due();
        if app.should_quit() {
            return Ok(app);
        }
        let interval = if urgent { FRAME_INTERVAL } else { MARKET_FRAME_INTERVAL };
        let redraw_at = last_draw.filter(|_| dirty).map(|t| t + interval);
        let bell_at = app.bell_deadline().map(Instant::from_std);
        // Priority: stop; engine events and command answers (rare) before keys, so a key is
        // read against the latest verdicts; keys (human rate) before snapshots, so a busy
        // feed can never starve the keyboard (snapshots coalesce in the watch channel).
        tokio::select! {
            biased;
            () = &mut stop => app.quit_now(),
            event = events.recv(), if events_open => match event {
                Ok(event) => { app.on_engine_event(event); (dirty, urgent) = (true, true); }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => events_open = false,
            },
            Some(msg) = app.next_reply(), if app.awaiting_replies() => { app.on_msg(msg); (dirty, urgent) = (true, true); }
            event = input.next() => match event {
                Some(Ok(TermEvent::Key(key))) => { app.on_key(key); (dirty, urgent) = (true, true); }
                Some(Ok(TermEvent::Resize(..))) => (dirty, urgent) = (true, true),
                Some(Ok(_)) => {}
                Some(Err(err)) => { app.quit_now(); return Err(TuiError::Terminal(err)); }
                // stdin closed: nobody can drive the screen any more.
                None => app.quit_now(),
            },
            changed = snapshots.changed(), if snapshots_open => {
                if changed.is_ok() {
                    snapshots.borrow_and_update();
                    urgent |= app.refresh_and_compare();
                } else {
                    snapshots_open = false;
                    app.on_engine_gone();
                    urgent = true;
                }
                dirty = true;
            }
            () = sleep_until(redraw_at.unwrap_or(now)), if redraw_at.is_some() => {}
            () = sleep(TICK), if app.needs_tick() => {
                if app.expire_notice(std::time::Instant::now()) {
                    (dirty, urgent) = (true, true);
                }
            }
            () = sleep_until(bell_at.unwrap_or(now)), if bell_at.is_some() => app.poll_bell(),
        }
    }
}
