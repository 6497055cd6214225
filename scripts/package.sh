#!/usr/bin/env bash
# Build the console's Debian package with the Tauri bundler (tauri-cli, installed by setup.sh):
# target/<profile>/bundle/deb/cityops_<version>_amd64.deb, installable with
# `apt-get install ./target/release/bundle/deb/cityops_*.deb` (it pulls WebKitGTK and GTK).
# Usage: bash scripts/package.sh [--debug]   (--debug packages the debug build the tests use)
# No AppImage: its bundler downloads tools at build time.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f ui/dist/index.html ] || bash scripts/build-ui.sh
profile=release
flags=()
if [ "${1:-}" = "--debug" ]; then
  profile=debug
  flags=(--debug)
fi
(cd src-tauri && cargo tauri build "${flags[@]}" --bundles deb --ci)
ls -1 target/"$profile"/bundle/deb/*.deb
