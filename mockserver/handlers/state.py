"""Thread-state operations: read and update state, state at a checkpoint, history."""

from __future__ import annotations

from typing import Any

from mockserver import snapshots, state
from mockserver.graph import Graph
from mockserver.handlers.base import Call, Reply, announce_state
from mockserver.splice import Splice
from mockserver.store import History, Thread
from mockserver.threads import graph_of


def get_latest_thread_state_threads__thread_id__state_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/state."""
    thread, splice = call.thread(), Splice()
    graph = _graph(call, thread)
    found = snapshots.state_at(thread, _history(call, thread), None, graph=graph, splice=splice)
    return Reply(200, found, splice=splice)


def update_thread_state_threads__thread_id__state_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/state: add a checkpoint."""
    server, thread = call.server, call.thread()
    graph = graph_of(thread, server.graphs)
    in_flight = server.worker.queue(thread.thread_id)
    checkpoint = state.update_state(server.store, thread, graph, call.body, in_flight)
    announce_state(call.server, thread.thread_id)
    return Reply(200, state.update_response(thread.thread_id, checkpoint))


def get_thread_state_at_checkpoint_threads__thread_id__state__checkpoint_id__get(
    call: Call,
) -> Reply:
    """GET /threads/{thread_id}/state/{checkpoint_id}."""
    checkpoint_id = call.request.path["checkpoint_id"]
    thread, splice = call.thread(), Splice()
    found = snapshots.state_at(
        thread,
        _history(call, thread),
        checkpoint_id,
        namespace=None,
        graph=_graph(call, thread),
        splice=splice,
    )
    return Reply(200, found, splice=splice)


def post_thread_state_at_checkpoint_threads__thread_id__state__checkpoint_id__get(
    call: Call,
) -> Reply:
    """POST /threads/{thread_id}/state/checkpoint: the state at `checkpoint`, or the latest."""
    config = call.body["checkpoint"]
    # The server echoes the config it was given: `checkpoint_ns` only when the request had it.
    namespace = (
        config.get("checkpoint_ns")
        if config.get("checkpoint_id")
        else config.get("checkpoint_ns", "")
    )
    thread = call.thread()
    checkpoint_id, graph, splice = config.get("checkpoint_id"), _graph(call, thread), Splice()
    history = _history(call, thread)
    found = snapshots.state_at(thread, history, checkpoint_id, namespace, graph, splice)
    return Reply(200, found, splice=splice)


def get_thread_history_threads__thread_id__history_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/history."""
    thread = call.thread()
    query = call.request.query
    states = snapshots.history_of(
        thread.thread_id,
        _history(call, thread),
        query["limit"],
        before=query.get("before"),
        graph=_graph(call, thread),
        splice=(splice := Splice()),
    )
    return Reply(200, states, splice=splice)


def get_thread_history_post_threads__thread_id__history_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/history."""
    thread = call.thread()
    body = call.body
    config = body.get("checkpoint") or {}
    if config.get("checkpoint_ns"):
        return Reply(200, [])  # a subgraph, which the mock's graphs do not have
    states = snapshots.history_of(
        thread.thread_id,
        _history(call, thread),
        int(body.get("limit", 1)),  # JSON Schema counts 5.0 as an integer
        before=_checkpoint_id(body.get("before")),
        metadata=body.get("metadata"),
        checkpoint_id=config.get("checkpoint_id"),
        graph=_graph(call, thread),
        splice=(splice := Splice()),
    )
    return Reply(200, states, splice=splice)


def _history(call: Call, thread: Thread) -> History:
    return call.server.store.history(thread.thread_id)


def _graph(call: Call, thread: Thread) -> Graph | None:
    """The graph the thread is bound to now, which reads its checkpoints (None: no such graph)."""
    return call.server.graphs.get(thread.graph_id or "")


def _checkpoint_id(before: Any) -> str | None:
    # `before` comes as an id (what langgraph-sdk sends for a string), a CheckpointConfig, or
    # the `{"configurable": {...}}` form the real server's handler reads.
    if isinstance(before, str):
        return before
    if isinstance(before, dict):
        nested = before.get("configurable")
        source = nested if isinstance(nested, dict) else before
        value = source.get("checkpoint_id")
        return value if isinstance(value, str) else None
    return None
