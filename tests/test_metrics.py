"""GET /metrics: request counts and the run queue, against what a fresh `langgraph dev` answered
to the same requests (tests/data/real_system.json, scripts/record_system.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from mockserver.app import create_app
from mockserver.live import LiveServer
from mockserver.metrics import MAX_ROWS, RequestCounts, prometheus, queue_stats
from mockserver.store import Run

REAL = json.loads((Path(__file__).parent / "data" / "real_system.json").read_text())
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def fresh() -> Iterator[httpx.Client]:
    """A mock that has answered nothing yet."""
    with LiveServer(create_app(check_responses=True)) as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            yield http


def play(http: httpx.Client) -> None:
    """The requests the real server answered before its metrics were recorded."""
    sequence = REAL["sequence"]
    statuses = [http.request(m, path, json=body).status_code for m, path, body in sequence]
    assert statuses == REAL["statuses"]


# ---- over HTTP, against the recording --------------------------------------------------------


def test_json_metrics_count_requests_as_the_real_server_does(fresh: httpx.Client) -> None:
    play(fresh)
    response = fresh.get("/metrics", params={"format": "json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == REAL["metrics_json_content_type"]
    real = REAL["metrics_json"]
    body = response.json()
    # key for key and in order; the mock has no worker pool (docs/deviations.md)
    assert list(body) == [k for k in real if k != "workers"]
    assert json.dumps(body["queue"]) == json.dumps(real["queue"])
    assert body["api"] == real["api"]


def test_prometheus_metrics_are_the_real_request_counter(fresh: httpx.Client) -> None:
    play(fresh)
    response = fresh.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == REAL["metrics_text_content_type"]
    assert response.text.splitlines() == REAL["metrics_text_counter"]


def test_an_unknown_format_reads_as_prometheus(fresh: httpx.Client) -> None:
    response = fresh.get("/metrics", params={"format": "xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=1.0.0")


def test_a_reset_forgets_the_counts(fresh: httpx.Client) -> None:
    play(fresh)
    assert fresh.post("/__mockserver/reset").status_code == 204
    assert fresh.get("/metrics", params={"format": "json"}).json()["api"] == {
        "http_requests_total": []
    }


def test_the_queue_counts_the_runs_going_and_waiting(fresh: httpx.Client) -> None:
    tid = fresh.post("/threads", json={}).json()["thread_id"]
    for topic in ("a", "b"):  # the `slow` graph's node takes 3 s: the second waits
        body = {"assistant_id": "slow", "input": {"topic": topic}}
        assert fresh.post(f"/threads/{tid}/runs", json=body).status_code == 200
    queue = fresh.get("/metrics", params={"format": "json"}).json()["queue"]
    assert (queue["n_running"], queue["n_pending"]) == (1, 1)
    assert queue["pending_runs_wait_time_max_secs"] >= 0
    assert queue["pending_unblocked_runs_wait_time_max_secs"] is None  # its thread is busy
    assert fresh.post("/runs/cancel", json={"status": "all"}).status_code == 204


# ---- the parts -------------------------------------------------------------------------------


def test_counts_leave_out_system_routes_and_dropped_connections() -> None:
    counts = RequestCounts()
    for route in ("/ok", "/info", "/metrics", "/docs", "/openapi.json"):
        counts.record("GET", route, 200)
    counts.record("POST", "/threads", 0)  # a fault rule dropped the connection: no answer
    assert counts.rows() == []


def test_counts_keep_the_order_of_first_use_and_a_bounded_number_of_rows() -> None:
    counts = RequestCounts()
    counts.record("POST", "/threads", 200)
    counts.record("GET", "/threads/{thread_id}", 404)
    counts.record("POST", "/threads", 200)
    assert counts.rows() == [
        {"method": "POST", "path": "/threads", "status": 200, "count": 2},
        {"method": "GET", "path": "/threads/{thread_id}", "status": 404, "count": 1},
    ]
    for status in range(MAX_ROWS):
        counts.record("PUT", "/x", status + 1000)
    assert len(counts.rows()) == MAX_ROWS
    counts.record("POST", "/threads", 200)  # a known row still counts
    assert counts.rows()[0]["count"] == 3


def test_prometheus_escapes_label_values() -> None:
    counts = RequestCounts()
    counts.record("GET", 'a"b\\c', 200)
    assert 'path="a\\"b\\\\c"' in prometheus(counts)


def _run(run_id: str, thread_id: str, status: str, created: datetime) -> Run:
    return Run(run_id, thread_id, "a", "g", {}, status, {}, "enqueue", created.isoformat(), "")


def test_queue_stats_as_the_in_memory_runtime_reports_them() -> None:
    idle = queue_stats([], NOW)
    assert list(idle) == [
        "n_pending",
        "pending_runs_wait_time_max_secs",
        "pending_runs_wait_time_med_secs",
        "pending_unblocked_runs_wait_time_max_secs",
        "n_running",
    ]
    runs = [
        _run("1", "t1", "running", NOW - timedelta(seconds=9)),
        _run("2", "t1", "pending", NOW - timedelta(seconds=4)),  # behind a running run
        _run("3", "t2", "pending", NOW - timedelta(seconds=2)),
        _run("4", "t3", "pending", NOW + timedelta(seconds=5)),  # delayed: created in the future
        _run("5", "t4", "success", NOW - timedelta(seconds=60)),
    ]
    assert queue_stats(runs, NOW) == {
        "n_pending": 3,
        "n_running": 1,
        "pending_runs_wait_time_max_secs": 4.0,
        "pending_runs_wait_time_med_secs": 2.0,
        "pending_unblocked_runs_wait_time_max_secs": 2.0,
    }
    # an even number of waits: the mean of the middle two
    assert queue_stats(runs[1:3], NOW)["pending_runs_wait_time_med_secs"] == 3.0
