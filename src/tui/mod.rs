//! The terminal workstation: a ratatui front end over [`EngineHandle`](crate::engine::EngineHandle).
//!
//! Shape (after gitui/yazi): one loop in [`runner`] drains typed inputs (keys, snapshots,
//! engine events, command answers), `update` changes state, and `views` draw it read-only,
//! at most ~30 times a second and only when something changed. Key bindings
//! ([`keymap`]) and colours ([`theme`]) are data; the help overlay is generated from the
//! bindings in force.
//!
//! Ticket flow: the ticket previews as you type; Enter opens a review modal with every check;
//! ONE `y` there is the person's confirmation: the screen sends `Submit` and, when the engine
//! answers `Pending { id }` (confirm mode), immediately `Confirm { id }` for that order only.
//! A failing check blocks the review, and the engine runs the gate again on both commands.
//!
//! Quit: `q` quits at once when nothing is open or pending and autonomous mode is off;
//! otherwise it asks first, saying what the shutdown will do (`[engine] on_shutdown`).
//! Either way `Command::Shutdown` is sent.

mod action;
mod app;
mod bell;
mod cells;
mod columns;
mod config;
mod error;
mod field;
mod format;
mod fuzzy;
mod key;
mod keymap;
mod memo;
mod modal;
mod runner;
mod search;
mod terminal;
mod theme;
mod ticket;
mod unlock;
mod update;
mod views;

pub use action::{Action, Mode};
pub use app::{App, AppMsg, Pane};
pub use config::{AutonomyDefaults, TuiConfig, TuiOptions, no_color_requested};
pub use error::TuiError;
pub use key::{KeySpec, KeySpecError};
pub use keymap::{Binding, BindingSpec, KeyOverrides, Keymap};
pub use runner::{FRAME_INTERVAL, run, run_loop};
pub use terminal::restore as restore_terminal;
pub use theme::{EMBEDDED as EMBEDDED_THEMES, Role, StyleSpec, Theme, ThemeFile};
pub use unlock::{UnlockFailure, UnlockInput, UnlockScreen, run_unlock, unlock_loop};
pub use views::FULL_LAYOUT_MIN;
