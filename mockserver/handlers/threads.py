"""Thread operations: create, get, patch, delete, copy, search, count."""

from __future__ import annotations

from mockserver import threads
from mockserver.errors import NotFound
from mockserver.handlers.base import Call, Reply, pagination


def create_thread_threads_post(call: Call) -> Reply:
    """POST /threads."""
    store, graphs = call.context.store, call.context.graphs
    try:
        thread = threads.create_thread(store, graphs, call.body)
    except threads.PartialCreate as partial:
        # The real server creates the thread and reports the failed supersteps (transcript #26).
        return Reply(201, {"detail": partial.detail})
    return Reply(200, threads.render_thread(thread))


def get_thread_threads__thread_id__get(call: Call) -> Reply:
    """GET /threads/{thread_id}."""
    return Reply(200, threads.render_thread(call.thread()))


def patch_thread_threads__thread_id__patch(call: Call) -> Reply:
    """PATCH /threads/{thread_id}; 204 when the client prefers a minimal return."""
    store = call.context.store
    thread = store.threads.get(call.thread_id())
    if thread is None:
        # PATCH words its 404 differently from the other thread routes (transcript #40).
        raise NotFound("Not Found")
    threads.patch_thread(thread, call.body)
    if "return=minimal" in call.request.headers.get("Prefer", "").replace(" ", ""):
        return Reply(204)
    return Reply(200, threads.render_thread(thread))


def delete_thread_threads__thread_id__delete(call: Call) -> Reply:
    """DELETE /threads/{thread_id}."""
    call.context.store.delete(call.thread_id())
    return Reply(204)


def copy_thread_post_threads__thread_id__copy_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/copy."""
    copy = threads.copy_thread(call.context.store, call.thread())
    return Reply(200, threads.render_thread(copy))


def search_threads_threads_search_post(call: Call) -> Reply:
    """POST /threads/search, with pagination headers."""
    page, total = threads.search_threads(call.context.store, call.body)
    offset, limit = threads.page_bounds(call.body)
    return Reply(200, page, pagination(offset, limit, len(page), total))


def count_threads_threads_count_post(call: Call) -> Reply:
    """POST /threads/count: a bare integer."""
    return Reply(200, threads.count_threads(call.context.store, call.body))
