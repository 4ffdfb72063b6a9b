"""What a thread's checkpoints occupy (GET /threads/{thread_id}/storage).

The real server counts the rows of its checkpointer: one per checkpoint, one blob per version
of each channel, one per task write not yet folded into a checkpoint, and their serialised
bytes. The mock counts its own: each checkpoint, each distinct value a state channel has held
(checkpoints share the values they did not change), each task write kept beside a checkpoint;
sizes are the JSON bytes of each. LangGraph's internal channels (`branch:to:<node>`, the
triggers) have no counterpart here. Framework-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from mockserver.reducers import INITIAL, to_plain
from mockserver.store import Checkpoint, History, TaskWrites

# The shared empty values of aggregate channels: present before anything wrote them.
_UNWRITTEN = tuple(INITIAL.values())


def thread_storage(thread_id: str, history: History) -> dict[str, Any]:
    """The storage body: totals per section and the channel values per channel."""
    versions: dict[str, dict[int, Any]] = {}
    for checkpoint in history.checkpoints:
        for channel, value in checkpoint.values.items():
            if not any(value is empty for empty in _UNWRITTEN):
                versions.setdefault(channel, {})[id(value)] = value
    by_channel = {
        channel: {"versions": len(held), "bytes": sum(_size(v) for v in held.values())}
        for channel, held in versions.items()
    }
    checkpoints = _section([_checkpoint_row(c) for c in history.checkpoints])
    writes = _section(
        [w for c in history.checkpoints for w in _writes(history.writes_of(c.checkpoint_id))]
    )
    channel_bytes = sum(entry["bytes"] for entry in by_channel.values())
    return {
        "thread_id": thread_id,
        "total_bytes": checkpoints["bytes"] + channel_bytes + writes["bytes"],
        "checkpoints": checkpoints,
        "channel_values": {
            "count": sum(entry["versions"] for entry in by_channel.values()),
            "bytes": channel_bytes,
            "by_channel": by_channel,
        },
        "pending_writes": writes,
    }


def _checkpoint_row(checkpoint: Checkpoint) -> Mapping[str, Any]:
    # What a checkpoint row holds besides the channel values: ids, step, metadata.
    return {
        "checkpoint_id": checkpoint.checkpoint_id,
        "parent_checkpoint_id": checkpoint.parent_id,
        "step": checkpoint.step,
        "next": checkpoint.next,
        "metadata": checkpoint.metadata,
    }


def _writes(writes: TaskWrites) -> list[Any]:
    # One write per channel a task wrote, per interrupt it raised, per error it failed with.
    found: list[Any] = []
    for result in writes.results.values():
        found += list(result.items()) if isinstance(result, Mapping) and result else [result]
    found += [i for raised in writes.interrupts.values() for i in raised]
    found += list(writes.errors.values())
    return found


def _section(items: list[Any]) -> dict[str, int]:
    return {"count": len(items), "bytes": sum(_size(item) for item in items)}


def _size(value: Any) -> int:
    return len(orjson.dumps(value, default=to_plain))
