#!/usr/bin/env bash
# Runs third-party Open311 GeoReport v2 clients (PyPI civicbot and georeport, not written here)
# against a freshly started cityops-server: list services, post a request, read it back.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/open311-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q "civicbot==0.4.0" "georeport==0.3.1"
data=$(mktemp -d)
bin=target/debug/cityops-server
token=$("$bin" --database-url "sqlite://$data/db.sqlite" token create --role acceptor --label citizen-app | tail -n1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --database-url "sqlite://$data/db.sqlite" serve --listen "127.0.0.1:$port" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.2; done
"$venv/bin/python" tests/open311/third_party.py "http://127.0.0.1:$port/open311/v2" "$token"
