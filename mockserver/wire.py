"""Plain ASGI plumbing shared by the mock (app.py) and the admin API (admin.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from mockserver.errors import PayloadTooLarge

Receive = Callable[[], Awaitable[Mapping[str, Any]]]


async def read_body(receive: Receive, limit: int) -> bytes:
    """The request body; PayloadTooLarge as soon as it grows past `limit` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body is over the {limit}-byte limit")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
