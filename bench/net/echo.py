"""The echo group: `fanout` ping-pong against eddy's echo example, `tokio_echo` and `raw_echo`.

Per round, in alternated order, each server is started with `--workers 1` pinned to CPU 0 and loaded by
`fanout --workers 1` pinned to CPU 1:

  - saturation: `--conns` connections ping-pong 64-byte messages for `--duration` seconds (after a short
    warm-up on the same server); fanout reports msgs/s and p50/p99/p999 round trips; the server's CPU
    time over the run (utime+stime from /proc/PID/stat) divided by the messages gives CPU per message;
  - fixed load: the same connections offered `rate` messages/s in all (`fanout --rate`, about a third of
    what the servers sustain here), the latency and CPU per message below saturation;
  - one connection: a single ping-pong for a shorter time, the latency of an unloaded server;
  - idle memory: on a fresh server, VmRSS with `idle` connections open and idle minus VmRSS before,
    divided by their number;
  - two workers (eddy and Tokio only): `--workers 2` on CPUs 0-1, fanout still on CPU 1.
"""

import os
import socket
import subprocess
import time

from .proc import BenchError, Server, measured, raise_nofile, wait_until
from .results import Rows, alternated

SERVERS = [("eddy", "echo"), ("tokio", "tokio_echo"), ("raw", "raw_echo")]
SIZE = 64


def settings(quick):
    if quick:
        return {"conns": 50, "secs": 0.5, "warm": 0.2, "one_secs": 0.3, "idle": 500, "rate": 5000}
    return {"conns": 100, "secs": 4.0, "warm": 0.5, "one_secs": 1.5, "idle": 5000, "rate": 10000}


def fanout(binary, addr, conns, secs, cpu="1", rate=None):
    cmd = ["taskset", "-c", cpu, binary, "--addr", addr, "--conns", str(conns), "--duration", str(secs),
           "--size", str(SIZE), "--workers", "1"]
    if rate:
        cmd += ["--rate", str(rate)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 120)
    result = None
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            result = dict(kv.split("=", 1) for kv in line.split()[1:])
    if out.returncode != 0 or result is None or result.get("errors") != "0":
        raise BenchError(f"fanout failed (status {out.returncode}):\n{out.stdout}{out.stderr}")
    return {k: float(v) for k, v in result.items()}


def idle_bytes_per_conn(server, n):
    """Bytes of RSS per idle open connection on a fresh server."""
    time.sleep(0.2)
    base_rss = server.status_kib("VmRSS")
    base_fds = server.open_fds()
    socks = []
    try:
        for _ in range(n):
            socks.append(socket.create_connection(server.host_port))
        wait_until(lambda: server.open_fds() >= base_fds + n, 60, f"{server.name} to accept {n} connections")
        # Every connection's task must have run once (buffer allocated, read parked): wait for RSS to settle.
        last, rss = -1, server.status_kib("VmRSS")
        while rss != last:
            time.sleep(0.25)
            last, rss = rss, server.status_kib("VmRSS")
        if not server.alive():
            raise BenchError(f"{server.name} exited with {n} idle connections open")
        return (rss - base_rss) * 1024 / n
    finally:
        for s in socks:
            s.close()


def run(ctx):
    """Runs the group; returns (title, setup, rows, notes). `ctx` has examples, rounds, quick, log."""
    cfg = settings(ctx.quick)
    if raise_nofile() < cfg["idle"] + 200:
        raise BenchError(f"the descriptor hard limit is below {cfg['idle'] + 200}: raise it (ulimit -Hn)")
    load = os.path.join(ctx.examples, "fanout")
    conns = cfg["conns"]
    rows = Rows()
    rows.define("rate", f"messages/s, {conns} connections", "msgs/s", "higher",
                target={"tokio": ">= 0.97"}, chart="throughput")
    rows.define("cpu", f"server CPU per message, {conns} connections", "µs", "lower",
                target={"tokio": "<= 1.00", "raw": "<= 1.05"})
    for q in ("p50", "p99", "p999"):
        rows.define(q, f"round trip {q}, {conns} connections (saturated)", "µs", "lower",
                    chart=f"latency:Echo round trip, {conns} connections, saturated")
    fixed = f"{cfg['rate']} msgs/s offered over {conns} connections"
    for q in ("p50", "p99", "p999"):
        rows.define(f"fixed_{q}", f"round trip {q}, {fixed}", "µs", "lower",
                    chart=f"latency:Echo round trip, {fixed}")
    rows.define("fixed_cpu", f"server CPU per message, {fixed}", "µs", "lower")
    rows.define("one_p50", "round trip p50, 1 connection", "µs", "lower",
                chart="latency:Echo round trip, 1 connection")
    rows.define("one_p99", "round trip p99, 1 connection", "µs", "lower",
                chart="latency:Echo round trip, 1 connection")
    rows.define("one_cpu", "server CPU per message, 1 connection", "µs", "lower")
    rows.define("idle", f"RSS per idle connection ({cfg['idle']} open)", "bytes", "lower",
                target={"tokio": "<= 1.00"})
    rows.define("rate2", f"messages/s, {conns} connections, server --workers 2 (shares CPU 1 with fanout)",
                "msgs/s", "higher", chart="throughput")
    names = [n for n, _ in SERVERS]
    binaries = dict(SERVERS)
    for rnd in range(ctx.rounds):
        for name in alternated(names, rnd):
            binary = os.path.join(ctx.examples, binaries[name])
            with Server(binary, "0", 1, ctx.log) as server:
                fanout(load, server.addr, conns, cfg["warm"])
                res, cpu = measured(server, lambda: fanout(load, server.addr, conns, cfg["secs"]))
                rows.add("rate", name, res["msgs_per_s"])
                rows.add("cpu", name, cpu * 1e6 / res["msgs"])
                for q in ("p50", "p99", "p999"):
                    rows.add(q, name, res[f"{q}_us"])
                res, cpu = measured(server, lambda: fanout(load, server.addr, conns, cfg["secs"],
                                                           rate=cfg["rate"]))
                for q in ("p50", "p99", "p999"):
                    rows.add(f"fixed_{q}", name, res[f"{q}_us"])
                rows.add("fixed_cpu", name, cpu * 1e6 / res["msgs"])
                res, cpu = measured(server, lambda: fanout(load, server.addr, 1, cfg["one_secs"]))
                rows.add("one_p50", name, res["p50_us"])
                rows.add("one_p99", name, res["p99_us"])
                rows.add("one_cpu", name, cpu * 1e6 / res["msgs"])
            with Server(binary, "0", 1, ctx.log) as server:
                rows.add("idle", name, idle_bytes_per_conn(server, cfg["idle"]))
            ctx.progress(f"echo round {rnd + 1} {name}: {rows.rows['rate']['samples'][name][-1]:.0f} msgs/s, "
                         f"{rows.rows['cpu']['samples'][name][-1]:.2f} µs CPU/msg")
        for name in alternated(["eddy", "tokio"], rnd):
            binary = os.path.join(ctx.examples, binaries[name])
            with Server(binary, "0,1", 2, ctx.log) as server:
                fanout(load, server.addr, conns, cfg["warm"])
                res, _ = measured(server, lambda: fanout(load, server.addr, conns, cfg["secs"]))
                rows.add("rate2", name, res["msgs_per_s"])
    setup = (f"Servers `--workers 1` pinned to CPU 0 (taskset); `fanout --workers 1` pinned to CPU 1; "
             f"{SIZE}-byte messages, {conns} connections ping-pong for {cfg['secs']} s after a "
             f"{cfg['warm']} s warm-up; 1-connection runs {cfg['one_secs']} s; {ctx.rounds} rounds, "
             f"server order rotated and reversed every round; medians.")
    notes = [
        "CPU per message: the server's utime+stime (all threads, /proc/PID/stat, 10 ms ticks) over the "
        "run divided by the messages fanout counted.",
        "Latency is fanout's (client-side) round trip: write start to last byte read, 1.6 % buckets.",
        f"Fixed-load rows: `fanout --rate {cfg['rate']}`, each connection on its own staggered schedule "
        "that never slips; latency counts from the write (fanout's timers have 1 ms granularity), so a "
        "server that falls behind shows as late echoes in the percentiles.",
        "The --workers 2 row: the machine has 2 cores, so the 2-worker server shares CPU 1 with the "
        "load generator; it shows scaling overheads, not a 2-core server's capacity.",
        "raw = single-threaded edge-triggered epoll loop on libc (bench/examples/raw_echo.rs): the "
        "'no runtime' limit.",
    ]
    return "Echo, 64-byte ping-pong", setup, rows.finish(), notes
