"""MCP on /mcp: stateless streamable HTTP, JSON-RPC 2.0 in JSON answers only, as
langgraph_api/api/mcp/ serves it. Each assistant whose graph has an input schema is a tool;
calling one is a stateless waited run, answered with the Python repr of its final values.

The real server reads the body itself (`x-raw-body`): a body that is not JSON, a missing
Accept, a message that is no JSON-RPC are 400s `{"error": ...}` in Python's json.dumps
spacing; a notification or a response is a bare 202.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from mockserver import assistants
from mockserver.assistant_records import Assistant
from mockserver.errors import MockError
from mockserver.handlers.base import Call, Departure, Reply
from mockserver.handlers.runs import _launch
from mockserver.reducers import to_plain

SERVER_VERSION = "0.16.7"  # langgraph-api's __version__, which serverInfo names
PROTOCOL_VERSIONS = frozenset(("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"))
LATEST_PROTOCOL_VERSION = "2025-11-25"
PAGE_SIZE = 100  # tools/list: assistants per page
MAX_ASSISTANTS = 1000  # tools/call: how many assistants the real server looks through
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
NOT_A_MESSAGE = (
    "Invalid message format. A message is to be either a JSON-RPC request, response, or "
    "notification.Please see the Messages section of the Streamable HTTP RFC for more "
    "information."
)
TOOL_ANNOTATIONS = {
    "readOnlyHint": False,
    "destructiveHint": False,
    "idempotentHint": False,
    "openWorldHint": True,
}
_INVALID_CHARS = re.compile(r"[^a-zA-Z0-9_\-.]")


def post_mcp(call: Call) -> Reply:
    """POST /mcp: one JSON-RPC message, checked in the real server's order."""
    try:
        message = json.loads(call.body)
    except ValueError:  # not JSON, or not UTF-8
        return _refused("Invalid JSON")
    accept = call.request.headers.get("Accept") or ""
    if "application/json" not in accept and "text/event-stream" not in accept:
        return _refused("Accept header must include application/json or text/event-stream")
    if not isinstance(message, dict):
        return _refused("Invalid message format.")
    if message.get("jsonrpc") != "2.0":
        return _refused("Invalid JSON-RPC message. Missing or invalid jsonrpc version.")
    id_, method = message.get("id"), message.get("method")
    if id_ is None or not method:
        # a response or a notification (nothing to answer), else not a message at all
        return Reply(202, raw=b"") if id_ is not None or method else _refused(NOT_A_MESSAGE)
    params = message.get("params", {})
    if method == "ping":
        return _answer(id_, {"result": {}})
    if method in ("initialize", "tools/list", "tools/call") and not isinstance(params, dict):
        # The real server crashes (500) on params that are not an object (deviations.md).
        return _answer(id_, _error(INVALID_PARAMS, "Invalid params: params must be an object"))
    if method == "initialize":
        return _answer(id_, {"result": _initialize(params)})
    if method == "tools/list":
        return _answer(id_, {"result": _tools_list(call, params)})
    if method == "tools/call":
        return _tools_call(call, id_, params)
    return _answer(id_, _error(METHOD_NOT_FOUND, f"Method not found: {method}"))


def get_mcp(call: Call) -> Reply:
    """GET /mcp: 405, no body (no server-initiated stream)."""
    return Reply(405, raw=b"")


def delete_mcp(call: Call) -> Reply:
    """DELETE /mcp: 404, no body (no sessions to end)."""
    return Reply(404, raw=b"")


def post_mcp_slash(call: Call) -> Reply:
    """POST /mcp/ (as the official document lists it): 307 to /mcp."""
    return _to_mcp(call)


def get_mcp_slash(call: Call) -> Reply:
    """GET /mcp/: 307 to /mcp."""
    return _to_mcp(call)


def delete_mcp_slash(call: Call) -> Reply:
    """DELETE /mcp/: 307 to /mcp."""
    return _to_mcp(call)


def _to_mcp(call: Call) -> Reply:
    """The real server's slash redirect (Starlette's): the request's URL without the slash."""
    return Reply(307, raw=b"", headers={"location": f"{call.reached_at()}/mcp"})


def _initialize(params: dict[str, Any]) -> dict[str, Any]:
    """The client's protocol version when the server speaks it, else the latest."""
    requested = params.get("protocolVersion", LATEST_PROTOCOL_VERSION)
    version = requested if _hashable(requested) in PROTOCOL_VERSIONS else LATEST_PROTOCOL_VERSION
    return {
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": {"name": "LangGraph", "version": SERVER_VERSION},
    }


def _tools_list(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """A page of the assistants (`cursor`: an offset) as tools; those whose graph has no
    input schema, and later ones whose name normalizes to a taken one, are left out."""
    try:
        cursor = int(params.get("cursor", 0))
    except (TypeError, ValueError, OverflowError):
        cursor = 0
    page = _assistants(call)[max(cursor, 0) :][:PAGE_SIZE] if cursor >= 0 else []
    seen: set[str] = set()
    tools = []
    for assistant in page:
        name = _normalize_name(assistant.name)
        if name in seen:
            continue
        seen.add(name)
        schema = assistants.schemas(call.server.graphs[assistant.graph_id])["input_schema"]
        if schema is None:  # the real server skips an assistant it gets no input schema for
            continue
        tools.append(
            {
                "name": name,
                "title": assistant.name,
                "description": assistant.description
                or f"Tool based on the {assistant.name} assistant",
                "inputSchema": {**schema, "type": schema.get("type", "object")},
                "annotations": TOOL_ANNOTATIONS,
            }
        )
    result: dict[str, Any] = {"tools": tools}
    if len(page) == PAGE_SIZE:
        result["nextCursor"] = cursor + PAGE_SIZE
    return result


def _normalize_name(name: str) -> str:
    """An assistant name as an MCP tool name (`^[a-zA-Z0-9_\\-.]{1,128}$`)."""
    return _INVALID_CHARS.sub("", re.sub(r"\s+", "_", name.strip()))[:128]


def _tools_call(call: Call, id_: Any, params: dict[str, Any]) -> Reply:
    """tools/call {name, arguments, context}: a stateless waited run of the one assistant of
    that name; its final values as their Python repr, or its error's name with isError."""
    name = params.get("name")
    if not name:
        return _answer(id_, _error(INVALID_PARAMS, f"Unknown tool: {_py(name)}"))
    found = _assistants(call)[:MAX_ASSISTANTS]
    matching = [a for a in found if (n := _normalize_name(a.name)) and n == name]
    if not matching:
        return _answer(id_, _error(INVALID_PARAMS, f"Unknown tool: {_py(name)}"))
    if len(matching) > 1:
        return _answer(id_, _error(INVALID_PARAMS, "Multiple tools found with the same name."))
    body = {"assistant_id": matching[0].assistant_id, "input": params.get("arguments", {})}
    context = params.get("context")
    if context is not None and not isinstance(context, dict):
        # The real server crashes (500) on a context that is not an object (deviations.md).
        return _answer(id_, _error(INVALID_PARAMS, "Invalid params: context must be an object"))
    if context is not None:
        body["context"] = context
    server = call.server
    try:
        active, _ = _launch(server, None, body)
    except MockError as exc:  # a run the run machinery refuses: said in JSON-RPC
        return _answer(id_, _error(INVALID_PARAMS, exc.detail))

    async def answer(departure: Departure) -> Any:
        value = to_plain(await server.worker.final_answer(active.stream, 0, None))
        if isinstance(value, dict) and "__error__" in value:
            return _json(id_, {"result": _text(value["__error__"]["error"], is_error=True)})
        return _json(id_, {"result": _text(repr(_plain(value)))})

    try:  # an id the answer cannot carry is refused before the run starts
        _json(id_, {})
    except ValueError as exc:
        return Reply(400, headers={"content-type": "application/json"}, raw=_unwritable(exc))
    return Reply(200, later=answer)


def _assistants(call: Call) -> list[Assistant]:
    """Every assistant, in the order assistants/search lists them (newest first)."""
    return call.server.assistants.search()


def _text(text: str, *, is_error: bool = False) -> dict[str, Any]:
    content = [{"type": "text", "text": text}]
    return {"isError": True, "content": content} if is_error else {"content": content}


def _plain(value: Any) -> Any:
    """The values as the real server's SDK client reads them back from JSON."""
    return orjson.loads(orjson.dumps(value, default=to_plain))


def _py(value: Any) -> str:
    """How Python's f-string shows a JSON value (`None`, `'a'` inside containers)."""
    return str(value)


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _answer(id_: Any, outcome: dict[str, Any]) -> Reply:
    try:
        return Reply(200, headers={"content-type": "application/json"}, raw=_json(id_, outcome))
    except ValueError as exc:
        return Reply(400, headers={"content-type": "application/json"}, raw=_unwritable(exc))


def _json(id_: Any, outcome: dict[str, Any]) -> bytes:
    """A JSON-RPC answer as Starlette's JSONResponse writes it (any size of integer id); a
    ValueError for NaN, Infinity or a lone surrogate, which it cannot write."""
    body = {"jsonrpc": "2.0", "id": id_, **outcome}
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _unwritable(exc: ValueError) -> bytes:
    """The real server's 400 for an answer it cannot write (its ValueError handler)."""
    return orjson.dumps({"detail": str(exc)})


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _refused(message: str) -> Reply:
    body = json.dumps({"error": message}).encode()
    return Reply(400, headers={"content-type": "application/json"}, raw=body)
