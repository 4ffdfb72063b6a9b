"""Cron operations: create (stateless or on a thread), get, patch, delete, search, count.

A new or changed cron wakes the server's scheduler, which fires due crons as runs.
"""

from __future__ import annotations

from mockserver import crons, paging
from mockserver.handlers.base import Call, Reply, pagination


def create_cron_runs_crons_post(call: Call) -> Reply:
    """POST /runs/crons: each run on a new thread."""
    server = call.server
    cron = crons.create_cron(server.store, server.assistants, None, call.body)
    server.scheduler.wake()
    return Reply(200, crons.render_cron(cron))


def create_thread_cron_threads__thread_id__runs_crons_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/runs/crons: each run on the thread."""
    server = call.server
    cron = crons.create_cron(server.store, server.assistants, call.thread_id(), call.body)
    server.scheduler.wake()
    return Reply(200, crons.render_cron(cron))


def get_cron_runs_crons__cron_id__get(call: Call) -> Reply:
    """GET /runs/crons/{cron_id}."""
    return Reply(200, crons.render_cron(crons.get_cron(call.server.store, _cron_id(call))))


def patch_cron_runs_crons__cron_id__patch(call: Call) -> Reply:
    """PATCH /runs/crons/{cron_id}."""
    server = call.server
    cron = crons.patch_cron(server.store, _cron_id(call), call.body)
    server.scheduler.wake()
    return Reply(200, crons.render_cron(cron))


def delete_cron_runs_crons__cron_id__delete(call: Call) -> Reply:
    """DELETE /runs/crons/{cron_id}."""
    store = call.server.store
    store.delete_cron(crons.get_cron(store, _cron_id(call)).cron_id)
    return Reply(204)


def search_crons_runs_crons_post(call: Call) -> Reply:
    """POST /runs/crons/search, with pagination headers."""
    rows, total = crons.search_crons(call.server.store, call.body)
    offset, limit = paging.bounds(call.body)
    return Reply(200, rows, pagination(offset, limit, len(rows), total))


def count_crons_runs_crons_count_post(call: Call) -> Reply:
    """POST /runs/crons/count: a bare integer."""
    return Reply(200, crons.count_crons(call.server.store, call.body))


def _cron_id(call: Call) -> str:
    return str(call.request.path["cron_id"])
