"""Crons over HTTP and through the official client (langgraph-sdk's `client.crons`), and the
scheduler that fires them.

What the real server answers is in tests/data/crons_recording.json (test_crons_differential.py
replays it) and tests/data/cron_schedules.json (its own next_cron_date and schedule check, for
fixed moments); the tests here check the rest, and where the mock differs on purpose
(docs/deviations.md), the mock's documented behaviour.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from mockserver import cron_scheduler, crons
from mockserver.errors import BadRequest, InvalidValue
from mockserver.graph import load_graphs
from mockserver.live import LiveServer
from mockserver.server import Server
from mockserver.spec import load_spec
from mockserver.store import Thread
from mockserver.testing import MockServer

DATA = Path(__file__).parent / "data"
SCHEDULES = json.loads((DATA / "cron_schedules.json").read_text())
AGENT = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"
MISSING = "7a89f0ca-26e8-4622-94d1-efb972e7a947"
CRON_KEYS = [
    "cron_id",
    "assistant_id",
    "thread_id",
    "user_id",
    "end_time",
    "schedule",
    "timezone",
    "payload",
    "next_run_date",
    "metadata",
    "on_run_completed",
    "enabled",
    "created_at",
    "updated_at",
]
HI = {"messages": [{"role": "user", "content": "hi"}]}
_T = TypeVar("_T")


# ---- helpers ---------------------------------------------------------------------------------


def create(client: httpx.Client, thread_id: str | None = None, **body: Any) -> dict[str, Any]:
    path = f"/threads/{thread_id}/runs/crons" if thread_id else "/runs/crons"
    response = client.post(path, json={"assistant_id": "agent", "schedule": "@daily", **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def new_thread(client: httpx.Client, **metadata: Any) -> str:
    return str(client.post("/threads", json={"metadata": metadata}).json()["thread_id"])


def eventually(ready: Callable[[], _T], timeout: float = 10.0) -> _T:
    """What `ready` returns once it is truthy (polled every 20 ms, for `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not (found := ready()):
        assert time.monotonic() < deadline, "the scheduler fired nothing in time"
        time.sleep(0.02)
    return found


@pytest.fixture
def fast(mock: LiveServer) -> Iterator[LiveServer]:
    """The live mock, its scheduler polling every 20 ms."""
    scheduler = mock.app.state.server.scheduler
    scheduler.interval = 0.02
    yield mock
    scheduler.interval = cron_scheduler.POLL_INTERVAL


@pytest.fixture
def sdk(mock: LiveServer) -> Iterator[SyncLangGraphClient]:
    with get_sync_client(url=mock.url, api_key=None, timeout=10) as client:
        yield client


# ---- schedules, as the real server reads them -------------------------------------------------


def test_next_run_dates_are_the_real_servers() -> None:
    # langgraph-api's own next_cron_date for fixed moments: the schedule read in its timezone
    # (across a DST change and a leap day), the answer in UTC.
    assert len(SCHEDULES["next_dates"]) > 300
    for schedule, moment, timezone, expected in SCHEDULES["next_dates"]:
        after = datetime.fromisoformat(moment)
        assert crons.next_run(schedule, after, timezone) == expected, (schedule, moment, timezone)


def test_schedules_are_refused_in_the_real_servers_words() -> None:
    for schedule, (status, detail) in SCHEDULES["refused"].items():
        with pytest.raises(InvalidValue) as refused:
            crons.check_schedule(schedule)
        assert (refused.value.status_code, refused.value.detail) == (status, detail)
    for schedule, detail in SCHEDULES["no_date"].items():
        crons.check_schedule(schedule)
        with pytest.raises(BadRequest, match=f"^{detail}$"):
            crons.next_run(schedule, datetime.now(UTC), None)


# ---- create, get ---------------------------------------------------------------------------------


def test_a_cron_is_the_request_kept_as_its_runs_payload(client: httpx.Client) -> None:
    body = {
        "schedule": "0 9 * * *",
        "timezone": "America/New_York",
        "assistant_id": "agent",
        "input": HI,
        "metadata": {"k": 1, "run_id": "reserved"},
        "config": {"configurable": {"model": "m", "__after_seconds__": 3}},
        "on_run_completed": "keep",
    }
    cron = client.post("/runs/crons", json=body).json()
    assert list(cron) == CRON_KEYS
    assert cron["assistant_id"] == AGENT and cron["thread_id"] is None and cron["user_id"] == ""
    assert (cron["metadata"], cron["on_run_completed"], cron["enabled"]) == ({"k": 1}, "keep", True)
    assert cron["payload"] == {
        "schedule": "0 9 * * *",
        "timezone": "America/New_York",
        "assistant_id": AGENT,  # in its place, resolved
        "input": HI,
        "metadata": {"k": 1},  # reserved keys dropped
        "config": {"configurable": {"model": "m", "cron_id": cron["cron_id"]}},
        "on_run_completed": "keep",
    }
    created = datetime.fromisoformat(cron["created_at"])
    assert cron["next_run_date"] == crons.next_run("0 9 * * *", created, "America/New_York")
    assert (
        datetime.fromisoformat(cron["next_run_date"]).astimezone(ZoneInfo("America/New_York")).hour
        == 9
    )
    assert client.get(f"/runs/crons/{cron['cron_id']}").json() == cron


def test_a_threads_cron_runs_there_and_keeps_nothing_to_delete(client: httpx.Client) -> None:
    thread_id = new_thread(client)
    cron = create(client, thread_id, on_run_completed="keep", schedule="@hourly")
    assert (cron["thread_id"], cron["on_run_completed"]) == (thread_id, None)
    assert cron["payload"]["on_run_completed"] == "keep"  # kept in the payload all the same


@pytest.mark.parametrize(
    "body, status, detail",
    [
        pytest.param(
            {"assistant_id": "agent", "schedule": "@daily", "timezone": "America"},
            422,
            "Invalid timezone: 'America'. Use IANA timezone format (e.g. 'America/New_York').",
            id="timezone-a-folder",  # the real server: 500 (IsADirectoryError)
        ),
        pytest.param(
            {"assistant_id": "agent", "schedule": "@daily", "timezone": "a" * 300},
            422,
            f"Invalid timezone: '{'a' * 300}'. Use IANA timezone format (e.g. 'America/New_York').",
            id="timezone-too-long",  # the real server: 500 (OSError)
        ),
        pytest.param(
            {"assistant_id": "agent", "schedule": "@daily", "timezone": "/etc/passwd"},
            400,
            "ZoneInfo keys may not be absolute paths, got: /etc/passwd",
            id="timezone-absolute",  # the real server's 400
        ),
        pytest.param(
            {"assistant_id": "agent", "schedule": "@daily", "end_time": "tomorrow"},
            422,
            "Invalid end_time: 'tomorrow'. Use an ISO 8601 date-time.",
            id="end-time-not-a-date",  # the real server stores it, then its scheduler fails
        ),
    ],
)
def test_create_refuses_what_it_cannot_schedule(
    client: httpx.Client, body: dict[str, Any], status: int, detail: str
) -> None:
    response = client.post("/runs/crons", json=body)
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert client.post("/runs/crons/count", json={}).json() == 0


@pytest.mark.parametrize("missing", ["assistant_id", "schedule"])
def test_a_cron_without_assistant_or_schedule_is_a_422(client: httpx.Client, missing: str) -> None:
    # The real server's schema validator skips `required` on this schema; it then fails (500).
    body = {"assistant_id": "agent", "schedule": "@daily"}
    del body[missing]
    response = client.post("/runs/crons", json=body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f'"{missing}" is a required property')


def test_end_times_read_as_iso_8601_with_utc_by_default(client: httpx.Client) -> None:
    for end_time in ("2030-01-01T00:00:00", "2030-01-01", "2030-01-01T00:00:00Z"):
        assert create(client, end_time=end_time)["end_time"] == end_time  # as sent


# ---- patch --------------------------------------------------------------------------------------


def test_patch_changes_the_fields_given_and_merges_them_into_the_payload(
    client: httpx.Client,
) -> None:
    cron = create(client, metadata={"m": 1, "k": "v"}, input={"x": 1}, end_time="2030-01-01")
    path = f"/runs/crons/{cron['cron_id']}"
    patched = client.patch(
        path,
        json={
            "metadata": {"k": "w"},
            "input": {"y": 2},
            "config": {"tags": ["t"]},
            "enabled": False,
            "end_time": None,
            "assistant_id": "interrupter",
        },
    ).json()
    assert patched["metadata"] == {"m": 1, "k": "w"}  # merged
    assert (patched["enabled"], patched["end_time"]) == (False, None)
    assert patched["assistant_id"] == AGENT and patched["next_run_date"] == cron["next_run_date"]
    assert patched["payload"] == {
        "assistant_id": AGENT,  # kept
        "schedule": "@daily",
        "metadata": {"k": "w"},  # replaced, as every top-level payload field
        "input": {"y": 2},
        "end_time": None,
        "config": {"tags": ["t"], "configurable": {"cron_id": cron["cron_id"]}},
        "enabled": False,
    }
    assert (
        patched["updated_at"] > cron["updated_at"] and patched["created_at"] == cron["created_at"]
    )


def test_a_new_schedule_or_timezone_reschedules(client: httpx.Client) -> None:
    cron = create(client, schedule="0 9 * * *")
    path = f"/runs/crons/{cron['cron_id']}"
    in_kolkata = client.patch(path, json={"timezone": "Asia/Kolkata"}).json()
    moment = datetime.fromisoformat(in_kolkata["next_run_date"]).astimezone(
        ZoneInfo("Asia/Kolkata")
    )
    assert (moment.hour, moment.minute) == (9, 0)
    rescheduled = client.patch(path, json={"schedule": "30 10 * * *"}).json()
    moment = datetime.fromisoformat(rescheduled["next_run_date"]).astimezone(
        ZoneInfo("Asia/Kolkata")
    )
    assert (moment.hour, moment.minute) == (10, 30)


@pytest.mark.parametrize(
    "body, status",
    [
        ({"schedule": "0 0 31 2 *", "enabled": False}, 400),  # the real server keeps the schedule
        ({"timezone": "", "enabled": False}, 400),
        ({"schedule": "bad", "enabled": False}, 422),
        ({"end_time": "soon", "enabled": False}, 422),
    ],
)
def test_a_refused_patch_changes_nothing(
    client: httpx.Client, body: dict[str, Any], status: int
) -> None:
    cron = create(client)
    path = f"/runs/crons/{cron['cron_id']}"
    assert client.patch(path, json=body).status_code == status
    assert client.get(path).json() == cron


def test_ids_in_any_form_name_the_same_cron(client: httpx.Client) -> None:
    # The real server finds an upper-case or undashed id on GET only; PATCH and DELETE say 404.
    cron = create(client)
    upper, bare = cron["cron_id"].upper(), cron["cron_id"].replace("-", "")
    assert client.get(f"/runs/crons/{bare}").json() == cron
    assert client.patch(f"/runs/crons/{upper}", json={"enabled": False}).json()["enabled"] is False
    assert client.delete(f"/runs/crons/{upper}").status_code == 204
    assert client.get(f"/runs/crons/{cron['cron_id']}").status_code == 404


# ---- delete, search, count ----------------------------------------------------------------------


def test_deleting_a_thread_deletes_its_crons(client: httpx.Client) -> None:
    thread_id = new_thread(client)
    on_thread, stateless = create(client, thread_id), create(client)
    assert client.delete(f"/threads/{thread_id}").status_code == 204
    assert client.get(f"/runs/crons/{on_thread['cron_id']}").status_code == 404
    assert client.get(f"/runs/crons/{stateless['cron_id']}").status_code == 200


def test_search_pages_as_thread_search_does(client: httpx.Client) -> None:
    made = [create(client, metadata={"i": i})["cron_id"] for i in range(5)]
    first = client.post("/runs/crons/search", json={"limit": 2, "select": ["cron_id"]})
    assert first.json() == [{"cron_id": made[4]}, {"cron_id": made[3]}]  # newest first
    assert (first.headers["x-pagination-total"], first.headers["x-pagination-next"]) == ("3", "2")
    last = client.post("/runs/crons/search", json={"limit": 2, "offset": 4})
    assert [c["cron_id"] for c in last.json()] == [made[0]]
    assert last.headers["x-pagination-total"] == "5" and "x-pagination-next" not in last.headers
    assert client.post("/runs/crons/count", json={"metadata": {"i": 3}}).json() == 1


def test_search_sorts_by_end_time_with_some_missing(client: httpx.Client) -> None:
    # The real server answers 500 here (it compares the string it kept with a datetime).
    late = create(client, end_time="2031-01-01T00:00:00+00:00")["cron_id"]
    none = create(client)["cron_id"]
    early = create(client, end_time="2030-06-01T05:00:00+05:00")["cron_id"]
    for order, expected in (("asc", [none, early, late]), ("desc", [late, early, none])):
        body = {"sort_by": "end_time", "sort_order": order, "select": ["cron_id"]}
        found = client.post("/runs/crons/search", json=body).json()
        assert [c["cron_id"] for c in found] == expected


def test_info_says_crons_are_served(client: httpx.Client) -> None:
    assert client.get("/info").json()["flags"]["crons"] is True


# ---- the official client ------------------------------------------------------------------------


def test_the_sdk_creates_updates_searches_counts_and_deletes_crons(
    sdk: SyncLangGraphClient,
) -> None:
    thread = sdk.threads.create()
    stateless = sdk.crons.create(
        "agent",
        schedule="0 9 * * *",
        input=HI,
        metadata={"owner": "sdk"},
        timezone=ZoneInfo("Asia/Tokyo"),
        end_time=datetime(2030, 1, 1),
        on_run_completed="keep",
    )
    assert list(stateless) == CRON_KEYS
    assert (stateless["timezone"], stateless["end_time"]) == ("Asia/Tokyo", "2030-01-01T00:00:00")
    on_thread = sdk.crons.create_for_thread(
        thread["thread_id"], "interrupter", schedule="@hourly", multitask_strategy="reject"
    )
    assert on_thread["payload"]["multitask_strategy"] == "reject"
    updated = sdk.crons.update(stateless["cron_id"], enabled=False, end_time=None)
    assert (updated["enabled"], updated["end_time"]) == (False, None)
    found = sdk.crons.search(thread_id=thread["thread_id"])
    assert [c["cron_id"] for c in found] == [on_thread["cron_id"]]
    assert [c["cron_id"] for c in sdk.crons.search(enabled=False, select=["cron_id"])] == [
        stateless["cron_id"]
    ]
    assert sdk.crons.count() == 2 and sdk.crons.count(metadata={"owner": "sdk"}) == 1
    sdk.crons.delete(on_thread["cron_id"])
    assert sdk.crons.count() == 1
    with pytest.raises(NotFoundError):
        sdk.crons.delete(on_thread["cron_id"])
    with pytest.raises(UnprocessableEntityError):
        sdk.crons.create("agent", schedule="every day")


# ---- the scheduler ------------------------------------------------------------------------------


def test_a_cron_fires_runs_on_its_thread(fast: LiveServer, client: httpx.Client) -> None:
    thread_id = new_thread(client, owner="me")
    cron = create(
        client, thread_id, schedule="* * * * * *", input=HI, metadata={"owner": "cron", "c": 1}
    )
    runs = eventually(lambda: client.get(f"/threads/{thread_id}/runs").json())
    client.delete(f"/runs/crons/{cron['cron_id']}")
    run = runs[-1]
    assert run["metadata"] == {
        "created_by": "system",
        "owner": "cron",  # the cron's metadata over the thread's
        "graph_id": "agent",
        "assistant_id": AGENT,
        "c": 1,
    }
    configurable = run["kwargs"]["config"]["configurable"]
    assert configurable["cron_id"] == cron["cron_id"]
    assert configurable["langgraph_request_id"] is None  # no request made it
    assert configurable["langgraph_auth_user"] == {
        "identity": "",
        "is_authenticated": True,
        "display_name": "",
    }
    assert run["kwargs"]["temporary"] is False
    # The cron is gone; its runs stay.
    assert client.get(f"/threads/{thread_id}/runs/{run['run_id']}").status_code == 200


def test_a_stateless_crons_thread_is_deleted_after_its_run_unless_kept(
    fast: LiveServer, client: httpx.Client
) -> None:
    kept = create(
        client, schedule="* * * * * *", input=HI, metadata={"k": 1}, on_run_completed="keep"
    )
    gone = create(client, schedule="* * * * * *", input=HI, metadata={"g": 1})

    def search(metadata: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = client.post(
            "/threads/search", json={"metadata": metadata}
        ).json()
        return found

    threads = eventually(lambda: [t for t in search({"k": 1}) if t["status"] == "idle"])
    assert threads[0]["metadata"] == {"graph_id": "agent", "assistant_id": AGENT, "k": 1}
    path = f"/runs/crons/{gone['cron_id']}"
    eventually(lambda: client.get(path).json()["next_run_date"] != gone["next_run_date"])
    eventually(lambda: not search({"g": 1}))  # its run's thread, deleted when the run ended
    server = fast.app.state.server
    with server.lock:
        ended = [a.run for a in server.worker.finished.values() if a.run.metadata.get("g") == 1]
    assert ended and ended[0].kwargs["temporary"] is True
    for cron in (kept, gone):
        client.delete(f"/runs/crons/{cron['cron_id']}")


def test_reset_stops_the_scheduler_and_forgets_every_cron(
    fast: LiveServer, client: httpx.Client
) -> None:
    server = fast.app.state.server
    create(client, schedule="* * * * * *")
    assert server.scheduler.polling
    server.reset()
    assert not server.scheduler.polling
    assert client.post("/runs/crons/count", json={}).json() == 0


def _on_a_loop(test: Callable[[Server], None]) -> None:
    """Run `test` with a fresh server on a running event loop (runs start on it), holding the
    server's lock, as the scheduler's ticks do."""

    async def main() -> None:
        server = Server(load_spec(), load_graphs(DATA / "reference_graphs.yaml"))
        with server.lock:
            test(server)
            server.reset()

    asyncio.run(main())


def _thread(server: Server) -> str:
    thread_id = str(uuid.uuid4())
    server.store.add_thread(Thread(thread_id, "t", "t", "t", {}))
    return thread_id


def test_a_tick_fires_the_due_crons_once_and_moves_them_on() -> None:
    def test(server: Server) -> None:
        store, registry = server.store, server.assistants
        thread_id = _thread(server)
        daily = crons.create_cron(
            store,
            registry,
            thread_id,
            {"assistant_id": "agent", "schedule": "0 9 * * *", "input": HI},
        )
        due = datetime.fromisoformat(str(daily.next_run_date))
        assert server.scheduler.tick(due - timedelta(seconds=1)) == []
        (run,) = server.scheduler.tick(due)
        assert (run.thread_id, run.kwargs["input"]) == (thread_id, HI)
        moved = store.cron(daily.cron_id)
        assert moved is not None and moved.next_run_date == crons.next_run("0 9 * * *", due, None)
        assert moved.updated_at == daily.updated_at  # firing is not an update
        assert server.scheduler.tick(due) == []

    _on_a_loop(test)


def test_disabled_ended_and_spent_crons_do_not_fire_and_hold_up_no_other() -> None:
    def test(server: Server) -> None:
        store, registry = server.store, server.assistants
        agent = {"assistant_id": "agent", "input": HI, "schedule": "* * * * *"}
        now = datetime.now(UTC)
        off = crons.create_cron(store, registry, None, {**agent, "enabled": False})
        ended = crons.create_cron(store, registry, None, {**agent, "end_time": now.isoformat()})
        # An end time, naive (UTC), still ahead: it fires, and so do the crons after it (on the
        # real server, none fires while a cron has an end time).
        ends = crons.create_cron(store, registry, None, {**agent, "end_time": "2100-01-01T00:00"})
        plain = crons.create_cron(store, registry, None, agent)
        # Its one date is a minute from now (seven fields: seconds, then a year).
        at = now + timedelta(minutes=1)
        once = crons.create_cron(
            store,
            registry,
            None,
            {**agent, "schedule": f"{at.minute} {at.hour} {at.day} {at.month} * 0 {at.year}"},
        )
        later = now + timedelta(minutes=2)
        fired = server.scheduler.tick(later)
        assert [r.kwargs["config"]["configurable"]["cron_id"] for r in fired] == [
            ends.cron_id,
            plain.cron_id,
            once.cron_id,
        ]
        spent = store.cron(once.cron_id)
        assert spent is not None and spent.next_run_date is None  # no date left: never due
        assert [store.cron(c.cron_id) for c in (off, ended)] == [off, ended]  # not moved on
        fired = server.scheduler.tick(later + timedelta(days=400))
        assert {r.kwargs["config"]["configurable"]["cron_id"] for r in fired} == {
            ends.cron_id,
            plain.cron_id,
        }

    _on_a_loop(test)


def test_a_cron_whose_run_is_refused_is_rescheduled_all_the_same() -> None:
    def test(server: Server) -> None:
        store, registry = server.store, server.assistants
        thread_id = _thread(server)
        body = {"assistant_id": "slow", "input": {}, "multitask_strategy": "reject"}
        cron = crons.create_cron(store, registry, thread_id, {**body, "schedule": "* * * * *"})
        server.worker.launch(
            registry, server.graphs, thread_id, {"assistant_id": "slow", "input": {}}
        )
        due = datetime.fromisoformat(str(cron.next_run_date))
        assert server.scheduler.tick(due) == []  # 409: the thread is busy
        moved = store.cron(cron.cron_id)
        assert moved is not None and moved.next_run_date != cron.next_run_date

    _on_a_loop(test)


def test_a_test_fires_due_crons_without_waiting_for_the_poll() -> None:
    # MockServer.fire_crons (the admin API's POST /__mockserver/crons/fire) with a moment in
    # the future: the cron is due then, fires once, and its next run date moves past it.
    with MockServer.start() as mock, httpx.Client(base_url=mock.url) as http:
        tid = http.post("/threads", json={}).json()["thread_id"]
        cron = http.post(
            f"/threads/{tid}/runs/crons",
            json={"assistant_id": "agent", "schedule": "0 9 * * *", "input": HI},
        ).json()
        assert mock.fire_crons() == []  # not due yet
        (run_id,) = mock.fire_crons(at="2999-01-01T10:00:00+00:00")
        run = http.get(f"/threads/{tid}/runs/{run_id}").json()
        assert run["kwargs"]["config"]["configurable"]["cron_id"] == cron["cron_id"]
        moved = http.get(f"/runs/crons/{cron['cron_id']}").json()["next_run_date"]
        assert moved.startswith("2999-01-02T09:00:00")
        refused = http.post(f"{mock.url}/__mockserver/crons/fire", json={"at": "tomorrow"})
        assert refused.status_code == 422
