"""The Store interface, the same tests on both stores; the SQLite file read back.

`mockserver serve --persist` across kill -9 is tested in test_cli.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.errors import NotFound
from mockserver.message_log import MessageLog, add_messages
from mockserver.sqlite import SqliteStore
from mockserver.state import new_checkpoint
from mockserver.store import (
    NO_WRITES,
    Cron,
    MemoryStore,
    Run,
    Store,
    StoreFull,
    TaskWrites,
    Thread,
)
from mockserver.testing import MockServer

NOW = "2026-11-29T00:00:00+00:00"


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    yield made
    made.close()


def thread(thread_id: str = "t1", **changes: Any) -> Thread:
    return Thread(thread_id, NOW, NOW, NOW, {"graph_id": "agent"}, **changes)


def run(run_id: str, thread_id: str = "t1") -> Run:
    return Run(run_id, thread_id, "a", "agent", {}, "pending", {"input": None}, "enqueue", NOW, NOW)


def cron(cron_id: str, thread_id: str | None = "t1", **changes: Any) -> Cron:
    fields: dict[str, Any] = {
        "cron_id": cron_id,
        "assistant_id": "a",
        "thread_id": thread_id,
        "user_id": "",
        "end_time": None,
        "schedule": "@daily",
        "timezone": None,
        "payload": {"assistant_id": "a", "config": {"configurable": {"cron_id": cron_id}}},
        "next_run_date": "2026-11-30T00:00:00+00:00",
        "metadata": {},
        "on_run_completed": None if thread_id else "delete",
        "enabled": True,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Cron(**{**fields, **changes})


def human(text: str, message_id: str) -> dict[str, Any]:
    return {"type": "human", "content": text, "id": message_id}


def grow(store: Store, thread_id: str, texts: list[str]) -> list[str]:
    """One checkpoint per text, each appending a message to its parent's: their ids."""
    ids, parent = [], None
    for step, text in enumerate(texts):
        log = parent.values["messages"] if parent is not None else MessageLog.EMPTY
        values = {"messages": add_messages(log, human(text, f"m-{text}")), "topic": text}
        made = new_checkpoint(
            parent.checkpoint_id if parent else None, step, values, ("agent",), {"step": step}
        )
        store.add_checkpoint(thread_id, made)
        ids.append(made.checkpoint_id)
        parent = made
    return ids


def test_threads_are_saved_replaced_and_deleted_with_their_runs(store: Store) -> None:
    store.add_thread(thread("t1"))
    store.add_thread(thread("t2"))
    store.save_thread(thread("t1", error={"error": "E", "message": "m"}, run_status="error"))
    assert [t.thread_id for t in store.threads()] == ["t1", "t2"]
    assert store.thread("t1").run_status == "error"
    store.save_run(run("r1"))
    store.save_run(run("r2"))
    assert [r.run_id for r in store.runs_of("t1")] == ["r2", "r1"]
    store.delete_thread("t1")
    assert store.find_thread("t1") is None and store.run("r1") is None
    with pytest.raises(NotFound, match="Thread with ID t1 not found"):
        store.thread("t1")
    store.save_thread(thread("t1"))  # a deleted thread is not brought back by a late write
    assert store.find_thread("t1") is None


def test_crons_are_saved_replaced_and_deleted_with_their_thread(store: Store) -> None:
    store.add_thread(thread("t1"))
    store.save_cron(cron("c1"))
    store.save_cron(cron("c2", thread_id=None))
    store.save_cron(cron("c3"))
    store.save_cron(cron("c1", enabled=False))  # a new record: it keeps its place
    assert [c.cron_id for c in store.crons()] == ["c1", "c2", "c3"]
    assert store.cron("c1") == cron("c1", enabled=False)
    store.delete_cron("c3")
    store.delete_cron("c3")  # no error
    assert store.cron("c3") is None
    store.delete_thread("t1")  # takes its crons, not the stateless one
    assert [c.cron_id for c in store.crons()] == ["c2"]
    store.reset()
    assert list(store.crons()) == []


def test_a_history_keeps_id_order_and_its_task_writes(store: Store) -> None:
    store.add_thread(thread())
    ids = grow(store, "t1", ["a", "b", "c"])
    history = store.history("t1")
    assert history.ids == ids and history.head is not None and history.head.checkpoint_id == ids[2]
    store.add_writes("t1", ids[0], TaskWrites(results={"agent": {"x": 1}}))
    store.add_writes("t1", ids[0], TaskWrites(interrupts={"agent": [{"value": 1, "id": "i"}]}))
    writes = store.history("t1").writes_of(ids[0])
    assert writes.results == {"agent": {"x": 1}} and writes.interrupts["agent"][0]["value"] == 1
    store.remove_checkpoints("t1", {ids[0], ids[2]})
    assert store.history("t1").ids == [ids[1]]
    assert store.history("t1").writes_of(ids[0]) is NO_WRITES


def test_the_cap_and_reset(store: Store) -> None:
    store.max_threads = 1
    store.add_thread(thread("t1"))
    with pytest.raises(StoreFull):
        store.add_thread(thread("t2"))
    store.reset()
    assert list(store.threads()) == [] and len(store.history("t1")) == 0


def test_a_sqlite_store_reads_back_everything_it_was_told(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    first = SqliteStore(path)
    first.add_thread(thread("t1", config={"tags": ["x"]}))
    ids = grow(first, "t1", [str(i) for i in range(50)])
    first.add_writes("t1", ids[3], TaskWrites(errors={"agent": "ValueError('no')"}))
    first.save_run(run("r1"))
    first.save_run(run("r2"))
    first.save_cron(cron("c1"))
    first.save_cron(cron("c2", thread_id=None, end_time="2030-01-01T00:00:00Z"))
    first.save_cron(cron("c1", metadata={"m": [1, {"x": None}]}, next_run_date=None))
    # A rolled-back checkpoint that a kept one was saved as additions to.
    first.remove_checkpoints("t1", {ids[10]})
    before = first.history("t1")
    first.close()

    again = SqliteStore(path)
    history = again.history("t1")
    assert again.thread("t1") == thread("t1", config={"tags": ["x"]})
    assert history.ids == before.ids
    for old, new in zip(before.checkpoints, history.checkpoints, strict=True):
        assert new.values["messages"].to_list() == old.values["messages"].to_list()
        assert (new.values["topic"], new.metadata, new.next) == (
            old.values["topic"],
            old.metadata,
            old.next,
        )
    assert history.writes_of(ids[3]).errors == {"agent": "ValueError('no')"}
    assert [r.run_id for r in again.runs_of("t1")] == ["r2", "r1"]
    assert list(again.crons()) == [
        cron("c1", metadata={"m": [1, {"x": None}]}, next_run_date=None),
        cron("c2", thread_id=None, end_time="2030-01-01T00:00:00Z"),
    ]
    # A log read back still takes new messages as a log does.
    head = history.head
    assert head is not None
    grown = add_messages(head.values["messages"], human("more", "m-0"))
    assert len(grown) == 50 and grown.to_list()[0]["content"] == "more"  # replaced in place
    again.close()


def test_an_append_costs_what_it_adds(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.add_thread(thread())
    grow(store, "t1", [str(i) for i in range(200)])
    store.flush()
    sizes = [
        len(record)
        for (record,) in store._db.execute("SELECT record FROM checkpoints ORDER BY checkpoint_id")
    ]
    assert max(sizes[1:]) < 2 * sizes[1], "a later checkpoint saved the whole list again"
    store.close()


def test_a_mock_started_with_persist_finds_its_threads_again(tmp_path: Path) -> None:
    seed = {"threads": [{"graph_id": "agent", "updates": [{"values": {"topic": "kept"}}]}]}
    with MockServer.start(persist=tmp_path / "mock.db") as first:
        (tid,) = first.seed(seed)
        before = first.state(tid), first.history(tid)
    with MockServer.start(persist=tmp_path / "mock.db") as again:
        assert (again.state(tid), again.history(tid)) == before
        assert before[0]["values"]["topic"] == "kept"
    with MockServer.start() as fresh:  # in memory unless asked
        assert fresh.threads() == []


def test_assistants_a_client_made_are_kept_with_persist(tmp_path: Path) -> None:
    body = {"graph_id": "agent", "name": "kept", "config": {"configurable": {"x": 1}}}
    with MockServer.start(persist=tmp_path / "mock.db") as first:
        made = httpx.post(f"{first.url}/assistants", json=body).json()
        httpx.patch(f"{first.url}/assistants/{made['assistant_id']}", json={"name": "renamed"})
        versions = httpx.post(f"{first.url}/assistants/{made['assistant_id']}/versions", json={})
    with MockServer.start(persist=tmp_path / "mock.db") as again:
        got = httpx.get(f"{again.url}/assistants/{made['assistant_id']}").json()
        assert (got["name"], got["version"], got["config"]) == ("renamed", 2, made["config"])
        kept = httpx.post(f"{again.url}/assistants/{made['assistant_id']}/versions", json={})
        assert kept.json() == versions.json()
        httpx.post(f"{again.url}/__mockserver/reset")
    with MockServer.start(persist=tmp_path / "mock.db") as third:  # a reset empties the file
        assert httpx.get(f"{third.url}/assistants/{made['assistant_id']}").status_code == 404
