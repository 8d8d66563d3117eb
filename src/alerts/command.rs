//! `[alerts] command`: runs the operator's program, without a shell, with the
//! alert as one JSON object on stdin. Its output is discarded; a non-zero
//! exit or a run longer than [`COMMAND_TIMEOUT`] is a failed attempt (the
//! program is killed), tried again by the delivery loop.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use tokio::process::Command;

use super::deliver::{Failure, Sink};

/// Longest one run may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// The program and its arguments.
#[derive(Debug, Clone)]
pub struct CommandSink {
    program: String,
    args: Vec<String>,
    timeout: Duration,
}

impl CommandSink {
    /// `None` for an empty command.
    pub fn new(command: &[String], timeout: Duration) -> Option<Self> {
        let (program, args) = command.split_first()?;
        Some(Self { program: program.clone(), args: args.to_vec(), timeout })
    }

    async fn run_once(&self, body: &[u8]) -> Result<(), Failure> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Failure {
                reason: format!("cannot start {}: {e}", self.program),
                // A missing or non-executable program stays that way.
                retry: !matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
                ),
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A program that exits without reading is its own business: its exit status decides.
            let _ = stdin.write_all(body).await;
            let _ = stdin.write_all(b"\n").await;
        }
        let status = child
            .wait()
            .await
            .map_err(|e| Failure { reason: format!("waiting for it: {e}"), retry: true })?;
        if status.success() {
            Ok(())
        } else {
            Err(Failure { reason: format!("it exited with {status}"), retry: true })
        }
    }
}

impl Sink for CommandSink {
    fn name(&self) -> String {
        format!("command {}", self.program)
    }

    async fn deliver(&self, body: &[u8]) -> Result<(), Failure> {
        // Dropping the run on timeout drops the child, which kills it (kill_on_drop).
        match tokio::time::timeout(self.timeout, self.run_once(body)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure {
                reason: format!("no exit within {} s: killed", self.timeout.as_secs()),
                retry: true,
            }),
        }
    }
}
