"""Running wrk and reading its results: the Lua it needs is written here, next to the parsing.

wrk prints human-oriented text; a `done` hook in Lua prints one machine-readable line instead:

    RESULT requests=N duration_us=N errors_connect=N ... p50_us=N p90_us=N p99_us=N p999_us=N

Plain runs use a script with only that hook, so wrk keeps its static-request fast path. Pipelined runs
add an `init` that concatenates `depth` copies of the request and a `request` that returns them; wrk
then counts `depth` responses per batch (requests/s counts every response) and records one latency
sample per batch, from its write to its last response.
"""

import os
import subprocess

from .proc import BenchError

DONE = r"""
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d errors_connect=%d errors_read=%d errors_write=%d " ..
      "errors_status=%d errors_timeout=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d\n",
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max))
end
"""

PIPELINE = r"""
function init(args)
   local depth = tonumber(args[1]) or 1
   local batch = {}
   for i = 1, depth do
      batch[i] = wrk.format()
   end
   pipelined = table.concat(batch)
end

function request()
   return pipelined
end
"""


def write_scripts(out_dir):
    """Writes the two Lua scripts into `out_dir`; returns {depth kind: path}."""
    os.makedirs(out_dir, exist_ok=True)
    plain = os.path.join(out_dir, "wrk-plain.lua")
    piped = os.path.join(out_dir, "wrk-pipeline.lua")
    header = "-- Written by bench/net/wrk.py for bench/run; edits are overwritten.\n"
    with open(plain, "w") as f:
        f.write(header + DONE)
    with open(piped, "w") as f:
        f.write(header + PIPELINE + DONE)
    return {"plain": plain, "pipeline": piped}


def run(url, scripts, depth, conns, secs, cpu="1"):
    """One wrk run pinned to `cpu`: -t1 -c`conns`, `depth` requests per write. Returns the RESULT fields."""
    script = scripts["plain"] if depth == 1 else scripts["pipeline"]
    cmd = ["taskset", "-c", cpu, "wrk", "-t1", f"-c{conns}", f"-d{secs}s", "--timeout", "10s",
           "-s", script, url]
    if depth > 1:
        cmd += ["--", str(depth)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=float(secs) + 60)
    result = None
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            result = {k: float(v) for k, v in (kv.split("=", 1) for kv in line.split()[1:])}
    if out.returncode != 0 or result is None:
        raise BenchError(f"wrk failed (status {out.returncode}):\n{out.stdout}{out.stderr}")
    errors = {k: v for k, v in result.items() if k.startswith("errors_") and v}
    if errors or result["requests"] == 0:
        raise BenchError(f"wrk against {url} saw errors {errors or 'no requests'}:\n{out.stdout}")
    return result
