"""Plain ASGI plumbing shared by the mock (app.py, endpoint.py) and the admin API (admin.py):
read a body, read the headers, send an answer, frame server-sent events."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

import orjson

from mockserver.errors import PayloadTooLarge
from mockserver.reducers import to_plain

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
MAX_HEADER = 4096  # characters in a header list (header_list)


async def read_body(receive: Receive, limit: int) -> bytes:
    """The request body; PayloadTooLarge as soon as it grows past `limit` bytes."""
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        body: bytes = message.get("body", b"")  # the whole body in one message, as usual
        if len(body) > limit:
            raise PayloadTooLarge(f"Request body is over the {limit}-byte limit")
        return body
    chunks, size = [], 0
    while True:
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body is over the {limit}-byte limit")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
        message = await receive()
    return b"".join(chunks)


async def send_json(
    send: Callable[[Mapping[str, Any]], Awaitable[None]], status: int, body: Any
) -> None:
    """`body` as a JSON answer (none for a 204)."""
    payload = b"" if status == 204 else orjson.dumps(body)
    headers = (
        []
        if status == 204
        else [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
    )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def departure(receive: Receive) -> None:
    """Return once the client has disconnected (the request body has been read already)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def serialised(events: Any) -> Any:
    """Each event framed as the real server frames it (langgraph_api.sse.json_to_sse):
    `event:`, `data:` (JSON on one line), then `id:` when it has one."""
    async for event in events:
        data = orjson.dumps(event.get("data"), default=to_plain)
        name = _field(event["event"])
        frame = b"event: " + name + b"\r\ndata: " + data + b"\r\n"
        if (event_id := event.get("id")) is not None:
            frame += b"id: " + _field(event_id) + b"\r\n"
        yield frame + b"\r\n"


def _field(value: str) -> bytes:
    return value.encode().replace(b"\r", b"").replace(b"\n", b"")


# An answer's body: bytes, None (none), or pieces to send in turn (splice.py).
Payload = bytes | list[bytes] | None


def joined(payload: Payload) -> bytes:
    """The body as one bytes object."""
    if payload is None or isinstance(payload, bytes):
        return payload or b""
    return b"".join(payload)


async def send_raw(send: Send, status: int, payload: Payload, headers: Mapping[str, str]) -> None:
    """The response as two ASGI messages (what starlette.Response sends, minus its set-up); a
    body in pieces as one message each (the connection sends them in one writev)."""
    body = payload or b""
    raw = [_ENCODED.get(item) or _encoded(item) for item in headers.items()]
    if status not in (204, 304):
        size = len(body) if isinstance(body, bytes) else sum(map(len, body))
        raw.append((b"content-length", str(size).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    if isinstance(body, bytes):
        await send({"type": "http.response.body", "body": body})
        return
    last = len(body) - 1
    for i, piece in enumerate(body):
        await send({"type": "http.response.body", "body": piece, "more_body": i < last})


# Response headers as bytes, by (name, value): most answers repeat a few (content-type).
_ENCODED: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_MAX_ENCODED = 256
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def _encoded(header: tuple[str, str]) -> tuple[bytes, bytes]:
    name, value = header
    try:
        raw = name.lower().encode("latin-1"), value.encode("latin-1")
    except UnicodeEncodeError:  # a value generated or echoed from a request: as a URL sends it
        raw = name.lower().encode("latin-1"), quote(value, safe=_HEADER_SAFE).encode()
    if len(_ENCODED) < _MAX_ENCODED and len(value) < 100:
        _ENCODED[header] = raw
    return raw


def request_headers(scope: Scope) -> dict[str, str]:
    """Request headers by lowercase name; repeated ones joined with ", " as RFC 9110 says."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def header_list(items: Sequence[str]) -> str:
    """`items` as a JSON array in ASCII, short enough for a header (MAX_HEADER characters)."""
    kept: list[str] = []
    for item in items:
        if len(json.dumps([*kept, item])) > MAX_HEADER:
            kept = kept or [item[: MAX_HEADER // 8]]  # escapes may take up to 6 characters each
            break
        kept.append(item)
    return json.dumps(kept)


# Set in the scope of a request whose path carried encoded slashes (EncodedSlashes).
ESCAPED = "mockserver.escaped"


class EncodedSlashes:
    """In front of any other document's routing: a path whose raw form has an encoded slash
    (`/apps/fabric%3A%2Fapp`) is routed with it kept inside its segment, so a parameter value
    may hold a "/" (the ASGI server's decoded path would have one segment more and route
    nowhere). Routes then see the path with each segment's "%" and "/" escaped, the endpoint
    the values decoded (`unescaped`). The Agent Server's document is routed on the decoded
    path, as the real server does (its `/threads/a%2Fb` is a 404)."""

    def __init__(self, app: Any) -> None:
        self.app = app  # the ASGI app routing the request

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        raw = scope.get("raw_path") if scope["type"] == "http" else None
        if raw and b"%2" in raw and b"%2f" in raw.lower():
            scope = {**scope, "path": escaped_path(raw), ESCAPED: True}
        await self.app(scope, receive, send)


def escaped_path(raw: bytes) -> str:
    """The raw path decoded segment by segment, each segment's "%" and "/" escaped again:
    a path with as many segments as the URL has (a query string some servers leave on the raw
    path left off)."""
    path = raw.split(b"?", 1)[0].decode("latin-1")
    return "/".join(
        unquote(part).replace("%", "%25").replace("/", "%2F") for part in path.split("/")
    )


def unescaped(params: Mapping[str, str]) -> dict[str, str]:
    """Path parameters routed on an `escaped_path`, as the client meant them."""
    return {name: unquote(value) for name, value in params.items()}
