"""v3 thread streaming: POST /threads/{id}/commands and POST /threads/{id}/stream/events
(langgraph_api.api.event_streaming), over the run machinery (worker.launch, the thread's
stream). Both read their body as the real server does, whatever it is (`x-raw-body`).

An HTTP command has no session behind it, as on the real server: `agent.getTree` and
`subscription.reconnect` find no run bound, `subscription.unsubscribe` no subscription.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import orjson

from mockserver.errors import MockError
from mockserver.handlers.base import Call, Reply
from mockserver.server import Server
from mockserver.v3 import (
    KNOWN_COMMANDS,
    RUN_STREAM_MODES,
    EventSession,
    Filter,
    ProtocolError,
    error_envelope,
    frames,
    stream_filter,
    success_envelope,
    supported_channel,
)

INVALID_JSON = {"detail": "Invalid JSON body"}
MALFORMED = "Protocol commands must include an integer id and string method."
NO_CHANNELS = {"detail": "channels is required and must be a non-empty array"}
ALLOWED = (
    ". Allowed: values, updates, messages, tools, custom, lifecycle, input, tasks, or any "
    "`custom:<name>`."
)
NO_RUN = "No active run is bound to this thread."
_STRATEGIES = ("reject", "rollback", "interrupt", "enqueue")
_THREAD_MODES = frozenset({"run_modes", "lifecycle"})


def protocol_thread_command_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/commands: one protocol command; a protocol error is a 200,
    a malformed envelope a 400."""
    try:
        payload = orjson.loads(call.body)
    except orjson.JSONDecodeError:
        return Reply(400, INVALID_JSON)
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("id"), int)
        or not isinstance(payload.get("method"), str)
    ):
        given = payload.get("id") if isinstance(payload, dict) else None
        return Reply(400, error_envelope(given, "invalid_argument", MALFORMED))
    command_id, method = payload["id"], payload["method"]
    given = payload.get("params")
    params: dict[str, Any] = given if isinstance(given, dict) else {}
    if method not in KNOWN_COMMANDS:
        message = f"Unknown protocol command: {method}"
        return Reply(200, error_envelope(command_id, "unknown_command", message))
    try:
        result = _command(call, method, params)
    except ProtocolError as refused:
        return Reply(200, error_envelope(command_id, refused.error, refused.message))
    return Reply(200, success_envelope(command_id, result))


def protocol_thread_events_post(call: Call) -> Reply:
    """POST /threads/{thread_id}/stream/events: the thread's protocol events the body's
    filter wants, from the thread's first kept run on (those up to `since` left out), then
    live; open until the client leaves."""
    try:
        body = orjson.loads(call.body)
    except orjson.JSONDecodeError:
        return Reply(400, INVALID_JSON)
    channels = body.get("channels") if isinstance(body, dict) else None
    if not isinstance(channels, list) or not channels:
        return Reply(400, NO_CHANNELS)
    bad = [c if isinstance(c, str) else repr(c) for c in channels if not supported_channel(c)]
    if bad:
        detail = "channels contains unsupported entries: " + ", ".join(bad[:5]) + ALLOWED
        return Reply(400, {"detail": detail})
    assert isinstance(body, dict)
    wanted = stream_filter(body, channels)
    return Reply(200, events=_follow(call.server, call.thread_id(), wanted))


async def _follow(server: Server, thread_id: str, wanted: Filter) -> AsyncIterator[Any]:
    worker = server.worker

    def facts(run_id: str) -> tuple[str, str] | None:
        with server.lock:
            run = server.store.run(run_id)
        return None if run is None else (run.graph_id, run.status)

    def kept() -> list[dict[str, Any]]:
        # read once the follower is registered, so that nothing falls in between: the events
        # of the thread's kept runs (resumable, as v3 runs are) in the order they ran
        found: list[dict[str, Any]] = []
        with server.lock:
            for record in (*worker.finished.values(), *worker.active.values()):
                stream = record.stream
                if record.run.thread_id != thread_id or not stream.resumable:
                    continue
                found += stream.events
                if stream.done_id is not None:
                    done = {"status": "run_done", "run_id": record.run.run_id}
                    found.append({"event": "metadata", "data": done, "id": stream.done_id})
        return found

    session = EventSession(facts)
    replay = _lazy(kept)
    async for raw in worker.channels.follow(thread_id, _THREAD_MODES, replay):
        for frame in frames(session.feed(raw), wanted):
            yield frame


def _lazy(source: Callable[[], list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    yield from source()  # called on the first read, not before


def _command(call: Call, method: str, params: dict[str, Any]) -> dict[str, Any]:
    if method == "run.start":
        return _run_start(call, params)
    if method == "input.respond":
        return _input_respond(call, params)
    if method == "subscription.subscribe":
        return _subscribe(params)
    if method == "subscription.unsubscribe":
        if not isinstance(params.get("subscription_id"), str):
            raise ProtocolError(
                "invalid_argument", "subscription.unsubscribe requires a subscription_id."
            )
        raise ProtocolError(
            "no_such_subscription", f"Unknown subscription: {params['subscription_id']}"
        )
    raise ProtocolError("no_such_run", NO_RUN)  # agent.getTree, subscription.reconnect


def _subscribe(params: dict[str, Any]) -> dict[str, Any]:
    channels = params.get("channels")
    if not isinstance(channels, list) or not channels:
        raise ProtocolError(
            "invalid_argument", "subscription.subscribe requires a non-empty channels array."
        )
    if not all(supported_channel(c) for c in channels):
        raise ProtocolError(
            "invalid_argument", "subscription.subscribe received an unsupported channel."
        )
    # held by nothing: the HTTP command's session ends with the request
    return {"subscription_id": str(uuid.uuid4()), "replayed_events": 0}


def _run_start(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    assistant = params.get("assistant_id")
    if not isinstance(assistant, str) or not assistant:
        raise ProtocolError("invalid_argument", "run.start requires an assistant_id.")
    checkpoint_id = _checkpoint_id(params)
    _check_tracer(params.get("langsmith_tracer"))
    thread_id = call.thread_id()
    given = params.get("input")
    resume = given is not None and bool(_pending_interrupts(call.server, thread_id))
    body: dict[str, Any] = {
        "input": None if resume else given,
        "command": {"resume": given} if resume else None,
        "metadata": params.get("metadata"),
    }
    if checkpoint_id:
        body["checkpoint_id"] = checkpoint_id
    strategy = params.get("multitaskStrategy")
    body["multitask_strategy"] = strategy if strategy in _STRATEGIES else "enqueue"
    return {"run_id": _launch(call, thread_id, assistant, params.get("config"), body)}


def _input_respond(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    entries = _respond_entries(params)
    thread_id = call.thread_id()
    pending = _pending_interrupts(call.server, thread_id)
    for interrupt_id, _ in entries:
        if pending is not None and interrupt_id not in pending:
            raise ProtocolError(
                "no_such_interrupt", f"Unknown or already-consumed interrupt: {interrupt_id}"
            )
    thread = call.server.store.find_thread(thread_id)
    assistant = thread.metadata.get("assistant_id") if thread is not None else None
    if not isinstance(assistant, str):
        raise ProtocolError("no_such_run", "No interrupted run is bound to this thread.")
    command: dict[str, Any] = {"resume": dict(entries)}  # each interrupt its own response
    for key in ("update", "goto"):
        if params.get(key) is not None:
            command[key] = params[key]
    body = {"input": None, "command": command, "metadata": params.get("metadata")}
    body["multitask_strategy"] = "enqueue"
    _launch(call, thread_id, assistant, params.get("config"), body)
    return {}


def _launch(call: Call, thread_id: str, assistant: str, config: Any, body: dict[str, Any]) -> str:
    """Create the run as the real server's ThreadRunManager does (its thread made if need
    be, every stream mode, resumable, kept); a refusal is an `unknown_error`."""
    config = config if isinstance(config, dict) else {}
    configurable = (
        config.get("configurable") if isinstance(config.get("configurable"), dict) else {}
    )
    server = call.server
    request = {
        **body,
        "assistant_id": assistant,
        "config": {
            **config,
            "configurable": {**configurable, "__event_streaming_v2": True, "thread_id": thread_id},
        },
        "stream_mode": list(RUN_STREAM_MODES),
        "stream_subgraphs": True,
        "stream_resumable": True,
        "on_completion": "keep",
        "if_not_exists": "create",
        "after_seconds": 0,
    }
    try:
        active, _ = server.worker.launch(server.assistants, server.graphs, thread_id, request)
    except MockError as refused:
        raise ProtocolError("unknown_error", f"{refused.status_code}: {refused.detail}") from None
    return active.run.run_id


def _pending_interrupts(server: Server, thread_id: str) -> set[str] | None:
    """The ids of the interrupts the thread waits on (None: no such thread)."""
    if server.store.find_thread(thread_id) is None:
        return None
    head = server.store.history(thread_id).head
    if head is None:
        return set()
    raised = server.store.history(thread_id).writes_of(head.checkpoint_id).interrupts
    return {str(i["id"]) for items in raised.values() for i in items if "id" in i}


def _respond_entries(params: dict[str, Any]) -> list[tuple[str, Any]]:
    """input.respond's (interrupt id, response) pairs: one, or a `responses` batch."""
    responses = params.get("responses")
    if isinstance(responses, list):
        if not responses:
            raise ProtocolError("invalid_argument", "input.respond requires at least one response.")
        entries = []
        for entry in responses:
            if not isinstance(entry, dict):
                raise ProtocolError(
                    "invalid_argument", "input.respond responses entries must be objects."
                )
            if not isinstance(entry.get("interrupt_id"), str):
                raise ProtocolError(
                    "invalid_argument", "input.respond responses entries require an interrupt_id."
                )
            _check_namespace(entry.get("namespace", []))
            entries.append((entry["interrupt_id"], entry.get("response")))
        return entries
    if not isinstance(params.get("interrupt_id"), str):
        raise ProtocolError("invalid_argument", "input.respond requires an interrupt_id.")
    _check_namespace(params.get("namespace", []))
    return [(params["interrupt_id"], params.get("response"))]


def _check_namespace(namespace: Any) -> None:
    if not isinstance(namespace, list) or not all(isinstance(s, str) for s in namespace):
        raise ProtocolError(
            "invalid_argument", "input.respond requires namespace to be a list of strings."
        )


def _checkpoint_id(params: dict[str, Any]) -> str | None:
    config = params.get("config")
    configurable = config.get("configurable") if isinstance(config, dict) else None
    found = configurable.get("checkpoint_id") if isinstance(configurable, dict) else None
    if found is None:
        return None
    if not isinstance(found, str) or not found.strip():
        raise ProtocolError(
            "invalid_argument", "config.configurable.checkpoint_id must be a non-empty string."
        )
    try:
        uuid.UUID(found)
    except ValueError:
        raise ProtocolError(
            "invalid_argument", f"Invalid config.configurable.checkpoint_id: {found!r}."
        ) from None
    return found


def _check_tracer(tracer: Any) -> None:
    if tracer is None:
        return
    if not isinstance(tracer, dict):
        raise ProtocolError("invalid_argument", "langsmith_tracer must be an object.")
    unknown = tracer.keys() - {"project_name", "example_id"}
    if unknown:
        raise ProtocolError(
            "invalid_argument", f"langsmith_tracer has unsupported fields: {sorted(unknown)!r}."
        )
    for key, value in tracer.items():
        if not isinstance(value, str):
            raise ProtocolError("invalid_argument", f"langsmith_tracer.{key} must be a string.")
