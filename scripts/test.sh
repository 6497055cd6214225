#!/usr/bin/env bash
# The cityops test command (README quick start, second command; .ci/run calls it).
# Runs: formatting, clippy (-D warnings), the workspace tests, the wasm32 check of the wire contract.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all

step() { printf '\n=== %s ===\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "PostgreSQL + PostGIS for the store and API tests"
CITYOPS_TEST_PG_URL="$(bash scripts/pg.sh | tail -n1)"
export CITYOPS_TEST_PG_URL

step "cargo test --workspace"
cargo test --workspace

step "wasm32 check of the wire contract"
cargo check --target wasm32-unknown-unknown -p cityops-api
