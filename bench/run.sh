#!/usr/bin/env bash
# Compares Torsion's servers with the anchor servers of ../shared/bench in one run, as ratios.
#   bench/run.sh echo-pingpong-64B            # torsion-echo next to every echo anchor
#   bench/run.sh echo-stream-16KiB torsion-echo kestrel-conn c-epoll
#   RUNS=3 bench/run.sh all
# Needs the anchors' tools once: apt-get install -y wrk nginx python3-twisted python3-uvloop
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export TORSION="$(cd "$here/.." && pwd)"
shared="${SHARED_BENCH:-$TORSION/../shared/bench}"
[ -x "$shared/bench.sh" ] || { echo "bench/run.sh: no harness at $shared (set SHARED_BENCH)" >&2; exit 1; }
dotnet build -c Release "$TORSION/examples/Echo" -v quiet --nologo >&2
export BENCH_SERVERS_FILE="$here/servers.conf${BENCH_SERVERS_FILE:+:$BENCH_SERVERS_FILE}"
exec "$shared/bench.sh" "$@"
