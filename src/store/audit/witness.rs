//! `[audit] witness_command`: hands the signed head of the audit log (the
//! anchor: count, last tag, key kind, time, MAC) to a command of the
//! operator's choosing every so many entries and at shutdown, so heads can be
//! kept off this machine (mailed, copied to another host). That is the remedy
//! for the one attack the anchor cannot see: a rollback of the whole data dir
//! by someone with file access.
//!
//! The command runs without a shell, gets one JSON object on stdin, and is
//! never waited for by the caller: a hanging witness cannot stall the engine.

use std::io::Write;
use std::process::{Command, Stdio};

use super::anchor::Anchor;

/// The command and how often it is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    command: Vec<String>,
    every: u64,
}

impl Witness {
    /// A witness running `command` (program and arguments) every `every`
    /// entries; `None` when no command is configured.
    pub fn new(command: &[String], every: u64) -> Option<Self> {
        (!command.is_empty()).then(|| Self { command: command.to_vec(), every })
    }

    /// True when entry `seq` is one the witness sees.
    pub(super) fn due(&self, seq: u64) -> bool {
        self.every > 0 && seq.is_multiple_of(self.every)
    }

    /// Runs the command with `head` as JSON on stdin. Failures are logged,
    /// never raised: the log itself is already durable.
    pub(super) fn send(&self, head: &Anchor) {
        let Some((program, args)) = self.command.split_first() else { return };
        let json = match serde_json::to_vec(head) {
            Ok(json) => json,
            Err(err) => return tracing::warn!(%err, "audit witness: cannot encode the head"),
        };
        let spawned = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(err) => return tracing::warn!(%err, program, "audit witness: cannot start the command"),
        };
        // A few hundred bytes fit in any pipe buffer: this write does not block.
        if let Some(mut stdin) = child.stdin.take()
            && let Err(err) = stdin.write_all(&json)
        {
            tracing::warn!(%err, program, "audit witness: cannot write the head");
        }
        // Reaped off the caller's thread, so a slow witness never holds it up.
        std::thread::spawn(move || match child.wait() {
            Ok(status) if !status.success() => tracing::warn!(%status, "audit witness command failed"),
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "audit witness: cannot wait for the command"),
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::audit::key::AuditKey;
    use crate::store::audit::tag::GENESIS;

    #[test]
    fn the_command_gets_the_signed_head_on_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("head.json");
        let script = format!("cat > {}", out.display());
        let witness = Witness::new(&["sh".into(), "-c".into(), script], 10).unwrap();
        assert!(witness.due(20) && !witness.due(21) && !Witness { every: 0, ..witness.clone() }.due(0));
        let key = AuditKey::from_vault(secrecy::SecretBox::new(Box::new([3; 32])));
        let head = Anchor::new(&key, 20, GENESIS, 1_700_000_000_000);
        witness.send(&head);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::fs::read(&out).map_or(true, |b| b.is_empty()) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let got: Anchor = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(got, head);
        assert!(got.is_authentic(&key));
        assert!(Witness::new(&[], 10).is_none());
    }
}
