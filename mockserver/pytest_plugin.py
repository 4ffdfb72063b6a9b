"""pytest fixtures: a live mock (`mockserver`), an in-process one (`mockserver_asgi`), and SDK
clients pointed at it (`langgraph_client`, `langgraph_sync_client`). Fixtures only: the logic
lives in `mockserver.testing`, imported when a fixture is first used.

    def test_chat(mockserver):
        client = get_sync_client(url=mockserver.url)
        thread = client.threads.create(graph_id="agent")

Configure with ini options (`mockserver_spec`, `mockserver_graphs`, `mockserver_strict`), the
flags `--mockserver-spec`, `--mockserver-graphs`, `--mockserver-no-strict`, or per test with
`@pytest.mark.mockserver(spec=..., graphs=..., strict=False)`. Strict (the default): a response
that breaks the spec fails the test that received it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from mockserver.testing import InProcessMock, MockServer

_MOCK = pytest.StashKey["tuple[Any, bool]"]()


class _Config(NamedTuple):
    spec: str | None
    graphs: str | None
    strict: bool


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "LangGraph Agent Server mock")
    group.addoption("--mockserver-spec", help="OpenAPI document for the mock")
    group.addoption("--mockserver-graphs", help="graph model YAML for the mock")
    group.addoption(
        "--mockserver-no-strict",
        action="store_true",
        help="do not fail tests whose mock responses break the spec",
    )
    parser.addini("mockserver_spec", "OpenAPI document for the mock", default="")
    parser.addini("mockserver_graphs", "graph model YAML for the mock", default="")
    parser.addini(
        "mockserver_strict",
        "fail tests whose mock responses break the spec",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockserver(spec=None, graphs=None, strict=True): configure the mock server this test gets",
    )


@pytest.fixture(scope="session")
def _mockserver_pool() -> Iterator[dict[tuple[str | None, str | None], Any]]:
    """Servers by (spec, graphs), each started on first use and stopped at the session's end."""
    pool: dict[tuple[str | None, str | None], Any] = {}
    yield pool
    for server in pool.values():
        if hasattr(server, "stop"):
            server.stop()


@pytest.fixture
def mockserver(request: pytest.FixtureRequest, _mockserver_pool: dict[Any, Any]) -> MockServer:
    """A live mock server on 127.0.0.1, emptied before the test: `.url`, `.seed()`,
    `.reset()`, `.fault(rule)`, `.threads()`, `.state(id)`, `.history(id)`, `.requests`."""
    from mockserver.testing import MockServer

    mock: MockServer = _pooled(request, _mockserver_pool, MockServer.start)
    return mock


@pytest.fixture
def mockserver_asgi(
    request: pytest.FixtureRequest, _mockserver_pool: dict[Any, Any]
) -> InProcessMock:
    """The mock in-process, no socket: `async with mockserver_asgi.client() as http: ...`
    in an async test (mark it, e.g. `@pytest.mark.anyio`: anyio comes with the package)."""
    from mockserver.testing import InProcessMock

    mock: InProcessMock = _pooled(request, _mockserver_pool, InProcessMock.create)
    return mock


def _pooled(
    request: pytest.FixtureRequest,
    pool: dict[Any, Any],
    make: Callable[[str | None, str | None], Any],
) -> Any:
    """The pool's mock of this kind and configuration (made on first use), reset for the test
    and remembered on the test item for the strict check after it."""
    config = _config(request)
    key = (make, config.spec, config.graphs)
    mock = pool.get(key)
    if mock is None:
        mock = pool[key] = make(config.spec, config.graphs)
    mock.reset()
    request.node.stash[_MOCK] = (mock, config.strict)
    return mock


@pytest.fixture
def langgraph_sync_client(mockserver: MockServer) -> Iterator[Any]:
    """langgraph-sdk's sync client pointed at the live mock."""
    sdk = pytest.importorskip("langgraph_sdk", reason="langgraph-sdk is not installed")
    client = sdk.get_sync_client(url=mockserver.url)
    yield client
    client.close()


@pytest.fixture
def langgraph_client(mockserver: MockServer) -> Iterator[Any]:
    """langgraph-sdk's async client pointed at the live mock."""
    pytest.importorskip("langgraph_sdk", reason="langgraph-sdk is not installed")
    import httpx
    from langgraph_sdk.client import LangGraphClient

    # The client outlives the test's event loop, so it keeps no connection open between
    # requests: none is left tied to a closed loop when the fixture closes it.
    transport = httpx.AsyncHTTPTransport(
        retries=5, limits=httpx.Limits(max_keepalive_connections=0)
    )
    client = LangGraphClient(httpx.AsyncClient(base_url=mockserver.url, transport=transport))
    yield client
    asyncio.run(client.aclose())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    try:
        result = yield
    except BaseException:
        # A failing test gets, beside its traceback, what the mock refused and why.
        mock = item.stash.get(_MOCK, (None, False))[0]
        if mock is not None and (rejected := mock.rejected()):
            from mockserver.testing import describe_rejections

            item.add_report_section("call", "mockserver", describe_rejections(rejected))
        raise
    mock, strict = item.stash.get(_MOCK, (None, False))
    if mock is not None and strict and (broken := mock.violations()):
        from mockserver.testing import describe_violations

        pytest.fail(describe_violations(broken, mock.server.spec.source), pytrace=False)
    return result


def _config(request: pytest.FixtureRequest) -> _Config:
    """Marker first, then command-line flags, then ini options."""
    marker = request.node.get_closest_marker("mockserver")
    options = dict(marker.kwargs) if marker else {}
    config = request.config
    spec = (
        options.get("spec")
        or config.getoption("--mockserver-spec")
        or _ini_path(config, "mockserver_spec")
    )
    graphs = (
        options.get("graphs")
        or config.getoption("--mockserver-graphs")
        or _ini_path(config, "mockserver_graphs")
    )
    strict = options.get(
        "strict",
        not config.getoption("--mockserver-no-strict") and bool(config.getini("mockserver_strict")),
    )
    return _Config(_absolute(config, spec), _absolute(config, graphs), bool(strict))


def _ini_path(config: pytest.Config, name: str) -> str | None:
    value = config.getini(name)
    return str(value) if value else None


def _absolute(config: pytest.Config, path: str | Path | None) -> str | None:
    if path is None:
        return None
    resolved = Path(path)
    return str(resolved if resolved.is_absolute() else Path(config.rootpath) / resolved)
