"""Server processes and what /proc says about them: start, stop, CPU time, memory, pinning.

Every server is started as `taskset -c CPUS EXAMPLE --addr 127.0.0.1:0 --workers N`; taskset execs the
example, so the pid we hold is the server's own. A server must print one line ending in its address
(`... listening on 127.0.0.1:PORT` or `... on http://127.0.0.1:PORT/`) before it is used.
"""

import os
import resource
import shutil
import signal
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A benchmark step failed: a server did not start, a load tool exited with an error."""


def require(tool):
    if shutil.which(tool) is None:
        raise BenchError(f"{tool} is not installed (apt-get install {'util-linux' if tool == 'taskset' else tool})")


def raise_nofile():
    """Raises the soft descriptor limit to the hard one (children inherit it); returns the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Server:
    """One server process pinned with taskset; its stderr is appended to `log_path`."""

    def __init__(self, binary, cpus, workers, log_path):
        if not os.path.exists(binary):
            raise BenchError(f"{binary} is missing: build first (bench/run builds unless --no-build)")
        self.name = os.path.basename(binary)
        self.log = open(log_path, "ab")
        cmd = ["taskset", "-c", cpus, binary, "--addr", "127.0.0.1:0", "--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode(errors="replace").strip()
        if "listening on" not in line:
            self.stop()
            raise BenchError(f"{self.name} did not start (first line {line!r}; stderr in {log_path})")
        addr = line.split()[-1]
        addr = addr.removeprefix("http://").rstrip("/")
        host, port = addr.rsplit(":", 1)
        self.addr = addr
        self.host_port = (host, int(port))
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def cpu_seconds(self):
        """utime + stime of every thread of the server so far, in seconds (clock-tick resolution)."""
        with open(f"/proc/{self.pid}/stat") as f:
            # The command name may contain spaces; the fields after its closing parenthesis are fixed.
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def status_kib(self, key):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise BenchError(f"/proc/{self.pid}/status has no {key}")

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def measured(server, run_load):
    """Runs `run_load()` and returns (its result, server CPU seconds spent meanwhile)."""
    before = server.cpu_seconds()
    result = run_load()
    after = server.cpu_seconds()
    if not server.alive():
        raise BenchError(f"{server.name} exited during the load")
    return result, after - before


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out waiting for {what}")
        time.sleep(0.05)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])
