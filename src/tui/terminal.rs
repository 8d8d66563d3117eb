//! Terminal setup and teardown: raw mode + alternate screen in, and *always* back out — on
//! return, on drop, on panic (hook installed before the terminal is touched) and on
//! SIGTERM/SIGHUP/SIGINT (the loop stops and the guard drops).

use std::future::Future;
use std::io::{Stdout, stdout};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::error::TuiError;

/// The real terminal, restored when dropped.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    /// Installs the panic hook, then enters raw mode and the alternate screen.
    pub fn enter() -> Result<Self, TuiError> {
        install_panic_hook();
        enable_raw_mode()?;
        let entered = execute!(stdout(), EnterAlternateScreen)
            .and_then(|()| Terminal::new(CrosstermBackend::new(stdout())));
        match entered {
            Ok(terminal) => {
                set_screen_thread(Some(std::thread::current().id()));
                Ok(Self { terminal })
            }
            Err(err) => {
                restore();
                Err(err.into())
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        set_screen_thread(None);
        restore();
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor. Best effort: after a
/// SIGHUP the terminal may be gone, and there is nobody left to tell.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), LeaveAlternateScreen, Show);
}

/// The thread that draws the screen while a [`TerminalGuard`] is alive.
static SCREEN_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

/// Chains a terminal-restoring step in front of the existing panic hook, once per process.
///
/// Only a panic on the thread that draws restores the terminal. A panic on another
/// thread (the engine task on a runtime worker) leaves the screen running: its
/// supervisor records the reason, the screen shows it, and the message goes to the
/// log rather than being printed across the screen (restoring the terminal under a
/// running screen left it frozen and garbled).
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let screen = SCREEN_THREAD.lock().ok().and_then(|owner| *owner);
            if screen.is_some_and(|id| id != std::thread::current().id()) {
                tracing::error!(panic = %info, "a task panicked while the screen is up");
                return;
            }
            restore();
            previous(info);
        }));
    });
}

/// Records (or clears) the thread that owns the screen.
fn set_screen_thread(owner: Option<ThreadId>) {
    if let Ok(mut slot) = SCREEN_THREAD.lock() {
        *slot = owner;
    }
}

/// Resolves when the process is asked to stop (SIGTERM, SIGHUP when the SSH session drops,
/// SIGINT sent from outside; inside the TUI ctrl-c is a key).
pub fn stop_signal() -> Result<impl Future<Output = ()>, TuiError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(TuiError::Signal)?;
    let mut hup = signal(SignalKind::hangup()).map_err(TuiError::Signal)?;
    let mut int = signal(SignalKind::interrupt()).map_err(TuiError::Signal)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
        }
    })
}
