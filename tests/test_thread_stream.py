"""GET /threads/{id}/stream: every run of a thread and its state updates, on a stream that stays
open; its modes, its replay with Last-Event-ID, and its refusals (as langgraph dev answers)."""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from langgraph_sdk import get_sync_client
from run_scenarios import parse_sse

from mockserver.live import LiveServer

HI = {"messages": [{"type": "human", "content": "hi"}]}
ENOUGH = 20.0  # seconds any one expected event may take (a deadline, not a pause)


@contextmanager
def following(
    url: str, thread_id: str, headers: dict[str, str] | None = None, **query: str
) -> Iterator[queue.Queue[dict[str, Any]]]:
    """The thread's stream, read in the background: its events arrive on the queue. Closed
    (the client leaves) when the block ends."""
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    opened = threading.Event()
    client = httpx.Client(base_url=url, timeout=None)
    request = client.build_request(
        "GET", f"/threads/{thread_id}/stream", params=query, headers=headers
    )
    response = client.send(request, stream=True)
    assert response.status_code == 200

    def read() -> None:
        opened.set()
        try:
            for event in parse_sse(response.iter_lines()):
                events.put(event)
        except (httpx.HTTPError, RuntimeError, OSError, ValueError):
            pass  # the block ended and closed the stream

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert opened.wait(ENOUGH)
    try:
        yield events
    finally:
        # The client leaves: a shutdown wakes the reader blocked in recv (a close would not).
        stream = response.extensions["network_stream"]
        stream.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
        response.close()
        client.close()
        reader.join(ENOUGH)


def take(events: queue.Queue[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return [events.get(timeout=ENOUGH) for _ in range(count)]


def until_done(events: queue.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events up to and including the next run's `run_done`."""
    seen = []
    while True:
        event = events.get(timeout=ENOUGH)
        seen.append(event)
        if event["event"] == "metadata" and event["data"].get("status") == "run_done":
            return seen


def test_it_carries_every_run_of_the_thread_with_ids_then_run_done(
    mock: LiveServer, client: httpx.Client, thread_id: str
) -> None:
    with following(mock.url, thread_id) as events:
        for _ in range(2):  # the stream stays open for the next run
            run = client.post(
                f"/threads/{thread_id}/runs/wait",
                json={"assistant_id": "agent", "input": HI, "stream_mode": ["updates"]},
            )
            run_id = run.headers["Content-Location"].rsplit("/", 1)[-1]
            seen = until_done(events)
            names = [e["event"] for e in seen]
            assert names == ["metadata", "updates", "updates", "metadata"]
            assert seen[0]["data"] == {"run_id": run_id, "attempt": 1}
            assert seen[-1]["data"] == {"status": "run_done", "run_id": run_id}
            ids = [e["id"] for e in seen]
            assert all(ids) and ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))


def test_lifecycle_and_state_update_modes(
    mock: LiveServer, client: httpx.Client, thread_id: str
) -> None:
    with (
        following(mock.url, thread_id, stream_modes="lifecycle") as lifecycle,
        following(mock.url, thread_id, stream_modes="state_update") as updates,
    ):
        client.post(f"/threads/{thread_id}/state", json={"values": {"topic": "x"}})
        (update,) = take(updates, 1)
        state = client.get(f"/threads/{thread_id}/state").json()
        assert update["event"] == "state_update"
        assert update["data"] == {"state": state, "thread_id": thread_id}
        client.post(f"/threads/{thread_id}/runs/wait", json={"assistant_id": "agent"})
        first, done = take(lifecycle, 2)
        assert first["event"] == done["event"] == "metadata"
        assert set(first["data"]) == {"run_id", "attempt"}
        assert done["data"]["status"] == "run_done"
        assert updates.empty()  # runs are not state updates


def test_a_stream_on_a_thread_that_does_not_exist_yet_waits_for_it(
    mock: LiveServer, client: httpx.Client
) -> None:
    tid = "5b0c3a86-3f0e-4e5a-9d0c-7a8f5d1e2c3b"
    with following(mock.url, tid) as events:
        client.post(
            f"/threads/{tid}/runs/wait",
            json={"assistant_id": "agent", "input": HI, "if_not_exists": "create"},
        )
        assert until_done(events)[0]["event"] == "metadata"


def test_last_event_id_replays_the_threads_resumable_runs(
    mock: LiveServer, client: httpx.Client, thread_id: str
) -> None:
    for resumable in (True, False, True):
        client.post(
            f"/threads/{thread_id}/runs/wait",
            json={"assistant_id": "agent", "stream_resumable": resumable},
        )
    with following(mock.url, thread_id, headers={"Last-Event-ID": "-"}) as events:
        replayed = until_done(events) + until_done(events)
    done = [e["data"]["run_id"] for e in replayed if e["data"].get("status") == "run_done"]
    runs = [r["run_id"] for r in client.get(f"/threads/{thread_id}/runs").json()]
    assert done == [runs[2], runs[0]]  # the resumable ones, oldest first
    middle = replayed[len(replayed) // 2]["id"]
    with following(mock.url, thread_id, headers={"Last-Event-ID": middle}) as events:
        assert [e["id"] for e in until_done(events)] == [
            e["id"] for e in replayed if e["id"] > middle
        ]


def test_refusals_word_as_the_real_server(client: httpx.Client, thread_id: str) -> None:
    bad_mode = client.get(f"/threads/{thread_id}/stream", params={"stream_modes": "values"})
    assert (bad_mode.status_code, bad_mode.json()) == (
        422,
        {"detail": "Invalid stream mode: values"},
    )
    bad_id = client.get(f"/threads/{thread_id}/stream", headers={"Last-Event-ID": "nope"})
    assert (bad_id.status_code, bad_id.json()) == (
        422,
        {"detail": "Invalid last-event-id: must be a valid Redis stream ID"},
    )


def test_the_sdks_join_stream_gets_run_modes(
    mock: LiveServer, client: httpx.Client, thread_id: str
) -> None:
    # The SDK sends `stream_mode=` (singular), which the server ignores, as the real one does.
    sdk = get_sync_client(url=mock.url)
    got: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        for part in sdk.threads.join_stream(thread_id, stream_mode="lifecycle"):
            got.put(part)
            if part.event == "metadata" and part.data.get("status") == "run_done":
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while reader.is_alive() and got.empty():
        client.post(f"/threads/{thread_id}/runs/wait", json={"assistant_id": "agent", "input": HI})
        reader.join(0.2)
    reader.join(ENOUGH)
    events = [got.get_nowait().event for _ in range(got.qsize())]
    assert "values" in events and events[-1] == "metadata"
