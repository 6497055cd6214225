#!/usr/bin/env bash
# The cityops main job (README quick start, first command): installs what is missing, builds, and
# starts the platform service on the embedded default (SQLite in the user's data directory) with the
# labelled-synthetic Qingdao running in-process (cityops-sim), on
# http://127.0.0.1:8480. On first start it creates an admin token and keeps it in
# $DATA_DIR/admin.token (mode 600). Extra arguments go to `cityops-server serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
data="${CITYOPS_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/cityops}"
mkdir -p "$data"
export CITYOPS_DATA_DIR="$data"
echo "[start] building cityops-server (release)" >&2
cargo build --release -p cityops-server
bin=target/release/cityops-server
if [ ! -s "$data/admin.token" ]; then
  umask 077
  "$bin" token create --role admin --label console-admin | tail -n1 > "$data/admin.token"
fi
echo "[start] data: $data (SQLite)"
echo "[start] admin token: $(cat "$data/admin.token")"
echo "[start] API: http://127.0.0.1:8480/api/openapi.json  Open311: http://127.0.0.1:8480/open311/v2/discovery.json"
exec "$bin" serve --simulate "$@"
