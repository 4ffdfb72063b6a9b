"""Thread operations: create, get, patch, delete, copy, search, count, prune, storage."""

from __future__ import annotations

import re
import uuid
from typing import Any

from mockserver import paging, threads
from mockserver.errors import NotFound, NotSupported, Unprocessable
from mockserver.footprint import thread_storage
from mockserver.handlers.base import Call, Reply, announce_state, pagination
from mockserver.store import Thread
from mockserver.streams import THREAD_MODES

# A stream id as the real server accepts one in Last-Event-ID (Redis's forms).
_STREAM_ID = re.compile(r"^\d+(-(\d+|\*))?$")

# The in-memory runtime prunes by deleting only (langgraph_runtime_inmem ops.Threads.prune).
KEEP_LATEST = "keep_latest strategy is not supported in in-memory runtime"


def create_thread_threads_post(call: Call) -> Reply:
    """POST /threads."""
    store, graphs = call.server.store, call.server.graphs
    thread, problem = threads.create_thread(store, graphs, call.body)
    if problem is not None:
        # The real server creates the thread and reports the failed supersteps (transcript #26).
        return Reply(201, {"detail": problem})
    if call.body.get("supersteps"):
        announce_state(call.server, thread.thread_id)
    return Reply(200, _render(call, thread))


def get_thread_threads__thread_id__get(call: Call) -> Reply:
    """GET /threads/{thread_id}."""
    return Reply(200, _render(call, call.thread()))


def patch_thread_threads__thread_id__patch(call: Call) -> Reply:
    """PATCH /threads/{thread_id}; 204 when the client prefers a minimal return."""
    store = call.server.store
    thread = store.find_thread(call.thread_id())
    if thread is None:
        # PATCH words its 404 differently from the other thread routes (transcript #40).
        raise NotFound("Not Found")
    thread = threads.patch_thread(store, thread, call.body)
    if "return=minimal" in call.request.headers.get("Prefer", "").replace(" ", ""):
        return Reply(204)
    return Reply(200, _render(call, thread))


def delete_thread_threads__thread_id__delete(call: Call) -> Reply:
    """DELETE /threads/{thread_id}."""
    call.server.store.delete_thread(call.thread_id())
    return Reply(204)


def copy_thread_post_threads__thread_id__copy_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/copy."""
    copy = threads.copy_thread(call.server.store, call.thread())
    return Reply(200, _render(call, copy))


def search_threads_threads_search_post(call: Call) -> Reply:
    """POST /threads/search, with pagination headers."""
    page, total = threads.search_threads(call.server.store, call.body, call.server.worker.queues)
    offset, limit = paging.bounds(call.body)
    return Reply(200, page, pagination(offset, limit, len(page), total))


def count_threads_threads_count_post(call: Call) -> Reply:
    """POST /threads/count: a bare integer."""
    server = call.server
    return Reply(200, threads.count_threads(server.store, call.body, server.worker.queues))


def join_thread_stream_threads__thread_id__stream_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/stream: every run on the thread and its state updates, as
    they happen; open until the client leaves."""
    thread_id, worker = call.thread_id(), call.server.worker
    last = call.request.headers.get("Last-Event-ID") or None
    if last is not None and last != "-" and not _STREAM_ID.match(last):
        raise Unprocessable("Invalid last-event-id: must be a valid Redis stream ID")
    raw = call.request.query.get("stream_modes")
    modes = ([m.strip() for m in raw.split(",")] if "," in raw else [raw]) if raw else ["run_modes"]
    for mode in modes:
        if mode not in THREAD_MODES:
            raise Unprocessable(f"Invalid stream mode: {mode}")
    replay = worker.replay(thread_id, last) if last is not None else []
    return Reply(200, events=worker.channels.follow(thread_id, frozenset(modes), replay))


def prune_threads_threads_prune_post(call: Call) -> Reply:
    """POST /threads/prune: delete the threads, skipping unknown ones; how many went."""
    ids = [str(uuid.UUID(given)) for given in call.body["thread_ids"]]
    if not ids:
        return Reply(200, {"pruned_count": 0})
    if call.body.get("strategy") == "keep_latest":
        raise NotSupported(KEEP_LATEST)
    pruned = 0
    for thread_id in ids:
        try:
            call.server.store.delete_thread(thread_id)
        except NotFound:
            continue  # unknown, or listed twice: skipped, as the real server skips it
        pruned += 1
    return Reply(200, {"pruned_count": pruned})


def get_thread_storage_threads__thread_id__storage_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/storage: what the thread's checkpoints occupy."""
    thread = call.thread()
    history = call.server.store.history(thread.thread_id)
    return Reply(200, thread_storage(thread.thread_id, history))


def _render(call: Call, thread: Thread) -> dict[str, Any]:
    history = call.server.store.history(thread.thread_id)
    return threads.render_thread(thread, history, call.busy(thread.thread_id))
