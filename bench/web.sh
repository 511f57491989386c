#!/usr/bin/env bash
# HTTP/2 (h2load) and WebSocket echo (ClientWebSocket load) figures: Torsion next to Kestrel, in one run, as ratios.
#   bench/web.sh h2-plaintext                # torsion-h2c vs kestrel-h2c
#   bench/web.sh ws-echo                     # torsion-ws vs kestrel-ws, node-ws, autobahn-twisted
#   RUNS=5 bench/web.sh all
#   bench/web.sh ws-echo torsion-ws kestrel-ws
#   WS_LOAD=dotnet bench/web.sh ws-echo      # load from .NET's ClientWebSocket instead of bench/WsLoad/wsload.c
# Needs: apt-get install -y nghttp2-client node-ws python3-autobahn gcc (and the .NET 10 SDK with ASP.NET Core).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
for p in examples/HttpPlaintext tests/Torsion.KestrelPeer bench/WsEchoLoad; do
  dotnet build -c Release "$root/$p" -v quiet --nologo >&2
done
mkdir -p "$here/WsLoad/bin"
gcc -O2 -Wall -Wextra -Werror -o "$here/WsLoad/bin/wsload" "$here/WsLoad/wsload.c"
exec python3 "$here/web.py" "$@"
