//! `vigil audit verify|show`: check the HMAC chain of the audit log, or print
//! it. Both read `<data-dir>/state`; neither writes to it (verify never
//! "repairs" a log: a broken chain is evidence).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::DateTime;

use super::Context;
use super::audit_line::describe;
use super::prompt::UnlockArgs;
use super::stored::utc;
use super::table::{Column, Layout};
use super::trading::runtime;
use crate::domain::TimestampMs;
use crate::engine::{AUDIT_PAGE_MAX, Command as EngineCommand};
use crate::store::{
    Actor, AuditEntry, AuditKey, AuditKind, AuditLog, AuditReader, DB_DIR_NAME, KeyKind, SledBackend,
};

/// The columns of `audit show`: the last one is the entry as a sentence.
const COLUMNS: [Column; 5] = [
    Column::left("TIME (UTC)"),
    Column::right("SEQ"),
    Column::left("KIND"),
    Column::left("ACTOR"),
    Column::left("WHAT"),
];

/// `vigil audit` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check every entry's HMAC link and the head; exit 1 naming the first bad entry.
    /// A log signed by the vault key needs the keystore unlocked.
    Verify {
        #[command(flatten)]
        unlock: UnlockArgs,
    },
    /// Print entries (oldest first) as a table, one readable line each: time
    /// (UTC), seq, kind, actor, and what happened (a refused order names its
    /// failing checks); --json prints them as stored
    Show(ShowArgs),
    /// Accept the log as it is now after `verify` reported a problem with its
    /// anchor (you restored an older state dir on purpose, say): checks the
    /// chain, records that a person re-anchored it and why, and writes a new
    /// anchor. A broken chain cannot be re-anchored.
    Reanchor {
        /// Why: recorded in the audit log
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
}

/// Options of `vigil audit show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Only entries at or after T (RFC 3339, e.g. 2026-01-31T09:00:00Z, or unix milliseconds)
    #[arg(long, value_name = "T", value_parser = parse_since)]
    pub since: Option<TimestampMs>,
    /// Print at most N entries (the first N that match)
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// One JSON object per line, exactly as stored (body, tags and all)
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(cmd: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    let state_dir = ctx.state_dir();
    if !state_dir.join(DB_DIR_NAME).is_dir() {
        // No database, but an anchor that counted entries: the log was removed.
        if let Some(anchor) = crate::store::audit::read_anchor(&crate::store::audit::anchor_path(&state_dir))?
        {
            let problem = crate::store::Problem::BelowAnchor { anchor: anchor.seq, found: 0 };
            println!("audit log FAILED: {problem} ({} is missing)", state_dir.join(DB_DIR_NAME).display());
            return Ok(ExitCode::FAILURE);
        }
        anyhow::bail!("no audit log in {} (nothing has been recorded yet)", state_dir.display());
    }
    if let Some(code) = runtime()?.block_on(through_engine(ctx, &cmd))? {
        return Ok(code);
    }
    if let Command::Reanchor { reason, unlock } = cmd {
        return reanchor(ctx, &reason, &unlock);
    }
    // A private copy: verifying or showing never writes to (or repairs) the log.
    let copy = SledBackend::open_copy(&state_dir)
        .with_context(|| format!("reading the state in {}", state_dir.display()))?;
    let reader = AuditReader::new(copy.backend());
    match cmd {
        Command::Verify { unlock } => verify(&reader, ctx, &unlock),
        Command::Show(args) => show(&reader, &args, ctx),
        Command::Reanchor { .. } => Ok(ExitCode::FAILURE),
    }
}

/// `verify` and `show` while an engine runs: it holds the log open (sled
/// lets one process in), so it reads and checks it, with the key it signs
/// with. `None` when no engine runs.
async fn through_engine(ctx: &Context, cmd: &Command) -> anyhow::Result<Option<ExitCode>> {
    let Some(remote) = super::remote::observe(ctx, "vigil audit").await? else { return Ok(None) };
    let handle = remote.handle.clone();
    let code = match cmd {
        Command::Verify { .. } => {
            let check = handle.request(|reply| EngineCommand::AuditVerify { reply }).await?;
            match check.problem {
                None => {
                    println!(
                        "audit log OK: {} entries, head {} (checked by the running engine)",
                        check.entries, check.head
                    );
                    ExitCode::SUCCESS
                }
                Some(problem) => {
                    println!("audit log FAILED: {problem} ({} entries verified before it)", check.entries);
                    ExitCode::FAILURE
                }
            }
        }
        Command::Show(args) => {
            let since = args.since.unwrap_or(TimestampMs::MIN);
            let limit = args.limit.unwrap_or(usize::MAX);
            let mut entries = Vec::new();
            let mut after = 0;
            while entries.len() < limit {
                let page = handle
                    .request(|reply| EngineCommand::AuditPage { after, max: AUDIT_PAGE_MAX, reply })
                    .await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                entries.extend(page.into_iter().filter(|e| e.ts_ms >= since));
            }
            entries.truncate(limit);
            print_entries(|| anyhow::Ok(entries.iter().cloned().map(Ok)), args.json)?
        }
        Command::Reanchor { .. } => {
            remote.detach().await;
            anyhow::bail!("an engine is running on this data dir: stop it before re-anchoring its audit log");
        }
    };
    remote.detach().await;
    Ok(Some(code))
}

/// `vigil audit reanchor`: the one command that accepts a log its anchor
/// disagrees with. It opens the real database (writing), so it asks for a
/// reason and refuses a broken chain.
fn reanchor(ctx: &Context, reason: &str, unlock: &UnlockArgs) -> anyhow::Result<ExitCode> {
    let state_dir = ctx.state_dir();
    // Judged on a private copy first: opening a damaged original read-write
    // would let sled's recovery cut a broken chain into a clean, shorter one.
    let copy = SledBackend::open_copy(&state_dir)
        .with_context(|| format!("reading the state in {}", state_dir.display()))?;
    let reader = AuditReader::new(copy.backend());
    let kind = reader.meta()?.map_or(KeyKind::Install, |m| m.key_kind);
    let key = audit_key(ctx, kind, unlock)?;
    let report = reader.verify_anchored(&key, &state_dir)?;
    let problem = match report.problem {
        None => {
            println!("audit log OK: {} entries; nothing to re-anchor", report.entries);
            return Ok(ExitCode::SUCCESS);
        }
        Some(p) if !p.is_anchor_problem() => {
            println!("audit log FAILED: {p}: a broken chain cannot be re-anchored");
            return Ok(ExitCode::FAILURE);
        }
        Some(p) => p,
    };
    let entries = report.entries;
    drop(copy);
    let store = crate::store::Store::open(&state_dir)
        .with_context(|| format!("opening the state in {} (is vigil running?)", state_dir.display()))?;
    let clock: std::sync::Arc<dyn crate::clock::Clock> = std::sync::Arc::new(crate::clock::SystemClock);
    let mut log = AuditLog::with_backend(store.backend(), key, clock)?;
    if log.len() != entries {
        anyhow::bail!(
            "the database read back {} entries where its copy had {entries}: not re-anchored; restore a backup",
            log.len()
        );
    }
    let body = serde_json::json!({ "text": "re-anchored by a person", "problem": problem.to_string(), "reason": reason });
    log.append(AuditKind::Note, Actor::Person, body)?;
    let log = log.reanchor(&state_dir)?;
    println!("re-anchored at {} entries (the problem and your reason are in the log)", log.len());
    Ok(ExitCode::SUCCESS)
}

/// The key that signs the log: the per-install key file, or the key derived
/// from the vault's data key (which takes an unlock: passphrase and code).
fn audit_key(ctx: &Context, kind: KeyKind, unlock: &UnlockArgs) -> anyhow::Result<AuditKey> {
    match kind {
        KeyKind::Install => {
            AuditKey::load_install_key(&ctx.state_dir()).context("loading the install audit key")
        }
        KeyKind::Vault => {
            let vault = super::unlock::unlock(ctx, unlock)
                .context("this audit log is signed by the vault key: verifying it needs the keystore")?;
            Ok(AuditKey::from_vault(vault.audit_key()))
        }
    }
}

fn verify(reader: &AuditReader<'_>, ctx: &Context, unlock: &UnlockArgs) -> anyhow::Result<ExitCode> {
    let kind = reader.meta()?.map(|meta| meta.key_kind);
    let mut out = std::io::stdout().lock();
    if kind.is_none() && reader.entries()?.next().is_none() {
        // No key to check an anchor's MAC with, but an anchor that counted
        // entries says this log was emptied.
        let anchor = crate::store::audit::read_anchor(&crate::store::audit::anchor_path(&ctx.state_dir()))?;
        if let Some(anchor) = anchor.filter(|a| a.seq > 0) {
            let problem = crate::store::Problem::BelowAnchor { anchor: anchor.seq, found: 0 };
            writeln!(out, "audit log FAILED: {problem}")?;
            return Ok(ExitCode::FAILURE);
        }
        writeln!(out, "audit log OK: 0 entries (empty)")?;
        return Ok(ExitCode::SUCCESS);
    }
    if kind == Some(KeyKind::Install) && vigil_keystore::Keystore::exists(&ctx.keystore_dir()) {
        writeln!(out, "audit log FAILED: {}", crate::store::Problem::InstallKeyedWithKeystore)?;
        return Ok(ExitCode::FAILURE);
    }
    let key = audit_key(ctx, kind.unwrap_or(KeyKind::Install), unlock)?;
    let report = reader.verify_anchored(&key, &ctx.state_dir())?;
    match report.problem {
        None => {
            writeln!(out, "audit log OK: {} entries, head {}", report.entries, report.head.short())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(problem) => {
            writeln!(out, "audit log FAILED: {problem} ({} entries verified before it)", report.entries)?;
            Ok(ExitCode::FAILURE)
        }
    }
}

fn show(reader: &AuditReader<'_>, args: &ShowArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    // The anchor needs the key to be trusted, but its count alone says when
    // entries are missing: say so before listing what is left.
    let anchor = crate::store::audit::read_anchor(&crate::store::audit::anchor_path(&ctx.state_dir()))?;
    let count = reader.entries()?.count();
    if let Some(anchor) = anchor.filter(|a| a.seq > u64::try_from(count).unwrap_or(u64::MAX)) {
        eprintln!(
            "warning: the log holds {count} entries but its anchor records {}: run `vigil audit verify`",
            anchor.seq
        );
    }
    let since = args.since.unwrap_or(TimestampMs::MIN);
    // The filtered entries, read afresh on each call (the copy does not change).
    let selected = || -> anyhow::Result<_> {
        let entries = reader.entries()?.filter(move |e| e.as_ref().map_or(true, |e| e.ts_ms >= since));
        Ok(entries
            .take(args.limit.unwrap_or(usize::MAX))
            .map(|e| e.context("reading the audit log (run `vigil audit verify`)")))
    };
    print_entries(selected, args.json)
}

/// Prints the entries `selected` yields (called twice for a table: once to
/// measure the columns, once to print), or one JSON line per entry.
fn print_entries<I: Iterator<Item = anyhow::Result<AuditEntry>>>(
    selected: impl Fn() -> anyhow::Result<I>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if json {
        for entry in selected()? {
            if !print_line(&mut out, &serde_json::to_string(&entry?)?)? {
                return Ok(ExitCode::SUCCESS);
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Measured in one pass and printed in a second, so a long log is never
    // held in memory and its columns still line up.
    let mut layout = Layout::new(COLUMNS);
    for entry in selected()? {
        layout.fit(&row(&entry?));
    }
    if !print_line(&mut out, &layout.header())? {
        return Ok(ExitCode::SUCCESS);
    }
    for entry in selected()? {
        if !print_line(&mut out, &layout.line(&row(&entry?)))? {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one line; `false` when the reader has gone (`vigil audit show |
/// head` closes the pipe early, which is not a failure).
fn print_line(out: &mut impl Write, line: &str) -> anyhow::Result<bool> {
    match writeln!(out, "{line}") {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(err) => Err(err.into()),
    }
}

fn row(entry: &AuditEntry) -> [String; 5] {
    [
        utc(entry.ts_ms),
        format!("#{}", entry.seq),
        entry.kind.to_string(),
        entry.actor.to_string(),
        describe(entry),
    ]
}

/// `--since`: unix milliseconds or an RFC 3339 timestamp.
fn parse_since(raw: &str) -> Result<TimestampMs, String> {
    if let Ok(ms) = raw.parse::<TimestampMs>() {
        return Ok(ms);
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("{raw:?} is neither unix milliseconds nor RFC 3339 (2026-01-31T09:00:00Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_millis_and_rfc3339() {
        assert_eq!(parse_since("1700000000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_since("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert_eq!(parse_since("2023-11-14T23:13:20+01:00"), Ok(1_700_000_000_000));
        assert!(parse_since("yesterday").is_err());
    }
}
