"""The engine on small inline specs: routing, dispatch, validation and error rendering."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import HEARTBEAT, create_app
from mockserver.graph import load_graphs
from mockserver.handlers import Call, Reply

from rejections import locations

GRAPHS = load_graphs({"graphs": {"g": {"nodes": {"n": {}}, "edges": [["__start__", "n"]]}}})
ITEM = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
ERROR = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}


def op(
    operation_id: str,
    *,
    params: list[Any] | None = None,
    body: Any = None,
    responses: dict[str, Any] | None = None,
) -> dict[str, Any]:
    documented = {"4XX": _json(ERROR), "501": _json(ERROR), **(responses or {"200": _json(ITEM)})}
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "parameters": params or [],
        "responses": documented,
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    return operation


def _json(schema: Any) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/items/{item_id}": {
            "parameters": [
                {
                    "name": "item_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                }
            ],
            "get": op(
                "get_item",
                params=[
                    {"name": "flag", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "n", "in": "query", "schema": {"type": "integer", "default": 3}},
                ],
            ),
            "delete": op("delete_item", responses={"204": {"description": "gone"}}),
        },
        "/items/special": {"get": op("get_special")},
        "/items": {
            "post": op(
                "create_item",
                body={"$ref": "#/components/schemas/Item"},
                params=[
                    {
                        "name": "X-Token",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "minLength": 3},
                    }
                ],
            )
        },
        "/broken": {"get": op("broken")},
        "/unhandled": {"get": op("unhandled")},
    },
    "components": {"schemas": {"Item": ITEM}},
}


def echo(call: Call) -> Reply:
    return Reply(
        200, {"id": "x", "path": call.request.path, "query": call.request.query, "body": call.body}
    )


HANDLERS = {
    "get_item": echo,
    "delete_item": lambda call: Reply(204),
    "get_special": lambda call: Reply(200, {"id": "special"}),
    "create_item": echo,
    "broken": lambda call: Reply(200, {"no_id": True}),
}


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(SPEC, GRAPHS, handlers=HANDLERS, check_responses=True, max_body_size=64)
    with TestClient(app, raise_server_exceptions=False) as http:
        yield http


ITEM_ID = "01a1fe64-564b-7048-9207-d83b9c0ca7a1"


def test_literal_segments_win_over_parameters(client: TestClient) -> None:
    response = client.get("/items/special")
    assert response.status_code == 200
    assert response.json() == {"id": "special"}


def test_query_parameters_are_coerced_and_defaulted(client: TestClient) -> None:
    response = client.get(f"/items/{ITEM_ID}", params={"flag": "true"})
    assert response.status_code == 200
    assert response.json()["query"] == {"flag": True, "n": 3}


def test_a_query_parameter_of_the_wrong_type_is_named(client: TestClient) -> None:
    response = client.get(f"/items/{ITEM_ID}", params={"flag": "yes", "n": "x"})
    assert response.status_code == 422
    assert locations(response) == ["query.flag", "query.n"]


def test_a_path_parameter_breaking_its_format_is_422(client: TestClient) -> None:
    response = client.get("/items/nope")
    assert response.status_code == 422
    assert response.json()["detail"] == 'path.item_id: "nope" is not a "uuid"'


def test_unknown_methods_get_405_with_allow(client: TestClient) -> None:
    response = client.put(f"/items/{ITEM_ID}")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert set(response.headers["allow"].split(", ")) == {"GET", "DELETE"}


def test_head_is_not_offered_where_the_spec_has_only_get(client: TestClient) -> None:
    assert client.head(f"/items/{ITEM_ID}").status_code == 405


@pytest.mark.parametrize("path", ["/nowhere", "/items/", f"/items/{ITEM_ID}/x"])
def test_unknown_paths_get_json_404_without_redirects(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_required_header_and_the_body_are_checked_together(client: TestClient) -> None:
    response = client.post("/items", json={"id": 5}, headers={"X-Token": "ab"})
    assert response.status_code == 422
    assert sorted(locations(response)) == ["body.id", "header.X-Token"]


def test_a_valid_body_reaches_the_handler(client: TestClient) -> None:
    response = client.post("/items", json={"id": "a"}, headers={"X-Token": "abc"})
    assert response.status_code == 200
    assert response.json()["body"] == {"id": "a"}


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.post("/items", json={"id": "a" * 100}, headers={"X-Token": "abc"})
    assert response.status_code == 413
    assert "64-byte limit" in response.json()["detail"]


def test_a_204_has_no_body(client: TestClient) -> None:
    response = client.delete(f"/items/{ITEM_ID}")
    assert response.status_code == 204
    assert response.content == b""


def test_a_response_breaking_the_spec_becomes_a_500_that_names_it(client: TestClient) -> None:
    response = client.get("/broken")
    assert response.status_code == 500
    assert "breaks the spec for broken" in response.json()["detail"]
    assert '"id" is a required property' in response.json()["detail"]


def test_an_operation_without_a_handler_answers_from_its_schema(client: TestClient) -> None:
    response = client.get("/unhandled")  # the app checks the answer against the spec
    assert response.status_code == 200
    assert isinstance(response.json()["id"], str)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_literal_path_never_falls_through_to_a_parameter(client: TestClient, method: str) -> None:
    response = client.request(method, "/items/special")
    if method == "GET":
        assert response.status_code == 200
    else:
        assert response.status_code == 405
        assert response.headers["allow"] == "GET"


STREAM_SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/events": {
            "get": {
                "operationId": "events",
                "responses": {
                    "200": {
                        "description": "a stream",
                        "content": {"text/event-stream": {"schema": {}}},
                    }
                },
            }
        },
        "/wrong": {"get": op("wrong")},
    },
}


async def _two_events() -> Any:
    yield {"event": "metadata", "data": {"run_id": "r1"}}
    yield {"event": "values", "data": {"topic": "é"}, "id": "2"}


def test_a_streaming_reply_is_framed_as_server_sent_events() -> None:
    app = create_app(
        STREAM_SPEC,
        GRAPHS,
        check_responses=True,
        handlers={"events": lambda call: Reply(200, events=_two_events())},
    )
    with TestClient(app) as http:
        response = http.get("/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in response.text.replace("\r\n", "\n").split("\n\n") if f]
    assert frames == [
        'event: metadata\ndata: {"run_id":"r1"}',
        'event: values\ndata: {"topic":"é"}\nid: 2',  # the real server's order
    ]


def test_a_stream_where_the_spec_documents_json_breaks_it() -> None:
    app = create_app(
        STREAM_SPEC,
        GRAPHS,
        check_responses=True,
        report_only=True,
        observer=(seen := []).append,
        handlers={"wrong": lambda call: Reply(200, events=_two_events())},
    )
    with TestClient(app) as http:
        assert http.get("/wrong").status_code == 200
    assert "text/event-stream is not documented" in seen[0].violations[0]


def test_streams_keep_alive_with_the_real_servers_heartbeat() -> None:
    assert HEARTBEAT == 5.0  # the real server's interval; shortened here

    async def slow() -> Any:
        await asyncio.sleep(0.2)  # the handler's own pause: ten heartbeat intervals
        yield {"event": "end", "data": None}

    app = create_app(
        STREAM_SPEC,
        GRAPHS,
        handlers={"events": lambda call: Reply(200, events=slow())},
        heartbeat=0.02,
    )
    with TestClient(app) as http:
        response = http.get("/events")
    assert response.text.startswith(": heartbeat\r\n\r\n")
