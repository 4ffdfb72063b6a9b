"""Workloads 5 and 7 on fresh mock processes: start-up time, and memory after many checkpoints.

Workload 7 gives a fresh mock `threads` threads of `checkpoints` checkpoints each (100 x 1,000 =
100,000 in a full run), every checkpoint adding one message as node `agent`, written through
POST /threads `supersteps` (the same update_state code path, 1,000 checkpoints per request),
then reads the server process's VmRSS.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench import procs, targets
from bench.client import Connection
from bench.stats import deadline
from bench.workloads import Plan

MESSAGE_UPDATE = {
    "updates": [
        {
            "values": {
                "messages": [{"role": "ai", "content": "It is sunny in Lisbon, 24 degrees."}]
            },
            "as_node": "agent",
        }
    ]
}


@dataclass
class Memory:
    checkpoints: int
    rss_start_mb: float
    rss_after_mb: float
    seconds: float


def startup_samples(python: str, count: int, log_dir: Path) -> list[float]:
    """Seconds from spawning `mockserver serve` to its first 200 on /ok, `count` times."""
    samples = []
    for _ in range(count):
        server = targets.start("mock", python, log_dir)
        server.stop()
        samples.append(server.startup_s)
    return samples


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def memory(python: str, plan: Plan, log_dir: Path) -> Memory:
    server = targets.start("mock", python, log_dir)
    try:
        start = procs.rss_mb(server.pid)
        conn, expired = Connection(server.url, timeout=300), deadline(plan.seconds)
        body = json.dumps(
            {
                "metadata": {"graph_id": "agent"},
                "supersteps": [MESSAGE_UPDATE] * plan.memory_checkpoints,
            }
        ).encode()
        raw = conn.build("POST", "/threads", body)
        written = 0
        started = time.perf_counter()
        for _ in range(plan.memory_threads):
            status, reply = conn.request(raw)
            if status != 200:
                raise RuntimeError(f"POST /threads with supersteps: {status} {reply[:200]!r}")
            written += plan.memory_checkpoints
            if expired():
                break
        conn.close()
        return Memory(written, start, procs.rss_mb(server.pid), time.perf_counter() - started)
    finally:
        server.stop()
