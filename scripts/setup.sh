#!/usr/bin/env bash
# Installs everything cityops needs on a fresh Debian machine, idempotently: only what is missing.
# Usage: bash scripts/setup.sh [core|all]   (core = Rust toolchain parts only; all = + system packages
# for the desktop console, its WebDriver tests and the browser tests)
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
pkgs=(
  pkg-config build-essential file
  # Tauri 2 on Linux (WebKitGTK 4.1)
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  # headless window tests and screenshots
  xvfb xauth webkit2gtk-driver fonts-dejavu-core fonts-noto-cjk imagemagick x11-utils xdotool
  # browser tests
  chromium chromium-driver
  # GDAL's ogrinfo reads the GeoJSON and FlatGeobuf exports back in the tests
  gdal-bin
  # the briefing's PDF is checked with poppler (pdfinfo, pdffonts, pdftotext, pdftoppm)
  poppler-utils
)
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# --- Rust tools for the console's build and its WebDriver tests ---
if ! command -v tauri-driver >/dev/null 2>&1; then
  log "cargo install tauri-driver 2.1.0"
  cargo install tauri-driver --version 2.1.0 --locked
fi
# The Tauri bundler, for the console's Debian package (scripts/package.sh); ~7 min the first time.
if ! cargo tauri --version 2>/dev/null | grep -q '^tauri-cli 2\.'; then
  log "cargo install tauri-cli 2.12.4"
  cargo install tauri-cli --version 2.12.4 --locked
fi
log "ok"
