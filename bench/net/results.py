"""Collecting samples over alternated rounds and writing a group's JSON file.

The schema, shared with `bench/micro.py` and `bench/scale.py` and read by `bench/report.py`:

    {"group": "echo", "title": "...", "setup": "...",
     "rows": [{"workload": "...", "unit": "msgs/s", "better": "higher",
               "values": {"eddy": 1.0, "tokio": 1.0}, "samples": {"eddy": [...], "tokio": [...]},
               "target": {"tokio": ">= 0.97"},          # optional: eddy/peer ratio the issues ask for
               "chart": "throughput"}],                  # optional: "throughput" or "latency:<title>"
     "notes": ["..."]}

`values` are the medians of `samples`.
"""

import json
import os
import statistics


class Rows:
    """Rows in insertion order; each sample is added as it is measured."""

    def __init__(self):
        self.rows = {}

    def define(self, key, workload, unit, better, target=None, chart=None):
        row = {"workload": workload, "unit": unit, "better": better, "values": {}, "samples": {}}
        if target:
            row["target"] = target
        if chart:
            row["chart"] = chart
        self.rows[key] = row

    def add(self, key, server, value):
        self.rows[key]["samples"].setdefault(server, []).append(value)

    def finish(self):
        out = []
        for row in self.rows.values():
            if not row["samples"]:
                continue
            row["values"] = {s: statistics.median(v) for s, v in row["samples"].items()}
            out.append(row)
        return out


def alternated(names, rnd):
    """The order servers run in round `rnd`: rotated each round so that no server always goes first."""
    k = rnd % len(names)
    order = names[k:] + names[:k]
    return order if rnd % 2 == 0 else order[::-1]


def write_group(out_dir, group, title, setup, rows, notes):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{group}.json")
    with open(path, "w") as f:
        json.dump({"group": group, "title": title, "setup": setup, "rows": rows, "notes": notes}, f,
                  indent=1, ensure_ascii=False)
        f.write("\n")
    return path
