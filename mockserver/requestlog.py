"""The request log of `mockserver serve`: one line per request, as uvicorn's access log writes it,
for a few microseconds instead of the logging module's ~30.

    INFO:     127.0.0.1:50312 - "POST /threads/1ef.../state HTTP/1.1" 200 OK

The line is made when the response starts (as uvicorn does), preformatted (a request seen
lately reuses its line): no LogRecord, no formatter, no handler lock. Lines are written to the
stream together, at most 50 ms after the first of them (or 256 at a time), and the stream is
flushed then: a terminal or a log file a user tails stays current without a write system call
per request. `flush()` writes what is waiting (the CLI calls it when the server stops). On a
terminal the colours are uvicorn's.
"""

from __future__ import annotations

import asyncio
import http
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO
from urllib.parse import quote

# The ASGI types (as starlette.types spells them; only app.py, live.py and cli.py import
# the web framework).
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FLUSH_DELAY = 0.05  # seconds a line may wait for the lines after it
MAX_PENDING = 256  # lines written at once at the most
MAX_LINES = 1024  # lines kept for requests that come again (all forgotten at once when full)
# uvicorn's colours: the level name green, the request line bold, the status by its class.
_RESET = "\x1b[0m"
_STATUS_COLOURS = {1: "\x1b[97m", 2: "\x1b[32m", 3: "\x1b[33m", 4: "\x1b[31m", 5: "\x1b[91m"}
# What urllib.parse.quote leaves as it is (its `safe` default "/" and the always-safe set).
_UNQUOTED = re.compile(r"[A-Za-z0-9_.\-~/]*").fullmatch


class RequestLog:
    """ASGI middleware writing one line per HTTP request to `stream` (uvicorn's access log)."""

    def __init__(self, app: ASGIApp, stream: TextIO, *, colours: bool | None = None) -> None:
        self.app = app
        self.stream = stream
        self.colours = _isatty(stream) if colours is None else colours
        self.prefix = "\x1b[32mINFO\x1b[0m:     " if self.colours else "INFO:     "
        self.statuses: dict[int, str] = {}
        self.lines: dict[tuple[Any, str, str, bytes, str, int], str] = {}
        self.pending: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.write(scope, message["status"])
            await send(message)

        await self.app(scope, receive, logged)

    def write(self, scope: Scope, status: int) -> None:
        """The line for one request: client, request line, status and its phrase."""
        client = scope.get("client")
        key = (
            client,
            scope["method"],
            scope["path"],
            scope["query_string"],
            scope["http_version"],
            status,
        )
        pending = self.pending
        pending.append(self.lines.get(key) or self._line(key))
        if len(pending) == 1:
            asyncio.get_running_loop().call_later(FLUSH_DELAY, self.flush)
        elif len(pending) >= MAX_PENDING:
            self.flush()

    def flush(self) -> None:
        """Write the lines waiting, in one write, and flush the stream (also at shutdown)."""
        if not self.pending:
            return
        text, self.pending = "".join(self.pending), []
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the stream is gone (closed, broken pipe): stop logging
            self.write = _ignore  # type: ignore[method-assign]

    def _line(self, key: tuple[Any, str, str, bytes, str, int]) -> str:
        client, method, path, query, version, status = key
        if not _UNQUOTED(path):
            path = quote(path)
        if query:
            path = f"{path}?{query.decode('ascii', 'backslashreplace')}"
        request_line = f"{method} {path} HTTP/{version}"
        if self.colours:
            request_line = f"\x1b[1m{request_line}{_RESET}"
        address = f"{client[0]}:{client[1]:d}" if client else ""
        line = (
            f'{self.prefix}{address} - "{request_line}" '
            f"{self.statuses.get(status) or self._status(status)}\n"
        )
        if len(self.lines) >= MAX_LINES:  # a client polling one URL asks for the same line
            self.lines.clear()
        self.lines[key] = line
        return line

    def _status(self, status: int) -> str:
        try:
            text = f"{status} {http.HTTPStatus(status).phrase}"
        except ValueError:
            text = f"{status} "
        if self.colours and status // 100 in _STATUS_COLOURS:
            text = f"{_STATUS_COLOURS[status // 100]}{text}{_RESET}"
        self.statuses[status] = text
        return text


def _ignore(scope: Scope, status: int) -> None:
    return None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError, AttributeError):
        return False
