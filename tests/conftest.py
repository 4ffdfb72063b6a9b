"""Shared fixtures: a live mock that checks its own responses against the spec."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.app import create_app
from mockserver.journal import Exchange
from mockserver.live import LiveServer

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "agent-server.yaml"


class Watch:
    """Every answer the session's live mock gave, to catch a 5xx whichever test caused it."""

    def __init__(self) -> None:
        self.seen: list[Exchange] = []

    def __call__(self, exchange: Exchange) -> None:
        self.seen.append(exchange)


@pytest.fixture(scope="session")
def watch() -> Watch:
    return Watch()


@pytest.fixture(scope="session")
def live(watch: Watch) -> Iterator[LiveServer]:
    """One live mock for the session; `check_responses` turns a spec violation into a 500."""
    app = create_app(check_responses=True, observer=watch)
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def mock(live: LiveServer, watch: Watch) -> Iterator[LiveServer]:
    """The live mock, emptied, and checked after the test for any 5xx it answered."""
    live.app.state.context.store.reset()
    live.app.state.context.assistants.reset()
    start = len(watch.seen)
    yield live
    errors = [str(e) for e in watch.seen[start:] if e.status >= 500]
    assert not errors, f"the mock answered with a server error: {errors}"


@pytest.fixture
def client(mock: LiveServer) -> Iterator[httpx.Client]:
    """An httpx client on the live mock."""
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        yield http


@pytest.fixture
def thread_id(client: httpx.Client) -> str:
    """A fresh thread bound to the `agent` graph."""
    response = client.post("/threads", json={"metadata": {"graph_id": "agent"}})
    assert response.status_code == 200
    return str(response.json()["thread_id"])
