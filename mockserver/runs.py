"""Run records on plain data: create (with the real server's checks), render, list, find.

Executing a run is the engine's job and scheduling it the worker's; this module keeps the
records and the thread fields a run changes (metadata, config, status, error).
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from uuid6 import uuid7

from mockserver.assistants import resolve_assistant
from mockserver.errors import BadRequest, NotFound
from mockserver.graph import Graph
from mockserver.store import Run, Store, Thread, utc_now

LANGGRAPH_VERSION = "1.2.22"
API_VERSION = "0.16.7"
# The mock cannot see its own URL (handlers get the documented headers only); this is the
# address `mockserver serve` and `langgraph dev` use by default.
API_URL = "http://127.0.0.1:2024"
NOT_FOUND = "Thread or assistant not found."
BOTH_CONTEXTS = (
    "Cannot specify both configurable and context. Prefer setting context alone. Context was "
    "introduced in LangGraph 0.6.0 and is the long term planned replacement for configurable."
)
FINAL = frozenset({"success", "error", "interrupted", "timeout"})
# What the real worker adds to a run's config metadata when it picks the run up.
_STARTED_METADATA = (
    "run_attempt",
    "langgraph_version",
    "langgraph_api_version",
    "langgraph_plan",
    "langgraph_host",
    "langgraph_api_url",
)


def check_run(
    graphs: Mapping[str, Graph], body: Mapping[str, Any], *, stateless: bool
) -> tuple[str, str] | None:
    """What the real server checks of a run request before it stores the run, in its order:
    the assistant, a UUID or a graph name (422); a resume without a thread, `context` beside
    `configurable` (400). The assistant's (id, graph id), or None when no assistant has the
    id, which the real server finds (404) only as it stores the run."""
    try:
        found: tuple[str, str] | None = resolve_assistant(graphs, body["assistant_id"])
    except NotFound:
        found = None
    command = body.get("command") or None
    if stateless and command and command.get("resume"):
        raise BadRequest("You must provide a thread_id when resuming.")
    config = body.get("config") or {}
    if config.get("configurable") and body.get("context"):
        raise BadRequest(BOTH_CONTEXTS)
    return found


def create_run(
    store: Store,
    graphs: Mapping[str, Graph],
    thread_id: str | None,
    body: Mapping[str, Any],
    *,
    stateless: bool = False,
    queued: bool = False,
    busy: bool = False,
    request_id: str | None = None,
) -> tuple[Run, Thread]:
    """A new pending run (not yet scheduled) and its thread, created when it may be.
    `queued`: runs hold the thread (queued or running); `busy`: it holds a run the real server
    would still have pending, besides its queue. `request_id`: the request's, when one request
    creates several runs (a new one otherwise)."""
    found = check_run(graphs, body, stateless=stateless)
    if found is None:
        raise NotFound(NOT_FOUND)
    assistant_id, graph_id = found
    command = body.get("command") or None
    config = dict(body.get("config") or {})
    user_configurable = dict(config.get("configurable") or {})
    context = dict(body.get("context") or {})
    thread, created = _thread_for(store, thread_id, body, stateless)
    run_id = str(uuid7())
    own = {**(config.get("metadata") or {}), **(body.get("metadata") or {})}
    if created:
        # A thread the run creates takes the run's metadata and config (Runs.put).
        thread = replace(
            thread,
            metadata={"graph_id": graph_id, "assistant_id": assistant_id, **own},
            config={**copy.deepcopy(config), "configurable": {}},
        )
    elif not (queued or busy):
        # A thread that is not busy is bound to the run's graph and keeps the run's config
        # (tags, recursion_limit, ...); its own configurable stays.
        thread = replace(
            thread,
            metadata={**thread.metadata, "graph_id": graph_id, "assistant_id": assistant_id},
            config={
                **thread.config,
                **copy.deepcopy(config),
                "configurable": dict(thread.config.get("configurable") or {}),
            },
        )
    # The run's metadata is the thread's with the run's own on top (no graph_id when the run
    # created its thread); assistant_id is always the run's.
    metadata = {"created_by": "system", **({} if created else thread.metadata), **own}
    metadata["assistant_id"] = assistant_id
    configurable = {
        **(context or user_configurable),
        **_checkpoint_of(body),
        "langgraph_auth_user": None,
        "langgraph_auth_user_id": "",
        "langgraph_auth_permissions": [],
        "langgraph_request_id": request_id or str(uuid.uuid4()),
        "__request_start_time_ms__": int(time.time() * 1000),
        "__after_seconds__": body.get("after_seconds", 0),
        "run_id": run_id,
        "thread_id": thread.thread_id,
        "graph_id": graph_id,
        "assistant_id": assistant_id,
        "user_id": "",
    }
    config.update(configurable=configurable, metadata=dict(metadata))
    now = utc_now()
    kwargs = _kwargs(body, command, config, context or user_configurable, stateless)
    # A delayed run is created in the future (the queue takes it from then on).
    due = (datetime.now(UTC) + timedelta(seconds=body.get("after_seconds") or 0)).isoformat()
    run = Run(
        run_id,
        thread.thread_id,
        assistant_id,
        graph_id,
        metadata,
        "pending",
        kwargs,
        body.get("multitask_strategy") or "enqueue",
        due,
        now,
        temporary=kwargs["temporary"],
    )
    store.save_run(run)
    if not queued:
        thread = replace(thread, updated_at=now)
    store.save_thread(thread)
    return run, thread


def _thread_for(
    store: Store, thread_id: str | None, body: Mapping[str, Any], stateless: bool
) -> tuple[Thread, bool]:
    """The run's thread, and whether the run created it."""
    if thread_id is not None and (found := store.find_thread(thread_id)) is not None:
        return found, False
    if not stateless and body.get("if_not_exists", "reject") != "create":
        raise NotFound(NOT_FOUND)
    now = utc_now()
    thread = Thread(thread_id or str(uuid7()), now, now, now, {})
    store.add_thread(thread)
    return thread, True


def _checkpoint_of(body: Mapping[str, Any]) -> dict[str, Any]:
    found = dict(body.get("checkpoint") or {})
    if body.get("checkpoint_id"):
        found["checkpoint_id"] = body["checkpoint_id"]
    return found


def _kwargs(
    body: Mapping[str, Any],
    command: Any,
    config: dict[str, Any],
    context: dict[str, Any],
    stateless: bool,
) -> dict[str, Any]:
    modes = body.get("stream_mode") or ["values"]
    during = body.get("checkpoint_during")
    return {
        "input": body.get("input"),
        "command": command,
        "config": config,
        "context": context,
        "stream_mode": modes if isinstance(modes, list) else [modes],
        "interrupt_before": body.get("interrupt_before"),
        "interrupt_after": body.get("interrupt_after"),
        "webhook": body.get("webhook"),
        "feedback_keys": body.get("feedback_keys"),
        "temporary": stateless and body.get("on_completion", "delete") == "delete",
        "subgraphs": bool(body.get("stream_subgraphs", False)),
        "resumable": bool(body.get("stream_resumable", False)),
        "checkpoint_during": True if during is None else during,
        "durability": body.get("durability") or ("async" if during in (None, True) else "exit"),
    }


def start_run(store: Store, run: Run, api_url: str = API_URL) -> Run:
    """The worker picked the run up: running, with what the real server adds at that point
    (`api_url`: the server's own URL, as `langgraph dev` names itself in run metadata). A new
    run replaces what the last one left on its thread."""
    config = run.kwargs["config"]
    started = dict(
        zip(
            _STARTED_METADATA,
            (1, LANGGRAPH_VERSION, API_VERSION, "enterprise", "self-hosted", api_url),
            strict=True,
        )
    )
    config = {
        **config,
        "configurable": {**config["configurable"], "__pregel_node_finished": None},
        "metadata": {**config["metadata"], **started},
    }
    run = replace(
        run, status="running", updated_at=utc_now(), kwargs={**run.kwargs, "config": config}
    )
    store.save_run(run)
    if (thread := store.find_thread(run.thread_id)) is not None:
        store.save_thread(replace(thread, error=None, run_status=None))
    return run


def unstart_run(store: Store, run: Run) -> Run:
    """Take back what `start_run` added: the run is cancelled as if it had never left the
    queue (the real server would still have held it pending)."""
    config = run.kwargs["config"]
    configurable = {
        k: v for k, v in config["configurable"].items() if k != "__pregel_node_finished"
    }
    metadata = {k: v for k, v in config["metadata"].items() if k not in _STARTED_METADATA}
    config = {**config, "configurable": configurable, "metadata": metadata}
    run = replace(run, kwargs={**run.kwargs, "config": config})
    store.save_run(run)
    return run


def end_run(
    store: Store, run: Run, status: str, error: Any = None, thread_status: str | None = None
) -> Run:
    """The run ended: its status, and the error and status it leaves on its thread."""
    now = utc_now()
    run = replace(run, status=status, updated_at=now)
    store.save_run(run)
    if (thread := store.find_thread(run.thread_id)) is not None:
        changes: dict[str, Any] = {"updated_at": now}
        if error is not None:
            changes.update(error=error, run_status=thread_status)
        store.save_thread(replace(thread, **changes))
    return run


def render_run(run: Run) -> dict[str, Any]:
    """A run as the Run body, keys in the real server's order."""
    return {
        "run_id": run.run_id,
        "thread_id": run.thread_id,
        "assistant_id": run.assistant_id,
        "metadata": run.metadata,
        "status": run.status,
        "kwargs": run.kwargs,
        "multitask_strategy": run.multitask_strategy,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "langsmith_session_name": None,
    }


def get_run(store: Store, thread_id: str, run_id: str) -> Run:
    """The thread's run; NotFound (`Not Found`, as the real server says) otherwise."""
    store.thread(thread_id)
    run = store.run(run_id)
    if run is None or run.thread_id != thread_id:
        raise NotFound("Not Found")
    return run


def list_runs(store: Store, thread_id: str, query: Mapping[str, Any]) -> list[dict[str, Any]]:
    """GET /threads/{id}/runs: newest first, with `status`, `limit`, `offset`, `select`."""
    store.thread(thread_id)
    found = [
        r
        for r in store.runs_of(thread_id)
        if query.get("status") is None or r.status == query["status"]
    ]
    offset, limit = int(query.get("offset", 0)), int(query.get("limit", 10))
    bodies = [render_run(r) for r in found[offset : offset + limit]]
    if select := query.get("select"):
        bodies = [{k: body[k] for k in select if k in body} for body in bodies]
    return bodies
