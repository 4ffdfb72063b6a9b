"""LangChain messages as A2A messages and parts, and an A2A message as a run's input, as
langgraph_api/api/a2a.py converts them; the messages a run added to its thread."""

from __future__ import annotations

import uuid
from typing import Any

from mockserver.events import plain_values
from mockserver.handlers.a2a_rpc import CONTENT_TYPE, ROLES, UNSUPPORTED, Refused, plain
from mockserver.handlers.base import Call
from mockserver.store import Run

_USER_TYPES = {"human", "humanmessage", "humanmessagechunk"}

_AGENT_TYPES = {"ai", "aimessage", "aimessagechunk"}

_CHAT_TYPES = {"chat", "chatmessage", "chatmessagechunk"}


def run_messages(call: Call, run: Run) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
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
    after = messages_of(mine[-1].values)
    seen = {m.get("id") for m in messages_of(before.values)} if before is not None else set()
    return after, [m for m in after if m.get("id") not in seen]


def messages_of(values: Any) -> list[dict[str, Any]]:
    """A checkpoint's messages as JSON dicts."""
    messages = (plain(plain_values(values)) or {}).get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def task_ids_by_start(call: Call, context_id: str, assistant_id: str) -> dict[str, str]:
    """Each message/send's start id (stamped on its messages) -> its task id."""
    found = {}
    for run in call.server.store.runs_of(context_id):
        a2a = run.metadata.get("a2a")
        start = a2a.get("task_start_id") if isinstance(a2a, dict) else None
        if run.assistant_id == assistant_id and isinstance(start, str) and start:
            found[start] = f"{context_id}:{run.run_id}"
    return found


def a2a_history(
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
        role = role_of(message)
        if role is None:
            if not message.get("tool_call_id"):
                continue
            parts = [{"kind": "data", "data": {"tool_results": [_tool_result(message)]}}]
            role = "ROLE_AGENT"
        else:
            parts = parts_of(message.get("content", ""))
            if role == "ROLE_AGENT" and not has_content(parts):
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


def response_parts(result: dict[str, Any], turn: list[Any] | None) -> list[dict[str, Any]]:
    """The last agent message of the turn as parts (the whole result's repr when there are
    no messages)."""
    messages = result.get("messages")
    if not isinstance(messages, list) or not messages:
        return [{"kind": "text", "text": str(result)}]
    if turn is None:
        turn = messages
        for index in range(len(messages) - 1, -1, -1):
            if isinstance(messages[index], dict) and role_of(messages[index]) == "ROLE_USER":
                turn = messages[index + 1 :]
                break
    for message in reversed(turn):
        if isinstance(message, dict) and role_of(message) == "ROLE_AGENT" and "content" in message:
            parts = parts_of(message["content"])
            if has_content(parts):
                return parts
    return [{"kind": "text", "text": ""}]


def input_of(parts: list[Any], role: str, message_id: str, start_id: str) -> dict[str, Any]:
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


def role_of(message: dict[str, Any]) -> str | None:
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


def parts_of(content: Any) -> list[dict[str, Any]]:
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


def has_content(parts: list[dict[str, Any]]) -> bool:
    return any(p.get("kind") in ("data", "file") or p.get("text") for p in parts)


def _tool_result(message: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"toolCallId": message["tool_call_id"]}
    if message.get("content") not in (None, ""):
        result["content"] = message["content"]
    for key in ("name", "status"):
        if isinstance(message.get(key), str) and message[key]:
            result[key] = message[key]
    return result


def interrupt_artifact(interrupts: list[dict[str, Any]]) -> dict[str, Any]:
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


def agent_message(text: str, task_id: str, context_id: str | None) -> dict[str, Any]:
    message = {
        "kind": "message",
        "role": "ROLE_AGENT",
        "parts": [{"kind": "text", "text": text}],
        "messageId": str(uuid.uuid4()),
        "taskId": task_id,
    }
    return message if context_id is None else {**message, "contextId": context_id}


def with_turn(
    call: Call, run: Run, result: Any, data_only: bool
) -> tuple[dict[str, Any], list[Any] | None]:
    """A run's result as a dict, and the messages its turn added when its input was data only
    (with the run's messages as the result's: the response is read from them)."""
    result = result if isinstance(result, dict) else {}
    if not data_only:
        return result, None
    messages, turn = run_messages(call, run)
    return {**result, "messages": messages}, turn


def final_parts(call: Call, run: Run, result: Any, data_only: bool) -> list[dict[str, Any]]:
    """The parts of a finished run's `Assistant Response` artifact."""
    result, turn = with_turn(call, run, result, data_only)
    return response_parts(result, turn)


def response_artifact(run: Run, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The `Assistant Response` artifact: the agent's final answer."""
    return {
        "artifactId": str(uuid.uuid4()),
        "name": "Assistant Response",
        "description": f"Response from assistant {run.assistant_id}",
        "parts": parts,
    }
