"""The store routes over HTTP: the real server's answers replayed byte for byte, and the
official client's `client.store.*` methods.

tests/data/store_recording.json is what `langgraph dev` (langgraph-api 0.16.7) answered to a
sequence of store requests (scripts/record_store.py): status, content type and body, with
timestamps written `<time>`. The mock answers the same sequence the same, except where
docs/deviations.md says it differs (EXPECTED, and #74: the plain-text 422 says text/plain).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import BadRequestError, UnprocessableEntityError

from mockserver.live import LiveServer
from mockserver.sqlite_items import SqliteItems

RECORDING = json.loads((Path(__file__).parent / "data" / "store_recording.json").read_text())
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00")
JSON = "application/json"
PLAIN_TEXT = "text/plain; charset=utf-8"

# Steps of the recording where the mock answers otherwise on purpose: step -> (row of
# docs/deviations.md, the mock's status, content type and body).
EXPECTED: dict[int, tuple[int, tuple[int, str | None, str]]] = {
    # users.bob is empty since step 41: the real store still lists it
    46: (70, (200, JSON, '{"namespaces":[["docs"],["users","alice"]]}')),
    # the real GET in step 47 made a namespace "ghost"
    48: (70, (200, JSON, '{"namespaces":[]}')),
    # "blue" is no number: the real 400 names it; the item does not match
    50: (71, (200, JSON, '{"items":[]}')),
    # the docs item has no theme: the real float(None) is a 500
    51: (71, (200, JSON, '{"items":[]}')),
    # no namespace_prefix, or null: the real 500; every item here
    52: (72, (200, JSON, "<every item>")),
    53: (72, (200, JSON, "<every item>")),
    # a limit written 2.0: the real 500
    54: (73, (200, JSON, '{"namespaces":[["docs"],["users","alice"]]}')),
}


def send(client: httpx.Client, step: dict[str, Any]) -> tuple[int, str | None, str]:
    """One recorded step's request; the answer as the recording keeps it."""
    if "raw" in step:
        response = client.request(
            step["method"],
            step["path"],
            content=step["raw"].encode(),
            headers={"content-type": JSON},
        )
    else:
        response = client.request(
            step["method"], step["path"], params=step.get("params"), json=step.get("json")
        )
    return (
        response.status_code,
        response.headers.get("content-type"),
        TIME.sub("<time>", response.text),
    )


def test_the_recording_is_of_the_real_server() -> None:
    assert RECORDING["server"] == "langgraph-api 0.16.7"
    assert len(RECORDING["steps"]) == 55
    statuses = {step["status"] for step in RECORDING["steps"]}
    assert statuses == {200, 204, 400, 422, 500}


@pytest.fixture(params=["memory", "sqlite"])
def items_client(
    request: pytest.FixtureRequest, mock: LiveServer, client: httpx.Client, tmp_path: Path
) -> Iterator[httpx.Client]:
    """The live mock's client, its items in memory (as served) or in SQLite (as persisted)."""
    if request.param == "memory":
        yield client
        return
    store = mock.app.state.server.store
    served, store.items = store.items, SqliteItems(tmp_path / "items.db")
    try:
        yield client
    finally:
        with mock.app.state.server.lock:
            store.items.close()
            store.items = served


def test_the_mock_answers_the_recorded_steps_as_the_real_server(
    items_client: httpx.Client,
) -> None:
    client = items_client
    differences = []
    plain_text = 0
    for index, step in enumerate(RECORDING["steps"]):
        real = (step["status"], step["content_type"], step["body"])
        mock = send(client, step)
        if real[:2] == (422, None) and mock[:2] == (422, PLAIN_TEXT):  # deviation #74
            plain_text += 1
            mock = (422, None, mock[2])
        if index not in EXPECTED:
            if mock != real:
                differences.append(f"step {index} {step}: the mock answered {mock}")
            continue
        row, expected = EXPECTED[index]
        assert mock != real, f"step {index} (deviation #{row}) is now the real server's"
        if expected[2] == "<every item>":
            assert mock[:2] == expected[:2]
            found = json.loads(mock[2])["items"]
            assert [(i["namespace"], i["key"]) for i in found] == [
                (["users", "alice"], "prefs"),
                (["users", "alice"], "notes"),
                (["docs"], ""),
            ]
        else:
            assert mock == expected, f"step {index}"
    assert not differences, "\n".join(differences)
    assert plain_text == 7


def test_a_bad_label_is_refused_in_plain_text(client: httpx.Client) -> None:
    for response in (
        client.put("/store/items", json={"namespace": ["a", "b.c"], "key": "k", "value": {}}),
        client.get("/store/items", params={"namespace": "a..c", "key": "k"}),
        client.request("DELETE", "/store/items", json={"namespace": [""], "key": "k"}),
        client.post("/store/items/search", json={"namespace_prefix": ["x.y"]}),
        client.post("/store/namespaces", json={"suffix": ["it's.x"]}),
    ):
        assert response.status_code == 422
        assert response.headers["content-type"] == PLAIN_TEXT  # none on the real server: #74
        assert re.fullmatch(
            r"Namespace label ('[^']*'|\"[^\"]*\") must be a non-empty string without periods",
            response.text,
        ), response.text


def test_an_update_resets_created_at_as_on_the_real_server(client: httpx.Client) -> None:
    assert RECORDING["facts"]["update_resets_created_at"] is True
    item = {"namespace": ["n"], "key": "k", "value": {"v": 1}}
    params = {"namespace": "n", "key": "k"}
    assert client.put("/store/items", json=item).status_code == 204
    first = client.get("/store/items", params=params).json()
    assert client.put("/store/items", json={**item, "value": {"v": 2}}).status_code == 204
    second = client.get("/store/items", params=params).json()
    assert second["value"] == {"v": 2}
    assert second["created_at"] > first["created_at"]
    assert second["updated_at"] == second["created_at"]


def test_ttl_and_index_are_accepted_and_change_nothing(client: httpx.Client) -> None:
    item = {"namespace": ["n"], "key": "k", "value": {"v": 1}, "ttl": 0.001, "index": ["v"]}
    assert client.put("/store/items", json=item).status_code == 204
    got = client.get("/store/items", params={"namespace": "n", "key": "k", "refresh_ttl": "x"})
    assert list(got.json()) == ["namespace", "key", "value", "created_at", "updated_at"]
    found = client.post("/store/items/search", json={"namespace_prefix": ["n"], "query": "v"})
    assert [i["score"] for i in found.json()["items"]] == [None]


def test_the_admin_reset_forgets_the_items(mock: LiveServer, client: httpx.Client) -> None:
    client.put("/store/items", json={"namespace": ["n"], "key": "k", "value": {}})
    assert client.post("/__mockserver/reset").status_code in (200, 204)
    assert client.post("/store/namespaces", json={}).json() == {"namespaces": []}


# --- the official client ------------------------------------------------------------------


@pytest.fixture
def sdk(mock: LiveServer) -> Iterator[SyncLangGraphClient]:
    """The SDK's sync client on the live mock (api_key=None: read no key from the environment)."""
    with get_sync_client(url=mock.url, api_key=None, timeout=10) as client:
        yield client


def _untimed(value: Any) -> Any:
    return json.loads(TIME.sub("<time>", json.dumps(value)))


def test_the_sdk_store_methods_answer_as_on_the_real_server(sdk: SyncLangGraphClient) -> None:
    # Each call and what langgraph-sdk 0.4.14 returned for it against langgraph dev.
    assert sdk.store.put_item(["sdk", "u1"], "k", {"a": 1}, ttl=3, index=False) is None
    assert sdk.store.put_item(["sdk", "u2"], "k", {"a": 2}) is None
    assert _untimed(sdk.store.get_item(["sdk", "u1"], "k", refresh_ttl=True)) == {
        "namespace": ["sdk", "u1"],
        "key": "k",
        "value": {"a": 1},
        "created_at": "<time>",
        "updated_at": "<time>",
    }
    assert sdk.store.get_item(["sdk", "u1"], "nope") is None
    found = sdk.store.search_items(["sdk"], filter={"a": {"$gt": 1}}, limit=5, query="q")
    assert _untimed(found) == {
        "items": [
            {
                "namespace": ["sdk", "u2"],
                "key": "k",
                "value": {"a": 2},
                "created_at": "<time>",
                "updated_at": "<time>",
                "score": None,
            }
        ]
    }
    listed = sdk.store.list_namespaces(prefix=["sdk"], max_depth=2, limit=10)
    assert listed == {"namespaces": [["sdk", "u1"], ["sdk", "u2"]]}
    assert sdk.store.delete_item(["sdk", "u1"], "k") is None
    assert sdk.store.get_item(["sdk", "u1"], "k") is None


def test_the_sdk_raises_what_the_real_server_makes_it_raise(sdk: SyncLangGraphClient) -> None:
    label = "Namespace label '' must be a non-empty string without periods"
    with pytest.raises(UnprocessableEntityError) as refused:
        sdk.store.put_item(["", "x"], "k", {})
    assert refused.value.body == label
    with pytest.raises(UnprocessableEntityError) as refused:
        sdk.store.delete_item([""], "k")
    assert refused.value.body == label
    with pytest.raises(BadRequestError, match=r"^Namespace cannot be empty\.$"):
        sdk.store.put_item([], "k", {})
    sdk.store.put_item(["sdk"], "k", {"a": 2})
    with pytest.raises(BadRequestError, match=r"^Unsupported operator: \$in$"):
        sdk.store.search_items(["sdk"], filter={"a": {"$in": [2]}})


def test_the_async_sdk_store(mock: LiveServer) -> None:
    async def scenario() -> None:
        async with get_client(url=mock.url, api_key=None, timeout=10) as client:
            await client.store.put_item(["mem", "alice"], "likes", {"food": "pizza"})
            item = await client.store.get_item(["mem", "alice"], "likes")
            assert item["value"] == {"food": "pizza"}
            found = await client.store.search_items(["mem"], filter={"food": "pizza"})
            assert [i["key"] for i in found["items"]] == ["likes"]
            listed = await client.store.list_namespaces(suffix=["alice"])
            assert listed == {"namespaces": [["mem", "alice"]]}
            await client.store.delete_item(["mem", "alice"], "likes")
            assert await client.store.get_item(["mem", "alice"], "likes") is None

    asyncio.run(scenario())
