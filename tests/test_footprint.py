"""What a thread's checkpoints occupy: the items counted as the real checkpointer stores them
(a row per checkpoint, a blob per channel version, a row per task write), sized as JSON."""

from __future__ import annotations

from typing import Any

import orjson

from mockserver.footprint import thread_storage
from mockserver.message_log import MessageLog
from mockserver.store import Checkpoint, History, MemoryStore, TaskWrites, Thread

TID = "7a89f0ca-26e8-4622-94d1-efb972e7a947"


def checkpoint(n: int, values: dict[str, Any], parent: str | None = None) -> Checkpoint:
    return Checkpoint(f"c{n}", parent, n, values, ("agent",), {"step": n}, "2026-01-01")


def history(*checkpoints: Checkpoint, writes: dict[str, TaskWrites] | None = None) -> History:
    store = MemoryStore()
    store.add_thread(Thread(TID, "t", "t", "t", {}))
    for c in checkpoints:
        store.add_checkpoint(TID, c)
    for cid, found in (writes or {}).items():
        store.add_writes(TID, cid, found)
    return store.history(TID)


def size(value: Any) -> int:
    return len(orjson.dumps(value))


def test_a_thread_never_written_occupies_nothing() -> None:
    assert thread_storage(TID, history()) == {
        "thread_id": TID,
        "total_bytes": 0,
        "checkpoints": {"count": 0, "bytes": 0},
        "channel_values": {"count": 0, "bytes": 0, "by_channel": {}},
        "pending_writes": {"count": 0, "bytes": 0},
    }


def test_a_value_shared_by_checkpoints_is_one_version() -> None:
    topic = "weather"
    first = checkpoint(1, {"topic": topic, "notes": [1]})
    second = checkpoint(2, {"topic": topic, "notes": [1, 2]}, "c1")  # notes written again
    report = thread_storage(TID, history(first, second))
    assert report["checkpoints"]["count"] == 2
    assert report["channel_values"]["by_channel"] == {
        "topic": {"versions": 1, "bytes": size(topic)},
        "notes": {"versions": 2, "bytes": size([1]) + size([1, 2])},
    }
    assert report["channel_values"]["count"] == 3
    sections = ("checkpoints", "channel_values", "pending_writes")
    assert report["total_bytes"] == sum(report[s]["bytes"] for s in sections)


def test_channels_nothing_wrote_are_not_stored() -> None:
    # the shared empty message log every thread starts with
    report = thread_storage(TID, history(checkpoint(1, {"messages": MessageLog.EMPTY})))
    assert report["channel_values"]["by_channel"] == {}


def test_task_writes_count_one_per_channel_interrupt_and_error() -> None:
    writes = TaskWrites(
        results={"agent": {"topic": "x", "notes": [1]}},
        interrupts={"ask": [{"value": "ok?", "id": "i1"}]},
        errors={"tools": "ValueError('no')"},
    )
    report = thread_storage(TID, history(checkpoint(1, {}), writes={"c1": writes}))
    assert report["pending_writes"]["count"] == 4
