"""CORS for browser frontends: local dev servers (agent-chat-ui, deep-agents-ui on localhost) and
the hosted UIs made for a local server (agentchat.vercel.app, LangSmith Studio).

`langgraph dev` answers every origin and marks each preflight
`access-control-allow-private-network: true`; the mock answers the origins above by default
(docs/deviations.md #33), `*` on request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.cors import HOSTED_ORIGINS

LOCAL = "http://localhost:3000"
HOSTED = "https://agentchat.vercel.app"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}
PRIVATE_NETWORK = {**PREFLIGHT, "Access-Control-Request-Private-Network": "true"}


def app_client(origins: Sequence[str], regex: str | None = None) -> TestClient:
    return TestClient(create_app(cors_origins=origins, cors_origin_regex=regex))


@pytest.fixture
def allow_all() -> Iterator[TestClient]:
    with app_client(["*"]) as http:
        yield http


def test_a_localhost_frontend_may_call_the_mock_and_read_the_run_headers(
    client: httpx.Client, thread_id: str
) -> None:
    preflight = client.options("/threads/search", headers={"Origin": LOCAL, **PREFLIGHT})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == LOCAL
    answer = client.post(
        f"/threads/{thread_id}/runs", json={"assistant_id": "agent"}, headers={"Origin": LOCAL}
    )
    assert answer.headers["access-control-allow-origin"] == LOCAL
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert {"content-location", "location", "x-pagination-total"} <= set(exposed.split(", "))
    for origin in ("http://127.0.0.1:5173", "http://[::1]:8080", "http://localhost"):
        allowed = client.options("/threads", headers={"Origin": origin, **PREFLIGHT})
        assert allowed.headers.get("access-control-allow-origin") == origin


@pytest.mark.parametrize("origin", HOSTED_ORIGINS)
def test_a_hosted_ui_may_call_the_mock_on_localhost(client: httpx.Client, origin: str) -> None:
    # What Chrome sends before a public page calls a private address (Private Network Access).
    preflight = client.options("/threads/search", headers={"Origin": origin, **PRIVATE_NETWORK})
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["access-control-allow-private-network"] == "true"
    assert preflight.headers["access-control-allow-headers"] == "content-type"
    assert preflight.headers["access-control-max-age"] == "600"
    answer = client.post("/threads/search", json={"limit": 1}, headers={"Origin": origin})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == origin
    assert "access-control-allow-private-network" not in answer.headers  # preflights only


def test_every_preflight_allows_private_network_access(client: httpx.Client) -> None:
    # As langgraph dev's PrivateNetworkMiddleware: on every OPTIONS answer, asked or not.
    preflight = client.options("/threads", headers={"Origin": HOSTED, **PREFLIGHT})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-private-network"] == "true"


def test_another_origin_is_refused_by_default(client: httpx.Client) -> None:
    refused = client.options("/threads", headers={"Origin": "https://example.com", **PREFLIGHT})
    assert refused.status_code == 400
    assert refused.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in refused.headers
    answer = client.post("/threads/search", json={}, headers={"Origin": "https://example.com"})
    assert "access-control-allow-origin" not in answer.headers
    # Look-alikes of the hosted origins are not they.
    for origin in (
        "http://agentchat.vercel.app",
        "https://agentchat.vercel.app.evil.example",
        "https://evil.smith.langchain.com",
    ):
        refused = client.options("/threads", headers={"Origin": origin, **PREFLIGHT})
        assert refused.status_code == 400, origin


def test_a_request_without_origin_gets_no_cors_headers(client: httpx.Client) -> None:
    answer = client.post("/threads/search", json={})
    assert not [name for name in answer.headers if name.startswith("access-control-")]


def test_star_allows_every_origin_as_langgraph_dev_does(allow_all: TestClient) -> None:
    preflight = allow_all.options(
        "/threads/search", headers={"Origin": "https://example.com", **PRIVATE_NETWORK}
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-private-network"] == "true"
    answer = allow_all.post("/threads/search", json={}, headers={"Origin": "https://example.com"})
    assert answer.headers["access-control-allow-origin"] == "*"


def test_no_cors_sends_no_cors_headers() -> None:
    with app_client([], None) as http:
        preflight = http.options("/threads", headers={"Origin": LOCAL, **PREFLIGHT})
        assert not [name for name in preflight.headers if name.startswith("access-control-")]
        answer = http.post("/threads/search", json={}, headers={"Origin": LOCAL})
        assert "access-control-allow-origin" not in answer.headers
