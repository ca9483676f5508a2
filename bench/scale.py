#!/usr/bin/env python3
"""scale: memory per idle task and per idle connection, and many connections on one worker.

Owns the group `scale` of `bench/run` and writes DIR/scale.json in the schema `bench/report.py`
reads.

    python3 bench/scale.py --out DIR [--quick] [--rounds N] [--tasks N] [--conns N]

Tasks. `bench/examples/scale_tasks.rs` spawns `--tasks` (100,000) tasks that each wait forever on
a one-worker runtime, eddy's or Tokio's, and reports the growth of its resident set and of the
bytes and blocks live in its (counting) allocator, per task.

Connections. `bench/examples/scale_conns.rs`, one echo server written once for both runtimes (one
worker, a 1 KiB buffer per connection, the same listen backlog on both), is sent `--conns`
(100,000) connections, all open at once; then every connection does one 1-byte echo round trip to
prove it is served. Reported: the time until the server has accepted them all, the time for the
round trips, and per connection the growth of the server's resident set and of the bytes and
blocks live in its counting allocator (the server reports them on stdin's `stats`), measured once
all are accepted and again after the round trips (each connection's task has run and parked on
its read). The clients are forked worker processes of this script, each holding at
most 10,000 connections bound to its own source address (127.0.0.2, .3, ...): Linux picks
connect()'s port from the even half of the ephemeral range first (~14,000 ports towards one
listener per source address) and slows down sharply past it, and one process has a bounded number
of file descriptors. Clients close with a reset, so no TIME_WAIT sockets outlive a run.

The server holds one descriptor per connection, so `--conns` cannot exceed its fd limit. The
script raises its soft RLIMIT_NOFILE to the hard one (children inherit it) and tries to raise the
hard one when it is too low (only possible with CAP_SYS_RESOURCE); when that fails, the count is
lowered to what fits and the notes say so.

Rounds (3, `--quick` 1) alternate which runtime goes first; values are the medians of the rounds.
`--quick` (the CI smoke run): 10,000 tasks and 2,000 connections, one round.

Every server and client process started here is stopped before the script returns, on success,
error or interrupt. Exit status: 0 when every figure was measured and every echo came back, 1
otherwise (scale.json is still written, with the failures in its notes), 2 on bad arguments or a
failed build.
"""

import argparse
import ctypes
import json
import multiprocessing
import os
import resource
import select
import selectors
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("eddy", "tokio")
# Connections per client process and source address. Linux gives connect() the even half of the
# ephemeral range (~14,000 ports of 32768-60999 here) first and gets slow beyond it.
PER_CLIENT = 10_000
# Client processes at most: one per source address 127.0.0.2 to 127.0.0.254.
MAX_CLIENTS = 253
# Descriptors the server needs besides its connections (stdio, listener, epoll, wakers, ...).
FD_MARGIN = 100
CONNECT_TIMEOUT_S = 10
# The servers' listen backlog (the kernel caps it at net.core.somaxconn). A full accept queue drops
# SYNs and costs the client a 1 s retransmit, so the deeper the queue, the less the time to open
# depends on the server being descheduled for a moment on a busy machine.
BACKLOG = 4096
# Linux's IP_BIND_ADDRESS_NO_PORT (not in Python's socket module): bind the source address now,
# pick the port at connect(), per destination, instead of searching the whole port range per bind.
IP_BIND_ADDRESS_NO_PORT = 24
# SO_LINGER on with a zero timeout: close() resets the connection, leaving no TIME_WAIT socket to
# hold its port for a minute (which would starve the next round, and anyone else's benchmark).
ABORT_ON_CLOSE = struct.pack("ii", 1, 0)
PHASE_TIMEOUT_S = 300


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Failure(Exception):
    """A measurement that could not be made; its message goes to the notes."""


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def build():
    """Builds the programs; returns {name: executable}."""
    cmd = ["cargo", "build", "--release", "--message-format=json-render-diagnostics",
           "-p", "eddy-bench", "--example", "scale_tasks", "--example", "scale_conns"]
    log("+ " + " ".join(cmd))
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"scale: build failed (exit {proc.returncode})")
    exes = {}
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            exes[msg["target"]["name"]] = msg["executable"]
    for name in ("scale_tasks", "scale_conns"):
        if name not in exes:
            raise SystemExit(f"scale: cargo reported no executable for {name}")
    return exes


# ---------------------------------------------------------------- tasks

def measure_tasks(exe, runtime, tasks):
    cmd = [exe, "--runtime", runtime, "--tasks", str(tasks)]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=PHASE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise Failure(f"scale_tasks {runtime} timed out after {PHASE_TIMEOUT_S} s")
    if proc.returncode != 0:
        raise Failure(f"scale_tasks {runtime}: exit {proc.returncode}: {proc.stderr.strip()}")
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise Failure(f"scale_tasks {runtime}: unreadable output {proc.stdout!r}")


# ---------------------------------------------------------------- connections

def fd_limit_for(conns):
    """Raises RLIMIT_NOFILE for this process and its children; returns the usable fd count."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = conns + FD_MARGIN
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            soft, hard = want, want
        except (ValueError, OSError):
            pass
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Server:
    """A running `scale_conns`, asked for its figures through its stdin and stdout."""

    def __init__(self, exe, runtime, workdir):
        self.name = f"scale_conns --runtime {runtime}"
        self.err = open(workdir / f"server-{runtime}.err", "w+")
        self.proc = subprocess.Popen([exe, "--runtime", runtime, "--addr", "127.0.0.1:0",
                                      "--backlog", str(BACKLOG)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, text=True)
        try:
            first = self.line(30)
            if "listening on " not in first:
                raise Failure(f"{self.name} printed {first!r} instead of its address")
            host, _, port = first.split("listening on ", 1)[1].strip().rpartition(":")
            self.addr = (host, int(port))
        except BaseException:
            self.stop()
            raise

    def line(self, timeout):
        """The server's next stdout line, waiting at most `timeout` seconds."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise Failure(f"{self.name} gave no answer within {timeout} s")
        text = self.proc.stdout.readline()
        if not text:
            self.err.seek(0)
            raise Failure(f"{self.name} exited ({self.proc.poll()}): {self.err.read().strip()}")
        return text

    def stats(self):
        try:
            self.proc.stdin.write("stats\n")
            self.proc.stdin.flush()
        except OSError as e:
            raise Failure(f"{self.name}: cannot ask for stats: {e}")
        try:
            return json.loads(self.line(10))
        except ValueError as e:
            raise Failure(f"{self.name}: unreadable stats: {e}")

    def wait_open(self, n):
        """Stats once the server serves exactly `n` connections (polled every 50 ms)."""
        deadline = time.monotonic() + PHASE_TIMEOUT_S
        while True:
            st = self.stats()
            if st["open"] == n:
                return st
            if time.monotonic() > deadline:
                raise Failure(f"{self.name} serves {st['open']:,} of {n:,} connections "
                              f"after {PHASE_TIMEOUT_S} s")
            time.sleep(0.05)

    def stop(self):
        """Ends the server (quit, then SIGTERM, then SIGKILL); always reaps it."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.err):
            try:
                f.close()
            except OSError:
                pass


def listen_overflows():
    """The kernel's count of connections dropped on a full accept queue (all listeners)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:]))
            if "ListenOverflows" in table:
                return int(table["ListenOverflows"])
    return None


def abort(sock):
    """Closes `sock` with a reset (no TIME_WAIT)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORT_ON_CLOSE)
    except OSError:
        pass
    sock.close()


def echo_once(addr):
    s = socket.create_connection(addr, timeout=10)
    try:
        s.sendall(b"w")
        if s.recv(1) != b"w":
            raise Failure("warm-up echo came back wrong")
    finally:
        abort(s)


def die_with_parent():
    """Asks Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def client(addr, count, src_ip, pipe):
    """A client process: opens `count` connections, echoes on command, closes on command."""
    die_with_parent()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    socks = []
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        start = time.monotonic()
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.settimeout(CONNECT_TIMEOUT_S)
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind((src_ip, 0))
            s.connect(addr)
        pipe.send(("open", len(socks), time.monotonic() - start))
        if pipe.recv() != "echo":
            return
        start = time.monotonic()
        with selectors.EpollSelector() as sel:
            for s in socks:
                s.setblocking(False)
                s.send(b"x")
                sel.register(s, selectors.EVENT_READ)
            ok = bad = 0
            deadline = start + PHASE_TIMEOUT_S
            while ok + bad < len(socks) and time.monotonic() < deadline:
                for key, _ in sel.select(timeout=1.0):
                    sel.unregister(key.fileobj)
                    try:
                        data = key.fileobj.recv(16)
                    except OSError:
                        data = b""
                    if data == b"x":
                        ok += 1
                    else:
                        bad += 1
        pipe.send(("echo", ok, time.monotonic() - start))
        pipe.recv()  # "close"
    except (OSError, EOFError) as e:
        try:
            pipe.send(("error", f"{src_ip}: after {len(socks)} connections: {e}"))
        except OSError:
            pass
    finally:
        for s in socks:
            abort(s)


def gather(pipes, kind):
    """One reply of `kind` from every client; raises on an error reply or a timeout."""
    replies = []
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    for p in pipes:
        if not p.poll(max(0.0, deadline - time.monotonic())):
            raise Failure(f"a client gave no {kind} reply within {PHASE_TIMEOUT_S} s")
        msg = p.recv()
        if msg[0] != kind:
            raise Failure(f"client: {msg[1] if len(msg) > 1 else msg}")
        replies.append(msg)
    return replies


def measure_conns(exe, runtime, conns, per_client, workdir):
    ctx = multiprocessing.get_context("fork")
    server = Server(exe, runtime, workdir)
    procs, pipes = [], []
    try:
        # Warm-up: the first connection's lazy allocations are not the per-connection cost.
        echo_once(server.addr)
        server.wait_open(0)
        time.sleep(0.1)
        base = server.stats()
        overflows = listen_overflows()
        start = time.monotonic()
        left, k = conns, 0
        while left > 0:
            n = min(left, per_client)
            mine, theirs = ctx.Pipe()
            p = ctx.Process(target=client, args=(server.addr, n, f"127.0.0.{2 + k}", theirs),
                            daemon=True)
            p.start()
            theirs.close()
            procs.append(p)
            pipes.append(mine)
            left -= n
            k += 1
        opened = gather(pipes, "open")
        opened_n = sum(r[1] for r in opened)
        if opened_n != conns:
            raise Failure(f"clients opened {opened_n:,} of {conns:,} connections")
        server.wait_open(conns)
        open_s = time.monotonic() - start
        if overflows is not None:
            overflows = listen_overflows() - overflows
        time.sleep(0.1)
        at_open = server.stats()
        for p in pipes:
            p.send("echo")
        echoed = gather(pipes, "echo")
        echo_s = max(r[2] for r in echoed)
        ok = sum(r[1] for r in echoed)
        time.sleep(0.1)
        at_echo = server.stats()
        if at_echo["open"] != conns:
            raise Failure(f"server serves {at_echo['open']:,} connections after the echoes, "
                          f"not {conns:,} (errors: {at_echo['errors']})")
        return {
            "open_s": open_s,
            "echo_s": echo_s,
            "echo_ok": ok,
            "rss_per_conn_open": (at_open["rss"] - base["rss"]) / conns,
            "rss_per_conn_echoed": (at_echo["rss"] - base["rss"]) / conns,
            "alloc_per_conn": (at_echo["live_bytes"] - base["live_bytes"]) / conns,
            "allocs_per_conn": (at_echo["live_blocks"] - base["live_blocks"]) / conns,
            "listen_overflows": overflows,
        }
    finally:
        # Every client ends on "close" whatever phase it is in; a forked client also holds the
        # parent's ends of the earlier pipes, so closing them would not reach it.
        for p in pipes:
            try:
                p.send("close")
            except OSError:
                pass
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
        for p in pipes:
            p.close()
        server.stop()


# ---------------------------------------------------------------- report

# Issue 7's target for the memory rows: per task and per connection at most Tokio's.
MEMORY_TARGET = {"tokio": "<= 1.00"}
ROWS = [
    # (workload, unit, key, source)
    ("rss_per_idle_task", "B", "rss_per_task", "tasks"),
    ("alloc_per_idle_task", "B", "alloc_per_task", "tasks"),
    ("allocs_per_idle_task", "blocks", "allocs_per_task", "tasks"),
    ("rss_per_idle_conn", "B", "rss_per_conn_echoed", "conns"),
    ("rss_per_idle_conn_unused", "B", "rss_per_conn_open", "conns"),
    ("alloc_per_idle_conn", "B", "alloc_per_conn", "conns"),
    ("allocs_per_idle_conn", "blocks", "allocs_per_conn", "conns"),
    ("open_all_conns", "s", "open_s", "conns"),
    ("echo_all_conns", "s", "echo_s", "conns"),
]


def parse_args(argv):
    p = argparse.ArgumentParser(description="memory per task/connection, many connections")
    p.add_argument("--out", required=True, help="directory for scale.json")
    p.add_argument("--quick", action="store_true", help="smoke run: small counts, one round")
    p.add_argument("--rounds", type=int, help="rounds (default 3, --quick 1)")
    p.add_argument("--tasks", type=int, help="idle tasks (default 100000, --quick 10000)")
    p.add_argument("--conns", type=int, help="connections (default 100000, --quick 2000)")
    args = p.parse_args(argv)
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.tasks is None:
        args.tasks = 10_000 if args.quick else 100_000
    if args.conns is None:
        args.conns = 2_000 if args.quick else 100_000
    for name in ("rounds", "tasks", "conns"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    return args


def main(argv):
    # SIGTERM (bench/run stopped, CI timeout) unwinds like Ctrl-C, so every `finally` stops the
    # processes this script started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    exes = build()
    notes, errors = [], []
    conns = args.conns
    limit = fd_limit_for(conns)
    if limit != resource.RLIM_INFINITY and limit - FD_MARGIN < conns:
        conns = limit - FD_MARGIN
        notes.append(
            f"{args.conns:,} connections asked, {conns:,} measured: the server needs one file "
            f"descriptor per connection and the hard RLIMIT_NOFILE here is {limit:,}, which this "
            "process cannot raise (no CAP_SYS_RESOURCE); rerun where it can be raised to get "
            "the full count.")
    per_client = PER_CLIENT
    if limit != resource.RLIM_INFINITY:
        per_client = min(PER_CLIENT, limit - FD_MARGIN)
    if conns > MAX_CLIENTS * per_client:
        raise SystemExit(f"scale: --conns above {MAX_CLIENTS * per_client:,} needs more than "
                         f"{MAX_CLIENTS} source addresses (127.0.0.2 to 127.0.0.254)")
    samples = {w: {rt: [] for rt in RUNTIMES} for (w, _, _, _) in ROWS}
    overflow_notes = []
    load_before = load_average()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        workdir = Path(tmp)
        for rnd in range(args.rounds):
            order = RUNTIMES if rnd % 2 == 0 else tuple(reversed(RUNTIMES))
            for runtime in order:
                for source in ("tasks", "conns"):
                    try:
                        if source == "tasks":
                            got = measure_tasks(exes["scale_tasks"], runtime, args.tasks)
                        else:
                            got = measure_conns(exes["scale_conns"], runtime, conns,
                                                per_client, workdir)
                            if got["echo_ok"] != conns:
                                raise Failure(f"{runtime}: only {got['echo_ok']:,} of "
                                              f"{conns:,} echoes came back")
                    except Failure as e:
                        errors.append(f"round {rnd + 1}, {runtime} {source}: {e}")
                        log(f"scale: {errors[-1]}")
                        continue
                    log(f"[scale round {rnd + 1}/{args.rounds}] {runtime} {source}: "
                        + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                    for k, v in got.items()))
                    for (w, _, key, src) in ROWS:
                        if src == source:
                            samples[w][runtime].append(got[key])
                    if got.get("listen_overflows"):
                        overflow_notes.append(f"round {rnd + 1}, {runtime}: "
                                              f"{got['listen_overflows']} SYN(s) dropped on a "
                                              "full accept queue while opening")
    elapsed = time.monotonic() - started

    rows = []
    for (w, unit, _, _) in ROWS:
        got = samples[w]
        if not got["eddy"]:
            continue
        row = {
            "workload": w, "unit": unit, "better": "lower",
            "values": {rt: round(statistics.median(v), 3) for rt, v in got.items() if v},
            "samples": {rt: [round(x, 3) for x in v] for rt, v in got.items() if v},
        }
        if unit == "B":
            row["target"] = MEMORY_TARGET
        rows.append(row)
    notes += [
        f"Tasks: {args.tasks:,} idle tasks (std::future::pending) on a one-worker runtime; "
        "rss = resident set growth, alloc = bytes live in the allocator, per task.",
        f"Connections: {conns:,} concurrent connections held by one worker of the same echo "
        "server on each runtime (bench/examples/scale_conns.rs: a task and a 1 KiB buffer per "
        f"connection, listen backlog {BACKLOG} on both); rss/alloc_per_idle_conn are measured after "
        "each connection made one echo round trip, rss_per_idle_conn_unused once all were "
        "accepted; open_all_conns is the time until the server had accepted them all, "
        "echo_all_conns the time for one round trip on every one of them.",
        f"{args.rounds} round(s), runtimes alternated; {elapsed:.0f} s; load average "
        f"{load_before} before, {load_average()} after, on {os.cpu_count()} CPUs.",
    ]
    if overflow_notes:
        notes.append("Each SYN dropped on a full accept queue adds a 1 s retransmit to "
                     "open_all_conns (the kernel's ListenOverflows, counted over all listeners): "
                     + "; ".join(overflow_notes) + ".")
    notes += [f"failed: {e}" for e in errors]
    report = {
        "group": "scale",
        "title": "Scale and memory",
        "setup": f"{args.tasks:,} idle tasks on a one-worker runtime; {conns:,} idle TCP "
                 "connections on one worker of an echo server written once for both runtimes; "
                 "the clients are separate processes on the same machine.",
        "rows": rows,
        "notes": notes,
    }
    (out / "scale.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(f"\n{report['title']}")
    print(f"{'workload':<28} {'eddy':>14} {'tokio':>14} {'eddy/tokio':>11}")
    for row in rows:
        v = row["values"]
        tokio = f"{v['tokio']:.4g} {row['unit']}" if "tokio" in v else "-"
        ratio = f"{v['eddy'] / v['tokio']:.2f}" if v.get("tokio") else "-"
        print(f"{row['workload']:<28} {v['eddy']:>11.4g} {row['unit']:<2} {tokio:>14} {ratio:>11}")
    for note in notes:
        print(f"  note: {note}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
