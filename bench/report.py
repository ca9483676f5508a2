#!/usr/bin/env python3
"""Writes BENCHMARKS.md (and its SVG charts) from the group results of `bench/run`.

    bench/report.py [--results target/bench-results] [--md BENCHMARKS.md] [--svg-dir docs/bench]
                    [--command "bench/run ..."] [--notes bench/notes.md]

Reads every RESULTS/*.json (schema: bench/net/results.py) and writes one Markdown report: the machine
(CPU model, cores, kernel, rustc), the date, the command, a table per group (eddy's value, each peer's,
and the ratio eddy/peer, marked ✓ or ✗ where a row carries the target an issue asked for), the charts,
a section listing every missed target, and, after it, the hand-written explanations of bench/notes.md.
Charts are written by bench/net/svg.py: one throughput chart per group (rows whose chart is
"throughput", or whose unit ends in "/s" when a row names no chart) and one chart per latency series;
a group with neither (micro benchmarks in mixed units) gets one chart of its eddy/peer ratios.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "bench"))

from net import svg  # noqa: E402

GROUP_ORDER = ["scheduler", "sync", "timer", "micro", "echo", "http", "scale"]


def fmt(v):
    """A value with as many digits as a noisy benchmark deserves."""
    if v is None:
        return "–"
    a = abs(v)
    if a >= 10000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def machine():
    model = "not reported"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f"{kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    try:
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rustc = "rustc not found"
    return [f"CPU: {model}, {os.cpu_count()} logical cores" + (f", {mem}" if mem else ""),
            f"Kernel: {platform.system()} {platform.release()}",
            f"Compiler: {rustc}"]


def check(ratio, spec):
    """(met, text) for a target such as '>= 0.97' against an eddy/peer ratio."""
    op, _, bound = spec.partition(" ")
    bound = float(bound)
    met = ratio >= bound if op == ">=" else ratio <= bound
    return met, f"{op} {bound:g}"


def peers_of(group):
    names = []
    for row in group["rows"]:
        for name in row["values"]:
            if name != "eddy" and name not in names:
                names.append(name)
    return names


def table(group, misses):
    peers = peers_of(group)
    head = ["workload", "unit", "eddy"] + peers + [f"eddy/{p}" for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (1 + 2 * len(peers))]
    for row in group["rows"]:
        vals = row["values"]
        arrow = "↑" if row.get("better") == "higher" else "↓"
        cells = [row["workload"], f"{row['unit']} {arrow}", fmt(vals.get("eddy"))]
        cells += [fmt(vals.get(p)) for p in peers]
        for p in peers:
            e, v = vals.get("eddy"), vals.get(p)
            if e is None or not v:
                cells.append("–")
                continue
            ratio = e / v
            cell = f"{ratio:.2f}"
            spec = row.get("target", {}).get(p)
            if spec:
                met, want = check(ratio, spec)
                cell += f" {'✓' if met else '✗'} ({want})"
                if not met:
                    misses.append((group["group"], row["workload"], p, ratio, want))
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def charts(group, svg_dir, md_dir):
    """Writes the group's charts; returns Markdown image links."""
    throughput, latency, uncharted = [], {}, []
    for row in group["rows"]:
        kind = row.get("chart") or ("throughput" if row["unit"].endswith("/s") else None)
        bars = [(n, v) for n, v in row["values"].items()]
        bars.sort(key=lambda b: (b[0] != "eddy",))
        if kind == "throughput":
            throughput.append((f"{row['workload']} ({row['unit']})", bars))
        elif kind and kind.startswith("latency:"):
            latency.setdefault(kind[len("latency:"):], []).append((f"{row['workload']} ({row['unit']})", bars))
        elif kind is None:
            e = row["values"].get("eddy")
            peers = [(n, e / v) for n, v in row["values"].items() if n != "eddy" and v and e is not None]
            if peers:
                uncharted.append((row["workload"], peers))
    os.makedirs(svg_dir, exist_ok=True)
    links = []
    files = []
    if throughput:
        files.append((f"{group['group']}-throughput.svg", f"{group['title']}: throughput", throughput))
    for i, (title, panels) in enumerate(latency.items()):
        files.append((f"{group['group']}-latency-{i + 1}.svg", title, panels))
    # A group with no chart of its own (micro benchmarks, rows in mixed units) gets one of ratios.
    if not files and uncharted:
        files.append((f"{group['group']}-ratios.svg", f"{group['title']}: eddy/peer (1.0 = parity; "
                      "the table's arrows say which way is better)", uncharted))
    for name, title, panels in files:
        path = os.path.join(svg_dir, name)
        with open(path, "w") as f:
            f.write(svg.ratios(title, panels) if name.endswith("-ratios.svg") else svg.panels(title, panels, fmt))
        links.append(f"![{title}]({os.path.relpath(path, md_dir)})")
    return links


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--results", default=os.path.join(ROOT, "target", "bench-results"))
    p.add_argument("--md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    p.add_argument("--svg-dir", default=os.path.join(ROOT, "docs", "bench"))
    p.add_argument("--command", default="bench/run")
    p.add_argument("--notes", default=os.path.join(ROOT, "bench", "notes.md"))
    args = p.parse_args()

    groups = []
    for path in glob.glob(os.path.join(args.results, "*.json")):
        try:
            with open(path) as f:
                g = json.load(f)
            g["rows"], g["group"], g["title"]  # the fields every group must have
        except (OSError, ValueError, KeyError, TypeError) as e:
            print(f"report: skipping {path}: {e}", file=sys.stderr)
            continue
        g["_when"] = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
        groups.append(g)
    if not groups:
        print(f"report: no results in {args.results}; run bench/run first", file=sys.stderr)
        return 1
    groups.sort(key=lambda g: (GROUP_ORDER.index(g["group"]) if g["group"] in GROUP_ORDER else 99, g["group"]))

    md_dir = os.path.dirname(os.path.abspath(args.md))
    now = datetime.datetime.now(datetime.timezone.utc)
    out = ["# Benchmarks", "",
           f"Generated by `{args.command}` on {now:%Y-%m-%d %H:%M} UTC; do not edit by hand (the "
           "explanations come from `bench/notes.md`). Method: [docs/BENCHMARKING.md](docs/BENCHMARKING.md).",
           "", "## Machine", ""]
    out += [f"- {m}" for m in machine()]
    out += ["", "Ratios are eddy/peer: above 1 is better for eddy where higher is better (↑), below 1 where "
            "lower is better (↓). ✓/✗ mark the targets the issues set.", ""]
    misses = []
    for g in groups:
        out += [f"## {g['title']} (`{g['group']}`)", "", f"Measured {g['_when']:%Y-%m-%d %H:%M} UTC. "
                + g.get("setup", ""), ""]
        out += table(g, misses)
        out.append("")
        out += charts(g, args.svg_dir, md_dir)
        notes = g.get("notes") or []
        if notes:
            out += [""] + [f"- {n}" for n in notes]
        out.append("")
    out += ["## Where eddy is behind", ""]
    if misses:
        out += ["Targets missed in this run:", ""]
        out += [f"- {grp}: {w}: eddy/{peer} = {r:.2f}, target {want}" for grp, w, peer, r, want in misses]
    else:
        out.append("Every target checked in this run is met.")
    out.append("")
    if os.path.exists(args.notes):
        with open(args.notes) as f:
            notes_text = f.read().strip()
        out += ["## Why: profiles and explanations (bench/notes.md)", "", notes_text, ""]
    os.makedirs(md_dir, exist_ok=True)
    with open(args.md, "w") as f:
        f.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
