#!/usr/bin/env bash
# Supply-chain gate: `cargo deny --offline check` (advisories, bans, licenses, sources)
# against the committed deny.toml and a dated offline snapshot of the RustSec advisory
# database. Run by .ci/run; runs the same on a developer's machine.
#
# The snapshot is not fetched (no network here): it is the read-only copy in the project's
# shared/ directory, which CI lays beside the clean clone (../shared/advisory-db) and which a
# developer's worktree finds a level or two further up. VIGIL_ADVISORY_DB=DIR names another.
# cargo-deny reads a database only as a git checkout named after its URL, so the snapshot is
# copied to $VIGIL_ADVISORY_DBS (default target/advisory-dbs), committed once with the
# snapshot's own date and HEAD's mtime set to it: cargo-deny's staleness check
# (`maximum-db-staleness` in deny.toml) then measures the snapshot's real age, not the copy's.
# Updating the snapshot: README.md, "Supply chain".
set -euo pipefail
cd "$(dirname "$0")/.."

# The directory cargo-deny derives from the default database URL (see SNAPSHOT.md).
readonly DB_DIR_NAME="advisory-db-3157b0e258782691"
# Older than this, the run says the snapshot is stale (deny.toml fails it at 365 days).
readonly WARN_AFTER_DAYS=90

find_snapshot() {
  if [ -n "${VIGIL_ADVISORY_DB:-}" ]; then
    echo "$VIGIL_ADVISORY_DB"
    return
  fi
  local common
  common="$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
  for dir in .. ../.. ../../.. ${common:+"$common/../.."}; do
    if [ -f "$dir/shared/advisory-db/SNAPSHOT.md" ]; then
      (cd "$dir/shared/advisory-db" && pwd)
      return
    fi
  done
}

source_db="$(find_snapshot)"
if [ -z "$source_db" ] || [ ! -d "$source_db/crates" ]; then
  echo "deny.sh: no advisory database snapshot found (looked for shared/advisory-db beside and above" >&2
  echo "deny.sh: this checkout; set VIGIL_ADVISORY_DB=DIR to name one). The supply-chain gate cannot run." >&2
  exit 1
fi

snapshot_date="$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$source_db/SNAPSHOT.md" | head -1)"
snapshot_commit="$(grep -oE '[0-9a-f]{40}' "$source_db/SNAPSHOT.md" | head -1)"
if [ -z "$snapshot_date" ] || [ -z "$snapshot_commit" ]; then
  echo "deny.sh: $source_db/SNAPSHOT.md does not name the upstream commit and its date" >&2
  exit 1
fi

dbs="${VIGIL_ADVISORY_DBS:-target/advisory-dbs}"
db="$dbs/$DB_DIR_NAME"
marker="$snapshot_commit $snapshot_date"
if [ "$(cat "$dbs/.snapshot" 2>/dev/null || true)" != "$marker" ]; then
  rm -rf "$db"
  mkdir -p "$db"
  cp -R "$source_db"/. "$db"/
  chmod -R u+w "$db"
  (
    cd "$db"
    export GIT_AUTHOR_DATE="${snapshot_date}T00:00:00Z" GIT_COMMITTER_DATE="${snapshot_date}T00:00:00Z"
    git init -q -b main .
    git add -A
    git -c user.name="advisory-db snapshot" -c user.email="snapshot@invalid" -c commit.gpgsign=false \
      commit -q -m "RustSec advisory-db $snapshot_commit ($snapshot_date)"
    touch -d "${snapshot_date}T00:00:00Z" .git/HEAD
  )
  echo "$marker" >"$dbs/.snapshot"
fi

age_days=$(( ($(date -u +%s) - $(date -u -d "$snapshot_date" +%s)) / 86400 ))
echo "advisory database: RustSec snapshot $snapshot_commit of $snapshot_date ($age_days days old), from $source_db"
if [ "$age_days" -gt "$WARN_AFTER_DAYS" ]; then
  echo "WARNING: the advisory database snapshot is stale ($age_days days > $WARN_AFTER_DAYS): advisories published" \
    "since $snapshot_date are not checked. Update it (README.md, Supply chain)."
fi

if ! cargo deny --version >/dev/null 2>&1; then
  echo "deny.sh: installing cargo-deny"
  cargo install cargo-deny --locked
fi
VIGIL_ADVISORY_DBS="$dbs" cargo deny --offline check --hide-inclusion-graph advisories bans licenses sources
