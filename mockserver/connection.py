"""uvicorn's HTTP/1.1 protocol (httptools), with limits a long-lived shared mock needs.

Measured on uvicorn 0.54 before this: a connection that sent nothing stayed open for good
(uvicorn's keep-alive timeout starts only after a first answer), a client could trickle its
headers forever, and 2 MB of headers or 5,000 of them were read and answered 200. Here:

- the request line and headers must arrive within `header_timeout` seconds of the connection
  (or of the request's first byte, on a kept-alive connection), else 408 and closed, as Node's
  `headersTimeout` and nginx's `client_header_timeout` do;
- at most `max_header_count` headers and `max_header_bytes` bytes of request line and
  headers, else 431 and closed, before the rest is read;
- uvicorn's own answer to malformed HTTP (400 in plain text) is JSON `{"detail": ...}`;
- an answer of known length goes out in one system call (`writev`): uvicorn writes its head
  and its body apart, two sends where one does (see `_Corked`).

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
    keep_alive: float | None = None  # seconds an idle connection is kept (None: uvicorn's)
    max_header_count = MAX_HEADER_COUNT
    max_header_bytes = MAX_HEADER_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.keep_alive is not None:
            self.timeout_keep_alive = self.keep_alive  # type: ignore[assignment]  # (int in its stub)
        # One timer per connection, not one per request: when it fires it looks at when the
        # headers now being read began and since when the connection is idle after an answer
        # (None: not so), and waits again for what is left. uvicorn arms and cancels a
        # keep-alive timer for each request (about 1.6 µs); this one serves both.
        self._deadline: asyncio.TimerHandle | None = None
        self._headers_since: float | None = None
        self._idle_since: float | None = None
        self._header_count = 0
        self._header_bytes = 0
        self._refusal: tuple[int, str] | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        # Everything the protocol and its cycles write or close goes through the cork, in
        # order; reading and flow control (self.flow) stay on the transport itself.
        self.transport = self._corked = _Corked(transport)
        self._headers_since = self.loop.time()  # the first request's clock starts now
        self._deadline = self.loop.call_later(self.header_timeout, self._check)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._idle_since = None
        super().data_received(data)

    def on_response_complete(self) -> None:
        # uvicorn's, with the connection's own timer for keep-alive instead of one per answer.
        self._corked.flush()  # a held head with no body (HEAD) leaves with the answer's end
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self._idle_since = now = self.loop.time()
        # The timer fires at the latest when the connection has been idle that long: set for
        # a header deadline further off, it is set again (about once a keep-alive period).
        due = now + self.timeout_keep_alive
        if self._deadline is not None and self._deadline.when() > due:
            self._deadline.cancel()
            self._deadline = self.loop.call_later(self.timeout_keep_alive, self._check)

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
        """The header deadline: 408 when the headers being read began `header_timeout` ago;
        keep-alive: closed when idle `timeout_keep_alive` seconds after an answer."""
        now, since, idle = self.loop.time(), self._headers_since, self._idle_since
        if idle is not None and now - idle >= self.timeout_keep_alive:
            self._deadline = None
            self.timeout_keep_alive_handler()
            return
        if since is not None and now - since >= self.header_timeout:
            self._deadline = None
            if self.cycle is None or self.cycle.response_complete:
                self._answer_and_close(
                    408, f"Request headers not received within {self.header_timeout:g} s"
                )
                return
            since = None  # (a request is being answered: its successor's clock is not running)
        wait = self.header_timeout if since is None else since + self.header_timeout - now
        if idle is not None:
            wait = min(wait, idle + self.timeout_keep_alive - now)
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


def guarded_protocol(
    header_timeout: float = HEADER_TIMEOUT, keep_alive: float | None = None
) -> type[GuardedHttpTools]:
    """The protocol class for uvicorn's `http=` option, with this header deadline and
    keep-alive timeout (None: uvicorn's `timeout_keep_alive`, 5 s by default)."""
    attributes = {"header_timeout": header_timeout, "keep_alive": keep_alive}
    return type("GuardedHttpTools", (GuardedHttpTools,), attributes)


_LENGTH = b"\r\ncontent-length: "  # as uvicorn writes it (names lower-cased)


class _Corked(asyncio.Transport):
    """The connection's transport, holding back an answer of known length until all of it is
    written: uvicorn writes an answer's head and body apart (and a spliced body in pieces,
    splice.py), and each write was a send(2) of its own. They go out in one `writelines`
    (uvloop: one writev). Anything else (a stream's head and events, which a client reads as
    they come) is written at once; the end of an answer and a close send what is held first."""

    def __init__(self, transport: asyncio.Transport) -> None:
        super().__init__()
        self._transport = transport
        self._held: list[Any] = []
        self._left = 0  # bytes of the held answer's body not yet written

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held:
            self._held.append(data)
            self._left -= len(data)
            if self._left <= 0:
                self.flush()
        elif data[:5] == b"HTTP/" and (at := bytes(data).find(_LENGTH)) >= 0:
            start = at + len(_LENGTH)
            self._left = int(data[start : bytes(data).index(b"\r\n", start)])
            self._held.append(data)
        else:
            self._transport.write(data)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Send what is held (the end of an answer: a HEAD's head, say)."""
        if self._held:
            held, self._held = self._held, []
            self._transport.writelines(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = []
        self._transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._held))

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)
