"""Thread life cycle on plain data: create, patch, copy, search, count, and the Thread body."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Container, Mapping
from typing import Any

from uuid6 import uuid7

from mockserver import paging
from mockserver.errors import BadRequest, Conflict
from mockserver.graph import Graph
from mockserver.reducers import to_plain
from mockserver.state import apply_supersteps, task_id
from mockserver.store import NO_WRITES, Checkpoint, History, Store, Thread, utc_now

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
_PATH_SPLIT = re.compile(r"\.|\[")
EXTRACTABLE = ("values", "metadata", "config", "interrupts")  # the roots an extract path takes


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


def create_thread(
    store: Store, graphs: Mapping[str, Graph], body: Mapping[str, Any]
) -> tuple[Thread, str | None]:
    """POST /threads: a new thread, or the existing one with `if_exists: do_nothing`; and,
    for a thread bound to no graph whose supersteps could not be applied, what went wrong
    (the real server still creates it, and answers 201 with that detail)."""
    thread_id = body.get("thread_id")
    thread_id = str(uuid.UUID(thread_id)) if thread_id else str(uuid7())
    existing = store.find_thread(thread_id)
    if existing is not None:
        if body.get("if_exists", "raise") == "do_nothing":
            return existing, None
        raise Conflict(f"Thread with ID {thread_id} already exists")
    now = utc_now()
    thread = Thread(thread_id, now, now, now, _strip_reserved(body.get("metadata") or {}))
    store.add_thread(thread)
    supersteps = body.get("supersteps")
    if supersteps:
        try:
            apply_supersteps(store, thread, graph_of(thread, graphs), supersteps)
        except BadRequest as exc:
            # The thread stays, with the supersteps before the refused one (real: 400 or 201).
            if thread.graph_id is not None:
                raise
            problem = (
                f"Thread {thread_id} was created, but there were "
                f"problems updating the state: {exc.detail}"
            )
            return store.thread(thread_id), problem
    return store.thread(thread_id), None


def patch_thread(store: Store, thread: Thread, body: Mapping[str, Any]) -> Thread:
    """PATCH /threads/{id}: merge metadata (top-level keys); the state is not touched."""
    metadata = {**thread.metadata, **_strip_reserved(body.get("metadata") or {})}
    thread = dataclasses.replace(thread, metadata=metadata, updated_at=utc_now())
    store.save_thread(thread)
    return thread


# A copy's record until it is next written: status idle, no values, error or interrupts.
COPIED: Mapping[str, Any] = {"status": "idle"}


def copy_thread(store: Store, thread: Thread) -> Thread:
    """POST /threads/{id}/copy: a new thread with the same metadata and the whole history;
    its config starts empty, as on the real server (runs fill it)."""
    now = utc_now()
    copy = Thread(str(uuid.uuid4()), now, now, now, dict(thread.metadata), {}, shown=COPIED)
    store.add_thread(copy)
    history = store.history(thread.thread_id)
    for checkpoint in history.checkpoints:
        store.add_checkpoint(copy.thread_id, _rehome(checkpoint, copy.thread_id))
        writes = history.writes_of(checkpoint.checkpoint_id)
        if writes is not NO_WRITES:
            store.add_writes(copy.thread_id, checkpoint.checkpoint_id, writes)
    return copy


def _rehome(checkpoint: Checkpoint, thread_id: str) -> Checkpoint:
    if "thread_id" not in checkpoint.metadata:
        return checkpoint
    return dataclasses.replace(checkpoint, metadata={**checkpoint.metadata, "thread_id": thread_id})


def thread_status(thread: Thread, history: History, busy: bool = False) -> str:
    """busy while a run holds the thread; else what the last run left (error, interrupted);
    else idle, or interrupted while the latest checkpoint has nodes still to run."""
    if busy:
        return "busy"
    if thread.shown is not None:
        return str(thread.shown["status"])
    if thread.run_status is not None:
        return thread.run_status
    head = history.head
    return "interrupted" if head is not None and head.next else "idle"


def render_thread(thread: Thread, history: History, busy: bool = False) -> dict[str, Any]:
    """A thread as a Thread body, keys in the real server's order (`busy`: runs hold it)."""
    head = history.head
    body: dict[str, Any] = {
        "thread_id": thread.thread_id,
        "created_at": thread.created_at,
        "updated_at": thread.updated_at,
        "state_updated_at": thread.state_updated_at,
        "metadata": thread.metadata,
        "status": thread_status(thread, history, busy),
        "config": thread.config,
    }
    if thread.shown is not None:  # the record as the real server keeps it (Thread.shown)
        body.update((k, v) for k, v in thread.shown.items() if k != "status")
        return body
    body["values"] = None if head is None else _plain_values(head)
    if head is not None:
        # These two keys appear once the state has been written (transcript #58).
        body["error"] = thread.error
        raised = history.writes_of(head.checkpoint_id).interrupts
        body["interrupts"] = {
            task_id(head.checkpoint_id, node): interrupts
            for node, interrupts in raised.items()
            if interrupts
        }
    elif thread.error is not None:
        body["error"] = thread.error  # a run failed before it wrote any state (no input)
    return body


def search_threads(
    store: Store, query: Mapping[str, Any], busy: Container[str] = ()
) -> tuple[list[dict[str, Any]], int]:
    """POST /threads/search: one page of Thread bodies, and how many threads match in all
    (`busy`: the ids of the threads runs hold)."""
    matches = _filter(store, query, busy)

    def status(thread: Thread) -> str:
        return thread_status(thread, store.history(thread.thread_id), thread.thread_id in busy)

    if key := query.get("sort_by"):
        paging.sort(matches, status if key == "status" else (lambda t: getattr(t, key)), query)
    else:
        # Without sort_by the real server ignores sort_order: newest update first.
        matches.sort(key=lambda t: t.updated_at, reverse=True)
    bodies = [
        render_thread(t, store.history(t.thread_id), t.thread_id in busy)
        for t in paging.page(matches, query)
    ]
    # Selected keys keep the thread's order; `extracted` reads the whole thread and comes
    # last, selected or not (langgraph_runtime_inmem Threads.search).
    rows = paging.select(bodies, query.get("select"), row_order=True)
    if extract := query.get("extract"):
        for row, body in zip(rows, bodies, strict=True):
            row["extracted"] = {alias: _extract(body, path) for alias, path in extract.items()}
    return rows, len(matches)


def count_threads(store: Store, query: Mapping[str, Any], busy: Container[str] = ()) -> int:
    """POST /threads/count."""
    return len(_filter(store, query, busy))


def _filter(store: Store, query: Mapping[str, Any], busy: Container[str]) -> list[Thread]:
    threads: list[Thread] = list(store.threads())
    if ids := query.get("ids"):  # an empty list filters nothing, as on the real server
        wanted_ids = {str(uuid.UUID(i)) for i in ids}
        threads = [t for t in threads if t.thread_id in wanted_ids]
    if (status := query.get("status")) is not None:
        threads = [
            t
            for t in threads
            if thread_status(t, store.history(t.thread_id), t.thread_id in busy) == status
        ]
    if metadata := query.get("metadata"):
        threads = [t for t in threads if _contains(t.metadata, metadata)]
    if values := query.get("values"):
        # A thread never written has values null and matches no values filter (the real
        # server answers 500 here instead, transcript #188); a record with no values key at
        # all (a copy until it is written) matches every one, as on the real server.
        threads = [
            t
            for t in threads
            if (shown := _record_values(store, t)) is _NO_VALUES or _contains(shown, values)
        ]
    return threads


_NO_VALUES: Any = object()  # a record without a values key (Thread.shown of a copy)


def _record_values(store: Store, thread: Thread) -> Any:
    """The values a thread's record shows (None while they are null, _NO_VALUES while the
    record has no values key)."""
    if thread.shown is not None:
        return thread.shown.get("values", _NO_VALUES)
    head = store.history(thread.thread_id).head
    return None if head is None else _plain_values(head)


def idle_record(history: History) -> Mapping[str, Any]:
    """The record of an idle thread whose head has no task to run (Thread.shown)."""
    head = history.head
    values = None if head is None else _plain_values(head)
    return {"status": "idle", "values": values, "error": None, "interrupts": {}}


def forget_run(store: Store, thread: Thread, run_id: str) -> None:
    """Delete a run's checkpoints from its thread's history, as the real server does when the
    run is deleted; the thread's record keeps showing what it showed (`Thread.shown`)."""
    history = store.history(thread.thread_id)
    doomed = {c.checkpoint_id for c in history.checkpoints if c.metadata.get("run_id") == run_id}
    if not doomed:
        return
    shown = render_thread(thread, history)
    kept: dict[str, Any] = {
        k: shown[k] for k in ("status", "values", "error", "interrupts") if k in shown
    }
    store.save_thread(dataclasses.replace(thread, shown=kept))
    store.remove_checkpoints(thread.thread_id, doomed)


def _plain_values(head: Checkpoint) -> dict[str, Any]:
    return {k: to_plain(v) for k, v in head.values.items()}


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
    """The value at `path` (`values.messages[-1].content`), None where it does not resolve:
    langgraph_api.utils.extract.extract_path_value, step for step (empty parts are skipped, a
    part starting with `_` resolves to nothing, `[i]` indexes a list only)."""
    root, *parts = _PATH_SPLIT.split(path)
    value: Any = thread.get(root) if root in EXTRACTABLE else None
    for part in parts:
        if value is None:
            return None
        if not part:
            continue
        if part.startswith("_"):
            return None
        if part.endswith("]"):
            try:
                value = value[int(part.rstrip("]"))] if isinstance(value, list) else None
            except (ValueError, IndexError):
                return None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _strip_reserved(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k not in RESERVED_METADATA}
