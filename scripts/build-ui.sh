#!/usr/bin/env bash
# Build the console UI (ui/, crate cityops-ui) into ui/dist/: wasm32 release build, wasm-bindgen
# (--target web) into dist/pkg, the static page and CSS, and the city pack's base layers in
# dist/data (used when no service is configured). Idempotent; installs only what is missing:
# the wasm32 target, wasm-bindgen-cli equal to Cargo.lock's wasm-bindgen, and (as root, on Debian)
# fonts-noto-cjk so Chinese labels render. No trunk, no wasm-opt (Debian's binaryen breaks the
# output), no downloads at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=ui/dist

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

WB=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$WB" ]; then
  echo "wasm-bindgen not in Cargo.lock; run cargo generate-lockfile" >&2
  exit 1
fi
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WB" ]; then
  # Without --locked: the CLI's own lock pins a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WB"
fi

if [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  apt-get install -y -qq fonts-noto-cjk || echo "warning: fonts-noto-cjk not installed; CJK labels may not render" >&2
fi

cargo build -p cityops-ui --target wasm32-unknown-unknown --release
rm -rf "$DIST"
mkdir -p "$DIST/pkg" "$DIST/data"
wasm-bindgen --target web --no-typescript --out-dir "$DIST/pkg" \
  target/wasm32-unknown-unknown/release/cityops_ui.wasm
cp ui/static/* "$DIST/"
for layer in land coastline districts streets communities places grids; do
  cp "assets/qingdao/$layer.geojson" "$DIST/data/"
done
cp assets/qingdao/SOURCES.md "$DIST/data/"
du -sh "$DIST/pkg"/*.wasm
echo "built $DIST (serve it: python3 -m http.server -d $DIST 8090)"
