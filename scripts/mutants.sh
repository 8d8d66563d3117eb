#!/usr/bin/env bash
# Mutation testing of the keystore crate (opt-in, not in CI: it rebuilds and retests the
# crate once per mutant). Installs cargo-mutants when missing. A mutant that survives is a
# change to the code no test notices: kill it with a test, or write down in the keystore's
# README why it cannot matter. Extra arguments go to cargo mutants (e.g. --file src/header.rs).
# Results: mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo mutants --version >/dev/null 2>&1; then
  echo "mutants.sh: installing cargo-mutants"
  cargo install cargo-mutants --locked
fi
cargo mutants --package vigil-keystore --jobs 1 "$@"
