#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for SECONDS each (default 60), one after the other.
# Opt-in (not part of CI): needs the nightly toolchain and cargo-fuzz (installed when missing).
# Without nightly it says so and runs the stable stand-in instead: the seed and regression
# replay plus the mutation loop of tests/fuzz_regressions.rs, with more cases.
#
# A crash is copied to fuzz/regressions/TARGET/, where `cargo test --test fuzz_regressions`
# replays it on stable from then on: fix it, keep the file, commit both.
#
# Environment: FUZZ_TARGETS="a b" to run some targets only; FUZZ_SANITIZER (default none:
# vigil has no unsafe code, and throughput matters more than ASan here; address to use ASan).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS per target]" >&2
  exit 64
fi

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz.sh: no nightly toolchain (rustup toolchain install nightly): cargo-fuzz cannot run here." >&2
  echo "fuzz.sh: running the stable stand-in instead (replay + mutation loop); this is NOT coverage-guided fuzzing." >&2
  PROPTEST_CASES=$((seconds * 200)) cargo test --locked --test fuzz_regressions
  exit 0
fi
echo "fuzz.sh: using $(cargo +nightly --version)"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cd fuzz && cargo +nightly fuzz list)}"
sanitizer="${FUZZ_SANITIZER:-none}"
logs="fuzz/artifacts/logs"
mkdir -p "$logs"

echo "fuzz.sh: building the targets (sanitizer: $sanitizer)"
(cd fuzz && cargo +nightly fuzz build --sanitizer "$sanitizer")

crashed=()
printf '\n%-24s %12s %10s %s\n' target executions exec/s result
for target in $targets; do
  corpus="fuzz/corpus/$target"
  artifacts="fuzz/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  log="$logs/$target.log"
  status=0
  # corpus first (new inputs go there), seeds second (read only); crashes land in $artifacts.
  (cd fuzz && cargo +nightly fuzz run --sanitizer "$sanitizer" "$target" \
      "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="artifacts/$target/" -print_final_stats=1) >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  result=ok
  if [ "$status" -ne 0 ]; then
    result="CRASH (exit $status, log $log)"
    crashed+=("$target")
    mkdir -p "fuzz/regressions/$target"
    for f in "$artifacts"/crash-* "$artifacts"/oom-* "$artifacts"/timeout-* "$artifacts"/slow-unit-*; do
      [ -e "$f" ] && cp "$f" "fuzz/regressions/$target/" && result="$result; kept fuzz/regressions/$target/$(basename "$f")"
    done
  fi
  printf '%-24s %12s %10s %s\n' "$target" "${runs:-?}" "${rate:-?}" "$result"
done

if [ "${#crashed[@]}" -gt 0 ]; then
  echo
  echo "fuzz.sh: crashes in: ${crashed[*]} (inputs kept under fuzz/regressions/; fix, then commit them)" >&2
  exit 1
fi
echo
echo "fuzz.sh: no crash"
