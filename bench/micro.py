#!/usr/bin/env python3
"""micro: the criterion benches of the root package, eddy against Tokio, in alternated rounds.

Owns the groups `scheduler` (benches/rt_multi_threaded.rs), `sync` (benches/sync_*.rs) and `timer`
(benches/time.rs) of `bench/run`, and writes DIR/scheduler.json, DIR/sync.json and DIR/timer.json
in the schema `bench/report.py` reads, each row with issue 7's target (eddy/tokio <= 1.00).

    python3 bench/micro.py --out DIR [--quick] [--rounds N] [--groups scheduler,sync,timer]
                           [--filter REGEX] [--warm-up S] [--measure S] [--samples N]

Every bench already measures each workload on both runtimes, as the criterion functions
`<workload>/eddy` and `<workload>/tokio`. The bench binaries are built once (`cargo bench --no-run`),
then every round runs each (workload, runtime) pair as its own process with `--exact`, so no
runtime's threads or allocator state outlive its measurement. Rounds alternate which runtime goes
first: eddy first for even workloads in even rounds, Tokio first otherwise, so each workload sees
both orders. A round's figure for one (workload, runtime) pair is criterion's median time per
iteration, read from the `estimates.json` criterion writes under `$CRITERION_HOME` (a fresh
directory per round, so no earlier run is ever read back). The row's value is the median of the
rounds' figures; the figures themselves are the samples.

Defaults: 3 rounds, criterion `--warm-up-time 0.2 --measurement-time 0.6 --sample-size 50`
(about 5 minutes for the three groups on 2 cores).
`--quick` (the CI smoke run): 1 round, `--warm-up-time 0.05 --measurement-time 0.1
--sample-size 10` (about 30 seconds). Criterion stretches a measurement past its target time
when one iteration is long (at least sample-size iterations are always taken), which the timer
workloads are: they set 10 samples themselves.

Exit status: 0 when every workload produced an eddy figure, 1 otherwise (the JSON files are still
written, with the failures in their notes), 2 on bad arguments or a failed build.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("eddy", "tokio")
# Longest one criterion process may take before it is killed and its figure counted as missing.
PROCESS_TIMEOUT_S = 300

# group -> (title, setup sentence, benches in run order)
GROUPS = {
    "scheduler": (
        "Scheduler (Tokio's rt_multi_threaded workloads)",
        "benches/rt_multi_threaded.rs: Tokio's multi-thread scheduler workloads with Tokio's "
        "parameters except the worker count (2 for both runtimes, the machine's cores); "
        "time per iteration.",
        ["rt_multi_threaded"],
    ),
    "sync": (
        "Sync primitives (Tokio's sync benches)",
        "benches/sync_mpsc.rs, sync_mpsc_oneshot.rs, sync_notify.rs, sync_semaphore.rs: Tokio's "
        "sync benchmarks, each runtime with its own primitives on its own runtime; workload names "
        "are prefixed by their bench; time per iteration.",
        ["sync_mpsc", "sync_mpsc_oneshot", "sync_notify", "sync_semaphore"],
    ),
    "timer": (
        "Timers",
        "benches/time.rs: timer insert/cancel, mass expiry, deadline resets and interval ticks on "
        "a current-thread runtime; time per iteration (interval_tick: CPU time of the runtime "
        "thread per iteration, see notes).",
        ["time"],
    ),
}

GROUP_NOTES = {
    "timer": [
        "interval_tick is CPU time, not wall time: 1,000 intervals of 1 ms each ticking 20 times "
        "take about 20 ms of wall time on either runtime; the figure is what the runtime thread "
        "spent on those 20,000 ticks.",
    ],
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def target_dir():
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target if target.is_absolute() else ROOT / target


def build(benches):
    """Builds the bench binaries once; returns {bench name: executable path}."""
    cmd = ["cargo", "bench", "--no-run", "--message-format=json-render-diagnostics"]
    for b in benches:
        cmd += ["--bench", b]
    log("+ " + " ".join(cmd))
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"micro: build failed (exit {proc.returncode})")
    exes = {}
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
            continue
        if "bench" in msg.get("target", {}).get("kind", []):
            exes[msg["target"]["name"]] = msg["executable"]
    missing = [b for b in benches if b not in exes]
    if missing:
        raise SystemExit(f"micro: cargo reported no executable for {', '.join(missing)}")
    return exes


def list_workloads(exe):
    """The workloads of one bench binary (criterion ids `<workload>/eddy` that have a Tokio twin),
    and the other lines it printed (a bench may report sizes, e.g. bytes per pending timer)."""
    proc = subprocess.run([exe, "--bench", "--list"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)
    if proc.returncode != 0:
        raise SystemExit(f"micro: {exe} --list failed: {proc.stderr.strip()}")
    ids = set()
    for line in proc.stdout.splitlines():
        if line.endswith(": benchmark"):
            ids.add(line[: -len(": benchmark")])
    ordered = []
    for line in proc.stdout.splitlines():
        ident = line[: -len(": benchmark")] if line.endswith(": benchmark") else None
        if ident and ident.endswith("/eddy"):
            workload = ident[: -len("/eddy")]
            if f"{workload}/tokio" in ids and workload not in ordered:
                ordered.append(workload)
    printed = [line.strip() for line in proc.stdout.splitlines()
               if line.strip() and not line.endswith(": benchmark")]
    return ordered, printed


def measure(exe, workload, runtime, crit_args, home):
    """One criterion pass over `<workload>/<runtime>`; returns its median ns/iteration."""
    cmd = [exe, "--bench", "--exact", f"{workload}/{runtime}", "--noplot"] + crit_args
    env = dict(os.environ, CRITERION_HOME=str(home))
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=PROCESS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {PROCESS_TIMEOUT_S} s")
    if proc.returncode != 0:
        tail = " | ".join(proc.stdout.strip().splitlines()[-3:])
        raise RuntimeError(f"exit {proc.returncode}: {tail}")
    path = home / workload / runtime / "new" / "estimates.json"
    try:
        return json.loads(path.read_text())["median"]["point_estimate"]
    except (OSError, ValueError, KeyError) as e:
        raise RuntimeError(f"no estimate at {path}: {e}")


def unit_for(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return unit, scale
    return "ns", 1.0


def row_name(bench, workload, group):
    if group != "sync":
        return workload
    short = bench[len("sync_"):]
    return workload if workload.startswith(short + "_") else f"{short}_{workload}"


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def run_group(group, exes, args, crit_args, scratch):
    title, setup, benches = GROUPS[group]
    pattern = re.compile(args.filter) if args.filter else None
    plan = []  # (bench, workload)
    printed = []
    for bench in benches:
        workloads, said = list_workloads(exes[bench])
        printed += [f"{bench}: {line}" for line in said]
        for workload in workloads:
            if pattern is None or pattern.search(row_name(bench, workload, group)):
                plan.append((bench, workload))
    samples = {key: {rt: [] for rt in RUNTIMES} for key in plan}
    errors = []
    load_before = load_average()
    started = time.monotonic()
    for rnd in range(args.rounds):
        home = scratch / f"{group}-round{rnd}"
        for i, (bench, workload) in enumerate(plan):
            order = RUNTIMES if (rnd + i) % 2 == 0 else tuple(reversed(RUNTIMES))
            for runtime in order:
                try:
                    ns = measure(exes[bench], workload, runtime, crit_args, home)
                except (RuntimeError, OSError) as e:
                    errors.append(f"{bench} {workload}/{runtime}, round {rnd + 1}: {e}")
                    log(f"micro: {errors[-1]}")
                    continue
                samples[(bench, workload)][runtime].append(ns)
            got = samples[(bench, workload)]
            log(f"[{group} round {rnd + 1}/{args.rounds}] {row_name(bench, workload, group)}: "
                + ", ".join(f"{rt} {got[rt][-1] / 1e3:.1f} µs" for rt in RUNTIMES
                            if len(got[rt]) == rnd + 1))
    elapsed = time.monotonic() - started

    rows = []
    for (bench, workload) in plan:
        got = samples[(bench, workload)]
        if not got["eddy"]:
            continue
        unit, scale = unit_for(statistics.median(got["eddy"]))
        values, kept = {}, {}
        for rt in RUNTIMES:
            if got[rt]:
                kept[rt] = [round(ns / scale, 6) for ns in got[rt]]
                values[rt] = round(statistics.median(ns / scale for ns in got[rt]), 6)
        # Issue 7's target: eddy at least as fast as Tokio on every workload.
        rows.append({"workload": row_name(bench, workload, group), "unit": unit,
                     "better": "lower", "values": values, "samples": kept,
                     "target": {"tokio": "<= 1.00"}})

    notes = list(GROUP_NOTES.get(group, [])) + printed
    notes.append(f"{args.rounds} round(s), runtimes alternated; criterion "
                 + " ".join(crit_args) + f"; {elapsed:.0f} s; load average "
                 f"{load_before} before, {load_average()} after, on {os.cpu_count()} CPUs.")
    notes += [f"failed: {e}" for e in errors]
    report = {"group": group, "title": title, "setup": setup, "rows": rows, "notes": notes}
    missing_eddy = [row_name(b, w, group) for (b, w) in plan if not samples[(b, w)]["eddy"]]
    return report, missing_eddy


def print_table(report):
    print(f"\n{report['title']}")
    print(f"{'workload':<44} {'eddy':>12} {'tokio':>12} {'eddy/tokio':>11}")
    for row in report["rows"]:
        v = row["values"]
        eddy = f"{v['eddy']:.3f} {row['unit']}"
        tokio = f"{v['tokio']:.3f} {row['unit']}" if "tokio" in v else "-"
        ratio = f"{v['eddy'] / v['tokio']:.2f}" if v.get("tokio") else "-"
        print(f"{row['workload']:<44} {eddy:>12} {tokio:>12} {ratio:>11}")
    for note in report["notes"]:
        print(f"  note: {note}")


def parse_args(argv):
    p = argparse.ArgumentParser(description="eddy vs Tokio criterion benches in alternated rounds")
    p.add_argument("--out", required=True, help="directory for <group>.json")
    p.add_argument("--quick", action="store_true", help="smoke run: 1 short round")
    p.add_argument("--rounds", type=int, help="rounds (default 3, --quick 1)")
    p.add_argument("--groups", default="scheduler,sync,timer",
                   help="comma-separated subset of scheduler,sync,timer")
    p.add_argument("--filter", help="only workloads whose row name matches this regex")
    p.add_argument("--warm-up", type=float, help="criterion --warm-up-time, seconds")
    p.add_argument("--measure", type=float, help="criterion --measurement-time, seconds")
    p.add_argument("--samples", type=int, help="criterion --sample-size (at least 10)")
    args = p.parse_args(argv)
    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown or not groups:
        p.error(f"unknown group(s) {unknown}; choose from {', '.join(GROUPS)}")
    args.groups = groups
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    if args.warm_up is None:
        args.warm_up = 0.05 if args.quick else 0.2
    if args.measure is None:
        args.measure = 0.1 if args.quick else 0.6
    if args.samples is None:
        args.samples = 10 if args.quick else 50
    if args.warm_up <= 0 or args.measure <= 0:
        p.error("--warm-up and --measure must be positive")
    if args.samples < 10:
        p.error("--samples must be at least 10 (criterion's minimum)")
    if args.filter:
        try:
            re.compile(args.filter)
        except re.error as e:
            p.error(f"--filter is not a valid regex: {e}")
    return args


def main(argv):
    # SIGTERM (bench/run stopped, CI timeout) unwinds like Ctrl-C, so every `finally` stops the
    # processes this script started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    crit_args = ["--warm-up-time", str(args.warm_up), "--measurement-time", str(args.measure),
                 "--sample-size", str(args.samples), "--nresamples", "1000"]
    benches = [b for g in args.groups for b in GROUPS[g][2]]
    exes = build(benches)
    scratch = Path(tempfile.mkdtemp(prefix="micro-criterion-", dir=target_dir()))
    status = 0
    try:
        for group in args.groups:
            report, missing = run_group(group, exes, args, crit_args, scratch)
            (out / f"{group}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False)
                                               + "\n")
            print_table(report)
            if missing:
                log(f"micro: {group}: no eddy figure for {', '.join(missing)}")
                status = 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
