#!/usr/bin/env bash
# Soak (opt-in, not in CI): a grid strategy trades live against the simulator for MINUTES
# (default 5) through WebSocket drops, slow REST, 429 storms and clock jumps, then checks
# no duplicate orders, balances equal fills, the audit chain verifies, RSS flat.
# See tests/soak.rs for what each check compares.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-5}"
if ! [[ "$minutes" =~ ^[0-9]+$ ]] || [ "$minutes" -lt 1 ]; then
  echo "usage: scripts/soak.sh [MINUTES]" >&2
  exit 64
fi
VIGIL_SOAK_MINUTES="$minutes" cargo test --release --locked --test soak -- --ignored --nocapture
