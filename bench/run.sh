#!/usr/bin/env bash
# Compares Torsion's servers with the anchor servers of ../shared/bench in one run, as ratios.
#   bench/run.sh echo-pingpong-64B            # torsion-echo next to every echo anchor
#   bench/run.sh echo-stream-16KiB torsion-echo kestrel-conn c-epoll
#   RUNS=3 bench/run.sh all
#   bench/run.sh http-plaintext torsion-plaintext nginx kestrel-raw kestrel-minimal twisted-web
#   bench/run.sh http-plaintext-pipelined-16 torsion-plaintext nginx kestrel-raw kestrel-minimal twisted-web
# HTTP/2 (h2load) and WebSocket echo figures: bench/web.sh (the shared harness has no such scenarios).
# Needs the anchors' tools once: apt-get install -y wrk nginx python3-twisted python3-uvloop
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export TORSION="$(cd "$here/.." && pwd)"
shared="${SHARED_BENCH:-$TORSION/../shared/bench}"
if [ -z "${SHARED_BENCH:-}" ] && [ ! -x "$shared/bench.sh" ]; then
  # In a git worktree, ../shared is beside the main checkout, not beside the worktree.
  common="$(git -C "$TORSION" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
  [ -n "$common" ] && shared="$(dirname "$common")/../shared/bench"
fi
[ -x "$shared/bench.sh" ] || { echo "bench/run.sh: no harness at $shared (set SHARED_BENCH)" >&2; exit 1; }
for p in examples/Echo examples/HttpPlaintext; do
  dotnet build -c Release "$TORSION/$p" -v quiet --nologo >&2
done
export BENCH_SERVERS_FILE="$here/servers.conf${BENCH_SERVERS_FILE:+:$BENCH_SERVERS_FILE}"
exec "$shared/bench.sh" "$@"
