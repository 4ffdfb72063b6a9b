"""uvicorn's HTTP/1.1 protocol (httptools), with limits a long-lived shared mock needs.

Measured on uvicorn 0.54 before this: a connection that sent nothing stayed open for good
(uvicorn's keep-alive timeout starts only after a first answer), a client could trickle its
headers forever, and 2 MB of headers or 5,000 of them were read and answered 200. Here:

- the request line and headers must arrive within `header_timeout` seconds of the connection
  (or of the request's first byte, on a kept-alive connection), else 408 and closed, as Node's
  `headersTimeout` and nginx's `client_header_timeout` do;
- at most `max_header_count` headers and `max_header_bytes` bytes of request line and
  headers, else 431 and closed, before the rest is read;
- uvicorn's own answer to malformed HTTP (400 in plain text) is JSON `{"detail": ...}`.

Only live.py and cli.py use this (it imports uvicorn); `guarded_protocol` makes the class.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT = 10.0
MAX_HEADER_COUNT = 100
MAX_HEADER_BYTES = 16 * 1024  # as Node's --max-http-header-size and h11's default


class _TooLarge(Exception):
    """Raised inside the parser when the headers pass a limit (the parser then stops)."""


class GuardedHttpTools(HttpToolsProtocol):
    """HttpToolsProtocol with a header deadline and header limits."""

    header_timeout = HEADER_TIMEOUT
    max_header_count = MAX_HEADER_COUNT
    max_header_bytes = MAX_HEADER_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One timer per connection, not one per request: when it fires it looks at when the
        # headers now being read began (None: none are), and waits again for what is left.
        self._deadline: asyncio.TimerHandle | None = None
        self._headers_since: float | None = None
        self._header_count = 0
        self._header_bytes = 0
        self._refusal: tuple[int, str] | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._headers_since = self.loop.time()  # the first request's clock starts now
        self._deadline = self.loop.call_later(self.header_timeout, self._check)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_count = self._header_bytes = 0
        if self._headers_since is None:  # a kept-alive connection's next request
            self._headers_since = self.loop.time()

    def on_url(self, url: bytes) -> None:
        self._header_bytes += len(url)
        if self._header_bytes > self.max_header_bytes:
            self._refuse()
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        self._header_count += 1
        if self._header_count > self.max_header_count or self._header_bytes > self.max_header_bytes:
            self._refuse()
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._headers_since = None
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        # uvicorn calls this for every parse error, ours (_TooLarge) included.
        status, detail = self._refusal or (400, msg)
        self._answer_and_close(status, detail)

    def _refuse(self) -> None:
        if self._header_count > self.max_header_count:
            self._refusal = (431, f"Too many request headers (over {self.max_header_count})")
        else:
            self._refusal = (
                431,
                f"Request headers are over the {self.max_header_bytes}-byte limit",
            )
        raise _TooLarge

    def _check(self) -> None:
        """The header deadline: 408 when the headers being read began `header_timeout` ago."""
        now, since = self.loop.time(), self._headers_since
        if since is not None and now - since >= self.header_timeout:
            self._deadline = None
            if self.cycle is None or self.cycle.response_complete:
                self._answer_and_close(
                    408, f"Request headers not received within {self.header_timeout:g} s"
                )
                return
            since = None  # (a request is being answered: its successor's clock is not running)
        wait = self.header_timeout if since is None else since + self.header_timeout - now
        self._deadline = self.loop.call_later(wait, self._check)

    def _answer_and_close(self, status: int, detail: str) -> None:
        if self.transport.is_closing():
            return
        payload = orjson.dumps({"detail": detail})
        self.transport.write(
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode()
            + payload
        )
        self.transport.close()


def guarded_protocol(header_timeout: float = HEADER_TIMEOUT) -> type[GuardedHttpTools]:
    """The protocol class for uvicorn's `http=` option, with this header deadline."""
    return type("GuardedHttpTools", (GuardedHttpTools,), {"header_timeout": header_timeout})
