#!/usr/bin/env bash
# Runs every test of Torsion. On a fresh Debian machine it first installs what the tests
# need (Debian packages as root, NuGet restore). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use (real peers for interop tests, tools).
APT_PACKAGES=(curl openssl socat procps iproute2 haproxy libglib2.0-0 postgresql python3-twisted dante-server microsocks python3-websockets python3-autobahn node-ws nginx nghttp2-client nghttp2-server python3-h2 tinyproxy)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    apt-get update -qq
    # Without systemd, invoke-rc.d would start each server package's daemon on its default port
    # (haproxy, postgresql, danted): forbid that while installing; tests start their own instances.
    created_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/torsion-apt.log 2>&1 \
      || { tail -20 /tmp/torsion-apt.log >&2; [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
    [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  else
    echo "test.sh: missing Debian packages ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Many sockets in the transport tests.
ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || true

dotnet restore Torsion.slnx
dotnet build Torsion.slnx -c Release --no-restore
log=$(mktemp)
set +e
dotnet test Torsion.slnx -c Release --no-build --logger "console;verbosity=normal" -- RunConfiguration.TestSessionTimeout=1500000 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

count() { { grep -Eo "^ +$1: +[0-9]+" "$log" || true; } | awk '{s+=$2} END {print s+0}'; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
if [ "$failed" != 0 ] || [ "$status" != 0 ]; then
  # Repeat each failure (name, message, first lines of the stack) at the end, where a truncated log still shows it.
  echo "---- failures ----"
  awk '/^  Failed [A-Za-z]/ {n=40} /^  (Passed|Skipped) [A-Za-z]/ {n=0} n>0 {print; n--}' "$log"
  grep -E "Test Run Aborted|crashed|error (CS|MSB|NU)[0-9]+" "$log" | tail -20 || true
fi
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
