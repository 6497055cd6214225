#!/usr/bin/env bash
# The cityops test command (README quick start, second command; .ci/run calls it).
# Installs what is missing, then: formatting; the console UI's wasm build; clippy -D warnings (host
# workspace and the wasm UI); every test of the workspace (SQLite and a private PostgreSQL +
# PostGIS); the wasm32 check of the wire contract; third-party Open311 clients; the end-to-end scenario in the real desktop
# window (tauri-driver + WebKitWebDriver under Xvfb), in the installed Debian package and in
# headless Chromium. Screenshots go to target/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all

step() { printf '\n=== %s ===\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "console UI (wasm) → ui/dist"
bash scripts/build-ui.sh

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy -p cityops-ui --target wasm32-unknown-unknown -- -D warnings"
cargo clippy -p cityops-ui --target wasm32-unknown-unknown -- -D warnings

step "wasm32 check of the wire contract"
cargo check --target wasm32-unknown-unknown -p cityops-api

step "PostgreSQL + PostGIS for the store and API tests"
CITYOPS_TEST_PG_URL="$(bash scripts/pg.sh | tail -n1)"
export CITYOPS_TEST_PG_URL

step "cargo test --workspace (fuzz: 3,000 mutated inputs per surface)"
CITYOPS_E2E=later CITYOPS_FUZZ_CASES=3000 cargo test --workspace

# Same feature set as the workspace test run above, so nothing is compiled twice.
cargo build --workspace --bins

step "Open311: third-party GeoReport v2 clients (PyPI civicbot, georeport) list, post, read back"
bash scripts/open311-check.sh

step "the console's Debian package (Tauri bundler), installed with apt-get"
bash scripts/package.sh --debug
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall ./target/debug/bundle/deb/cityops_*_amd64.deb

step "end-to-end: desktop window (tauri-driver), the installed package, headless Chromium, under Xvfb"
CITYOPS_E2E=1 bash scripts/with-display.sh cargo test --workspace --test e2e -- --test-threads=1
ls -1 target/e2e/*.png
