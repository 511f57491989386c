#!/usr/bin/env python3
"""HTTP/2 and WebSocket figures side by side: Torsion against Kestrel (and more anchors), in one run, as ratios.

usage: web.sh h2-plaintext|ws-echo|all [SERVER ...]     (web.sh builds first; this file only measures)

Each server is started in turn on a free 127.0.0.1 port (pinned to SERVER_CPUS), checked, loaded (load generator
pinned to CLIENT_CPUS) and stopped (only the process group it started); rounds alternate between servers and the
table shows medians. Standard library only; knobs are environment variables (see bench/README.md).
"""
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

TORSION = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK = os.sysconf("SC_CLK_TCK")


def env(name, default):
    v = os.environ.get(name, "").strip()
    return type(default)(v) if v else default


DURATION = env("DURATION", 5.0)
WARMUP = env("WARMUP", 2.0)
RUNS = env("RUNS", 3)
PIN = env("PIN", "1") != "0" and (os.cpu_count() or 1) >= 2
SERVER_CPUS = env("SERVER_CPUS", "1")
CLIENT_CPUS = env("CLIENT_CPUS", "0")
H2_CONNS = env("H2_CONNS", 4)
H2_STREAMS = env("H2_STREAMS", 64)
WS_CONNS = env("WS_CONNS", 64)
WS_SIZE = env("WS_SIZE", 64)
PYDEB = env("PYDEB", "/usr/bin/python3")

PLAINTEXT = f"{TORSION}/examples/HttpPlaintext/bin/Release/net10.0/HttpPlaintext.dll"
KESTREL = f"{TORSION}/tests/Torsion.KestrelPeer/bin/Release/net10.0/Torsion.KestrelPeer.dll"
WSLOAD = f"{TORSION}/bench/WsEchoLoad/bin/Release/net10.0/WsEchoLoad.dll"
WSLOAD_C = f"{TORSION}/bench/WsLoad/bin/wsload"
WS_LOAD = env("WS_LOAD", "c")  # c: bench/WsLoad/wsload.c (epoll); dotnet: WsEchoLoad (ClientWebSocket)
PEERS = f"{TORSION}/tests/Torsion.Web.Tests/WebSocket/Peers"  # the interop tests' echo servers

# name -> command (bash -c, $PORT set); every server must listen on 127.0.0.1:$PORT.
SCENARIOS = {
    "h2-plaintext": dict(
        unit="req/s",
        describe=lambda: f"h2load -t1 -c{H2_CONNS} -m{H2_STREAMS} (HTTP/2 prior knowledge, {H2_STREAMS} streams per "
                         f"connection), GET /plaintext -> 13-byte 'Hello, World!' text/plain",
        servers={
            "torsion-h2c": f'exec dotnet "{PLAINTEXT}" $PORT',
            "kestrel-h2c": f'exec dotnet "{KESTREL}" --h2c $PORT',
        }),
    "ws-echo": dict(
        unit="msgs/s",
        describe=lambda: f"{'wsload (C, epoll)' if WS_LOAD == 'c' else 'WsEchoLoad (.NET ClientWebSocket)'} {WS_CONNS} "
                         f"connections, {WS_SIZE}-byte binary messages, ping-pong (each awaits its echo), no compression",
        servers={
            "torsion-ws": f'exec dotnet "{PLAINTEXT}" $PORT',
            "kestrel-ws": f'exec dotnet "{KESTREL}" --http $PORT',
            "node-ws": f'NODE_PATH=/usr/share/nodejs exec node "{PEERS}/node_server.js" $PORT',
            "autobahn-twisted": f'exec "{PYDEB}" "{PEERS}/ab_server.py" $PORT',
        }),
}
PATHS = {"h2-plaintext": "/plaintext", "ws-echo": "/ws"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def pinned(cpus, argv):
    return (["taskset", "-c", cpus] + argv) if PIN else argv


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, port, logpath):
    environment = dict(os.environ, PORT=str(port), DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1")
    with open(logpath, "wb") as logf:
        proc = subprocess.Popen(pinned(SERVER_CPUS, ["bash", "-c", cmd]), env=environment, stdin=subprocess.DEVNULL,
                                stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            return proc, f"exited with code {proc.returncode} before listening (log: {logpath})"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, None
        except OSError:
            time.sleep(0.05)
    return proc, "not listening after 60 s"


def stop(proc):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            try:  # leftovers of the group (children)
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def group_cpu_seconds(pgid):
    total = 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    rest = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(rest[2]) == pgid:
                total += int(rest[11]) + int(rest[12])
    return total / CLK


def check(scenario, port):
    """One real exchange before loading: the load must measure a correct server."""
    if scenario == "h2-plaintext":
        out = subprocess.run(["h2load", "-n", "2", "-c", "1", "-m", "2", f"http://127.0.0.1:{port}/plaintext"],
                             capture_output=True, text=True, timeout=30).stdout
        if "2 succeeded" not in out or not re.search(r"status codes: 2 2xx", out):
            return "h2 check failed: " + " | ".join(line for line in out.splitlines() if "requests:" in line or "status codes" in line)
        # h2load does not show bodies: compare the body size with 13 bytes per request.
        m = re.search(r"traffic:.*\((\d+)\) data", out)
        if m and int(m.group(1)) != 26:
            return f"h2 check: {m.group(1)} DATA bytes for 2 responses, expected 26 ('Hello, World!')"
        return None
    proc = subprocess.run(["dotnet", WSLOAD, f"ws://127.0.0.1:{port}/ws", "1", "300", "0.3", "0"],
                          capture_output=True, text=True, timeout=60)
    return None if proc.returncode == 0 else f"ws check failed: {proc.stdout.strip()} {proc.stderr.strip()[:200]}"


def load(scenario, port, pgid):
    """Runs the load generator; returns (rate, note, server CPU % and client CPU % over the measured seconds)."""
    if scenario == "h2-plaintext":
        argv = ["h2load", "-t", "1", "-c", str(H2_CONNS), "-m", str(H2_STREAMS), "-D", f"{DURATION:g}s",
                "--warm-up-time", f"{WARMUP:g}s", f"http://127.0.0.1:{port}/plaintext"]
    elif WS_LOAD == "c":
        argv = [WSLOAD_C, "-p", str(port), "-P", "/ws", "-c", str(WS_CONNS), "-s", str(WS_SIZE), "-d", f"{DURATION:g}",
                "-w", f"{WARMUP:g}"]
    else:
        argv = ["dotnet", WSLOAD, f"ws://127.0.0.1:{port}/ws", str(WS_CONNS), str(WS_SIZE), str(DURATION), str(WARMUP)]
    environment = dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1")
    proc = subprocess.Popen(pinned(CLIENT_CPUS, argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment, start_new_session=True)
    lines, window = [], {}
    if scenario == "h2-plaintext":
        # h2load connects at once and measures after the warm-up: sample the server over the measured seconds.
        time.sleep(WARMUP)
        window["start"] = (time.time(), group_cpu_seconds(pgid), group_cpu_seconds(proc.pid))
        time.sleep(DURATION)
        window["end"] = (time.time(), group_cpu_seconds(pgid), group_cpu_seconds(proc.pid))
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("MEASURING"):
            window["start"] = (time.time(), group_cpu_seconds(pgid), group_cpu_seconds(proc.pid))
        elif line.startswith("MEASURED"):
            window["end"] = (time.time(), group_cpu_seconds(pgid), group_cpu_seconds(proc.pid))
    proc.wait(timeout=60)
    err = proc.stderr.read()
    out = "".join(lines)
    cpu = client = None
    if "start" in window and "end" in window:
        (t0, s0, c0), (t1, s1, c1) = window["start"], window["end"]
        cpu, client = (s1 - s0) / (t1 - t0) * 100, (c1 - c0) / (t1 - t0) * 100
    if scenario == "h2-plaintext":
        rate = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
        done = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
        if not rate or not done:
            return None, f"h2load: {out[-300:]} {err[-300:]}", cpu, client
        note = None if int(done.group(5)) == 0 and int(done.group(6)) == 0 else f"{done.group(5)} failed, {done.group(6)} errored"
        return float(rate.group(1)), note, cpu, client
    m = re.search(r"RESULT msgs_per_s=(\d+) .*errors=(\d+)", out)
    if not m:
        return None, f"{'wsload' if WS_LOAD == 'c' else 'WsEchoLoad'}: {out[-300:]} {err[-300:]}", cpu, client
    return float(m.group(1)), (None if m.group(2) == "0" else f"{m.group(2)} connections saw wrong echoes"), cpu, client


def measure(scenario, name, cmd, run):
    port = free_port()
    os.makedirs(f"{TORSION}/bench/out", exist_ok=True)
    logpath = f"{TORSION}/bench/out/{scenario}-{name}-{run}.log"
    proc, problem = start(cmd, port, logpath)
    try:
        if problem is None:
            problem = check(scenario, port)
        if problem is not None:
            return dict(rate=None, note=problem)
        time.sleep(0.2)
        rate, note, cpu, client = load(scenario, port, proc.pid)
        return dict(rate=rate, note=note, cpu=cpu, client=client)
    finally:
        stop(proc)


def main(argv):
    if not argv or argv[0] not in list(SCENARIOS) + ["all"]:
        sys.exit(f"usage: web.sh {'|'.join(SCENARIOS)}|all [SERVER ...]")
    scenarios = list(SCENARIOS) if argv[0] == "all" else [argv[0]]
    for scenario in scenarios:
        sc = SCENARIOS[scenario]
        names = [n for n in sc["servers"] if not argv[1:] or n in argv[1:]]
        results = {n: [] for n in names}
        for run in range(1, RUNS + 1):
            for name in names:  # round-robin: a drift of a noisy machine hits every server alike
                log(f"[{scenario}] run {run}/{RUNS}: {name}")
                r = measure(scenario, name, sc["servers"][name], run)
                log(f"    {r}")
                results[name].append(r)
        rows = []
        for name in names:
            rates = [r["rate"] for r in results[name] if r["rate"] is not None]
            notes = sorted({" ".join(r["note"].split()) for r in results[name] if r.get("note")})
            median = statistics.median(rates) if rates else None
            cpus = [r["cpu"] for r in results[name] if r.get("cpu") is not None]
            clients = [r["client"] for r in results[name] if r.get("client") is not None]
            cpu = statistics.median(cpus) if cpus else None
            client = statistics.median(clients) if clients else None
            spread = (max(rates) - min(rates)) / median if rates and median else None
            rows.append((name, median, cpu, client, spread, "; ".join(notes)))
        best = max((r[1] for r in rows if r[1]), default=None)
        pin = f"server on CPU {SERVER_CPUS}, load generator on CPU {CLIENT_CPUS}" if PIN else "not pinned"
        print(f"\n#### {scenario}\n{sc['describe']()}; warm-up {WARMUP:g}s, measured {DURATION:g}s, median of {RUNS} "
              f"run(s); {pin}.\n")
        print(f"| server | {sc['unit']} | server CPU | client CPU | ratio to best | spread | notes |\n"
              "|---|---:|---:|---:|---:|---:|---|")
        pct = lambda v: "-" if v is None else f"{v:.0f}%"
        for name, median, cpu, client, spread, notes in sorted(rows, key=lambda r: -(r[1] or 0)):
            print(f"| {name} | {median:,.0f} | {pct(cpu)} | {pct(client)} | {median / best:.2f} | {spread:.0%} | {notes} |"
                  if median else f"| {name} | - | - | - | - | - | {notes} |")
        torsion = next((r[1] for r in rows if r[0].startswith("torsion") and r[1]), None)
        for name, median, *_ in rows:
            if torsion and median and not name.startswith("torsion"):
                print(f"\ntorsion / {name}: {torsion / median:.2f}x", end="")
        print(flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
