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

from mockserver import paging, threads
from mockserver.assistant_records import Assistant
from mockserver.assistants import BOTH_CONTEXTS
from mockserver.errors import BadRequest, NotFound
from mockserver.graph import Graph
from mockserver.state import next_nodes
from mockserver.store import Run, Store, Thread, utc_now
from mockserver.webhooks import check_webhook

LANGGRAPH_VERSION = "1.2.22"
API_VERSION = "0.16.7"
# The mock cannot see its own URL (handlers get the documented headers only); this is the
# address `mockserver serve` and `langgraph dev` use by default.
API_URL = "http://127.0.0.1:2024"
NOT_FOUND = "Thread or assistant not found."
BUSY = (
    "Thread is already running a task. Wait for it to finish or choose a different "
    "multitask strategy."
)
FINAL = frozenset({"success", "error", "interrupted", "timeout"})
# Who the cron scheduler creates runs as: langgraph-api's SimpleUser("") as a run's config
# shows it (no auth in langgraph dev).
SCHEDULER_USER = {"identity": "", "is_authenticated": True, "display_name": ""}
# What the real worker adds to a run's config metadata when it picks the run up.
_STARTED_METADATA = (
    "run_attempt",
    "langgraph_version",
    "langgraph_api_version",
    "langgraph_plan",
    "langgraph_host",
    "langgraph_api_url",
)


def check_request(body: Mapping[str, Any], *, stateless: bool) -> None:
    """The checks the real server makes on a run request before it looks the assistant or the
    thread up: BadRequest for a resume without a thread, or both context and configurable;
    Unprocessable for a webhook it refuses."""
    command = body.get("command") or None
    if stateless and command and command.get("resume"):  # a falsy resume is let through
        raise BadRequest("You must provide a thread_id when resuming.")
    if (body.get("config") or {}).get("configurable") and body.get("context"):
        raise BadRequest(BOTH_CONTEXTS)
    if webhook := body.get("webhook"):
        check_webhook(str(webhook))


def create_run(
    store: Store,
    assistant: Assistant,
    thread_id: str | None,
    body: Mapping[str, Any],
    *,
    stateless: bool = False,
    queued: bool = False,
    busy: bool = False,
    scheduled: bool = False,
    cron_id: str | None = None,
    request_id: str | None = None,
) -> tuple[Run, Thread]:
    """A new pending run of `assistant` (not yet scheduled) and its thread, created when it
    may be (the request passed `check_request`). `queued`: runs hold the thread (queued or
    running); `busy`: it holds a run the real server would still have pending, besides its
    queue. `scheduled`: the cron scheduler makes the run, not a request (no request id or
    start time; the scheduler's user); `cron_id` is then added to the configurable, after a
    `context` (as langgraph-api's create_valid_run does). `request_id`: the request's, when
    one request creates several runs (a new one otherwise).

    The assistant's config, context and metadata come first and the thread's and the run's
    own on top, as the in-memory runtime merges them (Runs.put)."""
    assistant_id, graph_id = assistant.assistant_id, assistant.graph_id
    own_config = copy.deepcopy(assistant.config)
    own_configurable = dict(own_config.get("configurable") or {})
    command = body.get("command") or None
    config = dict(body.get("config") or {})
    user_configurable = dict(config.get("configurable") or {})
    context = dict(body.get("context") or {})
    thread, created = _thread_for(store, thread_id, body, stateless)
    run_id = str(uuid7())
    own = {**(config.get("metadata") or {}), **(body.get("metadata") or {})}
    if created:
        # A thread the run creates takes the run's metadata, and the assistant's config with
        # the run's on top (but the assistant's configurable only).
        thread = replace(
            thread,
            metadata={"graph_id": graph_id, "assistant_id": assistant_id, **own},
            config={**own_config, **copy.deepcopy(config), "configurable": own_configurable},
        )
    elif not (queued or busy):
        # A thread that is not busy is bound to the run's graph and keeps the run's config
        # (tags, recursion_limit, ...) over its own; its own configurable over the assistant's.
        thread = replace(
            thread,
            metadata={**thread.metadata, "graph_id": graph_id, "assistant_id": assistant_id},
            config={
                **own_config,
                **thread.config,
                **copy.deepcopy(config),
                "configurable": {**own_configurable, **(thread.config.get("configurable") or {})},
            },
        )
    # The run's metadata is the assistant's, then the thread's (none when the run created its
    # thread), then the run's own; assistant_id is always the run's.
    metadata = {
        **copy.deepcopy(assistant.metadata),
        **({} if created else thread.metadata),
        **own,
    }
    metadata["assistant_id"] = assistant_id
    thread_configurable = {} if created else dict(thread.config.get("configurable") or {})
    asked = context or user_configurable
    request = (
        {"langgraph_request_id": None}
        if scheduled
        else {
            "langgraph_request_id": request_id or str(uuid.uuid4()),
            "__request_start_time_ms__": int(time.time() * 1000),
        }
    )
    configurable = {
        **own_configurable,
        **thread_configurable,
        **asked,
        **({"cron_id": cron_id} if cron_id is not None else {}),
        **_checkpoint_of(body),
        "langgraph_auth_user": dict(SCHEDULER_USER) if scheduled else None,
        "langgraph_auth_user_id": "",
        "langgraph_auth_permissions": [],
        **request,
        "__after_seconds__": body.get("after_seconds", 0),
        "run_id": run_id,
        "thread_id": thread.thread_id,
        "graph_id": graph_id,
        "assistant_id": assistant_id,
        "user_id": (
            asked.get("user_id")
            or thread_configurable.get("user_id")
            or own_configurable.get("user_id")
            or ""
        ),
    }
    run_config = {**own_config, **config}
    run_config.update(configurable=configurable, metadata=dict(metadata))
    now = utc_now()
    kwargs = _kwargs(
        body,
        command,
        run_config,
        {**copy.deepcopy(assistant.context), **asked},
        stateless,
    )
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
    store: Store,
    run: Run,
    status: str,
    error: Any = None,
    thread_status: str | None = None,
    *,
    ran: bool = True,
    graph: Graph | None = None,
) -> Run:
    """The run ended: its status, and the error and status it leaves on its thread. A run that
    ran binds its thread to its graph (`metadata.graph_id`), as the real server's worker does
    at every run's end (its assistant_id stays the one the thread's first run set)."""
    now = utc_now()
    run = replace(run, status=status, updated_at=now)
    store.save_run(run)
    if (thread := store.find_thread(run.thread_id)) is not None:
        changes: dict[str, Any] = {"updated_at": now}
        if ran:
            # the real server's worker stamps the state at every run's end, written or not
            changes["state_updated_at"] = now
        if error is not None:
            changes.update(error=error, run_status=thread_status)
        if ran and thread.metadata.get("graph_id") != run.graph_id:
            changes["metadata"] = {**thread.metadata, "graph_id": run.graph_id}
        if ran and thread.shown is not None:
            changes["shown"] = None  # the worker writes the record from the state again
        history = store.history(run.thread_id)
        head = history.head
        if ran and error is None and graph is not None and head is not None and head.next:
            # the real server reads the head with the run's graph: another graph's next nodes
            # are no tasks there, and the record the run leaves says idle, with no interrupts
            if not next_nodes(head, graph, history):
                changes["shown"] = threads.idle_record(history)
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
    return paging.select([render_run(r) for r in paging.page(found, query)], query.get("select"))
