#!/usr/bin/env bash
# cityops' live point index and supercluster, side by side on the same synthetic points and views.
#
#   crates/cityops-bench/run-anchors.sh [SIZES]      # default 1000000,10000000
#
# 1. builds and runs `index_report export`: the seeded points and 1,800 seeded 1920x1080 views
#    (zooms 10-18) into target/anchors/;
# 2. installs supercluster from the npm registry (the pinned package-lock.json; nothing else is
#    downloaded) and runs anchors/supercluster_bench.mjs on them;
# 3. runs `index_report run`, which measures the Rust index and prints both in one table.
# Takes a few minutes and ~4 GB of memory at 10 M points (node holds 10 M GeoJSON features).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sizes="${1:-1000000,10000000}"
out="$root/target/anchors"
cd "$root"
cargo build --release -p cityops-bench --bin index_report
"$root/target/release/index_report" export --sizes "$sizes" --dir "$out"
(cd "$here/anchors" && npm ci --no-audit --no-fund --silent)
rm -f "$out/supercluster.json"
node --expose-gc --max-old-space-size=16000 "$here/anchors/supercluster_bench.mjs" "$out" "$sizes"
echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(node --version), $(rustc --version)"
"$root/target/release/index_report" run --sizes "$sizes" --dir "$out"
