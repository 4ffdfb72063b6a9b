"""GET /metrics: the requests a server has answered and its run queue, as langgraph-api says them.

`RequestCounts` keeps how many requests were answered by method, path template and status
(langgraph_api/http_metrics.py leaves the system routes out, and so does it). `queue_stats`
is the in-memory runtime's `Runs.stats` over the mock's runs; `prometheus` writes the counts
in the text format the real server's `lg_api_http_requests_total` counter has. The mock has
no worker pool, so there are no worker numbers. Framework-free.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from mockserver.store import Run

# langgraph_api/http_metrics_utils.py FILTERED_ROUTES
UNCOUNTED = frozenset({"/ok", "/info", "/metrics", "/docs", "/openapi.json"})
MAX_ROWS = 5000  # as http_metrics.MAX_REQUEST_COUNT_ENTRIES: new keys past it are not counted
PROMETHEUS_TYPE = "text/plain; version=1.0.0; charset=utf-8"
# The labels the real counter carries besides method, path and status (empty on langgraph dev).
_LABELS = (
    'deployment_type=""',
    'otel_scope_name="lsd_langgraph_api"',
    'otel_scope_schema_url=""',
    'otel_scope_version=""',
)


class RequestCounts:
    """How many requests were answered, by (method, path template, status), in order of
    first use. Counts are plain ints: a new count replaces the old one."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}

    def record(self, method: str, route: str, status: int) -> None:
        """Count one answered request (none for the system routes or a dropped connection)."""
        if status <= 0 or route in UNCOUNTED:
            return
        key = (method, route, status)
        if key in self._counts or len(self._counts) < MAX_ROWS:
            self._counts[key] = self._counts.get(key, 0) + 1

    def rows(self) -> list[dict[str, Any]]:
        """The counts as `api.http_requests_total` lists them."""
        return [
            {"method": method, "path": path, "status": status, "count": count}
            for (method, path, status), count in self._counts.items()
        ]

    def clear(self) -> None:
        """Forget every count (a reset)."""
        self._counts = {}


def queue_stats(runs: Iterable[Run], now: datetime | None = None) -> dict[str, Any]:
    """The run queue as langgraph_runtime_inmem's Runs.stats reports it: pending and running
    runs, and how long the pending ones have waited (a delayed run, created in the future,
    has waited a negative time); `unblocked` ones are pending on a thread running nothing."""
    runs = list(runs)
    pending = [r for r in runs if r.status == "pending"]
    running = [r for r in runs if r.status == "running"]
    if not pending and not running:
        return {
            "n_pending": 0,
            "pending_runs_wait_time_max_secs": None,
            "pending_runs_wait_time_med_secs": None,
            "pending_unblocked_runs_wait_time_max_secs": None,
            "n_running": 0,
        }
    now = now or datetime.now(UTC)
    waits = [_waited(r, now) for r in pending]
    busy = {r.thread_id for r in running}
    unblocked = [
        wait for r, wait in zip(pending, waits, strict=True) if r.thread_id not in busy and wait > 0
    ]
    return {
        "n_pending": len(pending),
        "n_running": len(running),
        "pending_runs_wait_time_max_secs": max(waits) if waits else None,
        "pending_runs_wait_time_med_secs": statistics.median(waits) if waits else None,
        "pending_unblocked_runs_wait_time_max_secs": max(unblocked) if unblocked else None,
    }


def metrics_json(counts: RequestCounts, queue: Mapping[str, Any]) -> dict[str, Any]:
    """GET /metrics?format=json."""
    return {"queue": dict(queue), "api": {"http_requests_total": counts.rows()}}


def prometheus(counts: RequestCounts) -> str:
    """GET /metrics: the request counter in the Prometheus text format, as the real server
    writes `lg_api_http_requests_total` (labels sorted, values as floats)."""
    lines = [
        "# HELP lg_api_http_requests_total ",
        "# TYPE lg_api_http_requests_total counter",
    ]
    for row in counts.rows():
        labels = ",".join(
            (
                *_LABELS[:1],
                f'method="{_escaped(row["method"])}"',
                *_LABELS[1:],
                f'path="{_escaped(row["path"])}"',
                'project_id=""',
                'revision_id=""',
                f'status="{row["status"]}"',
            )
        )
        lines.append(f"lg_api_http_requests_total{{{labels}}} {float(row['count'])}")
    return "\n".join(lines) + "\n"


def _waited(run: Run, now: datetime) -> float:
    created = datetime.fromisoformat(run.created_at)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return (now - created).total_seconds()


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
