"""The tables of a run, in Markdown: printed by the command and written to RESULTS.md.

Every ratio is mock ÷ other, from numbers measured in the same run: above 1 the mock serves
more req/s; below 1 its latency is lower.
"""

from __future__ import annotations

import math
from typing import Any

from bench.loadgen import WrkRun
from bench.memory import Memory, median
from bench.run import Run
from bench.stats import Sample
from bench.workloads import Growth


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _ratio(mine: float | None, other: float | None) -> str:
    if mine is None or other is None or not other or math.isnan(mine) or math.isnan(other):
        return ""
    value = mine / other
    return f"{value:.1f}×" if value >= 10 else f"{value:.2f}×"


def _triple(cell: Any) -> tuple[float, float, float, float, int] | None:
    """(req/s, p50 ms, p99 ms, server CPU µs per request, errors) of a Sample, Growth or
    WrkRun; None for a note."""
    if isinstance(cell, Growth):
        cell = cell.sample
    if isinstance(cell, Sample) and cell.count:
        return cell.rps, cell.p(50), cell.p(99), cell.server_us, cell.errors
    if isinstance(cell, WrkRun):
        return cell.rps, cell.p50_ms, cell.p99_ms, cell.server_us, cell.errors
    return None


def server_us(run: Run, workload: str, target: str) -> float | None:
    """The server's CPU µs per request in one cell, None when not measured."""
    got = _triple(run.get(workload, target))
    return None if got is None or math.isnan(got[3]) else got[3]


def _per_request(sample: Sample) -> float:
    """Mean microseconds per request."""
    return sample.wall_s / sample.count * 1e6


def _labels(run: Run) -> list[tuple[str, str, str]]:
    plan = run.plan
    small, large = plan.history_sizes
    return [
        ("—", "floor", "client floor: GET, canned answer, no server work"),
        ("0", "ok", "GET /ok (trivial endpoint), sequential"),
        ("1", "update_get", "update_state + get_state, sequential, 1 keep-alive connection"),
        ("2", "growth", f"the same while messages grow to {plan.messages:,}"),
        (
            "3",
            "wrk",
            f"POST /threads (validated), wrk 1 thread × {plan.wrk_connections} "
            f"connections, {plan.wrk_seconds} s",
        ),
        ("4a", f"history{small}", f"GET history?limit=10, thread of {small:,} checkpoints"),
        ("4b", f"history{large}", f"GET history?limit=10, thread of {large:,} checkpoints"),
    ]


def throughput_table(run: Run) -> str:
    lines = [
        "| # | workload | target | req/s | p50 ms | p99 ms | server CPU µs/req "
        "| mock ÷ this, req/s | mock ÷ this, p50 | mock ÷ this, server CPU "
        "| errors / note |",
        "|" + "---|" * 11,
    ]
    for number, key, label in _labels(run):
        cells = run.results.get(key, {})
        names = ["client"] if key == "floor" else run.targets
        mine = _triple(cells.get("mock"))
        for name in names:
            cell = cells.get(name)
            note = run.unavailable.get(name, "") and "unavailable (see notes)"
            got = _triple(cell)
            if got is None:
                note = note or (cell if isinstance(cell, str) else "not run")
                lines.append(f"| {number} | {label} | {name} | | | | | | | | {note} |")
                continue
            rps, p50, p99, cpu, errors = got
            ratios = (
                ("", "", "")
                if name in ("mock", "client") or mine is None
                else (_ratio(mine[0], rps), _ratio(mine[1], p50), _ratio(mine[3], cpu))
            )
            note = f"{errors} errors" if errors else ""
            if name == "prism" and key in ("ok", "update_get", "wrk"):
                note = (note + "; " if note else "") + "stateless answers from the spec"
            shown_cpu = "" if name == "client" else _num(cpu)
            lines.append(
                f"| {number} | {label} | {name} | {_num(rps)} | {_num(p50)} | "
                f"{_num(p99)} | {shown_cpu} | {ratios[0]} | {ratios[1]} | "
                f"{ratios[2]} | {note} |"
            )
    return "\n".join(lines)


Value = tuple[str, str, str, dict[str, float | None], str]


def single_values(run: Run) -> list[Value]:
    """(number, key, measure, value per target, note) rows of the second table."""
    plan = run.plan
    n, w = plan.messages, plan.window
    small, large = plan.history_sizes
    rows: list[Value] = []

    def each(key: str, read: Any) -> dict[str, float | None]:
        values = {}
        for name, cell in run.results.get(key, {}).items():
            values[name] = read(cell) if not isinstance(cell, str) else None
        return values

    def grown(cell: Growth, first: int, last: int) -> float | None:
        return cell.update_p50_ms(first, last) if len(cell.update_ns) >= last else None

    at_small = each("growth", lambda c: grown(c, 1, w))
    at_large = each("growth", lambda c: grown(c, n - w + 1, n))
    rows.append(
        (
            "2",
            "growth_small",
            f"update p50 at ~{(w + 1) // 2} messages (updates 1–{w}), ms",
            at_small,
            "",
        )
    )
    rows.append(
        (
            "2",
            "growth_large",
            f"update p50 at ~{n:,} messages (updates {n - w + 1:,}–{n:,}), ms",
            at_large,
            "",
        )
    )
    rows.append(
        (
            "2",
            "growth_ratio",
            f"update p50 at {n:,} ÷ at ~{(w + 1) // 2} messages",
            {k: at_large[k] / v if v and at_large.get(k) else None for k, v in at_small.items()},
            "flatness",
        )
    )
    p50s = [each(f"history{size}", lambda c: c.p(50)) for size in (small, large)]
    rows.append(
        (
            "4",
            "history_ratio",
            f"history p50, {large:,} ÷ {small:,} checkpoints",
            {k: p50s[1][k] / v if v and p50s[1].get(k) else None for k, v in p50s[0].items()},
            "flatness",
        )
    )
    startup = each("startup", median)
    samples = run.get("startup", "mock")
    rows.append(
        (
            "5",
            "startup",
            "start-up to the first 200 on /ok, s",
            startup,
            f"mock: median of {len(samples)}" if isinstance(samples, list) else "",
        )
    )
    rows.append(
        (
            "6",
            "asgi_raw",
            "in-process, raw ASGI calls, `create_app()`: µs/request (mean)",
            each("asgi_raw", _per_request),
            "the app `mockserver serve` runs",
        )
    )
    rows.append(
        (
            "6",
            "asgi_fixture",
            "in-process, raw ASGI calls, the fixture's app: µs/request (mean)",
            each("asgi_fixture", _per_request),
            "responses checked + journal",
        )
    )
    rows.append(
        (
            "6",
            "asgi_httpx",
            "in-process, the fixture's httpx.ASGITransport client: µs/request (mean)",
            each("asgi_httpx", _per_request),
            "what a test pays",
        )
    )
    mem = run.get("memory", "mock")
    rows.append(
        (
            "7",
            "rss",
            f"RSS after {plan.memory_threads * plan.memory_checkpoints:,} checkpoints, MB",
            each("memory", lambda c: c.rss_after_mb),
            f"{mem.rss_start_mb:.0f} MB at start" if isinstance(mem, Memory) else "",
        )
    )
    return rows


def values_table(run: Run) -> str:
    others = [t for t in run.targets if t != "mock"]
    columns = ["#", "measure", *run.targets, *(f"mock ÷ {t}" for t in others), "note"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for number, _, measure, values, note in single_values(run):
        cells = [_num(values.get(t)) if t in values else "" for t in run.targets]
        ratios = [
            "" if note == "flatness" else _ratio(values.get("mock"), values.get(t)) for t in others
        ]
        shown = "" if note == "flatness" else note
        lines.append("| " + " | ".join([number, measure, *cells, *ratios, shown]) + " |")
    return "\n".join(lines)
