"""What a thread's checkpoints show: the ThreadState body, the state at a checkpoint, history.

Reads only: a checkpoint rendered as the real server renders a StateSnapshot (keys in its
order, tasks with their writes, next nodes as the thread's current graph reads them), the
empty state it answers for a checkpoint it does not know, and history newest first, filtered
as LangGraph's MemorySaver lists. Writes go through state.py.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from mockserver.errors import BadRequest
from mockserver.graph import Graph
from mockserver.message_log import MessageLog, encoded, encoded_parts
from mockserver.reducers import to_plain
from mockserver.splice import SPLICED_FROM, Splice
from mockserver.state import next_nodes, reduce, task_id
from mockserver.store import NO_WRITES, Checkpoint, History, TaskWrites, Thread

EMPTY_STATE: dict[str, Any] = {
    "values": {},
    "next": [],
    "tasks": [],
    "metadata": None,
    "created_at": None,
    "checkpoint": None,
    "parent_checkpoint": None,
    "interrupts": [],
    "checkpoint_id": None,
    "parent_checkpoint_id": None,
}


def render_state(
    thread_id: str,
    checkpoint: Checkpoint,
    writes: TaskWrites = NO_WRITES,
    *,
    with_ns: bool = True,
    graph: Graph | None = None,
    history: History | None = None,
    live: bool = False,
    splice: Splice | None = None,
) -> dict[str, Any]:
    """A checkpoint as a ThreadState body, keys in the real server's order, its next nodes as
    `graph` reads them (next_nodes). Message lists come as orjson Fragments (their JSON,
    written once), long ones as marks of `splice` when given: serialise the body with orjson
    (and then `splice.pieces`).

    `live` (the thread's current state): what the tasks that ended beside an interrupt wrote
    is in the values, and those tasks are no longer next, as LangGraph's live snapshot."""
    cid = checkpoint.checkpoint_id
    ref: dict[str, Any] = {"checkpoint_id": cid, "thread_id": thread_id}
    if with_ns:
        ref["checkpoint_ns"] = ""
    parent = checkpoint.parent_id
    upcoming = next_nodes(checkpoint, graph, history)
    tasks = [_render_task(checkpoint, writes, node) for node in upcoming]
    values, waiting = checkpoint.values, upcoming
    if writes.update and graph is not None:
        values = _with_update(values, writes.update, graph)
    if live and graph is not None and writes.interrupts:
        values, waiting = _with_pending_writes(values, writes, graph, upcoming)
    return {
        "values": {k: _encoded(v, splice) for k, v in values.items()},
        "next": list(waiting),
        "tasks": tasks,
        "metadata": checkpoint.metadata,
        "created_at": checkpoint.created_at,
        "checkpoint": ref,
        "parent_checkpoint": (
            {"checkpoint_id": parent, "thread_id": thread_id, "checkpoint_ns": ""}
            if parent is not None
            else None
        ),
        "interrupts": [i for task in tasks for i in task["interrupts"]],
        "checkpoint_id": cid,
        "parent_checkpoint_id": parent,
    }


def state_at(
    thread: Thread,
    history: History,
    checkpoint_id: str | None,
    namespace: str | None = "",
    graph: Graph | None = None,
    splice: Splice | None = None,
) -> dict[str, Any]:
    """The state at a checkpoint id (None: the latest), read with the thread's `graph`; an
    unknown id gives the empty state.

    `namespace` is the request's `checkpoint_ns`: None when it named none (the `checkpoint`
    object then has no `checkpoint_ns`, as GET /state/{id} shows), "" for the root graph.
    """
    if namespace:
        # The mock's graphs have no subgraphs, so a subgraph holds nothing (as on the real
        # server, which answers 200 with the empty state).
        return _empty_at(thread, checkpoint_id, namespace)
    if checkpoint_id is None:
        head = history.head
        if head is None:
            return dict(EMPTY_STATE)
        writes = history.writes_of(head.checkpoint_id)
        return render_state(
            thread.thread_id, head, writes, graph=graph, history=history, live=True, splice=splice
        )
    checkpoint = history.get(checkpoint_id)
    if checkpoint is not None:
        writes = history.writes_of(checkpoint_id)
        return render_state(
            thread.thread_id,
            checkpoint,
            writes,
            with_ns=namespace is not None,
            graph=graph,
            history=history,
            splice=splice,
        )
    # The real server answers 200 with an empty state echoing the id (transcript #136), or
    # naming none on a thread bound to no graph.
    return _empty_at(thread, checkpoint_id if thread.graph_id else None, namespace)


def _empty_at(thread: Thread, checkpoint_id: str | None, namespace: str | None) -> dict[str, Any]:
    if checkpoint_id is None:
        return dict(EMPTY_STATE)
    ref: dict[str, Any] = {"checkpoint_id": checkpoint_id, "thread_id": thread.thread_id}
    if namespace is not None:
        ref["checkpoint_ns"] = namespace
    return {**EMPTY_STATE, "checkpoint": ref, "checkpoint_id": checkpoint_id}


def history_of(
    thread_id: str,
    history: History,
    limit: int,
    *,
    before: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    checkpoint_id: str | None = None,
    graph: Graph | None = None,
    splice: Splice | None = None,
) -> list[dict[str, Any]]:
    """Checkpoints newest first across all branches, read with the thread's `graph`; the cost
    is set by `limit`, not length."""
    if limit <= 0:
        return []
    end = bisect.bisect_left(history.ids, before) if before else len(history)
    if checkpoint_id is not None:
        # LangGraph's list() treats a checkpoint id as a filter: that one checkpoint or nothing.
        found = history.get(checkpoint_id)
        candidates: Iterable[Checkpoint] = (
            [found] if found is not None and (not before or checkpoint_id < before) else []
        )
    else:
        candidates = (history.checkpoints[i] for i in range(end - 1, -1, -1))
    states = []
    for checkpoint in candidates:
        # LangGraph's MemorySaver compares with metadata.get(key): a null filter matches a
        # checkpoint that lacks the key.
        if metadata and any(checkpoint.metadata.get(k) != v for k, v in metadata.items()):
            continue
        writes = history.writes_of(checkpoint.checkpoint_id)
        states.append(
            render_state(thread_id, checkpoint, writes, graph=graph, history=history, splice=splice)
        )
        if len(states) >= limit:
            break
    return states


def _with_update(values: Mapping[str, Any], update: Mapping[str, Any], graph: Graph) -> Any:
    """The values with what a run's command update wrote into the checkpoint's channels."""
    try:
        return reduce(graph, values, update)
    except BadRequest:
        return values


def _with_pending_writes(
    values: Mapping[str, Any], writes: TaskWrites, graph: Graph, upcoming: tuple[str, ...]
) -> tuple[Mapping[str, Any], tuple[str, ...]]:
    """The values with what the ended tasks wrote, and the tasks still to run. Writes the
    channels refuse are left out (the real server fails on them: docs/deviations.md #34)."""
    ended = [
        n
        for n in upcoming
        if isinstance(writes.results.get(n), Mapping) and not writes.interrupts.get(n)
    ]
    applied = values
    try:
        for node in ended:
            applied = reduce(graph, applied, writes.results[node])
    except BadRequest:
        return values, upcoming
    return applied, tuple(n for n in upcoming if n not in ended)


def _encoded(value: Any, splice: Splice | None) -> Any:
    """A channel value for a response body: a message list as its JSON, written once and
    reused (orjson writes a Fragment as it is; a long one is spliced in by `splice`), anything
    else as plain data."""
    if isinstance(value, MessageLog):
        if splice is not None:
            parts = encoded_parts(value)
            if sum(map(len, parts)) >= SPLICED_FROM:
                return splice.fragment(parts, b"]")
        return orjson.Fragment(encoded(value))
    return to_plain(value)


def _render_task(checkpoint: Checkpoint, writes: TaskWrites, node: str) -> dict[str, Any]:
    return {
        "id": task_id(checkpoint.checkpoint_id, node),
        "name": node,
        "path": ["__pregel_pull", node],
        "error": writes.errors.get(node),
        "interrupts": writes.interrupts.get(node, []),
        "checkpoint": None,
        "state": None,
        "result": writes.results.get(node),
    }
