"""Thread life cycle on plain data: create, patch, copy, search, count, and the Thread body."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Mapping
from typing import Any

from uuid6 import uuid7

from mockserver.errors import BadRequest, Conflict
from mockserver.graph import Graph
from mockserver.reducers import to_plain
from mockserver.state import apply_supersteps, task_id
from mockserver.store import Checkpoint, Store, Thread, utc_now

# Stripped from metadata on create and patch, as the real server does (transcript #18).
RESERVED_METADATA = frozenset(
    {"thread_id", "assistant_id", "run_id", "cron_id", "counters_since_delta_snapshot"}
)
_NO_GRAPH = (
    "Thread '{tid}' has no assigned graph ID. This usually occurs when no runs have been made on "
    "this particular thread. This operation requires a graph ID. Please ensure a run has been "
    "made for the thread or manually update the thread metadata (by setting the 'graph_id' "
    "field) before running this operation."
)
_PATH_STEP = re.compile(r"\.?([^.\[\]]+)|\[(-?\d+)\]")


class PartialCreate(Exception):
    """Raised when a thread was created but its supersteps could not be applied (a 201)."""

    def __init__(self, thread: Thread, detail: str) -> None:
        super().__init__(detail)
        self.thread = thread
        self.detail = detail


def graph_of(thread: Thread, graphs: Mapping[str, Graph]) -> Graph:
    """The graph a thread is bound to; BadRequest when it has none, as update_state needs one."""
    graph_id = thread.graph_id
    if graph_id is None:
        raise BadRequest(_NO_GRAPH.format(tid=thread.thread_id))
    try:
        return graphs[graph_id]
    except KeyError:
        known = ", ".join(sorted(graphs))
        raise BadRequest(f"Graph '{graph_id}' not found; this server knows: {known}") from None


def create_thread(store: Store, graphs: Mapping[str, Graph], body: Mapping[str, Any]) -> Thread:
    """POST /threads: a new thread, or the existing one with `if_exists: do_nothing`."""
    thread_id = body.get("thread_id")
    thread_id = str(uuid.UUID(thread_id)) if thread_id else str(uuid7())
    existing = store.threads.get(thread_id)
    if existing is not None:
        if body.get("if_exists", "raise") == "do_nothing":
            return existing
        raise Conflict(f"Thread with ID {thread_id} already exists")
    now = utc_now()
    thread = Thread(thread_id, now, now, now, _strip_reserved(body.get("metadata") or {}))
    supersteps = body.get("supersteps")
    if supersteps:
        try:
            apply_supersteps(thread, graph_of(thread, graphs), supersteps)
        except BadRequest as exc:
            # The thread stays, with the supersteps before the refused one (real: 400 or 201).
            store.add(thread)
            if thread.graph_id is not None:
                raise
            raise PartialCreate(
                thread,
                f"Thread {thread_id} was created, but there were "
                f"problems updating the state: {exc.detail}",
            ) from exc
    store.add(thread)
    return thread


def patch_thread(thread: Thread, body: Mapping[str, Any]) -> Thread:
    """PATCH /threads/{id}: merge metadata (top-level keys); the state is not touched."""
    thread.metadata = {**thread.metadata, **_strip_reserved(body.get("metadata") or {})}
    thread.updated_at = utc_now()
    return thread


def copy_thread(store: Store, thread: Thread) -> Thread:
    """POST /threads/{id}/copy: a new thread with the same metadata and the whole history;
    its config starts empty, as on the real server (runs fill it)."""
    now = utc_now()
    copy = Thread(str(uuid.uuid4()), now, now, now, dict(thread.metadata), {})
    for checkpoint in thread.checkpoints:
        copy.add_checkpoint(_rehome(checkpoint, copy.thread_id))
    copy.copied_record = True
    store.add(copy)
    return copy


def _rehome(checkpoint: Checkpoint, thread_id: str) -> Checkpoint:
    metadata = checkpoint.metadata
    if "thread_id" in metadata:
        metadata = {**metadata, "thread_id": thread_id}
    return dataclasses.replace(
        checkpoint,
        metadata=metadata,
        results=dict(checkpoint.results),
        interrupts=dict(checkpoint.interrupts),
        errors=dict(checkpoint.errors),
    )


def thread_status(thread: Thread) -> str:
    """busy while a run holds the thread; else what the last run left (error, interrupted);
    else idle, or interrupted while the latest checkpoint has nodes still to run."""
    if thread.queue:
        return "busy"
    if thread.run_status is not None:
        return thread.run_status
    if thread.copied_record:
        return "idle"
    head = thread.head
    return "interrupted" if head is not None and head.next else "idle"


def render_thread(thread: Thread) -> dict[str, Any]:
    """A thread as a Thread body, keys in the real server's order."""
    head = thread.head
    body: dict[str, Any] = {
        "thread_id": thread.thread_id,
        "created_at": thread.created_at,
        "updated_at": thread.updated_at,
        "state_updated_at": thread.state_updated_at,
        "metadata": thread.metadata,
        "status": thread_status(thread),
        "config": thread.config,
    }
    if thread.copied_record:
        return body  # the real copy's record: no values, interrupts or error yet
    body["values"] = None if head is None else _plain_values(thread)
    if head is not None:
        # These two keys appear once the state has been written (transcript #58).
        body["error"] = thread.error
        body["interrupts"] = {
            task_id(head.checkpoint_id, node): interrupts
            for node, interrupts in head.interrupts.items()
            if interrupts
        }
    return body


def search_threads(store: Store, query: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """POST /threads/search: one page of Thread bodies, and how many threads match in all."""
    matches = _filter(store, query)
    if key := query.get("sort_by"):
        sort_key = thread_status if key == "status" else (lambda t: getattr(t, key))
        matches.sort(key=sort_key, reverse=query.get("sort_order", "desc") == "desc")
    else:
        # Without sort_by the real server ignores sort_order: newest update first.
        matches.sort(key=lambda t: t.updated_at, reverse=True)
    offset, limit = page_bounds(query)
    page = [render_thread(t) for t in matches[offset : offset + limit]]
    extract, select = query.get("extract"), query.get("select")
    for index, body in enumerate(page):
        # Selected keys keep the thread's order; `extracted` reads the whole thread and comes
        # last, selected or not (langgraph_runtime_inmem Threads.search).
        row = {k: v for k, v in body.items() if k in select} if select else body
        if extract:
            row["extracted"] = {alias: _extract(body, path) for alias, path in extract.items()}
        page[index] = row
    return page, len(matches)


def page_bounds(query: Mapping[str, Any]) -> tuple[int, int]:
    """`offset` and `limit` of a search as ints (JSON Schema counts 5.0 as an integer)."""
    return int(query.get("offset", 0)), int(query.get("limit", 10))


def count_threads(store: Store, query: Mapping[str, Any]) -> int:
    """POST /threads/count."""
    return len(_filter(store, query))


def _filter(store: Store, query: Mapping[str, Any]) -> list[Thread]:
    threads: list[Thread] = list(store.threads.values())
    if (ids := query.get("ids")) is not None:
        wanted_ids = {str(uuid.UUID(i)) for i in ids}
        threads = [t for t in threads if t.thread_id in wanted_ids]
    if (status := query.get("status")) is not None:
        threads = [t for t in threads if thread_status(t) == status]
    if metadata := query.get("metadata"):
        threads = [t for t in threads if _contains(t.metadata, metadata)]
    if values := query.get("values"):
        # A thread never written has values null and matches no values filter (the real
        # server answers 500 here instead, transcript #188).
        threads = [
            t
            for t in threads
            if t.head is not None and not t.copied_record and _contains(_plain_values(t), values)
        ]
    return threads


def _plain_values(thread: Thread) -> dict[str, Any]:
    head = thread.head
    return {} if head is None else {k: to_plain(v) for k, v in head.values.items()}


def _contains(haystack: Any, needle: Any) -> bool:
    """JSON containment, as Postgres `@>` reads it."""
    if isinstance(needle, dict):
        return isinstance(haystack, dict) and all(
            k in haystack and _contains(haystack[k], v) for k, v in needle.items()
        )
    if isinstance(needle, list):
        return isinstance(haystack, list) and all(
            any(_contains(h, n) for h in haystack) for n in needle
        )
    if isinstance(needle, bool) or isinstance(haystack, bool):
        return haystack is needle
    return bool(haystack == needle)


def _extract(thread: Mapping[str, Any], path: str) -> Any:
    steps = _PATH_STEP.findall(path)
    if not steps:  # never the whole thread: it would then contain itself
        return None
    value: Any = thread
    for key, index in steps:
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _strip_reserved(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k not in RESERVED_METADATA}
