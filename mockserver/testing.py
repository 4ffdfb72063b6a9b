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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mockserver import snapshots, threads
from mockserver.app import create_app
from mockserver.control import Control, plain, read_document
from mockserver.journal import Exchange, Journal
from mockserver.live import LiveServer
from mockserver.server import Server
from mockserver.store import Thread


class _Mock:
    """What the live and the in-process mock share: state, seeding, inspection, the journal.
    Reset, seed and the journal are the admin API's own (`mockserver.control`)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @property
    def server(self) -> Server:
        """The server's spec, graph models, store and worker."""
        server: Server = self.app.state.server
        return server

    @property
    def control(self) -> Control:
        """Reset, seed, dump, journal and fault rules: what /__mockserver/ serves."""
        control: Control = self.app.state.control
        return control

    @property
    def requests(self) -> list[Exchange]:
        """Every request answered since the last reset, oldest first."""
        return self._journal().take()

    def violations(self) -> list[Exchange]:
        """The answers that broke the spec since the last reset."""
        return [e for e in self._journal().take() if e.violations]

    def rejected(self) -> list[Exchange]:
        """The requests refused for breaking the spec since the last reset."""
        return [e for e in self._journal().take() if e.rejected]

    def reset(self) -> None:
        """Stop every run, forget every thread, the journal and the fault rules."""
        self.control.reset()

    def seed(self, source: Mapping[str, Any] | str | Path) -> list[str]:
        """Create threads with state and history; returns their ids in order.

        `source` is a mapping or a YAML/JSON file: `{"threads": [{"thread_id"?, "graph_id"?,
        "metadata"?, "updates": [{"values", "as_node"?, "checkpoint_id"?}, ...]}]}`. Each
        update goes through update_state, as POST /threads/{id}/state would apply it.
        """
        document = read_document(source)
        if not isinstance(document, Mapping):
            raise ValueError(f"{source}: expected a mapping with a `threads` list")
        return self.control.seed(document).get("threads", [])

    def fault(self, rule: Mapping[str, Any]) -> dict[str, Any]:
        """Add a fault rule (see `mockserver.faults`); returns it with its id."""
        return self.control.arm(dict(rule))[0]

    def _journal(self) -> Journal:
        journal = self.control.journal
        assert journal is not None, "the app was made without a journal"
        return journal

    def threads(self) -> list[dict[str, Any]]:
        """Every thread, as GET /threads/{id} shows it (JSON types, no shared values)."""
        with self.server.lock:
            bodies = [self._render(t) for t in self.server.store.threads()]
        return plain(bodies)

    def thread(self, thread_id: str) -> dict[str, Any]:
        """One thread, as GET /threads/{id} shows it; NotFound if there is none."""
        with self.server.lock:
            return plain(self._render(self.server.store.thread(thread_id)))

    def state(self, thread_id: str) -> dict[str, Any]:
        """A thread's latest state, as GET /threads/{id}/state shows it."""
        with self.server.lock:
            thread = self.server.store.thread(thread_id)
            return plain(snapshots.state_at(thread, self.server.store.history(thread_id), None))

    def history(self, thread_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """A thread's checkpoints, newest first, as its history shows them."""
        with self.server.lock:
            self.server.store.thread(thread_id)
            return plain(
                snapshots.history_of(thread_id, self.server.store.history(thread_id), limit)
            )

    def _render(self, thread: Thread) -> dict[str, Any]:
        server = self.server
        busy = thread.thread_id in server.worker.queues
        return threads.render_thread(thread, server.store.history(thread.thread_id), busy)


class MockServer(_Mock):
    """A live mock on 127.0.0.1 (a free port): uvicorn in a background thread."""

    def __init__(self, live: LiveServer) -> None:
        super().__init__(live.app)
        self.live = live

    @classmethod
    def start(
        cls,
        spec: str | Path | None = None,
        graphs: str | Path | None = None,
        port: int = 0,
        persist: str | Path | None = None,
    ) -> MockServer:
        """Build the app (responses checked against the spec, reported to the journal) and
        serve it; in memory, or with `persist`, from a SQLite file that outlives it."""
        store = None
        if persist is not None:
            from mockserver.sqlite import SqliteStore

            store = SqliteStore(persist)
        app = create_app(
            spec,
            graphs,
            check_responses=True,
            report_only=True,
            journal_size=None,
            store=store,
        )
        return cls(LiveServer(app, port=port).start())

    @property
    def url(self) -> str:
        """The base URL to give clients, e.g. http://127.0.0.1:41234."""
        return self.live.url

    def fire_crons(self, at: str | None = None) -> list[str]:
        """Fire the crons due now (or at `at`, an ISO 8601 date-time with its offset) without
        waiting for the scheduler's poll: the ids of the runs made (POST
        /__mockserver/crons/fire)."""
        import httpx

        body = {} if at is None else {"at": at}
        answer = httpx.post(f"{self.url}/__mockserver/crons/fire", json=body, timeout=30)
        answer.raise_for_status()
        run_ids: list[str] = answer.json()["run_ids"]
        return run_ids

    def stop(self) -> None:
        """Stop serving (and close the store's file, if it has one)."""
        self.live.stop()
        self.server.close()

    def __enter__(self) -> MockServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class InProcessMock(_Mock):
    """The mock with no socket: an ASGI app for httpx.ASGITransport."""

    base_url = "http://mockserver"

    @classmethod
    def create(
        cls, spec: str | Path | None = None, graphs: str | Path | None = None
    ) -> InProcessMock:
        """Build the app, responses checked against the spec and reported to the journal."""
        app = create_app(spec, graphs, check_responses=True, report_only=True, journal_size=None)
        return cls(app)

    def client(self, **kwargs: Any) -> Any:
        """An httpx.AsyncClient that talks to the app in-process; close it (async with)."""
        import httpx

        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url=self.base_url, **kwargs)


def describe_violations(exchanges: list[Exchange], spec_source: str) -> str:
    """A readable report of answers that broke the spec: request, answer, what broke."""
    lines = [f"mockserver: {len(exchanges)} response(s) broke {spec_source}:"]
    for exchange in exchanges:
        lines.append(
            f"  {exchange.method} {exchange.path} -> {exchange.status} ({exchange.operation_id})"
        )
        lines.extend(f"      {violation}" for violation in exchange.violations)
        body = json.dumps(exchange.response, indent=2, default=str)
        lines.extend(f"    | {line}" for line in body.splitlines()[:40])
    return "\n".join(lines)


def describe_rejections(exchanges: list[Exchange]) -> str:
    """The requests the mock refused, each with every violation it listed."""
    lines = [f"{len(exchanges)} request(s) broke the spec:"]
    for exchange in exchanges:
        lines.append(
            f"  {exchange.method} {exchange.path} -> {exchange.status} ({exchange.operation_id})"
        )
        lines.extend(f"      {violation}" for violation in exchange.rejected)
    return "\n".join(lines)
