"""The safe posture: an api key like a deployment's, the Host check against DNS rebinding, the
thread cap, and graph templates that are plain names. In-process (httpx.ASGITransport)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from mockserver.apidocs import VIEWER, VIEWER_FILE
from mockserver.app import create_app
from mockserver.graph import GraphModelError, load_graphs
from mockserver.guard import default_hosts
from mockserver.spec import load_spec

KEY = "s3cret-key"
OPEN = {
    ("GET", path)
    for path in ("/ok", "/", "/info", "/metrics", "/openapi.json", "/docs", f"/{VIEWER}")
}
ADMIN = "/__mockserver"


def call(
    app: Any,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    json: Any = None,
    client: tuple[str, int] = ("127.0.0.1", 5000),
) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return await http.request(method, path, headers=headers, json=json)

    return asyncio.run(go())


def every_operation() -> list[tuple[str, str, Any]]:
    """(method, concrete path, body) for each operation of the contract."""
    ids = {
        "thread_id": str(uuid.uuid4()),
        "run_id": str(uuid.uuid4()),
        "checkpoint_id": str(uuid.uuid4()),
        "assistant_id": "agent",
        "name": VIEWER_FILE,
    }
    found = []
    for op in load_spec().operations:
        path = op.path
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        found.append((op.method, path, {} if op.method in ("POST", "PATCH", "PUT") else None))
    return found


# ---- api key --------------------------------------------------------------------------------


def test_with_an_api_key_every_operation_needs_it_and_behaves_as_before() -> None:
    keyed, plain = create_app(api_key=KEY), create_app()
    operations = every_operation()
    assert len(operations) == len(load_spec().operations) > 20
    for method, path, body in operations:
        without = call(keyed, method, path, json=body)
        if (method, path) in OPEN:
            assert without.status_code == 200, path
        else:
            assert (without.status_code, without.json()) == (
                401,
                {"detail": "Missing authentication headers"},
            ), (method, path)
        wrong = call(keyed, method, path, json=body, headers={"x-api-key": "nope"})
        assert wrong.status_code == (200 if (method, path) in OPEN else 401), (method, path)
        if path.endswith("/stream") and method == "GET" and "/runs/" not in path:
            continue  # a thread's stream stays open until the client leaves: nothing to compare
        with_key = call(keyed, method, path, json=body, headers={"x-api-key": KEY})
        before = call(plain, method, path, json=body)
        assert with_key.status_code == before.status_code != 401, (method, path)


def test_the_admin_api_needs_the_key_and_then_answers_any_client() -> None:
    app = create_app(api_key=KEY)
    remote = ("192.0.2.7", 5000)
    assert call(app, "POST", f"{ADMIN}/reset", client=remote).status_code == 401
    assert (
        call(app, "POST", f"{ADMIN}/reset", client=remote, headers={"x-api-key": KEY}).status_code
        == 204
    )


def test_a_cors_preflight_needs_no_key() -> None:
    app = create_app(api_key=KEY)
    preflight = call(
        app,
        "OPTIONS",
        "/threads",
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-api-key,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"


# ---- Host check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        pytest.param("localhost:2024", True, id="localhost"),
        pytest.param("app.localhost", True, id="dot-localhost"),
        pytest.param("127.0.0.1:2024", True, id="ipv4"),
        pytest.param("[::1]:2024", True, id="ipv6"),
        pytest.param("10.1.2.3:2024", True, id="an-ip-address"),
        pytest.param("mock.internal", True, id="allowed-host"),
        pytest.param("api.example.com", True, id="allowed-suffix"),
        pytest.param("evil.example", False, id="evil"),
        pytest.param("evil.example:2024", False, id="evil-with-port"),
        pytest.param("localhost.evil.example", False, id="localhost-prefix"),
        pytest.param("mock.internal.evil.example", False, id="allowed-prefix"),
    ],
)
def test_the_host_header_is_checked(host: str, allowed: bool) -> None:
    app = create_app(allowed_hosts=default_hosts("127.0.0.1", ["mock.internal", ".example.com"]))
    for path in ("/ok", "/threads/search", f"{ADMIN}/requests"):
        method = "POST" if path.endswith("search") else "GET"
        response = call(app, method, path, headers={"host": host}, json={})
        if allowed:
            assert response.status_code == 200, (host, path)
        else:
            assert response.status_code == 403, (host, path)
            assert "is not allowed" in response.json()["detail"]


def test_any_host_with_a_star() -> None:
    app = create_app(allowed_hosts=default_hosts("127.0.0.1", ["*"]))
    assert call(app, "GET", "/ok", headers={"host": "evil.example"}).status_code == 200


# ---- thread cap -----------------------------------------------------------------------------


def test_max_threads_refuses_new_threads_with_a_clear_error() -> None:
    app = create_app(max_threads=2)
    tid = call(app, "POST", "/threads", json={}).json()["thread_id"]
    assert call(app, "POST", "/threads", json={}).status_code == 200
    full = call(app, "POST", "/threads", json={})
    assert full.status_code == 507
    assert "--max-threads" in full.json()["detail"]
    assert call(app, "POST", f"/threads/{tid}/copy").status_code == 507
    assert call(app, "POST", "/runs/wait", json={"assistant_id": "agent"}).status_code == 507
    again = call(app, "POST", "/threads", json={"thread_id": tid, "if_exists": "do_nothing"})
    assert again.status_code == 200
    assert call(app, "DELETE", f"/threads/{tid}").status_code == 204
    assert call(app, "POST", "/threads", json={}).status_code == 200


# ---- graph templates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{last_human.__class__}", id="attribute"),
        pytest.param("{messages[0]}", id="index"),
        pytest.param("{message_count:>20000000}", id="format-spec"),
        pytest.param("{last_human!r}", id="conversion"),
        pytest.param("{last_human:{node}}", id="nested-spec"),
    ],
)
def test_a_template_that_is_not_a_plain_name_is_refused_at_load(template: str) -> None:
    model = {
        "graphs": {
            "g": {
                "channels": {"messages": "add_messages"},
                "nodes": {"a": {"reply": f"x {template} y"}},
                "edges": [["__start__", "a"], ["a", "__end__"]],
            }
        }
    }
    with pytest.raises(GraphModelError, match="is not a plain name"):
        load_graphs(model)


def test_plain_names_still_load() -> None:
    model = {
        "graphs": {
            "g": {
                "channels": {"messages": "add_messages", "topic": "last_value"},
                "nodes": {"a": {"reply": "{last_human} {topic} {{literal}}"}},
                "edges": [["__start__", "a"], ["a", "__end__"]],
            }
        }
    }
    assert "g" in load_graphs(model)
