"""Plain ASGI plumbing shared by the mock (app.py) and the admin API (admin.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from mockserver.errors import PayloadTooLarge

Receive = Callable[[], Awaitable[Mapping[str, Any]]]


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
