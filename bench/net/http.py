"""The HTTP group: wrk against eddy's http example, hyper on Tokio, a minimal Tokio server and a raw
epoll loop.

Each server runs `--workers 1` pinned to CPU 0; wrk runs `-t1 -c128` pinned to CPU 1, on `/plaintext`,
once with one request per write ("plain") and once with 16 pipelined requests per write. Before the
first round every server is asked for `/plaintext` and `/json` over a plain socket and its response is
checked (status, body, Content-Type, Server, Date) and its size compared with eddy's, so that no server
wins by sending less. Per round, in alternated order: a short warm-up, then the measured run; server CPU
time (utime+stime, /proc/PID/stat) over the run divided by wrk's request count is the CPU per request.
"""

import os
import socket

from . import wrk
from .proc import BenchError, Server, measured
from .results import Rows, alternated

SERVERS = [("eddy", "http"), ("hyper", "hyper_http"), ("tokio", "tokio_http"), ("raw", "raw_http")]
CONNS = 128
DEPTH = 16
EXPECTED = {
    "/plaintext": (b"text/plain; charset=utf-8", b"Hello, World!"),
    "/json": (b"application/json", b'{"message":"Hello, World!"}'),
}


def settings(quick):
    if quick:
        return {"secs": 1, "warm": 1}
    return {"secs": 5, "warm": 1}


def fetch(host_port, path):
    """One HTTP/1.1 request with `Connection: close`; returns the raw response bytes."""
    with socket.create_connection(host_port, timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks)


def check_responses(name, server):
    """Checks `server`'s answers to the benchmark routes; returns {path: response size in bytes}."""
    sizes = {}
    for path, (ctype, body) in EXPECTED.items():
        raw = fetch(server.host_port, path)
        head, _, got_body = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        fields = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            fields[k.strip().lower()] = v.strip()
        problems = []
        if not lines[0].startswith(b"HTTP/1.1 200"):
            problems.append(f"status line {lines[0]!r}")
        if got_body != body:
            problems.append(f"body {got_body!r}")
        if fields.get(b"content-type") != ctype:
            problems.append(f"Content-Type {fields.get(b'content-type')!r}")
        if fields.get(b"server") != b"eddy":
            problems.append(f"Server {fields.get(b'server')!r}")
        if len(fields.get(b"date", b"")) != 29:
            problems.append(f"Date {fields.get(b'date')!r}")
        if problems:
            raise BenchError(f"{name} answers {path} wrongly: {', '.join(problems)}")
        # Size on a keep-alive connection: without the `Connection: close` line this request adds.
        sizes[path] = len(raw) - (len(b"Connection: close\r\n") if b"connection" in fields else 0)
    return sizes


def run(ctx):
    """Runs the group; returns (title, setup, rows, notes)."""
    cfg = settings(ctx.quick)
    scripts = wrk.write_scripts(ctx.out)
    rows = Rows()
    for mode, depth in (("plain", 1), ("pipelined", DEPTH)):
        label = "plain" if depth == 1 else f"{DEPTH} pipelined"
        target = {"hyper": ">= 1.30", "tokio": ">= 1.00"} if depth > 1 else None
        rows.define(f"{mode}_rate", f"requests/s, {label}", "req/s", "higher", target=target,
                    chart="throughput")
        cpu_target = {"tokio": "<= 0.90"}
        if depth > 1:
            cpu_target["raw"] = "<= 1.10"
        rows.define(f"{mode}_cpu", f"server CPU per request, {label}", "µs", "lower", target=cpu_target)
        for q in ("p50", "p99", "p999"):
            rows.define(f"{mode}_{q}", f"latency {q}, {label}" + (" (per batch)" if depth > 1 else ""),
                        "µs", "lower", chart=f"latency:HTTP latency, {label}, {CONNS} connections")
    names = [n for n, _ in SERVERS]
    binaries = dict(SERVERS)
    sizes = {}
    for name in names:
        with Server(os.path.join(ctx.examples, binaries[name]), "0", 1, ctx.log) as server:
            sizes[name] = check_responses(name, server)
    size_text = ", ".join(f"{n} {s['/plaintext']} B" for n, s in sizes.items())
    if len({s["/plaintext"] for s in sizes.values()}) != 1:
        raise BenchError(f"the servers' /plaintext responses differ in size: {size_text}")
    for rnd in range(ctx.rounds):
        for name in alternated(names, rnd):
            with Server(os.path.join(ctx.examples, binaries[name]), "0", 1, ctx.log) as server:
                url = f"http://{server.addr}/plaintext"
                for mode, depth in (("plain", 1), ("pipelined", DEPTH)):
                    wrk.run(url, scripts, depth, CONNS, cfg["warm"])
                    res, cpu = measured(server, lambda: wrk.run(url, scripts, depth, CONNS, cfg["secs"]))
                    rows.add(f"{mode}_rate", name, res["requests"] * 1e6 / res["duration_us"])
                    rows.add(f"{mode}_cpu", name, cpu * 1e6 / res["requests"])
                    for q in ("p50", "p99", "p999"):
                        rows.add(f"{mode}_{q}", name, res[f"{q}_us"])
            ctx.progress(f"http round {rnd + 1} {name}: "
                         f"{rows.rows['plain_rate']['samples'][name][-1]:.0f} req/s plain, "
                         f"{rows.rows['pipelined_rate']['samples'][name][-1]:.0f} req/s pipelined")
    setup = (f"Servers `--workers 1` pinned to CPU 0 (taskset); `wrk -t1 -c{CONNS}` pinned to CPU 1 on "
             f"/plaintext for {cfg['secs']} s after a {cfg['warm']} s warm-up, plain and {DEPTH} requests "
             f"pipelined per write; {ctx.rounds} rounds, server order rotated and reversed every round; "
             f"medians.")
    notes = [
        f"Every server's /plaintext response is checked before the runs and is the same size on a "
        f"keep-alive connection ({size_text}): same body, Content-Type, Server and Date.",
        "CPU per request: the server's utime+stime (all threads, /proc/PID/stat, 10 ms ticks) over the "
        "run divided by the responses wrk counted.",
        "Latency is wrk's, with its coordinated-omission correction; pipelined latency is per batch of "
        f"{DEPTH} (write of the batch to its last response).",
        "hyper = hyper 1.x http1 on a one-worker Tokio runtime with pipeline_flush; tokio = "
        "bench/examples/tokio_http.rs (httparse, all complete requests answered per read, one write); "
        "raw = bench/examples/raw_http.rs, a single-threaded edge-triggered epoll loop on libc.",
    ]
    return "HTTP/1.1, wrk on /plaintext", setup, rows.finish(), notes
