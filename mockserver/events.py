"""The payloads of each stream mode, shaped as langgraph-api 0.16.7 sends them.

Plain functions from the run's data to JSON-able dicts; the engine decides when to send them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockserver.reducers import to_plain
from mockserver.state import new_checkpoint_id, task_id
from mockserver.store import Checkpoint, TaskWrites, utc_now

# Events every run sends, whatever its stream modes.
_ALWAYS = frozenset({"metadata", "error"})
# The events of the `messages` mode (the legacy one: metadata, then partial or complete lists);
# the `messages-tuple` mode sends `messages` events ([chunk, metadata]).
_LEGACY_MESSAGES = frozenset({"messages/metadata", "messages/partial", "messages/complete"})


def carries(modes: frozenset[str], event: str) -> bool:
    """Whether a run streaming `modes` (its `stream_mode`) sends events named `event`: the
    one place that decides it (a join's own filter is the stream's, streams.py)."""
    if event in _ALWAYS:
        return True
    if event == "messages":
        return "messages-tuple" in modes
    if event in _LEGACY_MESSAGES:
        return "messages" in modes
    return event in modes


def plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Channel values as plain JSON data (a snapshot: the stream serialises it later)."""
    return {k: to_plain(v) for k, v in values.items()}


def interrupt_items(interrupts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Interrupts as a run's stream shows them (the state omits `response_schema`)."""
    return [{"value": i["value"], "id": i["id"], "response_schema": None} for i in interrupts]


def checkpoint_payload(
    checkpoint: Checkpoint,
    writes: TaskWrites,
    thread_id: str,
    configurable: Mapping[str, Any],
    *,
    stored: bool = False,
    upcoming: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """The `checkpoints` event: a checkpoint as the run's loop saw it (`upcoming`: its next
    nodes as the run's graph reads them, by default its own).

    `writes`: what its tasks raised, wrote or failed with already (a checkpoint a run starts
    from again). A checkpoint the run started from (`stored`) is read back from the saver: its
    metadata is the stored one and its parent config names only the parent.
    """
    own = {k: v for k, v in configurable.items() if k != "__pregel_node_finished"}
    upcoming = checkpoint.next if upcoming is None else upcoming

    def config(cid: str) -> dict[str, Any]:
        return {"configurable": {"checkpoint_ns": "", **own, "checkpoint_id": cid}}

    parent = checkpoint.parent_id
    if parent is None:
        parent_config = None
    elif stored:
        parent_config = {
            "configurable": {"thread_id": thread_id, "checkpoint_ns": "", "checkpoint_id": parent}
        }
    else:
        parent_config = config(parent)
    metadata = (
        checkpoint.metadata
        if stored
        else {k: checkpoint.metadata[k] for k in ("source", "step", "parents")}
    )
    return {
        "config": config(checkpoint.checkpoint_id),
        "parent_config": parent_config,
        "values": plain_values(checkpoint.values),
        "metadata": metadata,
        "next": list(upcoming),
        "tasks": [_task(checkpoint, writes, node) for node in upcoming],
    }


def _task(checkpoint: Checkpoint, writes: TaskWrites, node: str) -> dict[str, Any]:
    """A task of a `checkpoints` event, as LangGraph's map_debug_checkpoint writes it: with
    its error, else its result, when it has one."""
    task: dict[str, Any] = {"id": task_id(checkpoint.checkpoint_id, node), "name": node}
    if error := writes.errors.get(node):
        return {**task, "error": error, "state": None}
    if result := writes.results.get(node):
        task["result"] = result
    task["interrupts"] = interrupt_items(writes.interrupts.get(node, []))
    task["state"] = None
    return task


def debug_checkpoint(
    payload: dict[str, Any], checkpoint: Checkpoint, thread_id: str
) -> dict[str, Any]:
    """The `debug` event of type checkpoint."""

    def ref(cid: str | None) -> dict[str, Any] | None:
        return (
            None
            if cid is None
            else {"checkpoint_id": cid, "thread_id": thread_id, "checkpoint_ns": ""}
        )

    full = {
        **payload,
        "checkpoint": ref(checkpoint.checkpoint_id),
        "parent_checkpoint": ref(checkpoint.parent_id),
    }
    return {"step": checkpoint.step, "timestamp": utc_now(), "type": "checkpoint", "payload": full}


def task_start(
    task: str, node: str, values: Mapping[str, Any], metadata: Mapping[str, Any]
) -> dict[str, Any]:
    """The `tasks` event when a node starts."""
    return {
        "id": task,
        "name": node,
        "input": plain_values(values),
        "triggers": [f"branch:to:{node}"],
        "metadata": dict(metadata),
    }


def task_result(
    task: str,
    node: str,
    *,
    result: Any = None,
    error: Any = None,
    interrupts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `tasks` event when a node ends (written, interrupted or failed)."""
    return {
        "id": task,
        "name": node,
        "error": error,
        "result": result if result else {},
        "interrupts": interrupt_items(interrupts or []),
    }


def debug_task(step: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The `debug` event of type task or task_result."""
    return {"step": step, "timestamp": utc_now(), "type": kind, "payload": payload}


def node_metadata(
    base: Mapping[str, Any], node: str, task: str, step: int, integration: str
) -> dict[str, Any]:
    """The metadata LangGraph attaches to what a node emits (messages, events)."""
    namespace = f"{node}:{task}"
    metadata = {
        **base,
        "ls_integration": integration,
        "langgraph_step": step,
        "langgraph_node": node,
        "langgraph_triggers": [f"branch:to:{node}"],
        "langgraph_path": ["__pregel_pull", node],
        "langgraph_checkpoint_ns": namespace,
    }
    if integration == "langchain_chat_model":
        metadata.update(checkpoint_ns=namespace, ls_provider="mockserver", ls_model_type="chat")
    return metadata


def message_chunk(message: Mapping[str, Any], content: str, *, last: bool) -> dict[str, Any]:
    """One streamed token of an AI message, as an AIMessageChunk dict; the last one carries
    the tool calls."""
    calls = list(message.get("tool_calls") or []) if last else []
    return {
        "content": content,
        "additional_kwargs": {},
        "response_metadata": {},
        "type": "AIMessageChunk",
        "name": None,
        "id": message["id"],
        "tool_calls": calls,
        "invalid_tool_calls": [],
        "usage_metadata": None,
        "tool_call_chunks": [
            {
                "name": c["name"],
                "args": json.dumps(c["args"]),
                "id": c["id"],
                "index": i,
                "type": "tool_call_chunk",
            }
            for i, c in enumerate(calls)
        ],
        "chunk_position": "last" if last else None,
    }


def partial_message(message: Mapping[str, Any], content: str, *, last: bool) -> dict[str, Any]:
    """A legacy `messages/partial` item: the AI message so far."""
    return {
        **message,
        "content": content,
        "tool_calls": list(message.get("tool_calls") or []) if last else [],
    }


def graph_event(
    graph_id: str, run_id: str, metadata: Mapping[str, Any], kind: str, data: dict[str, Any]
) -> dict[str, Any]:
    """An `events` event of the graph itself (astream_events v2)."""
    return {
        "event": kind,
        "data": data,
        "name": graph_id,
        "tags": [],
        "run_id": run_id,
        "metadata": {**metadata, "ls_integration": "langgraph"},
        "parent_ids": [],
    }


def node_event(
    parent_run_id: str, node: str, metadata: Mapping[str, Any], kind: str, data: dict[str, Any]
) -> dict[str, Any]:
    """An `events` event of one node."""
    return {
        "event": kind,
        "data": data,
        "name": node,
        "tags": [f"graph:step:{metadata['langgraph_step']}"],
        "run_id": new_checkpoint_id(0),
        "metadata": dict(metadata),
        "parent_ids": [parent_run_id],
    }
