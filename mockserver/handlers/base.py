"""What a handler gets (`Call`: the request and the `Server`) and gives back (`Reply`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver import snapshots
from mockserver.server import Server
from mockserver.splice import Splice
from mockserver.store import Thread
from mockserver.validation import ValidRequest


def pagination(offset: int, limit: int, shown: int, total: int) -> dict[str, str]:
    """A search page's headers, as langgraph-api sets them: with more rows after the page,
    X-Pagination-Total is offset+limit+1 (what a fetch of limit+1 rows can tell) and
    X-Pagination-Next the next offset; on the last page, offset + the rows shown."""
    if offset + limit < total:
        return {
            "X-Pagination-Total": str(offset + limit + 1),
            "X-Pagination-Next": str(offset + limit),
        }
    return {"X-Pagination-Total": str(offset + shown)}


@dataclass(frozen=True)
class Call:
    """One validated request, as a handler sees it."""

    request: ValidRequest
    server: Server
    scope: Mapping[str, Any] = field(default_factory=dict)  # the request's ASGI scope

    def origin(self) -> str:
        """The URL this server is served at, as `langgraph dev` names itself (its
        LANGGRAPH_API_URL: `http://<bound host>:<port>`, whatever Host the client sent): the
        address the request came in on."""
        host, port = self.scope.get("server") or ("127.0.0.1", 2024)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}" if port is None else f"http://{host}:{port}"

    def reached_at(self) -> str:
        """The request's scheme and host as the client wrote them (its Host header, else the
        address it came in on): what Starlette's redirects put before the path."""
        headers = self.scope.get("headers", ())
        host = next((v.decode("latin-1") for k, v in headers if k == b"host"), None)
        if not host:
            return self.origin()
        return f"{self.scope.get('scheme', 'http')}://{host}"

    @property
    def body(self) -> Any:
        """The JSON body (None for operations without one)."""
        return self.request.body

    def thread_id(self) -> str:
        """The path's thread id in canonical form (validation already checked it is a UUID)."""
        given: str = self.request.path["thread_id"]
        # Clients nearly always send the canonical form back; skip the UUID round trip then.
        if len(given) == 36 and given.islower():
            return given
        return str(uuid.UUID(given))

    def thread(self) -> Thread:
        """The path's thread; NotFound if there is none."""
        return self.server.store.thread(self.thread_id())

    def busy(self, thread_id: str) -> bool:
        """Whether runs hold the thread (queued or running)."""
        return thread_id in self.server.worker.queues


# Returns once the client has gone away (endpoint.py makes it from the connection), so that an
# awaited reply can cancel its run then.
Departure = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Reply:
    """A handler's answer: status, JSON-able body (None: no body) and extra headers; with
    `media_type`, the body is text sent as that type instead (an HTML page, Prometheus text).

    A streaming answer sets `events` instead of `body`: an async iterable of server-sent
    events as dicts (`{"event": ..., "data": ..., "id": ...}`), which endpoint.py frames as
    text/event-stream. An answer that waits (for a run to end) sets `later` instead: endpoint.py
    awaits it, with the client's Departure, for the body (JSON bytes are sent as they are).
    Both run after the handler returned, outside the context's lock. `raw` sends exactly
    these bytes instead of `body` (b"": no body), with a content-type only if `headers` name
    one. `splice`: the body holds marks of that Splice, put back when sent.
    """

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    events: AsyncIterable[Mapping[str, Any]] | None = None
    later: Callable[[Departure], Awaitable[Any]] | None = None
    raw: bytes | None = None
    media_type: str | None = None
    splice: Splice | None = None  # the marks in `body` stand for its parts (splice.py)


def announce_state(server: Server, thread_id: str) -> None:
    """Tell the thread's streams its new state (`state_update`), as the real server does
    after an update."""
    if server.worker.channels.watched(thread_id):
        thread = server.store.thread(thread_id)
        graph = server.graphs.get(thread.graph_id or "")
        current = snapshots.state_at(thread, server.store.history(thread_id), None, graph=graph)
        server.worker.channels.publish(
            thread_id, "state_update", {"state": current, "thread_id": thread_id}
        )
