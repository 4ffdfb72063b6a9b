"""Cron scenarios, played against the real server once (scripts/record_crons.py) and against the
mock in every test run (tests/test_crons_differential.py), with the same normalisation as the
run scenarios (ids, times and URLs as placeholders).

The `fired_*` scenarios wait for the server's scheduler to fire a cron: up to a poll (5 s) on
the real server, a moment on a mock with a short poll interval. What they poll for is not
recorded; what they record does not depend on how long they waited.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from run_scenarios import HI, Session

AGENT = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"  # the agent graph's system assistant
MISSING = "7a89f0ca-26e8-4622-94d1-efb972e7a947"
# Every second second: fires at the real server's next poll; the next firing is a poll later
# there, and two seconds later on the mock: time enough to delete the cron first.
EVERY_2S = "* * * * * */2"
WAIT = 30.0  # seconds a scenario waits for the scheduler at most


def create(s: Session) -> None:
    s.call(
        "POST",
        "/runs/crons",
        {
            "schedule": "0 9 * * *",
            "timezone": "America/New_York",
            "metadata": {"a": 1, "thread_id": "reserved: dropped"},
            "input": {"messages": []},
            "assistant_id": "agent",
            "end_time": "2030-01-01T00:00:00Z",
            "enabled": False,
            "on_run_completed": "keep",
            "config": {"tags": ["x"], "configurable": {"model": "m"}},
            "multitask_strategy": "enqueue",
        },
    )
    t = s.thread(metadata={"owner": "me"})
    created = s.call(
        "POST",
        f"/threads/{t}/runs/crons",
        {"assistant_id": AGENT, "schedule": "@hourly", "on_run_completed": "keep"},
    )
    s.call("GET", f"/runs/crons/{created['cron_id']}")
    s.call("GET", f"/runs/crons/{created['cron_id'].upper()}")
    s.call("GET", f"/runs/crons/{MISSING}")
    s.call("GET", "/runs/crons/nope")
    for body in (
        {"assistant_id": "agent", "schedule": "bad"},
        {"assistant_id": "agent", "schedule": "* * *"},
        {"assistant_id": "agent", "schedule": "0 0 31 2 *"},
        {"assistant_id": "agent", "schedule": "@daily", "timezone": "Mars/Base"},
        {"assistant_id": "agent", "schedule": "@daily", "timezone": ""},
        {"assistant_id": "agent", "schedule": "bad", "timezone": "Mars/Base"},
        {"assistant_id": "nope", "schedule": "bad"},
        {"assistant_id": MISSING, "schedule": "bad"},
        {"assistant_id": MISSING, "schedule": "@daily"},
        {"assistant_id": "", "schedule": "@daily"},
        {"assistant_id": "agent", "schedule": 5},
        {"assistant_id": "agent", "schedule": "@daily", "on_run_completed": "never"},
        {"assistant_id": "agent", "schedule": "@daily", "metadata": None},
        {"assistant_id": "agent", "schedule": "@daily", "input": "text"},
    ):
        s.call("POST", "/runs/crons", body)
    s.call(
        "POST", f"/threads/{MISSING}/runs/crons", {"assistant_id": "agent", "schedule": "@daily"}
    )
    s.call("POST", f"/threads/{MISSING}/runs/crons", {"assistant_id": "agent", "schedule": "bad"})
    s.call("POST", "/threads/nope/runs/crons", {"assistant_id": "agent", "schedule": "@daily"})
    s.call(
        "POST",
        f"/threads/{t}/runs/crons",
        {"assistant_id": "agent", "schedule": "@daily", "multitask_strategy": "never"},
    )


def patch(s: Session) -> None:
    created = s.call(
        "POST",
        "/runs/crons",
        {
            "assistant_id": "agent",
            "schedule": "0 0 1 1 *",
            "metadata": {"m": 1, "k": "v"},
            "input": {"x": 1},
        },
    )
    path = f"/runs/crons/{created['cron_id']}"
    for body in (
        {"enabled": False},
        {"metadata": {"k": "w", "n": 2, "run_id": "dropped"}, "input": {"y": 2}},
        {"config": {"tags": ["t"], "configurable": {"a": 1}}},
        {"schedule": "30 * * * *"},
        {"timezone": "Asia/Kolkata"},
        {"timezone": "UTC", "schedule": "15 10 * * *"},
        {"end_time": "2031-01-01T00:00:00+01:00"},
        {"end_time": None},
        {"assistant_id": "interrupter"},
        {"on_run_completed": "keep"},
        {},
        {"schedule": "bad"},
        {"timezone": "Mars/Base"},
        {"timezone": ""},
        {"enabled": "yes"},
    ):
        s.call("PATCH", path, body)
    s.call("GET", path)
    s.call("PATCH", f"/runs/crons/{MISSING}", {"enabled": True})
    s.call("PATCH", f"/runs/crons/{MISSING}", {})
    s.call("PATCH", f"/runs/crons/{MISSING}", {"schedule": "bad"})
    s.call("PATCH", "/runs/crons/nope", {"enabled": True})
    # A schedule with no date left: refused, and (on the mock) nothing changed.
    s.call("PATCH", path, {"schedule": "0 0 31 2 *", "enabled": True})
    s.call("GET", path)


def search(s: Session) -> None:
    t = s.thread()
    s.call(
        "POST",
        "/runs/crons",
        {"assistant_id": "agent", "schedule": "* * * * *", "metadata": {"n": 1}},
    )
    # Sorted by next run these three come in one order whenever the test runs, except at 23:59
    # UTC and from 00:00 to 00:30 on a Feb 29: a minutely schedule ties with another in the
    # minute before that one runs (an hourly one would in minute 59 of every hour), and Feb 29
    # 00:30 comes after the next midnight but then.
    s.call(
        "POST",
        "/runs/crons",
        {
            "assistant_id": "agent",
            "schedule": "30 0 29 2 *",
            "enabled": False,
            "metadata": {"n": 2, "tag": {"k": "x", "l": [1]}},
        },
    )
    s.call(
        "POST",
        f"/threads/{t}/runs/crons",
        {"assistant_id": "interrupter", "schedule": "@daily", "metadata": {"n": 3}},
    )
    for body in (
        {},
        {"limit": 2},
        {"limit": 2, "offset": 2},
        {"offset": 10},
        {"select": ["schedule", "cron_id", "metadata"]},
        {"sort_by": "next_run_date", "sort_order": "asc", "select": ["schedule"]},
        {"sort_by": "next_run_date", "select": ["schedule"]},
        {"sort_by": "thread_id", "sort_order": "asc", "select": ["thread_id", "schedule"]},
        {"sort_by": "cron_id", "sort_order": "asc", "select": ["schedule"]},
        {"sort_by": "created_at", "sort_order": "asc", "select": ["schedule"]},
        {"sort_by": "end_time", "select": ["schedule"]},
        {"sort_order": "asc", "select": ["schedule"]},
        {"enabled": False, "select": ["schedule", "enabled"]},
        {"enabled": True, "select": ["schedule"]},
        {"metadata": {"tag": {"k": "x"}}, "select": ["schedule"]},
        {"metadata": {"tag": {"l": []}}, "select": ["schedule"]},
        {"thread_id": t, "select": ["schedule"]},
        {"assistant_id": AGENT, "select": ["schedule"]},
        {"assistant_id": "", "select": ["schedule"]},
        {"assistant_id": "agent"},
        {"thread_id": "nope"},
        {"select": ["bogus"]},
        {"sort_by": "schedule"},
        {"sort_order": "ASC"},
        {"limit": 0},
    ):
        s.call("POST", "/runs/crons/search", body)
    for body in (
        {},
        {"metadata": {"n": 2}},
        {"enabled": False},
        {"thread_id": t},
        {"assistant_id": AGENT},
        {"assistant_id": "agent"},
        {"thread_id": MISSING},
    ):
        s.call("POST", "/runs/crons/count", body)


def delete(s: Session) -> None:
    t = s.thread()
    on_thread = s.call(
        "POST", f"/threads/{t}/runs/crons", {"assistant_id": "agent", "schedule": "@daily"}
    )
    stateless = s.call("POST", "/runs/crons", {"assistant_id": "agent", "schedule": "@daily"})
    s.call("DELETE", f"/runs/crons/{stateless['cron_id']}")
    s.call("DELETE", f"/runs/crons/{stateless['cron_id']}")
    s.call("GET", f"/runs/crons/{stateless['cron_id']}")
    s.call("DELETE", "/runs/crons/nope")
    s.call("POST", "/runs/crons/count", {"thread_id": t})
    s.call("DELETE", f"/threads/{t}")  # takes its crons with it
    s.call("GET", f"/runs/crons/{on_thread['cron_id']}")
    s.call("POST", "/runs/crons/count", {})


def fired_on_thread(s: Session) -> None:
    t = s.thread(metadata={"owner": "me"})
    cron = s.call(
        "POST",
        f"/threads/{t}/runs/crons",
        {
            "assistant_id": "agent",
            "schedule": EVERY_2S,
            "input": HI,
            "metadata": {"cm": 1, "owner": "cron"},
            "config": {"tags": ["t1"]},
        },
    )
    runs = _wait(s.http, lambda: _ended_runs(s.http, f"/threads/{t}/runs"))
    s.call("DELETE", f"/runs/crons/{cron['cron_id']}")
    s.call("GET", f"/threads/{t}/runs/{runs[-1]['run_id']}")  # the first run
    s.call("GET", f"/threads/{t}/state")


def fired_stateless_kept(s: Session) -> None:
    cron = s.call(
        "POST",
        "/runs/crons",
        {
            "assistant_id": "agent",
            "schedule": EVERY_2S,
            "input": HI,
            "metadata": {"kept": 1},
            "on_run_completed": "keep",
        },
    )
    found = _wait(s.http, lambda: _threads(s.http, {"kept": 1}))
    s.call("DELETE", f"/runs/crons/{cron['cron_id']}")
    t = found[-1]["thread_id"]  # the first run's thread
    _wait(s.http, lambda: _ended_runs(s.http, f"/threads/{t}/runs"))
    s.call("GET", f"/threads/{t}")
    s.call("GET", f"/threads/{t}/runs")


def fired_stateless_deleted(s: Session) -> None:
    cron = s.call(
        "POST",
        "/runs/crons",
        {"assistant_id": "agent", "schedule": EVERY_2S, "input": HI, "metadata": {"gone": 1}},
    )
    path = f"/runs/crons/{cron['cron_id']}"
    first = cron["next_run_date"]
    _wait(s.http, lambda: s.http.get(path).json()["next_run_date"] != first)
    s.call("DELETE", path)
    # Its run's thread is deleted when the run ends.
    _wait(s.http, lambda: not _threads(s.http, {"gone": 1}))
    s.call("POST", "/threads/search", {"metadata": {"gone": 1}})


def _ended_runs(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = http.get(path).json()
    return runs if runs and runs[-1]["status"] not in ("pending", "running") else []


def _threads(http: httpx.Client, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = http.post("/threads/search", json={"metadata": metadata}).json()
    return found


def _wait(http: httpx.Client, ready: Callable[[], Any]) -> Any:
    """What `ready` returns once it is truthy; polls every 50 ms for up to WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not (found := ready()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the scheduler did not fire within {WAIT} s ({http.base_url})")
        time.sleep(0.05)
    return found


SCENARIOS: dict[str, Callable[[Session], None]] = {
    f.__name__: f
    for f in (
        create,
        patch,
        search,
        delete,
        fired_on_thread,
        fired_stateless_kept,
        fired_stateless_deleted,
    )
}


def play(http: httpx.Client, names: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Run the scenarios (all, or those named) on one server, each from an empty cron list:
    what each recorded."""
    out = {}
    for name in names or list(SCENARIOS):
        for cron in http.post("/runs/crons/search", json={"limit": 1000}).json():
            http.delete(f"/runs/crons/{cron['cron_id']}")
        session = Session(http)
        SCENARIOS[name](session)
        out[name] = session.records
    return out
