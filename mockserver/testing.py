"""A mock server for test suites: reset, seed, inspect, and a journal of what it received.

The pytest plugin (`mockserver.pytest_plugin`) hands these out as fixtures; any other test
runner can use them directly:

    with MockServer.start() as server:
        server.seed({"threads": [{"graph_id": "agent", "updates": [{"values": {"topic": "x"}}]}]})
        ...                                   # point the code under test at server.url
        assert server.requests[-1].operation_id == "get_thread_threads__thread_id__get"
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

import orjson
import yaml

from mockserver import state, threads
from mockserver.app import create_app
from mockserver.handlers import Context
from mockserver.journal import Exchange
from mockserver.live import LiveServer
from mockserver.reducers import to_plain

_T = TypeVar("_T")


class _Journal:
    """Exchanges appended by the server's thread and read by the test's."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def take(self) -> list[Exchange]:
        with self._lock:
            return list(self.exchanges)

    def clear(self) -> None:
        with self._lock:
            self.exchanges.clear()


class _Mock:
    """What the live and the in-process mock share: state, seeding, inspection, the journal."""

    def __init__(self, app: Any, journal: _Journal) -> None:
        self.app = app
        self._journal = journal

    @property
    def context(self) -> Context:
        """The server's spec, graph models and store."""
        context: Context = self.app.state.context
        return context

    @property
    def requests(self) -> list[Exchange]:
        """Every request answered since the last reset, oldest first."""
        return self._journal.take()

    def violations(self) -> list[Exchange]:
        """The answers that broke the spec since the last reset."""
        return [e for e in self._journal.take() if e.violations]

    def rejected(self) -> list[Exchange]:
        """The requests refused for breaking the spec since the last reset."""
        return [e for e in self._journal.take() if e.rejected]

    def reset(self) -> None:
        """Forget every thread and the journal."""
        with self.context.lock:
            self.context.store.reset()
        self._journal.clear()

    def seed(self, source: Mapping[str, Any] | str | Path) -> list[str]:
        """Create threads with state and history; returns their ids in order.

        `source` is a mapping or a YAML/JSON file: `{"threads": [{"thread_id"?, "graph_id"?,
        "metadata"?, "updates": [{"values", "as_node"?, "checkpoint_id"?}, ...]}]}`. Each
        update goes through update_state, as POST /threads/{id}/state would apply it.
        """
        document = _read(source)
        with self.context.lock:
            return [self._seed_thread(spec) for spec in document.get("threads", [])]

    def _seed_thread(self, spec: Mapping[str, Any]) -> str:
        metadata = dict(spec.get("metadata") or {})
        if "graph_id" in spec:
            metadata["graph_id"] = spec["graph_id"]
        body = {"metadata": metadata, **({"thread_id": spec["thread_id"]}
                                         if "thread_id" in spec else {})}
        store, graphs = self.context.store, self.context.graphs
        thread = threads.create_thread(store, graphs, body)
        for update in spec.get("updates", []):
            state.update_state(thread, threads.graph_of(thread, graphs), update)
        return thread.thread_id

    def threads(self) -> list[dict[str, Any]]:
        """Every thread, as GET /threads/{id} shows it (JSON types, no shared values)."""
        with self.context.lock:
            bodies = [threads.render_thread(t) for t in self.context.store.threads.values()]
        return _plain(bodies)

    def thread(self, thread_id: str) -> dict[str, Any]:
        """One thread, as GET /threads/{id} shows it; NotFound if there is none."""
        with self.context.lock:
            return _plain(threads.render_thread(self.context.store.get(thread_id)))

    def state(self, thread_id: str) -> dict[str, Any]:
        """A thread's latest state, as GET /threads/{id}/state shows it."""
        with self.context.lock:
            thread = self.context.store.get(thread_id)
            return _plain(state.state_at(thread, None))

    def history(self, thread_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """A thread's checkpoints, newest first, as its history shows them."""
        with self.context.lock:
            return _plain(state.history(self.context.store.get(thread_id), limit))


class MockServer(_Mock):
    """A live mock on 127.0.0.1 (a free port): uvicorn in a background thread."""

    def __init__(self, live: LiveServer, journal: _Journal) -> None:
        super().__init__(live.app, journal)
        self.live = live

    @classmethod
    def start(cls, spec: str | Path | None = None, graphs: str | Path | None = None,
              port: int = 0) -> MockServer:
        """Build the app (responses checked against the spec, reported to the journal) and
        serve it."""
        journal = _Journal()
        app = create_app(spec, graphs, check_responses=True, report_only=True, observer=journal)
        return cls(LiveServer(app, port=port).start(), journal)

    @property
    def url(self) -> str:
        """The base URL to give clients, e.g. http://127.0.0.1:41234."""
        return self.live.url

    def stop(self) -> None:
        """Stop serving."""
        self.live.stop()

    def __enter__(self) -> MockServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class InProcessMock(_Mock):
    """The mock with no socket: an ASGI app for httpx.ASGITransport."""

    base_url = "http://mockserver"

    @classmethod
    def create(cls, spec: str | Path | None = None,
               graphs: str | Path | None = None) -> InProcessMock:
        """Build the app, responses checked against the spec and reported to the journal."""
        journal = _Journal()
        app = create_app(spec, graphs, check_responses=True, report_only=True, observer=journal)
        return cls(app, journal)

    def client(self, **kwargs: Any) -> Any:
        """An httpx.AsyncClient that talks to the app in-process; close it (async with)."""
        import httpx

        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url=self.base_url, **kwargs)


def describe_violations(exchanges: list[Exchange], spec_source: str) -> str:
    """A readable report of answers that broke the spec: request, answer, what broke."""
    lines = [f"mockserver: {len(exchanges)} response(s) broke {spec_source}:"]
    for exchange in exchanges:
        lines.append(f"  {exchange.method} {exchange.path} -> {exchange.status}"
                     f" ({exchange.operation_id})")
        lines.extend(f"      {violation}" for violation in exchange.violations)
        body = json.dumps(exchange.response, indent=2, default=str)
        lines.extend(f"    | {line}" for line in body.splitlines()[:40])
    return "\n".join(lines)


def describe_rejections(exchanges: list[Exchange]) -> str:
    """The requests the mock refused, each with every violation it listed."""
    lines = [f"{len(exchanges)} request(s) broke the spec:"]
    for exchange in exchanges:
        lines.append(f"  {exchange.method} {exchange.path} -> {exchange.status}"
                     f" ({exchange.operation_id})")
        lines.extend(f"      {violation}" for violation in exchange.rejected)
    return "\n".join(lines)


def _read(source: Mapping[str, Any] | str | Path) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    text = Path(source).read_text("utf-8")
    document = json.loads(text) if str(source).endswith(".json") else yaml.safe_load(text)
    if not isinstance(document, Mapping):
        raise ValueError(f"{source}: expected a mapping with a `threads` list")
    return document


def _plain(value: _T) -> _T:
    # Through JSON and back: the caller gets fresh plain data, never the store's shared values.
    return cast(_T, orjson.loads(orjson.dumps(value, default=to_plain)))
