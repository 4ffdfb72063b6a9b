"""One benchmark run: start each target in turn, run every workload it can serve, stop it.

Targets run one after the other (never side by side), so each has the machine to itself. A target
that cannot start, or a workload that fails, becomes a note in the table; the run goes on.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import inprocess, loadgen, memory, targets, workloads
from bench.floor import client_floor
from bench.workloads import Plan

STATELESS = "n/a: Prism keeps no state (the list never grows, the thread has no history)"
BARE = "n/a: the floor app serves workloads 0-3 only"


@dataclass
class Run:
    plan: Plan
    quick: bool
    targets: list[str]
    started: float = field(default_factory=time.time)
    load_before: tuple[float, ...] = field(default_factory=os.getloadavg)
    load_after: tuple[float, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per target
    stacks: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    # results[workload][target]: a Sample, Growth, WrkRun, float, ... or a str note
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    def put(self, workload: str, target: str, value: Any) -> None:
        self.results.setdefault(workload, {})[target] = value

    def get(self, workload: str, target: str) -> Any:
        return self.results.get(workload, {}).get(target)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def attempt(run: Run, workload: str, target: str, job: Callable[[], Any]) -> None:
    """Run one workload; a failure becomes the cell's note instead of ending the run."""
    started = time.perf_counter()
    try:
        run.put(workload, target, job())
    except Exception as exc:  # any failure is reported in the table
        traceback.print_exc(file=sys.stderr)
        run.put(workload, target, f"failed: {type(exc).__name__}: {exc}"[:160])
    say(f"  {target:5} {workload:12} {time.perf_counter() - started:6.1f} s")


def execute(run: Run, mock_python: str, log_dir: Path) -> Run:
    plan = run.plan
    attempt(run, "floor", "client", lambda: client_floor(plan, log_dir))
    for name in run.targets:
        started = time.perf_counter()
        say(f"{name}: starting")
        try:
            server = targets.start(name, mock_python, log_dir)
        except (targets.Unavailable, RuntimeError, OSError) as exc:
            run.unavailable[name] = str(exc).splitlines()[0][:200]
            say(f"{name}: unavailable: {run.unavailable[name]}")
            continue
        try:
            run.stacks[name] = server.stack
            run.put("startup", name, [server.startup_s])
            _serve_workloads(run, name, server.url, server.pid)
        finally:
            server.stop()
        if name == "mock":
            _mock_only(run, mock_python, log_dir)
        run.seconds[name] = time.perf_counter() - started
    run.load_after = os.getloadavg()
    return run


def _serve_workloads(run: Run, name: str, url: str, pid: int) -> None:
    plan = run.plan
    attempt(run, "ok", name, lambda: workloads.get_ok(url, plan, pid))
    attempt(run, "update_get", name, lambda: workloads.update_get_repeated(url, plan, pid))
    if name == "prism":
        for key in ("growth", *(f"history{size}" for size in plan.history_sizes)):
            run.put(key, name, STATELESS)
    else:
        attempt(run, "growth", name, lambda: workloads.growth(url, plan, pid))
    if name == "floor":
        for size in plan.history_sizes:
            run.put(f"history{size}", name, BARE)
    elif name != "prism":
        for size in plan.history_sizes:
            attempt(
                run,
                f"history{size}",
                name,
                lambda size=size: workloads.history(url, size, plan, pid),
            )
    note = loadgen.missing()
    if note is not None:
        run.put("wrk", name, note.note)
    else:
        attempt(
            run,
            "wrk",
            name,
            lambda: loadgen.post_threads(url, plan.wrk_seconds, plan.wrk_connections, pid=pid),
        )


def _mock_only(run: Run, python: str, log_dir: Path) -> None:
    plan = run.plan
    if plan.startups > 1:
        more = memory.startup_samples(python, plan.startups - 1, log_dir)
        run.put("startup", "mock", run.get("startup", "mock") + more)
    attempt(run, "asgi_raw", "mock", lambda: inprocess.raw_asgi(plan, "serve"))
    attempt(run, "asgi_fixture", "mock", lambda: inprocess.raw_asgi(plan, "fixture"))
    try:
        import httpx  # noqa: F401
    except ImportError:
        run.put("asgi_httpx", "mock", "httpx not installed (pip install httpx)")
    else:
        attempt(run, "asgi_httpx", "mock", lambda: inprocess.through_httpx(plan))
    attempt(run, "memory", "mock", lambda: memory.memory(python, plan, log_dir))
