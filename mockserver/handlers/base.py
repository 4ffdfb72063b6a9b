"""What a handler gets (`Call`) and gives back (`Reply`), and the server-wide `Context`."""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.assistants import AssistantRegistry
from mockserver.graph import Graph
from mockserver.spec import Spec
from mockserver.store import Store, Thread, utc_now
from mockserver.validation import ValidRequest
from mockserver.worker import Worker


@dataclass
class Context:
    """Everything one server holds: the spec, the graph models and the store."""

    spec: Spec
    graphs: Mapping[str, Graph]
    store: Store = field(default_factory=Store)
    # Held while a handler runs, so that code in other threads (the pytest plugin seeding or
    # inspecting state) never sees a half-applied request.
    lock: threading.RLock = field(default_factory=threading.RLock)
    # When the server started: its assistants were registered then.
    started_at: str = field(default_factory=utc_now)
    # Runs the queued and running runs; made from the store and the lock.
    worker: Worker = field(init=False)
    # The assistants: each graph's system one (registered at `started_at`) and the ones made.
    assistants: AssistantRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.worker = Worker(self.store, self.lock)
        self.assistants = AssistantRegistry(list(self.graphs), self.started_at)

    def serving_at(self, url: str) -> None:
        """The URL the server answers at: runs name it in their metadata (`langgraph_api_url`),
        as `langgraph dev` names its own."""
        self.worker.api_url = url


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
    context: Context

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
        return self.context.store.get(self.thread_id())


# Returns once the client has gone away (app.py makes it from the connection), so that an
# awaited reply can cancel its run then.
Departure = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Reply:
    """A handler's answer: status, JSON-able body (None: no body) and extra headers.

    A streaming answer sets `events` instead of `body`: an async iterable of server-sent
    events as dicts (`{"event": ..., "data": ..., "id": ...}`), which app.py frames as
    text/event-stream. An answer that waits (for a run to end) sets `later` instead: app.py
    awaits it, with the client's Departure, for the body. Both run after the handler
    returned, outside the context's lock.
    """

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    events: AsyncIterable[Mapping[str, Any]] | None = None
    later: Callable[[Departure], Awaitable[Any]] | None = None
