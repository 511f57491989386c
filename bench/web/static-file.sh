#!/usr/bin/env bash
# A 1 MiB static file: `torsion web` against nginx (Debian's, sendfile on, one worker), same file, same load.
#   bench/web/static-file.sh                  # RUNS=3 alternating runs, median, ratio torsion/nginx
#   RUNS=5 DURATION=10 WARMUP=2 CONNS=64 SIZE=1m bench/web/static-file.sh
# Load: `wrk -t1 -c$CONNS -d${DURATION}s http://127.0.0.1:PORT/1m.bin` (keep-alive), pinned to CPU 0; each server
# pinned to CPU 1 (`taskset -c 1`), as ../shared/bench does; a WARMUP-second wrk warm-up (default 2, as the shared
# harness) before each measured run. Prints req/s and requests per server CPU-second (the server's process group).
# Needs: wrk, nginx (apt-get install -y wrk nginx), the .NET SDK. Loopback only.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
CONNS="${CONNS:-64}"
SIZE="${SIZE:-1m}"
SERVER_CPU="${SERVER_CPU:-1}"
LOAD_CPU="${LOAD_CPU:-0}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
command -v wrk >/dev/null || { echo "static-file.sh: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "static-file.sh: nginx is missing (apt-get install -y nginx)" >&2; exit 1; }

dotnet build -c Release "$repo/src/Torsion.Cli" -v quiet --nologo >&2
cli="$repo/src/Torsion.Cli/bin/Release/net10.0/Torsion.Cli.dll"

work="$(mktemp -d /tmp/torsion-static-bench.XXXXXX)"
pid=""
cleanup() {
  # measure runs in a subshell: the server it started, if any, is named in $work/pid.
  if [ -s "$work/pid" ]; then kill -TERM -- "-$(cat "$work/pid")" 2>/dev/null || true; sleep 0.5; kill -KILL -- "-$(cat "$work/pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www" "$work/nginx"
file="1m.bin"
head -c "$(numfmt --from=iec "${SIZE^^}")" /dev/urandom > "$work/www/$file"
chmod 755 "$work" "$work/www"   # nginx's worker runs as another user (www-data) when started as root
chmod 644 "$work/www/$file"

# CPU ticks (user + system) of every process in process group $1 (the server and its workers).
cpu_ticks() {
  python3 - "$1" <<'PY'
import os, sys
group, total = int(sys.argv[1]), 0
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        stat = open(f"/proc/{p}/stat").read()
    except OSError:
        continue
    fields = stat[stat.rfind(")") + 2:].split()
    if int(fields[2]) == group:
        total += int(fields[11]) + int(fields[12])
print(total)
PY
}
hz="$(getconf CLK_TCK)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

nginx_conf() { # PORT
  cat > "$work/nginx/nginx-$1.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $work/nginx/nginx-$1.pid;
error_log stderr warn;
events { worker_connections 4096; use epoll; multi_accept on; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 65;
    default_type application/octet-stream;
    client_body_temp_path $work/nginx/client_body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$1 default_server backlog=1024;
        root $work/www;
    }
}
CONF
  echo "$work/nginx/nginx-$1.conf"
}

start() { # NAME PORT
  case "$1" in
    torsion) setsid taskset -c "$SERVER_CPU" dotnet "$cli" web --path "$work/www" --listen "tcp:$2:interface=127.0.0.1" >"$work/$1.log" 2>&1 & ;;
    nginx) setsid taskset -c "$SERVER_CPU" "$NGINX" -p "$work/nginx" -c "$(nginx_conf "$2")" -e stderr >"$work/$1.log" 2>&1 & ;;
  esac
  pid=$!
  echo "$pid" > "$work/pid"
  for _ in $(seq 300); do
    if curl -sf -o /dev/null "http://127.0.0.1:$2/$file"; then return 0; fi
    sleep 0.1
  done
  echo "static-file.sh: $1 did not answer on port $2:" >&2; cat "$work/$1.log" >&2; exit 1
}

stop() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  : > "$work/pid"
}

measure() { # NAME -> requests/s
  local port; port="$(free_port)"
  start "$1" "$port"
  local url="http://127.0.0.1:$port/$file"
  curl -s -o "$work/got" "$url"
  cmp -s "$work/got" "$work/www/$file" || { echo "static-file.sh: $1 served other bytes than the file" >&2; exit 1; }
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null
  local before; before="$(cpu_ticks "$pid")"
  local out; out="$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "$url")"
  local after; after="$(cpu_ticks "$pid")"
  stop
  echo "$out" >> "$work/wrk-$1.txt"
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "static-file.sh: $1: $(grep 'Non-2xx\|Socket errors' <<<"$out")" >&2; fi
  # "req/s req-per-server-CPU-second": the second moves less when other work shares the machine.
  awk -v ticks="$((after - before))" -v hz="$hz" '/ requests in / { n = $1 } /^Requests\/sec:/ { r = $2 } END { printf "%s %.0f\n", r, (ticks > 0 ? n / (ticks / hz) : 0) }' <<<"$out"
}

declare -a torsion nginx torsion_cpu nginx_cpu
for run in $(seq "$RUNS"); do
  # Alternate who goes first, so that a drift of the machine does not hit one server only.
  if (( run % 2 )); then order=(torsion nginx); else order=(nginx torsion); fi
  for name in "${order[@]}"; do
    read -r rps per_cpu <<<"$(measure "$name")"
    echo "run $run $name: $rps req/s, $per_cpu req per server CPU-second" >&2
    if [ "$name" = torsion ]; then torsion+=("$rps"); torsion_cpu+=("$per_cpu"); else nginx+=("$rps"); nginx_cpu+=("$per_cpu"); fi
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
bytes="$(stat -c %s "$work/www/$file")"
t="$(median "${torsion[@]}")"; tc="$(median "${torsion_cpu[@]}")"
n="$(median "${nginx[@]}")"; nc="$(median "${nginx_cpu[@]}")"
echo "| server | req/s (median of $RUNS) | MiB/s | req per server CPU-s | runs (req/s) |"
echo "|---|---|---|---|---|"
echo "| torsion web | $t | $(awk -v r="$t" -v s="$bytes" 'BEGIN { printf "%.0f", r * s / 1048576 }') | $tc | ${torsion[*]} |"
echo "| nginx | $n | $(awk -v r="$n" -v s="$bytes" 'BEGIN { printf "%.0f", r * s / 1048576 }') | $nc | ${nginx[*]} |"
echo
echo "torsion/nginx = $(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.2f", t / n }') req/s, $(awk -v t="$tc" -v n="$nc" 'BEGIN { printf "%.2f", (n > 0 ? t / n : 0) }') per server CPU-second (wrk -t1 -c$CONNS -d${DURATION}s, $SIZE file, server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU; load average $(cut -d' ' -f1 /proc/loadavg))"
