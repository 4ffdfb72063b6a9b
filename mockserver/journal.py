"""What the server received and answered: one `Exchange` per request, kept in a `Journal`."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockserver.reading import is_json, parse_json

# What a journal keeps by default: enough for a test, bounded for a long-lived instance.
DEFAULT_JOURNAL_SIZE = 1000
# ... and at most this many bytes of request and response bodies (a bounded journal only): a
# thousand 10 MB bodies are not kept.
DEFAULT_JOURNAL_BYTES = 64 * 1024 * 1024


class Unparsed:
    """A JSON request body kept as its bytes and parsed when read: parsed objects take five to
    ten times the memory, and most exchanges are never read."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


def kept_body(raw: bytes, parsed: Any, content_type: str | None) -> Any:
    """What an exchange keeps of a request's body: a JSON object or array as its bytes, to be
    parsed when read; anything else (a form, bytes, None) as it was read."""
    if raw and isinstance(parsed, dict | list) and is_json(content_type or "application/json"):
        return Unparsed(raw)
    return parsed


@dataclass(slots=True)
class Exchange:
    """One request the mock answered, as the journal keeps it. (Not frozen: a frozen
    dataclass takes 1.9 us to make, this one 0.6 us, on every request.)"""

    method: str
    path: str
    route: str  # the spec's path template, e.g. "/threads/{thread_id}/state"
    operation_id: str
    query: dict[str, str]
    headers: dict[str, str]
    # The parsed JSON body (None when there was none or it was not JSON); `Unparsed` until read.
    request_body: Any
    status: int  # 0: no answer, the connection was dropped by a fault rule
    # The response body as sent (None for a stream or an empty one), or its pieces (splice.py).
    payload: bytes | Sequence[bytes] | None
    violations: tuple[str, ...] = field(default=())  # where the response broke the spec
    rejected: tuple[str, ...] = field(default=())  # where the request broke it (a 4xx)
    fault: str | None = None  # the id of the fault rule that acted on it

    @property
    def body(self) -> Any:
        """The request's parsed body (None when there was none or it was not JSON)."""
        if isinstance(self.request_body, Unparsed):  # parsed each time: the bytes stay kept
            try:
                return parse_json(self.request_body.raw)
            except ValueError:
                return None
        return self.request_body

    @property
    def size(self) -> int:
        """The bytes of request and response body this exchange keeps (a spliced answer's
        parts are the message lists' own JSON, shared: not counted)."""
        body, payload = self.request_body, self.payload
        size = len(body.raw) if type(body) is Unparsed else 0
        return size + len(payload) if type(payload) is bytes else size

    @property
    def response(self) -> Any:
        """The parsed JSON response (None for an empty one); parsed when read, so that keeping
        a journal costs a request almost nothing."""
        if not self.payload:
            return None
        payload = self.payload if isinstance(self.payload, bytes) else b"".join(self.payload)
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            return payload.decode("utf-8", "replace")

    def to_json(self) -> dict[str, Any]:
        """The exchange as GET /__mockserver/requests lists it."""
        return {
            "method": self.method,
            "path": self.path,
            "route": self.route,
            "operation_id": self.operation_id,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "response": self.response,
            "violations": list(self.violations),
            "rejected": list(self.rejected),
            "fault": self.fault,
        }

    def __str__(self) -> str:
        line = f"{self.method} {self.path} -> {self.status}"
        return f"{line} ({'; '.join(self.rejected)})" if self.rejected else line


class Journal:
    """Exchanges appended by the server's thread and read by others; the oldest are dropped
    beyond `size` exchanges or `max_bytes` of bodies (`size` None: keep all)."""

    def __init__(
        self, size: int | None = DEFAULT_JOURNAL_SIZE, max_bytes: int = DEFAULT_JOURNAL_BYTES
    ) -> None:
        self.exchanges: deque[Exchange] = deque()
        self._sizes: deque[int] = deque()  # each exchange's `size`, counted once
        self._size, self._max_bytes, self._bytes = size, max_bytes, 0
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)
            if self._size is None:
                return
            size = exchange.size
            self._sizes.append(size)
            self._bytes += size
            while len(self.exchanges) > self._size or (
                self._bytes > self._max_bytes and len(self.exchanges) > 1
            ):
                self.exchanges.popleft()
                self._bytes -= self._sizes.popleft()

    def take(self) -> list[Exchange]:
        """Every exchange kept, oldest first."""
        with self._lock:
            return list(self.exchanges)

    def clear(self) -> None:
        """Forget every exchange."""
        with self._lock:
            self.exchanges.clear()
            self._sizes.clear()
            self._bytes = 0

    def matching(
        self, operation_id: str | None = None, method: str | None = None, path: str | None = None
    ) -> list[Exchange]:
        """The exchanges of an operation, a method and a path (concrete, or the spec's
        template); None matches any."""
        return [
            e
            for e in self.take()
            if (operation_id is None or e.operation_id == operation_id)
            and (method is None or e.method == method.upper())
            and (path is None or path in (e.path, e.route))
        ]
