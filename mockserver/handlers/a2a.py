"""A2A on /a2a/{assistant_id}: JSON-RPC 2.0 as langgraph_api/api/a2a.py serves it, over
the run machinery. A context is a thread, a task is one run of it (`<contextId>:<run_id>`);
a message is a run whose input is the message's text parts (human messages) and data parts,
waited for. The v0.x method names (`message/send`, `tasks/get`, `tasks/cancel`) answer in
the spec's lowercase roles and states with the task unwrapped; the v1.0 names
(`SendMessage`, `GetTask`, `CancelTask`) in `ROLE_*` / `TASK_STATE_*` with `{"task": ...}`.

The mock serves message/send (message/stream in a2a_stream.py), tasks get/cancel and
ListTasks (a2a_list.py) of new tasks; continuing a task (`taskId`) is refused as unsupported
(docs/deviations.md). The JSON-RPC envelope is in a2a_rpc.py, messages as parts in
a2a_parts.py, the agent card in a2a_card.py.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from mockserver import threads
from mockserver.errors import MockError
from mockserver.handlers.a2a_card import (
    card,
    card_error,
    card_reply,
    check_supports_messages,
    find_assistant,
)
from mockserver.handlers.a2a_parts import (
    a2a_history,
    agent_message,
    input_of,
    interrupt_artifact,
    response_artifact,
    response_parts,
    run_messages,
    task_ids_by_start,
    with_turn,
)
from mockserver.handlers.a2a_rpc import (
    ALIASES,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    METHODS,
    NOT_CANCELABLE,
    PARSE_ERROR,
    TASK_NOT_FOUND,
    UNSUPPORTED,
    Refused,
    accepts,
    answer,
    check_history_length,
    check_history_scope,
    error_reply,
    now,
    refusal,
    rpc_json,
)
from mockserver.handlers.base import Call, Departure, Reply
from mockserver.handlers.runs import _launch
from mockserver.reducers import to_plain
from mockserver.store import Run
from mockserver.worker import Active

RUN_STATES = {
    "pending": "TASK_STATE_SUBMITTED",
    "running": "TASK_STATE_WORKING",
    "success": "TASK_STATE_COMPLETED",
    "interrupted": "TASK_STATE_CANCELED",
    "error": "TASK_STATE_FAILED",
    "timeout": "TASK_STATE_FAILED",
}

TERMINAL = {"TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED"}


def post_a2a(call: Call) -> Reply:
    """POST /a2a/{assistant_id}: one JSON-RPC message, checked in the real server's order."""
    try:
        message = orjson.loads(call.body)
    except orjson.JSONDecodeError:
        return error_reply(None, PARSE_ERROR, "Invalid JSON payload")
    if not isinstance(message, dict):
        return error_reply(None, INVALID_REQUEST, "Invalid message format: expected object")
    id_, method = message.get("id"), message.get("method")
    if message.get("jsonrpc") != "2.0":
        text = "Invalid JSON-RPC message: missing or invalid jsonrpc version"
        return error_reply(id_, INVALID_REQUEST, text)
    legacy = isinstance(method, str) and method in ALIASES
    if isinstance(method, str) and legacy:
        method = ALIASES[method]
    if id_ is not None and not isinstance(id_, str | int | float):
        text = "Invalid JSON-RPC request: 'id' must be a string, number, or null"
        return error_reply(None, INVALID_REQUEST, text)
    if method is not None and not isinstance(method, str):
        return error_reply(id_, METHOD_NOT_FOUND, "Method not found: method must be a string")
    if method is not None and method not in METHODS:
        return error_reply(id_, METHOD_NOT_FOUND, f"Method not found: {method}")
    params = message.get("params", {})
    if method in ("SendMessage", "SendStreamingMessage"):
        if not isinstance(params, dict):
            return error_reply(id_, INVALID_PARAMS, "Invalid params: must be an object")
        if not params.get("message") or not isinstance(params["message"], dict):
            return error_reply(id_, INVALID_PARAMS, "Missing or invalid 'message' in params")
    accept = call.request.headers.get("Accept") or ""
    if method == "SendStreamingMessage" and not accepts(accept, "text/event-stream"):
        return refusal("Accept header must include text/event-stream for streaming")
    if method != "SendStreamingMessage" and not accepts(accept, "application/json"):
        return refusal("Accept header must include application/json")
    if id_ is None or not method:
        if id_ is not None and ("result" in message or "error" in message):
            return Reply(202, raw=b"")
        if id_ is not None:
            text = "Invalid JSON-RPC request: missing 'method' field"
            return error_reply(id_, INVALID_REQUEST, text)
        text = "Invalid message format: must be a JSON-RPC request or notification"
        return error_reply(None, INVALID_REQUEST, text)
    try:
        assistant_id = str(uuid.UUID(call.request.path["assistant_id"]))
    except ValueError:
        return error_reply(id_, INVALID_PARAMS, "Invalid assistant ID: must be a UUID")
    try:
        return _dispatch(call, id_, method, params, assistant_id, legacy)
    except Refused as refused:
        return error_reply(id_, refused.code, refused.message)


def get_a2a(call: Call) -> Reply:
    """GET /a2a/{assistant_id}: the assistant's agent card."""
    return card_reply(call, call.request.path["assistant_id"])


def get_a2a_agent_card(call: Call) -> Reply:
    """GET /a2a/{assistant_id}/.well-known/agent-card.json: the assistant's agent card."""
    return card_reply(call, call.request.path["assistant_id"])


def get_agent_card(call: Call) -> Reply:
    """GET /.well-known/agent-card.json?assistant_id=: the assistant's agent card."""
    assistant_id = call.request.query.get("assistant_id")
    if not assistant_id:
        return card_error("Missing required query parameter: assistant_id")
    return card_reply(call, assistant_id)


def delete_a2a(call: Call) -> Reply:
    """DELETE /a2a/{assistant_id}: 405, no body (no sessions)."""
    return Reply(405, raw=b"")


def _dispatch(
    call: Call, id_: Any, method: str, params: Any, assistant_id: str, legacy: bool
) -> Reply:
    if method == "GetExtendedAgentCard":
        return answer(
            id_, {"result": card(call, find_assistant(call, assistant_id), assistant_id)}, legacy
        )
    if method == "SendStreamingMessage":
        from mockserver.handlers.a2a_stream import stream_message  # it builds on this module

        return stream_message(call, id_, params, assistant_id, legacy)
    if not isinstance(params, dict):  # the real server crashes here (deviations.md)
        raise Refused(INVALID_PARAMS, "Invalid params: must be an object")
    if method == "ListTasks":
        from mockserver.handlers.a2a_list import list_tasks  # it builds on this module

        return answer(id_, {"result": list_tasks(call, params, assistant_id)}, legacy)
    if method == "GetTask":
        return answer(id_, {"result": _get_task(call, params, assistant_id)}, legacy)
    if method == "CancelTask":
        return answer(id_, {"result": _cancel_task(call, params, assistant_id)}, legacy)
    return _send(call, id_, params, assistant_id, legacy)


def _send(call: Call, id_: Any, params: dict[str, Any], assistant_id: str, legacy: bool) -> Reply:
    """SendMessage: the message as a run on its context's thread, waited for; the task."""
    configuration = params.get("configuration")
    configuration = {} if configuration is None else configuration
    if not isinstance(configuration, dict):
        raise Refused(INVALID_PARAMS, "Invalid params: 'configuration' must be an object")
    history_length = configuration.get("historyLength")
    check_history_length(history_length)
    check_history_scope(configuration)
    active, data_only = _start_task(call, params, assistant_id)
    server, run, thread_id = call.server, active.run, active.run.thread_id

    async def answer(departure: Departure) -> Any:
        result = to_plain(await server.worker.final_answer(active.stream, 0, thread_id))
        result = orjson.loads(orjson.dumps(result, default=to_plain))
        with server.lock:
            task = _sent_task(call, run, result, data_only, history_length)
        return rpc_json(id_, {"result": {"task": task}}, legacy)

    return Reply(200, later=answer)


def _start_task(call: Call, params: dict[str, Any], assistant_id: str) -> tuple[Active, bool]:
    """A new task of a message (send or stream): its run launched on the context's thread
    (created if need be), and whether its input was data only (no text parts)."""
    message = params["message"]
    message_id = message.get("messageId")
    if not message_id:
        raise Refused(INVALID_PARAMS, "Missing required 'messageId' in message")
    role = message.get("role")
    if not role:
        raise Refused(INVALID_PARAMS, "Missing required 'role' in message")
    if not isinstance(role, str):  # the real server's -32603 (deviations.md)
        raise Refused(INVALID_PARAMS, "Invalid params: 'role' must be a string")
    parts = message.get("parts", [])
    if not isinstance(parts, list):
        raise Refused(INVALID_PARAMS, "Invalid params: 'parts' must be an array")
    if not parts:
        raise Refused(INVALID_PARAMS, "Message must contain at least one part")
    assistant = find_assistant(call, assistant_id)
    check_supports_messages(call, assistant, parts)
    context_id, task_id = message.get("contextId"), message.get("taskId")
    if context_id is not None and not isinstance(context_id, str):
        raise Refused(INVALID_PARAMS, "contextId must be a string")
    if task_id is not None and not isinstance(task_id, str):
        raise Refused(INVALID_PARAMS, "taskId must be a string")
    if task_id is not None:
        _continue(call, task_id, context_id, assistant_id)
    start_id = str(uuid.uuid4())
    run_input = input_of(parts, role, message_id, start_id)
    context = params.get("context")
    if context is not None and not isinstance(context, dict):
        raise Refused(INVALID_PARAMS, "Failed to create run: context must be an object")
    thread_id = context_id or str(uuid.uuid4())
    try:
        thread_id = str(uuid.UUID(thread_id))
    except ValueError:
        raise Refused(INVALID_PARAMS, "Failed to create run: Invalid thread ID") from None
    body = {
        "assistant_id": assistant_id,
        "input": run_input,
        "metadata": {"a2a": {"task_start_id": start_id}},
        "if_not_exists": "create",
        **({"context": context} if context is not None else {}),
    }
    try:
        active, _ = _launch(call.server, thread_id, body)
    except MockError as exc:
        raise Refused(INVALID_PARAMS, f"Failed to create run: {exc.detail}") from None
    return active, "messages" not in run_input


def _sent_task(
    call: Call, run: Run, result: Any, data_only: bool, history_length: int | None
) -> dict[str, Any]:
    """The task message/send answers: the context's history, the status, the artifacts."""
    context_id = run.thread_id
    task_id = f"{context_id}:{run.run_id}"
    result, turn = with_turn(call, run, result, data_only)
    starts = task_ids_by_start(call, context_id, run.assistant_id)
    messages = result.get("messages") or []
    history = a2a_history(messages, task_id, context_id, starts, history_length)
    task: dict[str, Any] = {"kind": "task", "id": task_id, "contextId": context_id}
    if history_length != 0:
        task["history"] = history
    if "__error__" in result:
        text = f"Error executing assistant: {result['__error__']['error']}"
        task["status"] = {
            "state": "TASK_STATE_FAILED",
            "message": agent_message(text, task_id, context_id),
        }
    elif "__interrupt__" in result:
        task["status"] = {"state": "TASK_STATE_INPUT_REQUIRED", "timestamp": now()}
        task["artifacts"] = [interrupt_artifact(result["__interrupt__"])]
    else:
        task["status"] = {"state": "TASK_STATE_COMPLETED", "timestamp": now()}
        task["artifacts"] = [response_artifact(run, response_parts(result, turn))]
    return task


def _get_task(call: Call, params: dict[str, Any], assistant_id: str) -> dict[str, Any]:
    """GetTask: the run's state, and the messages it added as the task's history."""
    history_length = params.get("historyLength")
    run, state = _resolve(call, params)
    if run.assistant_id != assistant_id:
        raise _not_found(params)
    check_history_length(history_length)
    check_history_scope(params)
    task_id: str = params["id"]
    task: dict[str, Any] = {
        "kind": "task",
        "id": task_id,
        "contextId": run.thread_id,
        "status": {"state": state, "timestamp": run.updated_at or run.created_at},
    }
    if history_length != 0:
        messages, _ = run_messages(call, run)
        starts = task_ids_by_start(call, run.thread_id, assistant_id)
        task["history"] = a2a_history(messages, task_id, run.thread_id, starts, history_length)
    if state in ("TASK_STATE_COMPLETED", "TASK_STATE_FAILED"):
        text = (
            "Task completed successfully"
            if state == "TASK_STATE_COMPLETED"
            else f"Task failed with status: {run.status}"
        )
        message = agent_message(text, task_id, None)
        task["status"]["message"] = message
    return task


def _cancel_task(call: Call, params: dict[str, Any], assistant_id: str) -> dict[str, Any]:
    """CancelTask: the task's run cancelled, if it is still going."""
    run, state = _resolve(call, params)
    if run.assistant_id != assistant_id:
        raise _not_found(params, in_context=False)
    if state in TERMINAL:
        raise Refused(NOT_CANCELABLE, "Task is not cancelable in its current state")
    if state == "TASK_STATE_INPUT_REQUIRED":  # the real server ends the thread (deviations.md)
        raise Refused(UNSUPPORTED, "Cancelling an input-required task is not supported by the mock")
    if run.run_id not in call.server.worker.active:
        raise Refused(NOT_CANCELABLE, "Task has no active run to cancel")
    call.server.worker.cancel(run.run_id, "interrupt", "cancelled via A2A CancelTask")
    task_id: str = params["id"]
    message = agent_message("Task was canceled", task_id, None)
    status = {"state": "TASK_STATE_CANCELED", "timestamp": now(), "message": message}
    return {"kind": "task", "id": task_id, "contextId": run.thread_id, "status": status}


def _continue(call: Call, task_id: str, context_id: str | None, assistant_id: str) -> None:
    """A message to an existing task: refused (the mock starts new tasks only)."""
    try:
        run, state = _resolve(call, {"id": task_id, "contextId": context_id})
    except Refused:
        raise Refused(TASK_NOT_FOUND, f"Task not found: {task_id}") from None
    if run.assistant_id != assistant_id:
        raise Refused(TASK_NOT_FOUND, f"Task not found: {task_id}")
    if state in TERMINAL:
        raise Refused(UNSUPPORTED, "A terminal task cannot accept another message")
    raise Refused(UNSUPPORTED, "Continuing a task is not supported by the mock")


def _resolve(call: Call, params: dict[str, Any]) -> tuple[Run, str]:
    """The task's run and its A2A state; TASK_NOT_FOUND when there is none."""
    task_id, context_param = params.get("id"), params.get("contextId")
    if not task_id:
        raise Refused(INVALID_PARAMS, "Missing required parameter: id (task_id)")
    if not isinstance(task_id, str) or (
        context_param is not None and not isinstance(context_param, str)
    ):
        raise Refused(INVALID_PARAMS, "Task id and contextId must be strings")
    context_id, _, run_id = task_id.partition(":") if ":" in task_id else ("", "", task_id)
    if context_id and context_param and context_id != context_param:
        raise _not_found(params)
    context_id = context_param or context_id
    store = call.server.store
    run = store.run(run_id.lower())
    thread = store.find_thread(context_id.lower()) if context_id else None
    if run is None or thread is None or run.thread_id != thread.thread_id:
        raise _not_found(params)
    state = RUN_STATES.get(run.status, "TASK_STATE_SUBMITTED")
    latest = max(store.runs_of(thread.thread_id), key=lambda r: (r.created_at, r.run_id))
    history = store.history(thread.thread_id)
    if (
        run.status == "success"
        and latest.run_id == run.run_id
        and threads.thread_status(thread, history) == "interrupted"
    ):
        state = "TASK_STATE_INPUT_REQUIRED"
    return run, state


def _not_found(params: dict[str, Any], *, in_context: bool = True) -> Refused:
    context_id = params.get("contextId")
    where = f" in context '{context_id}'" if context_id and in_context else ""
    return Refused(TASK_NOT_FOUND, f"Task not found: {params.get('id')}{where}")
