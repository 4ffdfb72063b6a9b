"""A2A's JSON-RPC 2.0 envelope as langgraph_api/api/a2a.py writes it: the error codes, the
method names of both protocol versions, refusals, and answers in the v1.0 or v0.x spelling."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson

from mockserver.handlers.base import Reply
from mockserver.reducers import to_plain

MAX_HISTORY_LENGTH = 10

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


class Refused(Exception):
    """A JSON-RPC error answer: code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def accepts(accept: str, media_type: str) -> bool:
    """Whether an Accept header allows the media type (`*/*` and `type/*` included)."""
    for media_range in accept.split(","):
        candidate = media_range.split(";", 1)[0].strip().lower()
        if candidate in ("*/*", media_type) or (
            candidate.endswith("/*") and media_type.startswith(candidate[:-1])
        ):
            return True
    return False


def now() -> str:
    return datetime.now(UTC).isoformat()


def plain(value: Any) -> Any:
    return None if value is None else orjson.loads(orjson.dumps(value, default=to_plain))


def v0_spelling(data: Any) -> Any:
    """The v0.x spellings: lowercase roles and states, the task unwrapped from `result`."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key == "role" and isinstance(value, str):
                out[key] = ROLES.get(value, value)
            elif key == "state" and isinstance(value, str):
                out[key] = STATES.get(value, value)
            elif key == "result" and isinstance(value, dict) and list(value) == ["task"]:
                out[key] = v0_spelling(value["task"])
            else:
                out[key] = v0_spelling(value)
        return out
    if isinstance(data, list):
        return [v0_spelling(item) for item in data]
    return data


def rpc_json(id_: Any, outcome: dict[str, Any], legacy: bool) -> bytes:
    """A JSON-RPC answer as Starlette's JSONResponse writes it."""
    body = {"jsonrpc": "2.0", "id": id_, **outcome}
    body = v0_spelling(body) if legacy else body
    # orjson read the request: no lone surrogates, no integers past 64 bits
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def answer(id_: Any, outcome: dict[str, Any], legacy: bool) -> Reply:
    return Reply(
        200, headers={"content-type": "application/json"}, raw=rpc_json(id_, outcome, legacy)
    )


def error_reply(id_: Any, code: int, message: str) -> Reply:
    outcome = {"error": {"code": code, "message": message}}
    return Reply(
        200, headers={"content-type": "application/json"}, raw=rpc_json(id_, outcome, False)
    )


def refusal(message: str) -> Reply:
    body = orjson.dumps({"error": message})
    return Reply(400, headers={"content-type": "application/json"}, raw=body)


def check_history_length(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Refused(INVALID_PARAMS, "historyLength must be a non-negative integer")
    if value > MAX_HISTORY_LENGTH:
        raise Refused(INVALID_PARAMS, f"historyLength cannot exceed {MAX_HISTORY_LENGTH}")


def check_history_scope(options: dict[str, Any]) -> None:
    if options.get("historyScope") not in (None, "context"):
        raise Refused(INVALID_PARAMS, "The mock answers with the context's history only")
