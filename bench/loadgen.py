"""Workload 3: concurrent validated POST /threads, driven by wrk (a real load generator).

wrk runs with one thread (the machine has few cores and the server needs one) and 32
connections; bench/post_threads.lua sets the body and prints a JSON summary that is parsed here.
A short unmeasured run warms each target up first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.stats import Result, server_cpu

SCRIPT = Path(__file__).with_name("post_threads.lua")
WARMUP_SECONDS = 2
WRK_THREADS = 1


@dataclass
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # connect/read/write errors, timeouts and non-2xx answers
    server_cpu_s: float | None = None  # the server's user + system time over the run (/proc)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else float("nan")

    @property
    def server_us(self) -> float:
        """The server's CPU time per request, in microseconds (NaN when not measured)."""
        if self.server_cpu_s is None or not self.requests:
            return float("nan")
        return self.server_cpu_s / self.requests * 1e6


def missing() -> Result | None:
    """A note for the table when wrk is not installed, else None."""
    if shutil.which("wrk") is None:
        return Result(None, "wrk not installed (apt-get install -y wrk)")
    return None


def post_threads(
    url: str, seconds: int, connections: int, warmup: bool = True, pid: int | None = None
) -> WrkRun:
    if warmup:
        _wrk(url, min(WARMUP_SECONDS, seconds), connections)
    before = server_cpu(pid)
    run = _wrk(url, seconds, connections)
    after = server_cpu(pid)
    if before is not None and after is not None:
        run.server_cpu_s = after - before
    return run


def _wrk(url: str, seconds: int, connections: int) -> WrkRun:
    cmd = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        f"{url}/threads",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    data = json.loads(line.removeprefix("BENCH "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return WrkRun(
        data["requests"],
        data["duration_us"] / 1e6,
        data["p50_us"] / 1e3,
        data["p99_us"] / 1e3,
        errors,
    )
