#!/bin/bash
# Alternating TLS echo/handshake runs, server on core 1, client on core 0, 2 s warm-up each.
#   ab.sh MODE SECS ROUNDS NAME=BUILD_DIR[:VAR=value] ...
#   MODE: 1 or 8 (16 KiB echo connections, prints MiB/s) or hs (openssl s_time -new -tls1_3, prints handshakes/s)
#   NAME starting with "kestrel" runs the Kestrel server, else Torsion; BUILD_DIR holds torsion-tls-bench.
#   CERT/KEY (env) name the PEM files; WRAP=setsid runs the server in its own session (own autogroup).
# Example: ab.sh 8 3 3 torsion=/tmp/b kestrel=/tmp/b
MODE=$1; S=$2; R=$3; shift 3
C=${CERT:?set CERT}; K=${KEY:?set KEY}
measure() { # build port secs
  case $MODE in
    hs) taskset -c 0 openssl s_time -connect 127.0.0.1:$2 -new -tls1_3 -time $3 2>&1 | grep -o '[0-9]* connections in' | head -1 | awk -v s=$3 '{printf "%.0f\n", $1/s}';;
    *) taskset -c 0 $1/torsion-tls-bench load $2 $3 $MODE | awk '{print $6}';;
  esac
}
for r in $(seq $R); do
  line=""
  for spec in "$@"; do
    name=${spec%%=*}; rest=${spec#*=}; build=${rest%%:*}; envs=""; [[ $rest == *:* ]] && envs=${rest#*:}
    srv=torsion; [[ $name == kestrel* ]] && srv=kestrel
    port=$((9000 + RANDOM % 900))
    env $envs $WRAP taskset -c 1 $build/torsion-tls-bench $srv $port $C $K 2>/dev/null & pid=$!
    for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
    measure $build $port 2 >/dev/null
    v=$(measure $build $port $S)
    kill $pid; wait $pid 2>/dev/null
    line="$line $name=$v"
  done
  echo "$line load=$(cut -d' ' -f1 /proc/loadavg)"
done
