#!/usr/bin/env bash
# Installs everything cityops needs on a fresh Debian machine, idempotently: only what is missing.
# Usage: bash scripts/setup.sh [core|all]   (core = Rust toolchain parts only; all = + system packages)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"

log() { printf '[setup] %s\n' "$*" >&2; }

# --- Rust toolchain parts (rust-toolchain.toml names them; rustup fetches from its registry) ---
if ! rustup component list --installed 2>/dev/null | grep -q '^rustfmt'; then
  log "adding rustfmt"; rustup component add rustfmt
fi
if ! rustup component list --installed 2>/dev/null | grep -q '^clippy'; then
  log "adding clippy"; rustup component add clippy
fi
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  log "adding target wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown
fi

[ "$what" = core ] && exit 0

# --- Debian packages ---
need=()
for p in "$@"; do :; done
pkgs=(pkg-config libssl-dev)
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
log "ok"
