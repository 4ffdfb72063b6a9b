"""LangChain message coercion on plain dicts: one incoming message -> the stored message.

Follows langchain-core 1.7 `_convert_to_message` / `_create_message_from_message_type` and the
pydantic validation of its message classes rule for rule, and stores what the real server
stores, `BaseMessage.model_dump()`, key for key and in that order. The reducer that merges them
(`add_messages`) is in message_log.py.

Where the real server answers 400 (langchain or pydantic raised ValueError) this raises
`BadRequest` with the same text; where langchain fails with another exception (the real
server's 500), it raises `BadRequest` naming the failure (docs/deviations.md #18).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from mockserver.errors import BadRequest

REMOVE_ALL_MESSAGES = "__remove_all__"

Message = dict[str, Any]
_Errors = list[tuple[str, str, Any]]  # (loc, pydantic error type, input value)

_COERCION_HELP = (
    "\nFor troubleshooting, visit: "
    "https://docs.langchain.com/oss/python/langchain/errors/MESSAGE_COERCION_FAILURE "
)
_PYDANTIC_HELP = "https://errors.pydantic.dev/2.14/v/"  # the real server's pydantic is 2.14
_ROLES = {
    "human": "human",
    "user": "human",
    "ai": "ai",
    "assistant": "ai",
    "system": "system",
    "developer": "system",
    "function": "function",
    "tool": "tool",
    "remove": "remove",
}
_CLASSES = {
    "human": "HumanMessage",
    "ai": "AIMessage",
    "system": "SystemMessage",
    "function": "FunctionMessage",
    "tool": "ToolMessage",
    "remove": "RemoveMessage",
}
_LC_CLASSES = {f"{cls}{end}": kind for kind, cls in _CLASSES.items() for end in ("", "Chunk")}
del _LC_CLASSES["RemoveMessageChunk"]
_PARAMS = ("name", "tool_call_id", "tool_calls", "id")
# Constructor kwargs that are model fields; pydantic dumps any other kwarg as an extra, last.
_FIELDS = {
    kind: {"name", "id", "additional_kwargs", "response_metadata", *own}
    for kind, own in [
        ("human", ()),
        ("system", ()),
        ("function", ()),
        ("remove", ()),
        ("ai", ("tool_calls",)),
        ("tool", ("tool_call_id", "artifact", "status")),
    ]
}
# TypedDict shapes, key -> "str", "str?" (str | None), "dict", "" (any) or the key's constant.
_TOOL_CALL = {"name": "str", "args": "dict", "id": "str?", "type": "tool_call"}
_INVALID = {"type": "invalid_tool_call", "id": "str?", "name": "str?", "args": "", "error": ""}
_ERROR_TEXTS = {
    "string_type": "Input should be a valid string",
    "dict_type": "Input should be a valid dictionary",
    "list_type": "Input should be a valid list",
    "literal_error": "Input should be 'success' or 'error'",
    "missing": "Field required",
}


def coerce_message(raw: object) -> Message:
    """One incoming message (str, dict, [role, content]) -> stored message dict."""
    try:
        message = _convert(raw)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    except (TypeError, KeyError, AttributeError, NotImplementedError) as exc:
        # langchain fails on these with other exceptions, which the real server answers with a
        # 500; the mock refuses the message instead (docs/deviations.md).
        reason = f"{type(exc).__name__}: {exc}"
        raise BadRequest(f"Cannot coerce {raw!r} to a message: {reason}") from exc
    if message["id"] is None:
        message["id"] = str(uuid.uuid4())
    return message


def _convert(raw: object) -> Message:
    """`_convert_to_message`: a bare string is a human message; a pair is (role, content)."""
    if isinstance(raw, str):
        return _create("human", raw, {})
    if isinstance(raw, list | tuple):
        if len(raw) != 2:
            raise NotImplementedError("Message as a sequence must be (role string, template)")
        return _create(raw[0], raw[1], {})
    if isinstance(raw, dict):
        return _convert_dict(raw)
    raise NotImplementedError(f"Unsupported message type: {type(raw)}{_COERCION_HELP}")


def _convert_dict(raw: dict[str, Any]) -> Message:
    """A `{role|type, content, ...}` dict, or langchain's `{"lc": 1, ...}` constructor envelope."""
    lc_id, lc_kwargs = raw.get("id"), raw.get("kwargs")
    if raw.get("lc") == 1 and raw.get("type") == "constructor" and isinstance(lc_id, list):
        if lc_id and isinstance(lc_kwargs, dict) and (kind := _LC_CLASSES.get(lc_id[-1])):
            return _convert_dict({"type": kind, **lc_kwargs})
    fields = dict(raw)
    try:
        role = fields.pop("role") if "role" in fields else fields.pop("type")
        content = fields.pop("content") or ""  # any falsy content (None, [], 0) becomes ""
    except KeyError:
        detail = f"Message dict must contain 'role' and 'content' keys, got {raw}"
        raise ValueError(detail + _COERCION_HELP) from None
    if "message_type" in fields:
        raise TypeError("got multiple values for argument 'message_type'")
    return _create(role, content, fields)


def _create(role: Any, content: Any, fields: dict[str, Any]) -> Message:
    """`_create_message_from_message_type`: the constructor kwargs, in langchain's order."""
    name, call_id, calls, message_id = (fields.pop(key, None) for key in _PARAMS)
    kwargs: dict[str, Any] = {}
    if name is not None:
        kwargs["name"] = name
    if call_id is not None:
        kwargs["tool_call_id"] = call_id
    if fields:  # WHY: unknown keys (even usage_metadata) land in additional_kwargs
        if metadata := fields.pop("response_metadata", None):
            kwargs["response_metadata"] = metadata
        kwargs["additional_kwargs"] = fields
        fields.update(fields.pop("additional_kwargs", {}))
    if message_id is not None:
        kwargs["id"] = message_id
    if calls is not None:
        kwargs["tool_calls"] = [_from_openai(call) for call in calls]
    if (kind := _ROLES.get(role)) is None:
        detail = (
            f"Unexpected message type: '{role}'. Use one of 'human', 'user', 'ai', "
            "'assistant', 'function', 'tool', 'system', or 'developer'."
        )
        raise ValueError(detail + _COERCION_HELP)
    _move_role_kwargs(role, kind, kwargs)
    return _validate(kind, "" if kind == "remove" else content, kwargs)


def _from_openai(call: Any) -> Any:
    """An OpenAI `{"id", "function": {"name", "arguments"}}` call -> a LangChain tool call."""
    if "function" not in call:
        return call
    args = call["function"]["arguments"]
    if isinstance(args, str):
        args = json.loads(args, strict=False)
    return {"name": call["function"]["name"], "args": args, "id": call["id"], "type": "tool_call"}


def _move_role_kwargs(role: str, kind: str, kwargs: dict[str, Any]) -> None:
    """The per-role moves langchain makes from additional_kwargs into the constructor."""
    extra = kwargs.get("additional_kwargs", {})
    if kind in ("human", "ai"):
        if example := extra.pop("example", False):
            kwargs["example"] = example
    elif role == "developer":
        kwargs["additional_kwargs"] = kwargs.get("additional_kwargs") or {}
        kwargs["additional_kwargs"]["__openai_role__"] = "developer"
    elif kind == "tool":
        kwargs["artifact"] = extra.pop("artifact", None)
        if (status := extra.pop("status", None)) is not None:
            kwargs["status"] = status
    elif kind == "remove" and "id" not in kwargs:
        raise TypeError("RemoveMessage.__init__() missing 1 required positional argument: 'id'")


def _validate(kind: str, content: Any, kwargs: dict[str, Any]) -> Message:
    """The message class's pydantic validation, then its `model_dump()`."""
    if kind == "tool":  # ToolMessage.coerce_args runs before the fields are validated
        content, call_id = _coerce_tool_content(content), kwargs["tool_call_id"]
        kwargs["tool_call_id"] = str(call_id) if isinstance(call_id, int | float) else call_id
    calls, invalid = _normalise_tool_calls(kwargs) if kind == "ai" else ([], [])
    errors: _Errors = []
    metadata = kwargs.get("response_metadata", {})
    dumped: Message = {  # built in field order, so errors come out in pydantic's order
        "content": _check_content(errors, content),
        "additional_kwargs": dict(kwargs.get("additional_kwargs", {})),
        "response_metadata": _check_dict(errors, "response_metadata", metadata),
        "type": kind,
        "name": _check_name(errors, kind, content, kwargs),
        "id": _check_str(errors, "id", kwargs.get("id"), numbers=True),
    }
    if kind == "ai":
        dumped["tool_calls"] = _check_items(errors, "tool_calls", calls, _TOOL_CALL)
        dumped["invalid_tool_calls"] = _check_items(errors, "invalid_tool_calls", invalid, _INVALID)
        dumped["usage_metadata"] = None
    elif kind == "tool":
        call_id, status = kwargs["tool_call_id"], kwargs.get("status", "success")
        dumped["tool_call_id"] = _check_str(errors, "tool_call_id", call_id, nullable=False)
        dumped["artifact"] = kwargs["artifact"]
        dumped["status"] = status
        if status not in ("success", "error"):
            errors.append(("status", "literal_error", status))
    if errors:
        raise ValueError(_render(_CLASSES[kind], errors))
    dumped.update((k, v) for k, v in kwargs.items() if k not in _FIELDS[kind])
    return dumped


def _coerce_tool_content(content: Any) -> Any:
    """ToolMessage stringifies content that is not a string, and list items that are neither."""
    if isinstance(content, list):
        return [item if isinstance(item, str | dict) else str(item) for item in content]
    return content if isinstance(content, str) else str(content)


def _normalise_tool_calls(kwargs: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """AIMessage's before-validator: parse raw OpenAI calls, re-create every tool call."""
    calls: list[Any] = kwargs.get("tool_calls") or []
    invalid: list[Any] = []
    raw = kwargs.get("additional_kwargs", {}).get("tool_calls")
    if not calls and raw:
        try:
            calls, invalid = _parse_raw_tool_calls(raw)
        except Exception:  # WHY: langchain swallows any failure to parse them
            calls, invalid = [], []
    kept = [{k: v for k, v in call.items() if k not in ("type", "extras")} for call in calls]
    return [_tool_call(**call) for call in kept], invalid


def _tool_call(*, name: Any, args: Any, id: Any) -> dict[str, Any]:
    """`create_tool_call`: a missing or unknown key is a TypeError, as in langchain."""
    return {"name": name, "args": args, "id": id}


def _parse_raw_tool_calls(raw: Any) -> tuple[list[Any], list[Any]]:
    """`default_tool_parser`: raw OpenAI calls -> (tool calls, invalid tool calls)."""
    calls: list[Any] = []
    invalid: list[Any] = []
    for call in raw:
        if "function" not in call:
            continue
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        try:
            args = json.loads(arguments)
            calls.append({"name": name or "", "args": args or {}, "id": call.get("id")})
        except json.JSONDecodeError:
            invalid.append({"name": name, "args": arguments, "id": call.get("id"), "error": None})
    return calls, invalid


def _check_content(errors: _Errors, content: Any) -> Any:
    """`content: str | list[str | dict]`, with the errors of pydantic's smart union."""
    if isinstance(content, str):
        return content
    branch = "content.list[union[str,dict[any,any]]]"
    if not isinstance(content, list):
        errors += [("content.str", "string_type", content), (branch, "list_type", content)]
        return content
    bad = [(i, item) for i, item in enumerate(content) if not isinstance(item, str | dict)]
    errors += [("content.str", "string_type", content)] if bad else []
    for i, item in bad:
        errors += [(f"{branch}.{i}.str", "string_type", item)]
        errors += [(f"{branch}.{i}.dict[any,any]", "dict_type", item)]
    return [dict(item) if isinstance(item, dict) else item for item in content]


def _check_name(errors: _Errors, kind: str, content: Any, kwargs: dict[str, Any]) -> Any:
    """`name: str | None`; FunctionMessage requires it."""
    if kind == "function" and "name" not in kwargs:
        errors.append(("name", "missing", {"content": content, **kwargs}))
    return _check_str(errors, "name", kwargs.get("name"))


def _check_str(
    errors: _Errors, loc: str, value: Any, *, nullable: bool = True, numbers: bool = False
) -> Any:
    """A `str | None` (or `str`) field; `id` also takes numbers (`coerce_numbers_to_str`)."""
    if isinstance(value, str) or (value is None and nullable):
        return value
    if numbers and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    errors.append((loc, "string_type", value))
    return value


def _check_dict(errors: _Errors, loc: str, value: Any) -> Any:
    """A `dict` field: validated into a copy."""
    if isinstance(value, dict):
        return dict(value)
    errors.append((loc, "dict_type", value))
    return value


def _check_items(errors: _Errors, loc: str, items: list[Any], shape: dict[str, str]) -> Any:
    """A list of `ToolCall` / `InvalidToolCall` TypedDicts, dumped in their declared key order."""
    checked = []
    for i, item in enumerate(items):
        out = {}
        for key, rule in shape.items():
            value, where = item.get(key, rule), f"{loc}.{i}.{key}"
            if rule == "dict":
                value = _check_dict(errors, where, value)
            elif rule in ("str", "str?"):
                value = _check_str(errors, where, value, nullable=rule == "str?")
            out[key] = value
        checked.append(out)
    return checked


def _render(model: str, errors: _Errors) -> str:
    """The text of pydantic's `ValidationError`, which the real server sends as `detail`."""
    lines = [f"{len(errors)} validation error{'s' * (len(errors) > 1)} for {model}"]
    for loc, kind, value in errors:
        shown = f"input_value={_truncate(repr(value))}, input_type={type(value).__name__}"
        lines.append(f"{loc}\n  {_ERROR_TEXTS[kind]} [type={kind}, {shown}]")
        lines.append(f"    For further information visit {_PYDANTIC_HELP}{kind}")
    return "\n".join(lines)


def _truncate(text: str) -> str:
    """pydantic-core cuts a repr over 50 UTF-8 bytes to its first 25 and last 24 bytes."""
    raw = text.encode()
    if len(raw) <= 50:
        return text
    return f"{raw[:25].decode(errors='ignore')}...{raw[-24:].decode(errors='ignore')}"
