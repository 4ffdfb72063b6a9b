"""A2A on /a2a/{assistant_id}: JSON-RPC 2.0 as langgraph_api/api/a2a.py serves it, over
the run machinery. A context is a thread, a task is one run of it (`<contextId>:<run_id>`);
a message is a run whose input is the message's text parts (human messages) and data parts,
waited for. The v0.x method names (`message/send`, `tasks/get`, `tasks/cancel`) answer in
the spec's lowercase roles and states with the task unwrapped; the v1.0 names
(`SendMessage`, `GetTask`, `CancelTask`) in `ROLE_*` / `TASK_STATE_*` with `{"task": ...}`.

The mock serves message/send (message/stream in a2a_stream.py), tasks get/cancel and
ListTasks (a2a_list.py) of new tasks; continuing a task (`taskId`) is refused as unsupported
(docs/deviations.md).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

from mockserver import assistants, threads
from mockserver.assistants import Assistant, canonical
from mockserver.errors import MockError
from mockserver.events import plain_values
from mockserver.handlers.base import Call, Departure, Reply
from mockserver.handlers.runs import _launch
from mockserver.reducers import to_plain
from mockserver.store import Run
from mockserver.worker import Active

SERVER_VERSION = "0.16.7"  # langgraph-api's __version__, which the agent card names
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
TASK_NOT_FOUND, NOT_CANCELABLE, UNSUPPORTED, CONTENT_TYPE = -32001, -32002, -32004, -32005
ALIASES = {
    "message/send": "SendMessage",
    "message/stream": "SendStreamingMessage",
    "tasks/get": "GetTask",
    "tasks/cancel": "CancelTask",
}
METHODS = {
    "SendMessage",
    "SendStreamingMessage",
    "GetTask",
    "CancelTask",
    "ListTasks",
    "GetExtendedAgentCard",
}
ROLES = {"ROLE_USER": "user", "ROLE_AGENT": "agent"}
STATES = {
    "TASK_STATE_SUBMITTED": "submitted",
    "TASK_STATE_WORKING": "working",
    "TASK_STATE_COMPLETED": "completed",
    "TASK_STATE_FAILED": "failed",
    "TASK_STATE_CANCELED": "canceled",
    "TASK_STATE_INPUT_REQUIRED": "input-required",
    "TASK_STATE_REJECTED": "rejected",
    "TASK_STATE_AUTH_REQUIRED": "auth-required",
}
RUN_STATES = {
    "pending": "TASK_STATE_SUBMITTED",
    "running": "TASK_STATE_WORKING",
    "success": "TASK_STATE_COMPLETED",
    "interrupted": "TASK_STATE_CANCELED",
    "error": "TASK_STATE_FAILED",
    "timeout": "TASK_STATE_FAILED",
}
TERMINAL = {"TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED"}
MAX_HISTORY_LENGTH = 10
MODES = ["application/json", "text/plain"]
HISTORY_SCOPE = {
    "uri": "https://langchain.com/a2a/extensions/history-scope/v1",
    "description": "Choose task-only or full-context response history",
    "required": False,
    "params": {
        "header": "LangGraph-A2A-History-Scope",
        "values": ["context", "task"],
        "default": "context",
        "methods": ["SendMessage", "GetTask", "ListTasks"],
    },
}
_USER_TYPES = {"human", "humanmessage", "humanmessagechunk"}
_AGENT_TYPES = {"ai", "aimessage", "aimessagechunk"}
_CHAT_TYPES = {"chat", "chatmessage", "chatmessagechunk"}


class Refused(Exception):
    """A JSON-RPC error answer: code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def post_a2a(call: Call) -> Reply:
    """POST /a2a/{assistant_id}: one JSON-RPC message, checked in the real server's order."""
    try:
        message = orjson.loads(call.body)
    except orjson.JSONDecodeError:
        return _error_reply(None, PARSE_ERROR, "Invalid JSON payload")
    if not isinstance(message, dict):
        return _error_reply(None, INVALID_REQUEST, "Invalid message format: expected object")
    id_, method = message.get("id"), message.get("method")
    if message.get("jsonrpc") != "2.0":
        text = "Invalid JSON-RPC message: missing or invalid jsonrpc version"
        return _error_reply(id_, INVALID_REQUEST, text)
    legacy = isinstance(method, str) and method in ALIASES
    if isinstance(method, str) and legacy:
        method = ALIASES[method]
    if id_ is not None and not isinstance(id_, str | int | float):
        text = "Invalid JSON-RPC request: 'id' must be a string, number, or null"
        return _error_reply(None, INVALID_REQUEST, text)
    if method is not None and not isinstance(method, str):
        return _error_reply(id_, METHOD_NOT_FOUND, "Method not found: method must be a string")
    if method is not None and method not in METHODS:
        return _error_reply(id_, METHOD_NOT_FOUND, f"Method not found: {method}")
    params = message.get("params", {})
    if method in ("SendMessage", "SendStreamingMessage"):
        if not isinstance(params, dict):
            return _error_reply(id_, INVALID_PARAMS, "Invalid params: must be an object")
        if not params.get("message") or not isinstance(params["message"], dict):
            return _error_reply(id_, INVALID_PARAMS, "Missing or invalid 'message' in params")
    accept = call.request.headers.get("Accept") or ""
    if method == "SendStreamingMessage" and not _accepts(accept, "text/event-stream"):
        return _refused("Accept header must include text/event-stream for streaming")
    if method != "SendStreamingMessage" and not _accepts(accept, "application/json"):
        return _refused("Accept header must include application/json")
    if id_ is None or not method:
        if id_ is not None and ("result" in message or "error" in message):
            return Reply(202, raw=b"")
        if id_ is not None:
            text = "Invalid JSON-RPC request: missing 'method' field"
            return _error_reply(id_, INVALID_REQUEST, text)
        text = "Invalid message format: must be a JSON-RPC request or notification"
        return _error_reply(None, INVALID_REQUEST, text)
    try:
        assistant_id = str(uuid.UUID(call.request.path["assistant_id"]))
    except ValueError:
        return _error_reply(id_, INVALID_PARAMS, "Invalid assistant ID: must be a UUID")
    try:
        return _dispatch(call, id_, method, params, assistant_id, legacy)
    except Refused as refused:
        return _error_reply(id_, refused.code, refused.message)


def get_a2a(call: Call) -> Reply:
    """GET /a2a/{assistant_id}: the assistant's agent card."""
    return _card_reply(call, call.request.path["assistant_id"])


def get_a2a_agent_card(call: Call) -> Reply:
    """GET /a2a/{assistant_id}/.well-known/agent-card.json: the assistant's agent card."""
    return _card_reply(call, call.request.path["assistant_id"])


def get_agent_card(call: Call) -> Reply:
    """GET /.well-known/agent-card.json?assistant_id=: the assistant's agent card."""
    assistant_id = call.request.query.get("assistant_id")
    if not assistant_id:
        return _card_error("Missing required query parameter: assistant_id")
    return _card_reply(call, assistant_id)


def delete_a2a(call: Call) -> Reply:
    """DELETE /a2a/{assistant_id}: 405, no body (no sessions)."""
    return Reply(405, raw=b"")


def _dispatch(
    call: Call, id_: Any, method: str, params: Any, assistant_id: str, legacy: bool
) -> Reply:
    if method == "GetExtendedAgentCard":
        return _answer(
            id_, {"result": _card(call, _assistant(call, assistant_id), assistant_id)}, legacy
        )
    if method == "SendStreamingMessage":
        from mockserver.handlers.a2a_stream import stream_message  # it builds on this module

        return stream_message(call, id_, params, assistant_id, legacy)
    if not isinstance(params, dict):  # the real server crashes here (deviations.md)
        raise Refused(INVALID_PARAMS, "Invalid params: must be an object")
    if method == "ListTasks":
        from mockserver.handlers.a2a_list import list_tasks  # it builds on this module

        return _answer(id_, {"result": list_tasks(call, params, assistant_id)}, legacy)
    if method == "GetTask":
        return _answer(id_, {"result": _get_task(call, params, assistant_id)}, legacy)
    if method == "CancelTask":
        return _answer(id_, {"result": _cancel_task(call, params, assistant_id)}, legacy)
    return _send(call, id_, params, assistant_id, legacy)


def _send(call: Call, id_: Any, params: dict[str, Any], assistant_id: str, legacy: bool) -> Reply:
    """SendMessage: the message as a run on its context's thread, waited for; the task."""
    configuration = params.get("configuration")
    configuration = {} if configuration is None else configuration
    if not isinstance(configuration, dict):
        raise Refused(INVALID_PARAMS, "Invalid params: 'configuration' must be an object")
    history_length = configuration.get("historyLength")
    _check_history_length(history_length)
    _check_history_scope(configuration)
    active, data_only = _start_task(call, params, assistant_id)
    server, run, thread_id = call.server, active.run, active.run.thread_id

    async def answer(departure: Departure) -> Any:
        result = to_plain(await server.worker.final_answer(active.stream, 0, thread_id))
        result = orjson.loads(orjson.dumps(result, default=to_plain))
        with server.lock:
            task = _sent_task(call, run, result, data_only, history_length)
        return _json(id_, {"result": {"task": task}}, legacy)

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
    assistant = _assistant(call, assistant_id)
    _check_supports_messages(call, assistant, parts)
    context_id, task_id = message.get("contextId"), message.get("taskId")
    if context_id is not None and not isinstance(context_id, str):
        raise Refused(INVALID_PARAMS, "contextId must be a string")
    if task_id is not None and not isinstance(task_id, str):
        raise Refused(INVALID_PARAMS, "taskId must be a string")
    if task_id is not None:
        _continue(call, task_id, context_id, assistant_id)
    start_id = str(uuid.uuid4())
    run_input = _input(parts, role, message_id, start_id)
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
    result, turn = _with_turn(call, run, result, data_only)
    starts = _task_ids_by_start(call, context_id, run.assistant_id)
    messages = result.get("messages") or []
    history = _history(messages, task_id, context_id, starts, history_length)
    task: dict[str, Any] = {"kind": "task", "id": task_id, "contextId": context_id}
    if history_length != 0:
        task["history"] = history
    if "__error__" in result:
        text = f"Error executing assistant: {result['__error__']['error']}"
        task["status"] = {
            "state": "TASK_STATE_FAILED",
            "message": _agent_message(text, task_id, context_id),
        }
    elif "__interrupt__" in result:
        task["status"] = {"state": "TASK_STATE_INPUT_REQUIRED", "timestamp": _now()}
        task["artifacts"] = [_interrupt_artifact(result["__interrupt__"])]
    else:
        task["status"] = {"state": "TASK_STATE_COMPLETED", "timestamp": _now()}
        task["artifacts"] = [_response_artifact(run, _response_parts(result, turn))]
    return task


def _with_turn(
    call: Call, run: Run, result: Any, data_only: bool
) -> tuple[dict[str, Any], list[Any] | None]:
    """A run's result as a dict, and the messages its turn added when its input was data only
    (with the run's messages as the result's: the response is read from them)."""
    result = result if isinstance(result, dict) else {}
    if not data_only:
        return result, None
    messages, turn = _run_messages(call, run)
    return {**result, "messages": messages}, turn


def _final_parts(call: Call, run: Run, result: Any, data_only: bool) -> list[dict[str, Any]]:
    """The parts of a finished run's `Assistant Response` artifact."""
    result, turn = _with_turn(call, run, result, data_only)
    return _response_parts(result, turn)


def _response_artifact(run: Run, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The `Assistant Response` artifact: the agent's final answer."""
    return {
        "artifactId": str(uuid.uuid4()),
        "name": "Assistant Response",
        "description": f"Response from assistant {run.assistant_id}",
        "parts": parts,
    }


def _get_task(call: Call, params: dict[str, Any], assistant_id: str) -> dict[str, Any]:
    """GetTask: the run's state, and the messages it added as the task's history."""
    history_length = params.get("historyLength")
    run, state = _resolve(call, params)
    if run.assistant_id != assistant_id:
        raise _not_found(params)
    _check_history_length(history_length)
    _check_history_scope(params)
    task_id: str = params["id"]
    task: dict[str, Any] = {
        "kind": "task",
        "id": task_id,
        "contextId": run.thread_id,
        "status": {"state": state, "timestamp": run.updated_at or run.created_at},
    }
    if history_length != 0:
        messages, _ = _run_messages(call, run)
        starts = _task_ids_by_start(call, run.thread_id, assistant_id)
        task["history"] = _history(messages, task_id, run.thread_id, starts, history_length)
    if state in ("TASK_STATE_COMPLETED", "TASK_STATE_FAILED"):
        text = (
            "Task completed successfully"
            if state == "TASK_STATE_COMPLETED"
            else f"Task failed with status: {run.status}"
        )
        message = _agent_message(text, task_id, None)
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
    message = _agent_message("Task was canceled", task_id, None)
    status = {"state": "TASK_STATE_CANCELED", "timestamp": _now(), "message": message}
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


def _run_messages(call: Call, run: Run) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The messages of the run's last checkpoint, and those of them the run added (not in
    its input checkpoint)."""
    mine = [
        c
        for c in call.server.store.history(run.thread_id).checkpoints
        if c.metadata.get("run_id") == run.run_id
    ]
    if not mine:
        return [], []
    before = next((c for c in mine if c.metadata.get("source") == "input"), None)
    after = _messages(mine[-1].values)
    seen = {m.get("id") for m in _messages(before.values)} if before is not None else set()
    return after, [m for m in after if m.get("id") not in seen]


def _messages(values: Any) -> list[dict[str, Any]]:
    """A checkpoint's messages as JSON dicts."""
    messages = (_plain(plain_values(values)) or {}).get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _task_ids_by_start(call: Call, context_id: str, assistant_id: str) -> dict[str, str]:
    """Each message/send's start id (stamped on its messages) -> its task id."""
    found = {}
    for run in call.server.store.runs_of(context_id):
        a2a = run.metadata.get("a2a")
        start = a2a.get("task_start_id") if isinstance(a2a, dict) else None
        if run.assistant_id == assistant_id and isinstance(start, str) and start:
            found[start] = f"{context_id}:{run.run_id}"
    return found


def _history(
    messages: list[Any],
    task_id: str,
    context_id: str,
    starts: dict[str, str] | None,
    history_length: int | None,
) -> list[dict[str, Any]]:
    """LangChain messages as A2A messages; with `starts`, each after a stamped user message
    belongs to that message's task (None: all belong to `task_id`)."""
    current: str | None = task_id
    out = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        a2a = (message.get("additional_kwargs") or {}).get("a2a")
        start = a2a.get("task_start_id") if isinstance(a2a, dict) else None
        if starts is not None and isinstance(start, str) and start:
            current = starts.get(start)
        if current is None:
            continue
        role = _role(message)
        if role is None:
            if not message.get("tool_call_id"):
                continue
            parts = [{"kind": "data", "data": {"tool_results": [_tool_result(message)]}}]
            role = "ROLE_AGENT"
        else:
            parts = _parts(message.get("content", ""))
            if role == "ROLE_AGENT" and not _has_content(parts):
                continue
            parts = parts or [{"kind": "text", "text": ""}]
        out.append(
            {
                "kind": "message",
                "role": role,
                "parts": parts,
                "messageId": message.get("id") or str(uuid.uuid4()),
                "taskId": current,
                "contextId": context_id,
            }
        )
    if history_length is None:
        return out
    return out[-history_length:] if history_length else []


def _response_parts(result: dict[str, Any], turn: list[Any] | None) -> list[dict[str, Any]]:
    """The last agent message of the turn as parts (the whole result's repr when there are
    no messages)."""
    messages = result.get("messages")
    if not isinstance(messages, list) or not messages:
        return [{"kind": "text", "text": str(result)}]
    if turn is None:
        turn = messages
        for index in range(len(messages) - 1, -1, -1):
            if isinstance(messages[index], dict) and _role(messages[index]) == "ROLE_USER":
                turn = messages[index + 1 :]
                break
    for message in reversed(turn):
        if isinstance(message, dict) and _role(message) == "ROLE_AGENT" and "content" in message:
            parts = _parts(message["content"])
            if _has_content(parts):
                return parts
    return [{"kind": "text", "text": ""}]


def _input(parts: list[Any], role: str, message_id: str, start_id: str) -> dict[str, Any]:
    """The run's input: text parts as messages (stamped with the task's start id), data parts
    merged into the input."""
    graph_role = "human" if ROLES.get(role, role) in ("ROLE_USER", "user") else "assistant"
    messages: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, dict):
            raise Refused(
                CONTENT_TYPE,
                "Each message part must be an object. "
                "A2A agents support 'text', 'data', and 'file' parts only.",
            )
        present = [k for k in ("text", "file", "data") if k in part]
        if len(present) > 1:
            raise Refused(
                CONTENT_TYPE,
                "Each message part must contain exactly one of 'text', 'file', or 'data'. "
                f"Got multiple: {present}.",
            )
        if "text" in part:
            messages.append({"role": graph_role, "content": part["text"], "id": message_id})
        elif "file" in part:
            raise Refused(UNSUPPORTED, "File parts are not supported by the mock")
        elif "data" in part:
            if not isinstance(part["data"], dict):
                text = "DataPart must contain a JSON object in the 'data' field"
                raise Refused(CONTENT_TYPE, text)
            data.update(part["data"])
        else:
            raise Refused(
                CONTENT_TYPE,
                "Unsupported part type. A2A agents support 'text', 'data', and 'file' parts only.",
            )
    for message in messages:
        message["additional_kwargs"] = {"a2a": {"task_start_id": start_id}}
    if not messages and not data:
        raise Refused(
            CONTENT_TYPE, "Message must contain at least one valid text, data, or file part"
        )
    return {**({"messages": messages} if messages else {}), **data}


def _role(message: dict[str, Any]) -> str | None:
    """The A2A role of a public LangChain message; None for internal ones (tools, system)."""
    kind, role = _label(message.get("type")), _label(message.get("role"))
    by_type = by_role = None
    if kind:
        if kind in _USER_TYPES:
            by_type = "ROLE_USER"
        elif kind in _AGENT_TYPES:
            by_type = "ROLE_AGENT"
        elif kind not in _CHAT_TYPES:
            return None
    if role:
        if role in ("human", "user"):
            by_role = "ROLE_USER"
        elif role in ("agent", "assistant"):
            by_role = "ROLE_AGENT"
        else:
            return None
    if by_type is not None and by_role is not None and by_type != by_role:
        return None
    return by_type or by_role


def _label(value: Any) -> str:
    return value.lower().replace("_", "").replace("-", "") if isinstance(value, str) else ""


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"kind": "text", "text": content}]
    if content is None:
        return []
    if not isinstance(content, list):
        return [{"kind": "text", "text": str(content)}]
    texts = [
        b if isinstance(b, str) else b["text"]
        for b in content
        if isinstance(b, str)
        or (isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str))
    ]
    return [{"kind": "text", "text": "".join(texts)}] if texts else []


def _has_content(parts: list[dict[str, Any]]) -> bool:
    return any(p.get("kind") in ("data", "file") or p.get("text") for p in parts)


def _tool_result(message: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"toolCallId": message["tool_call_id"]}
    if message.get("content") not in (None, ""):
        result["content"] = message["content"]
    for key in ("name", "status"):
        if isinstance(message.get(key), str) and message[key]:
            result[key] = message[key]
    return result


def _interrupt_artifact(interrupts: list[dict[str, Any]]) -> dict[str, Any]:
    parts = []
    for item in interrupts:
        data = {"id": item.get("id"), "value": item.get("value")}
        if item.get("response_schema") is not None:
            data["response_schema"] = item["response_schema"]
        parts.append({"kind": "data", "data": data})
    return {
        "artifactId": str(uuid.uuid4()),
        "name": "Interrupt",
        "description": "Agent requires input to continue",
        "parts": parts,
    }


def _agent_message(text: str, task_id: str, context_id: str | None) -> dict[str, Any]:
    message = {
        "kind": "message",
        "role": "ROLE_AGENT",
        "parts": [{"kind": "text", "text": text}],
        "messageId": str(uuid.uuid4()),
        "taskId": task_id,
    }
    return message if context_id is None else {**message, "contextId": context_id}


def _assistant(call: Call, assistant_id: str) -> Assistant:
    """The assistant an A2A request names: any form of its UUID (the real server looks it up
    through GET /assistants/{id}), not its graph id."""
    try:
        found = call.server.assistants.find(canonical(assistant_id))
    except ValueError:
        found = None
    if found is None:
        raise Refused(INVALID_PARAMS, f"Assistant '{assistant_id}' not found")
    return found


def _check_supports_messages(call: Call, assistant: Assistant, parts: list[Any]) -> None:
    """Text and file parts need a `messages` key in the graph's input (or state) schema."""
    if not any(isinstance(p, dict) and ("text" in p or "file" in p) for p in parts):
        return
    schemas = assistants.schemas(call.server.graphs[assistant.graph_id])
    properties = (schemas["input_schema"] or schemas["state_schema"] or {}).get("properties", {})
    if "messages" not in properties:
        raise Refused(
            INVALID_PARAMS,
            f"Assistant '{assistant.assistant_id}' (graph '{assistant.graph_id}') does not "
            "support A2A conversational messages. Graph input schema must include a "
            "'messages' field to accept text or file parts. Available input fields: "
            f"{list(properties)}",
        )


def _check_history_length(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Refused(INVALID_PARAMS, "historyLength must be a non-negative integer")
    if value > MAX_HISTORY_LENGTH:
        raise Refused(INVALID_PARAMS, f"historyLength cannot exceed {MAX_HISTORY_LENGTH}")


def _check_history_scope(options: dict[str, Any]) -> None:
    if options.get("historyScope") not in (None, "context"):
        raise Refused(INVALID_PARAMS, "The mock answers with the context's history only")


def _card_reply(call: Call, assistant_id: str) -> Reply:
    try:
        return Reply(200, _card(call, _assistant(call, assistant_id), assistant_id))
    except Refused as refused:
        return _card_error(refused.message)


def _card(call: Call, assistant: Assistant, assistant_id: str) -> dict[str, Any]:
    """The agent card of one assistant (named by the client as `assistant_id`: an id or a graph
    id), as the real server builds it."""
    schemas = assistants.schemas(call.server.graphs[assistant.graph_id])
    schema = schemas["input_schema"] or schemas["state_schema"] or {}
    properties = schema.get("properties", {})
    description = assistant.description or f"{assistant.name} assistant"
    url = f"{call.origin()}/a2a/{assistant_id}"
    return {
        "name": assistant.name,
        "description": description,
        "url": url,
        "supportedInterfaces": [
            {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        ],
        "capabilities": {
            "streaming": True,
            "pushNotifications": False,
            "stateTransitionHistory": False,
            "extensions": [HISTORY_SCOPE],
        },
        "defaultInputModes": MODES,
        "defaultOutputModes": MODES,
        "skills": [
            {
                "id": f"{assistant.assistant_id}-main",
                "name": f"{assistant.name} Capabilities",
                "description": description,
                "tags": ["assistant", "langgraph"],
                "examples": [],
                "inputModes": MODES,
                "outputModes": MODES,
                "metadata": {
                    "inputSchema": {
                        "required": schema.get("required", []),
                        "properties": sorted(properties),
                        "supportsA2A": "messages" in properties,
                    }
                },
            }
        ],
        "version": SERVER_VERSION,
    }


def _card_error(message: str) -> Reply:
    body = orjson.dumps({"error": {"code": INVALID_PARAMS, "message": message}})
    return Reply(400, headers={"content-type": "application/json"}, raw=body)


def _accepts(accept: str, media_type: str) -> bool:
    """Whether an Accept header allows the media type (`*/*` and `type/*` included)."""
    for media_range in accept.split(","):
        candidate = media_range.split(";", 1)[0].strip().lower()
        if candidate in ("*/*", media_type) or (
            candidate.endswith("/*") and media_type.startswith(candidate[:-1])
        ):
            return True
    return False


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _plain(value: Any) -> Any:
    return None if value is None else orjson.loads(orjson.dumps(value, default=to_plain))


def _legacy(data: Any) -> Any:
    """The v0.x spellings: lowercase roles and states, the task unwrapped from `result`."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key == "role" and isinstance(value, str):
                out[key] = ROLES.get(value, value)
            elif key == "state" and isinstance(value, str):
                out[key] = STATES.get(value, value)
            elif key == "result" and isinstance(value, dict) and list(value) == ["task"]:
                out[key] = _legacy(value["task"])
            else:
                out[key] = _legacy(value)
        return out
    if isinstance(data, list):
        return [_legacy(item) for item in data]
    return data


def _json(id_: Any, outcome: dict[str, Any], legacy: bool) -> bytes:
    """A JSON-RPC answer as Starlette's JSONResponse writes it."""
    body = {"jsonrpc": "2.0", "id": id_, **outcome}
    body = _legacy(body) if legacy else body
    # orjson read the request: no lone surrogates, no integers past 64 bits
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _answer(id_: Any, outcome: dict[str, Any], legacy: bool) -> Reply:
    return Reply(200, headers={"content-type": "application/json"}, raw=_json(id_, outcome, legacy))


def _error_reply(id_: Any, code: int, message: str) -> Reply:
    outcome = {"error": {"code": code, "message": message}}
    return Reply(200, headers={"content-type": "application/json"}, raw=_json(id_, outcome, False))


def _refused(message: str) -> Reply:
    body = orjson.dumps({"error": message})
    return Reply(400, headers={"content-type": "application/json"}, raw=body)
