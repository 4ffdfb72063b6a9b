"""What a workload measured: a Sample per request series, a Result per table cell."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of unsorted values (NaN for none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Sample:
    """A series of timed requests over one connection."""

    latencies_ns: list[int] = field(default_factory=list)
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None  # the server process's user + system time (/proc)
    server_us_runs: list[float] = field(default_factory=list)  # CPU µs/request of each repeat
    errors: int = 0
    first_error: str = ""

    @property
    def count(self) -> int:
        return len(self.latencies_ns)

    @property
    def rps(self) -> float:
        return self.count / self.wall_s if self.wall_s else float("nan")

    def p(self, pct: float) -> float:
        """A latency percentile in milliseconds."""
        return percentile(self.latencies_ns, pct) / 1e6

    @property
    def client_us(self) -> float:
        """The client's CPU time per request, in microseconds."""
        return self.client_cpu_s / self.count * 1e6 if self.count else float("nan")

    @property
    def server_us(self) -> float:
        """The server's CPU time per request, in microseconds (NaN when not measured)."""
        if self.server_cpu_s is None or not self.count:
            return float("nan")
        return self.server_cpu_s / self.count * 1e6

    def check(self, status: int, body: bytes, expected: int = 200) -> None:
        if status != expected:
            self.errors += 1
            if not self.first_error:
                self.first_error = f"{status}: {body[:200]!r}"


class Clock:
    """Wall and CPU time of the block it wraps, written to a Sample; with `pid`, the server's
    CPU time too (user + system of that process and its children, from /proc)."""

    def __init__(self, sample: Sample, pid: int | None = None) -> None:
        self.sample = sample
        self.pid = pid

    def __enter__(self) -> Clock:
        self.server = server_cpu(self.pid)
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample.wall_s += time.perf_counter() - self.wall
        self.sample.client_cpu_s += time.process_time() - self.cpu
        after = server_cpu(self.pid)
        if after is not None and self.server is not None:
            self.sample.server_cpu_s = (self.sample.server_cpu_s or 0.0) + after - self.server


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def server_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds of `pid` and its descendants (utime + stime in
    /proc/<pid>/stat, all threads included), or None without a pid or procfs."""
    if pid is None:
        return None
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue
        fields = text[text.rfind(b")") + 2 :].split()  # after "pid (comm) "
        child = int(entry)
        children.setdefault(int(fields[1]), []).append(child)
        times[child] = (int(fields[11]) + int(fields[12])) / _TICK
    if pid not in times:
        return None
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += children.get(current, [])
    return total


@dataclass
class Result:
    """One row of the table for one target: a value, or a note saying why there is none."""

    value: float | None
    note: str = ""


Deadline = Callable[[], bool]


def deadline(seconds: float) -> Deadline:
    """A predicate that turns true `seconds` from now: every loop is bounded in time."""
    end = time.monotonic() + seconds
    return lambda: time.monotonic() > end
