"""Run operations: create (background, streamed, waited, in a batch), list, get, join, cancel
(one run, or many), delete.

A streamed answer is the run's event stream (worker.py), read outside the server's lock;
wait and join read that stream to the run's end (an awaited reply) before they answer.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from mockserver import runs, threads
from mockserver.errors import NotFound
from mockserver.handlers.base import Call, Reply
from mockserver.server import Server
from mockserver.streams import RunStream, subscribe_modes, thread_result
from mockserver.worker import DISCONNECTED, Active

BUSY = runs.BUSY
NOTHING_TO_CANCEL = (
    "No matching runs to cancel. Please verify the thread ID and run IDs are "
    "correct, and the runs haven't been deleted or completed."
)
RUN_NOT_FOUND = {"error": "HTTPException", "message": "404: Run not found"}
CANCEL_REASON = "{action} requested via POST /threads/{{thread_id}}/runs/{{run_id}}/cancel"
BULK_CANCEL_REASON = "{action} requested via POST /runs/cancel"
NO_RUNS = "No runs found to cancel."


def create_run_threads__thread_id__runs_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/runs: a background run, answered while still pending."""
    return _background(call, call.thread_id())


def run_stateless_runs_post(call: Call) -> Reply:
    """POST /runs: a background run on a temporary thread."""
    return _background(call, None)


def stream_run_threads__thread_id__runs_stream_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/runs/stream."""
    return _streamed(call, call.thread_id())


def stream_run_stateless_runs_stream_post(call: Call) -> Reply:
    """POST /runs/stream: a streamed run on a temporary thread."""
    return _streamed(call, None)


def wait_run_threads__thread_id__runs_wait_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/runs/wait: the run's final values."""
    return _waited(call, call.thread_id())


def wait_run_stateless_runs_wait_post(call: Call) -> Reply:
    """POST /runs/wait: a waited run on a temporary thread."""
    return _waited(call, None)


def run_batch_stateless_runs_post(call: Call) -> Reply:
    """POST /runs/batch: background runs on temporary threads, pending, in the order given.
    Every item is checked first: one the server refuses refuses the batch (the real server
    answers the refusal but creates the other items' runs, which nobody hears of)."""
    server, registry = call.server, call.server.assistants
    for body in call.body:  # the real server's checks of each, before any run is made
        assistant_id = registry.resolve_id(body["assistant_id"])
        runs.check_request(body, stateless=True)
        if registry.find(assistant_id) is None:
            raise NotFound(runs.NOT_FOUND)
    request_id = str(uuid.uuid4())  # one request: its runs share the request's id
    return Reply(200, [_launch(server, None, body, request_id)[1] for body in call.body])


def cancel_runs_post(call: Call) -> Reply:
    """POST /runs/cancel: the given runs of a thread, or every run with a status; 204."""
    server, body = call.server, call.body
    if status := body.get("status"):
        wanted = ("pending", "running") if status == "all" else (status,)
        found = [a.run.run_id for a in server.worker.active.values() if a.run.status in wanted]
    else:
        thread_id = str(uuid.UUID(body["thread_id"]))
        asked = {str(uuid.UUID(run_id)) for run_id in body["run_ids"]}
        found = [r.run_id for r in server.store.runs_of(thread_id) if r.run_id in asked]
    if not found:
        raise NotFound(NO_RUNS)
    going = [run_id for run_id in found if run_id in server.worker.active]
    if not going:
        raise NotFound(NOTHING_TO_CANCEL)
    action = call.request.query.get("action", "interrupt")
    # Newest first (run ids are time-ordered): a queued run goes before the run ahead of it,
    # which then leaves its thread as a cancelled run does, as on the real server.
    for run_id in sorted(going, reverse=True):
        server.worker.cancel(run_id, action, BULK_CANCEL_REASON.format(action=action))
    return Reply(204)


def list_runs_http_threads__thread_id__runs_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/runs: newest first."""
    return Reply(200, runs.list_runs(call.server.store, call.thread_id(), call.request.query))


def get_run_http_threads__thread_id__runs__run_id__get(call: Call) -> Reply:
    """GET /threads/{thread_id}/runs/{run_id}."""
    run = runs.get_run(call.server.store, call.thread_id(), _run_id(call))
    return Reply(200, runs.render_run(run))


def delete_run_threads__thread_id__runs__run_id__delete(call: Call) -> Reply:
    """DELETE /threads/{thread_id}/runs/{run_id}; a run still going is cancelled first."""
    server = call.server
    run = server.store.run(_run_id(call))
    if run is None or run.thread_id != call.thread_id():
        raise NotFound("Run not found")  # the real server's words, whether or not the thread is
    if run.run_id in server.worker.active:
        server.worker.cancel(run.run_id, "interrupt", CANCEL_REASON.format(action="interrupt"))
    if (thread := server.store.find_thread(run.thread_id)) is not None:
        threads.forget_run(server.store, thread, run.run_id)
    server.store.delete_run(run.run_id)
    return Reply(204)


def join_run_http_threads__thread_id__runs__run_id__join_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/runs/{run_id}/join: the run's final values."""
    server = call.server
    thread_id, run_id = call.thread_id(), _run_id(call)
    thread = server.store.thread(thread_id)
    headers = _headers(thread_id, run_id, "join")
    if not _has_run(server, thread_id, run_id):
        # The real server has answered 200 before it looks the run up.
        return Reply(200, {"__error__": RUN_NOT_FOUND}, headers)
    joined = server.worker.joined(run_id)
    if joined is None:
        return Reply(200, thread_result(thread, server.store.history(thread_id)), headers)
    stream, start = joined
    cancel = run_id if call.request.query.get("cancel_on_disconnect") else None
    return Reply(
        200,
        headers=headers,
        later=lambda departure: server.worker.final_answer(
            stream, start, thread_id, departure, cancel
        ),
    )


def stream_run_http_threads__thread_id__runs__run_id__join_get(call: Call) -> Reply:
    """GET /threads/{thread_id}/runs/{run_id}/stream: join the run's stream; replays from
    `Last-Event-ID` when the run's stream is resumable."""
    server, thread_id, run_id = call.server, call.thread_id(), _run_id(call)
    server.store.thread(thread_id)
    headers = _headers(thread_id, run_id, "stream")
    if not _has_run(server, thread_id, run_id):
        # As join: a 200 whose only event is the error.
        return Reply(200, headers=headers, events=_only("error", RUN_NOT_FOUND))
    stream, start = server.worker.joined(run_id, call.request.headers.get("Last-Event-ID")) or (
        _ended(),
        0,
    )
    modes = subscribe_modes(call.request.query.get("stream_mode"))
    cancel = run_id if call.request.query.get("cancel_on_disconnect") else None
    return Reply(200, headers=headers, events=_follow(server, stream, start, modes, cancel))


def cancel_run_http_threads__thread_id__runs__run_id__cancel_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/runs/{run_id}/cancel: 202, or 200 with `wait=true`."""
    server, thread_id = call.server, call.thread_id()
    query = call.request.query
    try:
        run = runs.get_run(server.store, thread_id, _run_id(call))
    except NotFound:
        raise NotFound(NO_RUNS) from None
    if run.run_id not in server.worker.active:
        raise NotFound(NOTHING_TO_CANCEL)
    action = query.get("action", "interrupt")
    server.worker.cancel(
        run.run_id, action, CANCEL_REASON.format(action=action), watched=bool(query.get("wait"))
    )
    if query.get("wait"):
        # Nothing streams after a cancel, so the real server's join answers `{}`.
        return Reply(200, {}, _headers(thread_id, run.run_id, "join"))
    return Reply(202)


def _background(call: Call, thread_id: str | None) -> Reply:
    active, pending = _launch(call.server, thread_id, call.body)
    run = active.run
    where = f"/threads/{run.thread_id}/runs/{run.run_id}" if thread_id else f"/runs/{run.run_id}"
    return Reply(200, pending, {"Content-Location": where})


def _streamed(call: Call, thread_id: str | None) -> Reply:
    server = call.server
    active, _ = _launch(server, thread_id, call.body)
    run = active.run
    cancel = run.run_id if call.body.get("on_disconnect") == "cancel" else None
    headers = (
        _headers(run.thread_id, run.run_id, "stream")
        if thread_id
        else {"Location": f"/runs/{run.run_id}/stream", "Content-Location": f"/runs/{run.run_id}"}
    )
    return Reply(200, headers=headers, events=_follow(server, active.stream, 0, None, cancel))


def _waited(call: Call, thread_id: str | None) -> Reply:
    server = call.server
    active, _ = _launch(server, thread_id, call.body)
    run, stream = active.run, active.stream
    cancel = run.run_id if call.body.get("on_disconnect") == "cancel" else None
    return Reply(
        200,
        headers=_headers(run.thread_id, run.run_id, "join"),
        later=lambda departure: server.worker.final_answer(stream, 0, thread_id, departure, cancel),
    )


def _launch(
    server: Server, thread_id: str | None, body: Any, request_id: str | None = None
) -> tuple[Active, Any]:
    """Check and create the run, hand it to the worker, apply the multitask strategy; with
    the run's body as it was created (pending)."""
    options = {} if request_id is None else {"request_id": request_id}
    return server.worker.launch(server.assistants, server.graphs, thread_id, body, **options)


async def _follow(
    server: Server,
    stream: RunStream,
    start: int,
    modes: frozenset[str] | None,
    cancel_run: str | None,
) -> AsyncIterator[Any]:
    finished = False
    try:
        async for event in stream.follow(start, modes):
            stream.delivered = True  # a client has seen the run going: it is no longer pending
            yield event
        finished = True
    finally:
        if cancel_run is not None and not finished:
            # The client went away and asked for its run to be cancelled then.
            with server.lock:
                if cancel_run in server.worker.active:
                    server.worker.cancel(cancel_run, "interrupt", DISCONNECTED)


def _has_run(server: Server, thread_id: str, run_id: str) -> bool:
    run = server.store.run(run_id)
    return run is not None and run.thread_id == thread_id


async def _only(name: str, data: Any) -> AsyncIterator[Any]:
    yield {"event": name, "data": data}


def _ended() -> RunStream:
    stream = RunStream(False)
    stream.close()
    return stream


def _headers(thread_id: str, run_id: str, leaf: str) -> dict[str, str]:
    return {
        "Location": f"/threads/{thread_id}/runs/{run_id}/{leaf}",
        "Content-Location": f"/threads/{thread_id}/runs/{run_id}",
    }


def _run_id(call: Call) -> str:
    return str(call.request.path["run_id"]).lower()
