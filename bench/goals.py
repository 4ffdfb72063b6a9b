"""The issue's targets, read off one run. Reported, never asserted: a benchmark is not a test."""

from __future__ import annotations

import math
from collections.abc import Callable

from bench import report
from bench.loadgen import WrkRun
from bench.run import Run
from bench.stats import Sample

Check = tuple[str, str, Callable[[Run], float | None], float, bool]  # number, goal, read, limit, ≥?


def _rps(run: Run, workload: str, target: str) -> float | None:
    cell = run.get(workload, target)
    if isinstance(cell, Sample) and cell.count:
        return cell.rps
    if isinstance(cell, WrkRun):
        return cell.rps
    return None


def _ratio(run: Run, workload: str, other: str) -> float | None:
    mine, theirs = _rps(run, workload, "mock"), _rps(run, workload, other)
    return mine / theirs if mine and theirs else None


def _cpu(run: Run, mine: str, other: str) -> float | None:
    """Server CPU per request in workload 1, `mine` ÷ `other`."""
    a, b = report.server_us(run, "update_get", mine), report.server_us(run, "update_get", other)
    return a / b if a and b else None


def _value(key: str, target: str = "mock") -> Callable[[Run], float | None]:
    """The target's value in the row `key` of the second table."""

    def read(run: Run) -> float | None:
        for _, row, _, values, _ in report.single_values(run):
            if row == key:
                return values.get(target)
        return None

    return read


# What the floor itself reaches in the same run: how far a goal measured against it can go.
FLOOR_CONTEXT: list[tuple[str, Callable[[Run], float | None], str]] = [
    ("1c", lambda r: _cpu(r, "real", "floor"), "real ÷ floor, server CPU per update+get request"),
    ("2", _value("growth_ratio", "floor"), "the floor's update latency at 2,000 ÷ at 10 messages"),
]


CHECKS: list[Check] = [
    (
        "1",
        "mock ÷ real, req/s, update_state + get_state",
        lambda r: _ratio(r, "update_get", "real"),
        10,
        True,
    ),
    (
        "1b",
        "server CPU per update+get request, mock (request log on) ÷ floor",
        lambda r: _cpu(r, "mock", "floor"),
        1.5,
        False,
    ),
    (
        "1c",
        "server CPU per update+get request, real ÷ mock",
        lambda r: _cpu(r, "real", "mock"),
        15,
        True,
    ),
    (
        "2",
        "update latency at 2,000 ÷ at 10 messages (GET state in the loop)",
        _value("growth_ratio"),
        1.2,
        False,
    ),
    (
        "3",
        "mock ÷ prism, req/s, concurrent POST /threads",
        lambda r: _ratio(r, "wrk", "prism"),
        3,
        True,
    ),
    ("4", "history latency, 10,000 ÷ 100 checkpoints", _value("history_ratio"), 1.2, False),
    ("5", "start-up to the first /ok, s", _value("startup"), 0.3, False),
    (
        "6",
        "in-process ASGI, µs per request (raw calls, the fixture's app)",
        _value("asgi_fixture"),
        150,
        False,
    ),
    ("7", "RSS after 100,000 checkpoints, MB", _value("rss"), 300, False),
    (
        "8",
        "server CPU per update+get request, SQLite store (--persist) ÷ in-memory",
        lambda r: _cpu(r, "sqlite", "mock"),
        3,
        False,
    ),
]


def goals_table(run: Run) -> str:
    lines = ["| # | goal | limit | measured | met |", "|---|---|---|---|---|"]
    for number, goal, read, limit, at_least in CHECKS:
        try:
            value = read(run)
        except (TypeError, ZeroDivisionError):
            value = None
        if value is None or math.isnan(value):
            shown, met = "—", "not measured"
        else:
            shown = f"{value:.3g}" if value < 1000 else f"{value:,.0f}"
            met = "yes" if (value >= limit if at_least else value <= limit) else "**no**"
        sign = "≥" if at_least else "≤"
        lines.append(f"| {number} | {goal} | {sign} {limit:g} | {shown} | {met} |")
    context = []
    for number, read, what in FLOOR_CONTEXT:
        try:
            value = read(run)
        except (TypeError, ZeroDivisionError):
            value = None
        if value is not None and not math.isnan(value):
            context.append(f"{number}: {what} = {value:.3g}")
    if context:
        lines.append(
            "\nThe floor in the same run (a bare Starlette app that keeps no history): "
            + "; ".join(context)
            + "."
        )
    if run.quick:
        lines.append(
            "\n_Quick run: counts are reduced (sizes differ from the goals), so these "
            "numbers only show that the command works._"
        )
    return "\n".join(lines)
