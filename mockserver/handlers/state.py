"""Thread-state operations: read and update state, state at a checkpoint, history."""

from __future__ import annotations

from typing import Any

from mockserver import state
from mockserver.handlers.base import Call, Reply
from mockserver.threads import graph_of


def get_latest_thread_state_threads__thread_id__state_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/state."""
    return Reply(200, state.state_at(call.thread(), None))


def update_thread_state_threads__thread_id__state_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/state: add a checkpoint."""
    thread = call.thread()
    checkpoint = state.update_state(thread, graph_of(thread, call.context.graphs), call.body)
    return Reply(200, state.update_response(thread.thread_id, checkpoint))


def get_thread_state_at_checkpoint_threads__thread_id__state__checkpoint_id__get(
    call: Call,
) -> Reply:
    """GET /threads/{thread_id}/state/{checkpoint_id}."""
    checkpoint_id = call.request.path["checkpoint_id"]
    return Reply(200, state.state_at(call.thread(), checkpoint_id, namespace=None))


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
    return Reply(200, state.state_at(call.thread(), config.get("checkpoint_id"), namespace))


def get_thread_history_threads__thread_id__history_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/history."""
    thread = call.thread()
    query = call.request.query
    return Reply(200, state.history(thread, query["limit"], before=query.get("before")))


def get_thread_history_post_threads__thread_id__history_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/history."""
    thread = call.thread()
    body = call.body
    config = body.get("checkpoint") or {}
    if config.get("checkpoint_ns"):
        return Reply(200, [])  # a subgraph, which the mock's graphs do not have
    states = state.history(
        thread,
        int(body.get("limit", 1)),  # JSON Schema counts 5.0 as an integer
        before=_checkpoint_id(body.get("before")),
        metadata=body.get("metadata"),
        checkpoint_id=config.get("checkpoint_id"),
    )
    return Reply(200, states)


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
