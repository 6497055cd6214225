#!/usr/bin/env bash
# The cityops main job (README quick start, first command): installs what is missing, builds the
# console UI (wasm) and the desktop console, and opens it on Qingdao with the embedded default — the
# platform service in-process on SQLite in the user's data directory, the labelled-synthetic city
# running. Without a display it serves the same console to a browser instead, at
# http://127.0.0.1:8480/ (the admin token is printed and kept in the data directory).
# Extra arguments go to the console (`--server URL --token T` to use a remote service, `--time-scale
# 60` to run an hour a minute) or, without a display, to `cityops-server serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
bash scripts/build-ui.sh
echo "[start] building the console and the service (release)" >&2
cargo build --release -p cityops-desktop -p cityops-launcher
data="${CITYOPS_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/cityops}"
mkdir -p "$data"
export CITYOPS_DATA_DIR="$data"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "[start] opening the console (data: $data; the embedded service's address is in $data/console-service.json)"
  exec target/release/cityops-desktop "$@"
fi
bin=target/release/cityops-server
if [ ! -s "$data/admin.token" ]; then
  umask 077
  "$bin" token create --role admin --label console-admin | tail -n1 > "$data/admin.token"
fi
token="$(cat "$data/admin.token")"
echo "[start] no display: open http://127.0.0.1:8480/?token=$token in a browser"
echo "[start] API: http://127.0.0.1:8480/api/openapi.json   Open311: http://127.0.0.1:8480/open311/v2/discovery.json"
exec "$bin" serve --simulate --ui-dir ui/dist "$@"
