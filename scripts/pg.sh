#!/usr/bin/env bash
# Installs PostgreSQL 15 + PostGIS 3 (Debian packages) if missing and starts a private cluster on
# 127.0.0.1:${CITYOPS_PG_PORT:-55432} in /var/tmp/cityops-pg-PORT (a place the postgres user can
# reach wherever the clone lives), with database `cityops_test`.
# Idempotent: a running cluster is reused. Prints the database URL as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${CITYOPS_PG_PORT:-55432}"
root="${CITYOPS_PG_DIR:-/var/tmp/cityops-pg-$port}"
log() { printf '[pg] %s\n' "$*" >&2; }

need=()
for p in postgresql-15 postgresql-15-postgis-3; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
bin=/usr/lib/postgresql/15/bin
# PostgreSQL refuses to run as root: the cluster belongs to the postgres system user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$root"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$root"
if [ ! -f "$root/data/PG_VERSION" ]; then
  log "initdb $root/data"
  as_pg "$bin/initdb" -D "$root/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! as_pg "$bin/pg_ctl" -D "$root/data" status >/dev/null 2>&1; then
  log "starting on 127.0.0.1:$port"
  as_pg "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$root -c fsync=on" start >&2
fi
if ! as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='cityops_test'" | grep -q 1; then
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE cityops_test" >&2
fi
echo "postgres://postgres@127.0.0.1:$port/cityops_test"
