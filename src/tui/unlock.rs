//! The unlock screen: passphrase and second factor (a TOTP code or a recovery code; both
//! only ever drawn as dots, since a recovery code is as secret as the passphrase). The
//! attempt runs on a blocking thread (Argon2 takes a while) behind a spinner; failures show
//! the keystore's message and its growing delay. The keystore itself is a callback, so this
//! module knows nothing about it.
//!
//! Text entry owns every printable key here, so the bindings are fixed: enter submits, tab
//! switches field, backspace deletes, esc / ctrl-c leaves.

use std::future::Future;
use std::io;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures_util::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::{Frame, Terminal};
use secrecy::SecretString;
use tokio::time::{Instant, sleep};
use zeroize::Zeroizing;

use super::config::TuiOptions;
use super::error::TuiError;
use super::terminal::{TerminalGuard, stop_signal};
use super::theme::Theme;

/// Longest second factor accepted: a recovery code with a few stray spaces.
const MAX_CODE_CHARS: usize = 16;

/// Why an unlock attempt failed, as the keystore says it, and how long to wait before the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlockFailure {
    pub message: String,
    pub retry_after: Option<Duration>,
}

/// What a key press on the unlock screen asks for.
pub enum UnlockInput {
    /// Try these credentials: the passphrase and the typed second factor.
    Submit(SecretString, SecretString),
    /// Leave without unlocking.
    Quit,
    /// Nothing to do beyond redrawing.
    Redraw,
}

/// The unlock screen's state.
pub struct UnlockScreen {
    pub(crate) theme: Theme,
    passphrase: Zeroizing<String>,
    code: Zeroizing<String>,
    pub(crate) on_totp: bool,
    pub(crate) busy: bool,
    pub(crate) spinner: usize,
    pub(crate) error: Option<String>,
    pub(crate) failures: u32,
    retry_at: Option<Instant>,
    pub(crate) retry_left_s: u64,
}

impl UnlockScreen {
    /// An empty form.
    pub fn new(theme: Theme) -> Self {
        Self {
            theme,
            passphrase: Zeroizing::new(String::new()),
            code: Zeroizing::new(String::new()),
            on_totp: false,
            busy: false,
            spinner: 0,
            error: None,
            failures: 0,
            retry_at: None,
            retry_left_s: 0,
        }
    }

    /// How many characters the passphrase has (all the screen ever shows of it).
    pub fn passphrase_len(&self) -> usize {
        self.passphrase.chars().count()
    }

    /// How many characters of the second factor were typed (all the screen shows of it).
    pub fn code_len(&self) -> usize {
        self.code.chars().count()
    }

    /// Handles a key; returns what the loop should do.
    pub fn on_key(&mut self, key: KeyEvent) -> UnlockInput {
        if key.kind == KeyEventKind::Release {
            return UnlockInput::Redraw;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return UnlockInput::Quit,
            KeyCode::Char('c') if ctrl => return UnlockInput::Quit,
            _ if self.busy => {}
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => self.on_totp = !self.on_totp,
            KeyCode::Backspace => {
                if self.on_totp {
                    self.code.pop();
                } else {
                    self.passphrase.pop();
                }
            }
            KeyCode::Enter if !self.on_totp && !self.passphrase.is_empty() => self.on_totp = true,
            KeyCode::Enter => return self.submit(),
            KeyCode::Char(c) if !ctrl => {
                if self.on_totp {
                    // Six digits, or a recovery code: xxxxx-xxxxx (spaces forgiven).
                    if (c.is_ascii_alphanumeric() || c == '-' || c == ' ') && self.code.len() < MAX_CODE_CHARS
                    {
                        self.code.push(c);
                    }
                } else {
                    self.passphrase.push(c);
                }
            }
            _ => {}
        }
        UnlockInput::Redraw
    }

    fn submit(&mut self) -> UnlockInput {
        if self.retry_left_s > 0 {
            self.error = Some(format!("wait {}s before trying again", self.retry_left_s));
        } else if self.passphrase.is_empty() {
            self.error = Some("enter your passphrase".into());
            self.on_totp = false;
        } else if self.code.trim().is_empty() {
            self.error = Some("enter the code from your authenticator (or a recovery code)".into());
        } else {
            self.busy = true;
            self.error = None;
            // Moved, not copied: the typed buffer becomes the secret.
            let passphrase = SecretString::from(std::mem::take(&mut *self.passphrase));
            let code = SecretString::from(std::mem::take(&mut *self.code));
            self.on_totp = false;
            return UnlockInput::Submit(passphrase, code);
        }
        UnlockInput::Redraw
    }

    /// Records a failed attempt and starts its delay.
    pub fn failed(&mut self, failure: UnlockFailure, now: Instant) {
        self.busy = false;
        self.failures += 1;
        self.error = Some(failure.message);
        self.retry_at = failure.retry_after.map(|d| now + d);
        self.tick(now);
    }

    /// Advances the spinner and the retry countdown.
    pub fn tick(&mut self, now: Instant) {
        if self.busy {
            self.spinner = self.spinner.wrapping_add(1);
        }
        self.retry_left_s = match self.retry_at {
            Some(at) if at > now => (at - now).as_secs_f64().ceil() as u64,
            _ => {
                self.retry_at = None;
                0
            }
        };
    }

    /// True while something changes with time alone.
    pub fn needs_tick(&self) -> bool {
        self.busy || self.retry_at.is_some()
    }

    /// Draws the form.
    pub fn draw(&self, frame: &mut Frame) {
        super::views::unlock::draw(self, frame);
    }
}

/// Shows the unlock screen until `attempt` succeeds (returns `Some`) or the person leaves
/// (`None`). `attempt` runs on a blocking thread; it gets the passphrase as a secret.
pub async fn run_unlock<T, F>(options: &TuiOptions, attempt: F) -> Result<Option<T>, TuiError>
where
    T: Send + 'static,
    F: FnMut(SecretString, SecretString) -> Result<T, UnlockFailure> + Send + 'static,
{
    let theme_name = if options.theme.is_empty() { "dark" } else { &options.theme };
    let screen = UnlockScreen::new(Theme::load(theme_name, options.themes_dir.as_deref(), options.no_color)?);
    let stop = stop_signal()?;
    let mut guard = TerminalGuard::enter()?;
    let result = unlock_loop(&mut guard.terminal, screen, EventStream::new(), stop, attempt).await;
    drop(guard);
    result
}

/// The unlock loop over any backend and input, for tests.
pub async fn unlock_loop<B, T, F>(
    terminal: &mut Terminal<B>,
    mut screen: UnlockScreen,
    mut input: impl Stream<Item = io::Result<TermEvent>> + Unpin,
    stop: impl Future<Output = ()>,
    attempt: F,
) -> Result<Option<T>, TuiError>
where
    B: Backend,
    T: Send + 'static,
    F: FnMut(SecretString, SecretString) -> Result<T, UnlockFailure> + Send + 'static,
{
    let mut attempt = Some(attempt);
    let mut job: Option<tokio::task::JoinHandle<(F, Result<T, UnlockFailure>)>> = None;
    let mut stop = std::pin::pin!(stop);
    loop {
        terminal.draw(|f| screen.draw(f)).map_err(|e| TuiError::Terminal(io::Error::other(e.to_string())))?;
        tokio::select! {
            biased;
            () = &mut stop => return Ok(None),
            event = input.next() => match event {
                Some(Ok(TermEvent::Key(key))) => match screen.on_key(key) {
                    UnlockInput::Quit => return Ok(None),
                    UnlockInput::Submit(passphrase, code) => {
                        if let Some(mut f) = attempt.take() {
                            job = Some(tokio::task::spawn_blocking(move || {
                                let result = f(passphrase, code);
                                (f, result)
                            }));
                        }
                    }
                    UnlockInput::Redraw => {}
                },
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(TuiError::Terminal(err)),
                None => return Ok(None),
            },
            joined = async {
                match job.as_mut() {
                    Some(running) => running.await,
                    None => std::future::pending().await,
                }
            }, if job.is_some() => {
                job = None;
                match joined {
                    Ok((_, Ok(value))) => return Ok(Some(value)),
                    Ok((f, Err(failure))) => {
                        attempt = Some(f);
                        screen.failed(failure, Instant::now());
                    }
                    Err(err) => return Err(TuiError::UnlockAttempt(err.to_string())),
                }
            }
            () = sleep(Duration::from_millis(100)), if screen.needs_tick() => screen.tick(Instant::now()),
        }
    }
}
