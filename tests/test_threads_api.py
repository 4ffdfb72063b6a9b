"""Thread operations over HTTP: create, get, patch, delete, search, count, copy; system routes
and routing. Each test reads as a transcript: request, status, body."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import yaml

from conftest import SPEC_PATH
from rejections import locations

THREAD_KEYS = [
    "thread_id",
    "created_at",
    "updated_at",
    "state_updated_at",
    "metadata",
    "status",
    "config",
    "values",
]
WRITTEN_THREAD_KEYS = [*THREAD_KEYS, "error", "interrupts"]
RESERVED = {
    "thread_id": "abc",
    "assistant_id": "a",
    "run_id": "r",
    "cron_id": "c",
    "counters_since_delta_snapshot": 3,
}
NO_GRAPH = (
    "Thread '{tid}' has no assigned graph ID. This usually occurs when no runs have been made on "
    "this particular thread. This operation requires a graph ID. Please ensure a run has been "
    "made for the thread or manually update the thread metadata (by setting the 'graph_id' "
    "field) before running this operation."
)
MISSING = "7a89f0ca-26e8-4622-94d1-efb972e7a947"


# --- helpers -----------------------------------------------------------------------------------


def create(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/threads", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def new_thread(client: httpx.Client, **metadata: Any) -> str:
    return str(create(client, metadata=metadata)["thread_id"])


def get_thread(client: httpx.Client, thread_id: str) -> dict[str, Any]:
    response = client.get(f"/threads/{thread_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def write(client: httpx.Client, thread_id: str, **body: Any) -> str:
    """POST /state; the new checkpoint id."""
    response = client.post(f"/threads/{thread_id}/state", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["checkpoint_id"])


def history(client: httpx.Client, thread_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/threads/{thread_id}/history", params={"limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json())


def search(client: httpx.Client, **body: Any) -> httpx.Response:
    response = client.post("/threads/search", json=body)
    assert response.status_code == 200, response.text
    return response


def ids_of(response: httpx.Response) -> list[str]:
    return [t["thread_id"] for t in response.json()]


def count(client: httpx.Client, **body: Any) -> int:
    response = client.post("/threads/count", json=body)
    assert response.status_code == 200, response.text
    return int(response.json())


def when(timestamp: str) -> datetime:
    """An ISO-8601 timestamp as the real server writes it: `+00:00`, never `Z`."""
    assert timestamp.endswith("+00:00"), timestamp
    return datetime.fromisoformat(timestamp)


def assert_invalid(response: httpx.Response, location: str) -> None:
    """A 422 listing `location` among its violations, with a one-line `detail`."""
    assert response.status_code == 422, response.text
    assert set(response.json()) == {"detail"}
    assert location in locations(response)


# --- POST /threads -----------------------------------------------------------------------------


def test_create_generates_a_uuid7_and_answers_a_never_written_thread(
    client: httpx.Client,
) -> None:
    before = datetime.now(UTC)
    response = client.post("/threads", json={})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == THREAD_KEYS
    assert uuid.UUID(body["thread_id"]).version == 7
    assert str(uuid.UUID(body["thread_id"])) == body["thread_id"]
    assert body["metadata"] == {}
    assert body["status"] == "idle"
    assert body["config"] == {}
    assert body["values"] is None
    for key in ("created_at", "updated_at", "state_updated_at"):
        assert before <= when(body[key]) <= datetime.now(UTC)
    assert get_thread(client, body["thread_id"]) == body


def test_create_generates_a_new_id_each_time(client: httpx.Client) -> None:
    first, second = new_thread(client), new_thread(client)
    assert first != second
    assert count(client) == 2


def test_create_with_an_explicit_id(client: httpx.Client) -> None:
    thread_id = "54b46f2d-f3c4-458a-8ef9-3baf5be31abd"
    body = create(client, thread_id=thread_id, metadata={"owner": "bob"})
    assert body["thread_id"] == thread_id
    assert body["metadata"] == {"owner": "bob"}
    assert get_thread(client, thread_id)["metadata"] == {"owner": "bob"}


@pytest.mark.parametrize(
    "given",
    [
        pytest.param("54b46f2df3c4458a8ef93baf5be31abd", id="#13 no dashes"),
        pytest.param("54B46F2D-F3C4-458A-8EF9-3BAF5BE31ABD", id="#14 uppercase"),
        pytest.param("54B46F2DF3C4458A8EF93BAF5BE31ABD", id="uppercase, no dashes"),
    ],
)
def test_create_normalises_the_id(client: httpx.Client, given: str) -> None:
    canonical = "54b46f2d-f3c4-458a-8ef9-3baf5be31abd"
    assert create(client, thread_id=given)["thread_id"] == canonical
    assert get_thread(client, canonical)["thread_id"] == canonical
    # The path takes the same spellings and finds the same thread.
    assert get_thread(client, given)["thread_id"] == canonical
    # ...and a second create with the other spelling is the same id.
    response = client.post("/threads", json={"thread_id": canonical})
    assert response.status_code == 409


@pytest.mark.parametrize(
    "if_exists",
    [pytest.param({}, id="#8 default"), pytest.param({"if_exists": "raise"}, id="#9 raise")],
)
def test_create_a_taken_id_is_a_conflict(client: httpx.Client, if_exists: dict[str, str]) -> None:
    thread_id = "54b46f2d-f3c4-458a-8ef9-3baf5be31abd"
    original = create(client, thread_id=thread_id, metadata={"owner": "bob"})
    response = client.post(
        "/threads", json={"thread_id": thread_id, "metadata": {"owner": "carol"}, **if_exists}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": f"Thread with ID {thread_id} already exists"}
    assert get_thread(client, thread_id) == original


def test_create_do_nothing_returns_the_existing_thread_unchanged(client: httpx.Client) -> None:
    thread_id = "54b46f2d-f3c4-458a-8ef9-3baf5be31abd"
    original = create(client, thread_id=thread_id, metadata={"graph_id": "agent", "owner": "bob"})
    write(client, thread_id, values={"topic": "kept"})
    existing = get_thread(client, thread_id)
    body = create(
        client,
        thread_id=thread_id,
        if_exists="do_nothing",
        metadata={"owner": "carol"},
        supersteps=[{"updates": [{"values": {"topic": "new"}, "as_node": "agent"}]}],
    )
    assert body == existing  # #10: new metadata and supersteps are ignored
    assert body["metadata"] == original["metadata"]
    assert body["values"]["topic"] == "kept"
    assert count(client) == 1


def test_create_strips_reserved_metadata_keys(client: httpx.Client) -> None:  # #18
    body = create(client, metadata={**RESERVED, "keep": True, "graph_id": "agent"})
    assert body["metadata"] == {"keep": True, "graph_id": "agent"}
    assert get_thread(client, body["thread_id"])["metadata"] == {"keep": True, "graph_id": "agent"}


def test_create_ignores_unknown_fields(client: httpx.Client) -> None:  # #17
    body = create(client, foo="bar", metadata={"a": 1})
    assert "foo" not in body
    assert body["metadata"] == {"a": 1}


@pytest.mark.parametrize(
    ("body", "location"),
    [
        pytest.param({"if_exists": "replace"}, "body.if_exists", id="#11 if_exists enum"),
        pytest.param({"metadata": "oops"}, "body.metadata", id="#15 metadata a string"),
        pytest.param({"metadata": None}, "body.metadata", id="#16 metadata null"),
        pytest.param({"metadata": [1]}, "body.metadata", id="metadata a list"),
        pytest.param({"thread_id": "not-a-uuid"}, "body.thread_id", id="#12 thread_id"),
        pytest.param({"ttl": {"strategy": "never"}}, "body.ttl.strategy", id="ttl strategy"),
        pytest.param(
            {"metadata": {"graph_id": "agent"}, "supersteps": [{"updates": [{"values": {}}]}]},
            "body.supersteps[0].updates[0]",
            id="#27 superstep without as_node",
        ),
        pytest.param({"supersteps": [{}]}, "body.supersteps[0]", id="superstep without updates"),
        pytest.param([], "body", id="#19 a JSON array"),
        pytest.param(None, "body", id="#5 JSON null"),
    ],
)
def test_create_refuses_a_body_that_breaks_the_spec(
    client: httpx.Client, body: Any, location: str
) -> None:
    response = client.post("/threads", json=body)
    assert_invalid(response, location)
    assert count(client) == 0


def test_create_reports_every_violation(client: httpx.Client) -> None:
    response = client.post("/threads", json={"if_exists": "replace", "metadata": "x"})
    assert response.status_code == 422
    body = response.json()
    assert locations(response) == ["body.if_exists", "body.metadata"]
    # The real server's words for the first violation, in its order (sorted by property).
    assert body == {
        "detail": (
            '"replace" is not one of "raise" or "do_nothing"\n\nFailed validating "enum" in '
            'schema["properties"]["if_exists"]\n\nOn instance["if_exists"]:\n    "replace"'
        )
    }


@pytest.mark.parametrize(
    "raw", [pytest.param(b"", id="#4 empty"), pytest.param(b"{nope", id="#20 not JSON")]
)
def test_create_refuses_a_body_that_is_not_json(client: httpx.Client, raw: bytes) -> None:
    response = client.post("/threads", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == "Invalid JSON in request body"
    assert count(client) == 0


def test_create_refuses_a_body_sent_as_another_media_type(client: httpx.Client) -> None:
    response = client.post(
        "/threads", content=b'{"metadata": {"a": 1}}', headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert count(client) == 0


def test_create_reads_a_body_without_content_type_as_json(client: httpx.Client) -> None:
    response = client.post("/threads", content=b'{"metadata": {"a": 1}}')
    assert response.status_code == 200
    assert response.json()["metadata"] == {"a": 1}


def test_create_accepts_a_ttl_and_never_returns_it(client: httpx.Client) -> None:  # #21, #32
    body = create(client, ttl={"strategy": "delete", "ttl": 5})
    assert list(body) == THREAD_KEYS
    response = client.get(f"/threads/{body['thread_id']}", params={"include": "ttl"})
    assert response.status_code == 200
    assert "ttl" not in response.json()


SUPERSTEPS_22 = [
    {
        "updates": [
            {
                "values": {"messages": [{"role": "user", "content": "hi"}], "topic": "t0"},
                "as_node": "__input__",
            }
        ]
    },
    {
        "updates": [
            {
                "values": {"messages": [{"role": "ai", "content": "hello", "id": "a1"}]},
                "as_node": "agent",
            }
        ]
    },
]


def test_create_with_supersteps_writes_one_checkpoint_each(client: httpx.Client) -> None:  # #22
    body = create(client, metadata={"graph_id": "agent"}, supersteps=SUPERSTEPS_22)
    thread_id = body["thread_id"]
    assert list(body) == WRITTEN_THREAD_KEYS
    assert body["status"] == "interrupted"
    assert body["error"] is None
    assert body["interrupts"] == {}
    # The input waits in __start__ and never reaches the state; the agent's write does.
    assert [(m["type"], m["content"], m["id"]) for m in body["values"]["messages"]] == [
        ("ai", "hello", "a1")
    ]
    assert "topic" not in body["values"]
    assert get_thread(client, thread_id) == body

    newest, oldest = history(client, thread_id)  # #25: exactly two checkpoints
    assert oldest["metadata"] == {
        "graph_id": "agent",
        "thread_id": thread_id,
        "source": "input",
        "step": -1,
        "parents": {},
    }
    assert oldest["values"] == {"messages": []}
    assert oldest["next"] == ["__start__"]
    assert oldest["parent_checkpoint"] is None
    assert newest["metadata"] == {
        "checkpoint_id": oldest["checkpoint_id"],
        "thread_id": thread_id,
        "source": "update",
        "step": 0,
        "parents": {},
    }
    assert newest["next"] == ["tools"]
    assert newest["parent_checkpoint_id"] == oldest["checkpoint_id"]
    assert newest["values"] == body["values"]


def test_create_with_supersteps_but_no_graph_is_a_201_and_the_thread_exists(
    client: httpx.Client,
) -> None:  # #26
    thread_id = str(uuid.uuid4())
    response = client.post(
        "/threads",
        json={
            "thread_id": thread_id,
            "supersteps": [{"updates": [{"values": {"topic": "x"}, "as_node": "agent"}]}],
        },
    )
    assert response.status_code == 201
    assert response.json() == {
        "detail": f"Thread {thread_id} was created, but there were problems updating the state: "
        + NO_GRAPH.format(tid=thread_id)
    }
    thread = get_thread(client, thread_id)
    assert thread["values"] is None
    assert thread["status"] == "idle"
    assert history(client, thread_id) == []


def test_create_with_a_superstep_command_applies_its_update(client: httpx.Client) -> None:  # #28
    body = create(
        client,
        metadata={"graph_id": "agent"},
        supersteps=[
            {"updates": [{"command": {"update": {"topic": "cmd"}}, "as_node": "agent"}]},
        ],
    )
    assert body["values"] == {"messages": [], "topic": "cmd"}
    assert body["status"] == "interrupted"
    (only,) = history(client, body["thread_id"])
    assert only["next"] == ["tools"]
    assert only["values"] == {"messages": [], "topic": "cmd"}


def test_create_with_a_superstep_command_goto(client: httpx.Client) -> None:
    body = create(
        client,
        metadata={"graph_id": "agent"},
        supersteps=[
            {
                "updates": [
                    {"command": {"update": {"topic": "go"}, "goto": "agent"}, "as_node": "tools"}
                ]
            },
        ],
    )
    (only,) = history(client, body["thread_id"])
    assert only["next"] == ["agent"]
    assert only["values"]["topic"] == "go"


def test_create_with_a_superstep_on_an_unknown_node_is_400_but_keeps_the_thread(
    client: httpx.Client,
) -> None:  # real: 400, and GET /threads/{id} answers 200 (values null)
    thread_id = str(uuid.uuid4())
    response = client.post(
        "/threads",
        json={
            "thread_id": thread_id,
            "metadata": {"graph_id": "agent"},
            "supersteps": [{"updates": [{"values": {"topic": "x"}, "as_node": "nope"}]}],
        },
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Node nope does not exist"}
    assert get_thread(client, thread_id)["values"] is None
    assert history(client, thread_id) == []


def test_create_keeps_the_supersteps_before_a_refused_one(client: httpx.Client) -> None:
    thread_id = str(uuid.uuid4())
    response = client.post(
        "/threads",
        json={
            "thread_id": thread_id,
            "metadata": {"graph_id": "agent"},
            "supersteps": [
                {"updates": [{"values": {"topic": "a"}, "as_node": "agent"}]},
                {"updates": [{"values": {"topic": "b"}, "as_node": "nope"}]},
            ],
        },
    )
    assert response.status_code == 400
    (only,) = history(client, thread_id)
    assert (only["values"]["topic"], only["next"]) == ("a", ["tools"])


def test_create_with_two_writes_to_a_last_value_channel_in_one_superstep_is_400(
    client: httpx.Client,
) -> None:  # LangGraph's LastValue takes one write per step
    response = client.post(
        "/threads",
        json={
            "metadata": {"graph_id": "agent"},
            "supersteps": [
                {
                    "updates": [
                        {"values": {"topic": "a"}, "as_node": "agent"},
                        {"values": {"topic": "b"}, "as_node": "tools"},
                    ]
                }
            ],
        },
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "At key 'topic': Can receive only one value per step."
    )


# --- GET / PATCH / DELETE /threads/{id} --------------------------------------------------------


def test_get_a_never_written_thread_has_values_null_and_no_error_or_interrupts(
    client: httpx.Client, thread_id: str
) -> None:
    body = get_thread(client, thread_id)
    assert list(body) == THREAD_KEYS
    assert body["values"] is None
    assert body["status"] == "idle"


def test_get_a_written_thread_gains_error_and_interrupts_in_order(
    client: httpx.Client, thread_id: str
) -> None:  # #58
    created = get_thread(client, thread_id)
    write(client, thread_id)
    body = get_thread(client, thread_id)
    assert list(body) == WRITTEN_THREAD_KEYS
    assert body["values"] == {"messages": []}
    assert body["status"] == "interrupted"
    assert body["error"] is None
    assert body["interrupts"] == {}
    assert body["created_at"] == created["created_at"]
    assert body["updated_at"] == body["state_updated_at"]
    assert when(body["state_updated_at"]) > when(created["state_updated_at"])


@pytest.mark.parametrize(
    ("method", "body"),
    [pytest.param("GET", None, id="#33 get"), pytest.param("DELETE", None, id="#45 delete")],
)
def test_an_unknown_thread_is_404(client: httpx.Client, method: str, body: Any) -> None:
    response = client.request(method, f"/threads/{MISSING}", json=body)
    assert response.status_code == 404
    assert response.json() == {"detail": f"Thread with ID {MISSING} not found"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("GET", "/threads/not-a-uuid", None, id="#34 get"),
        pytest.param("PATCH", "/threads/nope", {"metadata": {}}, id="#41 patch"),
        pytest.param("DELETE", "/threads/nope", None, id="#47 delete"),
    ],
)
def test_a_malformed_thread_id_is_422(
    client: httpx.Client, method: str, path: str, body: Any
) -> None:
    assert_invalid(client.request(method, path, json=body), "path.thread_id")


def test_patch_merges_metadata_top_level_keys(client: httpx.Client) -> None:  # #35, #36
    thread_id = new_thread(client, graph_id="agent", owner="alice", n=1)
    response = client.patch(
        f"/threads/{thread_id}", json={"metadata": {"owner": "alice2", "extra": [1, 2]}}
    )
    assert response.status_code == 200
    assert list(response.json()) == THREAD_KEYS
    assert response.json()["metadata"] == {
        "graph_id": "agent",
        "owner": "alice2",
        "n": 1,
        "extra": [1, 2],
    }
    response = client.patch(f"/threads/{thread_id}", json={"metadata": {"extra": None}})
    assert response.status_code == 200
    expected = {"graph_id": "agent", "owner": "alice2", "n": 1, "extra": None}
    assert response.json()["metadata"] == expected  # a null value is kept, not a deletion
    assert get_thread(client, thread_id)["metadata"] == expected


def test_patch_replaces_a_nested_value_whole(client: httpx.Client) -> None:
    thread_id = new_thread(client, prefs={"a": 1, "b": 2})
    response = client.patch(f"/threads/{thread_id}", json={"metadata": {"prefs": {"c": 3}}})
    assert response.status_code == 200
    assert response.json()["metadata"] == {"prefs": {"c": 3}}


def test_patch_touches_updated_at_but_not_the_state(client: httpx.Client, thread_id: str) -> None:
    write(client, thread_id, values={"topic": "t"})
    before = get_thread(client, thread_id)
    response = client.patch(f"/threads/{thread_id}", json={"metadata": {"m": 1}})
    assert response.status_code == 200
    after = response.json()
    assert when(after["updated_at"]) > when(before["updated_at"])
    assert after["state_updated_at"] == before["state_updated_at"]
    assert after["created_at"] == before["created_at"]
    assert after["values"] == before["values"]
    assert after["status"] == before["status"]
    assert len(history(client, thread_id)) == 1


def test_patch_with_an_empty_body_object_keeps_the_metadata(client: httpx.Client) -> None:  # #37
    thread_id = new_thread(client, owner="alice")
    response = client.patch(f"/threads/{thread_id}", json={})
    assert response.status_code == 200
    assert response.json()["metadata"] == {"owner": "alice"}


def test_patch_strips_reserved_metadata_keys(client: httpx.Client) -> None:
    thread_id = new_thread(client, owner="alice")
    response = client.patch(f"/threads/{thread_id}", json={"metadata": {**RESERVED, "x": 1}})
    assert response.status_code == 200
    assert response.json()["metadata"] == {"owner": "alice", "x": 1}


def test_patch_prefer_return_minimal_is_204_with_no_body(
    client: httpx.Client, thread_id: str
) -> None:  # #38
    response = client.patch(
        f"/threads/{thread_id}", json={"metadata": {"m": 1}}, headers={"Prefer": "return=minimal"}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert get_thread(client, thread_id)["metadata"] == {"graph_id": "agent", "m": 1}


def test_patch_an_unknown_thread_says_not_found(client: httpx.Client) -> None:  # #40
    response = client.patch(f"/threads/{MISSING}", json={"metadata": {"a": 1}})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert count(client) == 0


@pytest.mark.parametrize(
    ("body", "location"),
    [
        pytest.param({"metadata": "x"}, "body.metadata", id="#39 metadata a string"),
        pytest.param({"ttl": {"ttl": "soon"}}, "body.ttl.ttl", id="ttl not a number"),
    ],
)
def test_patch_refuses_a_body_that_breaks_the_spec(
    client: httpx.Client, thread_id: str, body: Any, location: str
) -> None:
    before = get_thread(client, thread_id)
    assert_invalid(client.patch(f"/threads/{thread_id}", json=body), location)
    assert get_thread(client, thread_id) == before


def test_patch_without_a_body_is_422(client: httpx.Client, thread_id: str) -> None:  # #42
    response = client.patch(f"/threads/{thread_id}")
    assert response.status_code == 422
    assert response.json()["detail"] == "Invalid JSON in request body"


def test_delete_is_204_with_no_body(client: httpx.Client, thread_id: str) -> None:  # #44
    response = client.delete(f"/threads/{thread_id}")
    assert response.status_code == 204
    assert response.content == b""
    assert count(client) == 0
    assert search(client).json() == []


def test_delete_forgets_only_that_thread(client: httpx.Client, thread_id: str) -> None:
    other = new_thread(client, graph_id="agent")
    write(client, other, values={"topic": "kept"})
    assert client.delete(f"/threads/{thread_id}").status_code == 204
    assert ids_of(search(client)) == [other]
    assert get_thread(client, other)["values"]["topic"] == "kept"


def test_delete_then_create_the_same_id_again(client: httpx.Client, thread_id: str) -> None:
    write(client, thread_id, values={"topic": "old"})
    assert client.delete(f"/threads/{thread_id}").status_code == 204
    body = create(client, thread_id=thread_id)
    assert body["values"] is None
    assert body["metadata"] == {}
    assert history(client, thread_id) == []


THREAD_ROUTES = [
    pytest.param("GET", "/threads/{tid}", None, id="GET thread"),
    pytest.param("PATCH", "/threads/{tid}", {"metadata": {"a": 1}}, id="PATCH thread"),
    pytest.param("DELETE", "/threads/{tid}", None, id="DELETE thread"),
    pytest.param("POST", "/threads/{tid}/copy", None, id="POST copy"),
    pytest.param("GET", "/threads/{tid}/state", None, id="GET state"),
    pytest.param("POST", "/threads/{tid}/state", {"values": {"topic": "x"}}, id="POST state"),
    pytest.param("GET", "/threads/{tid}/state/{cid}", None, id="GET state at checkpoint"),
    pytest.param(
        "POST", "/threads/{tid}/state/checkpoint", {"checkpoint": {}}, id="POST state at checkpoint"
    ),
    pytest.param("GET", "/threads/{tid}/history", None, id="GET history"),
    pytest.param("POST", "/threads/{tid}/history", {"limit": 10}, id="POST history"),
    pytest.param("GET", "/threads/{tid}/storage", None, id="GET storage"),
]


@pytest.mark.parametrize(("method", "template", "body"), THREAD_ROUTES)
def test_a_deleted_thread_is_404_on_every_thread_route(
    client: httpx.Client, thread_id: str, method: str, template: str, body: Any
) -> None:  # #45, #46
    checkpoint_id = write(client, thread_id, values={"topic": "gone"})
    assert client.delete(f"/threads/{thread_id}").status_code == 204
    path = template.format(tid=thread_id, cid=checkpoint_id)
    response = client.request(method, path, json=body)
    assert response.status_code == 404
    detail = "Not Found" if method == "PATCH" else f"Thread with ID {thread_id} not found"
    assert response.json() == {"detail": detail}
    assert count(client) == 0  # nothing came back to life


# --- POST /threads/prune, GET /threads/{thread_id}/storage ---------------------------------------


def prune(client: httpx.Client, thread_ids: list[str], **body: Any) -> httpx.Response:
    return client.post("/threads/prune", json={"thread_ids": thread_ids, **body})


def test_prune_deletes_the_threads_and_skips_unknown_ones(
    client: httpx.Client, thread_id: str
) -> None:
    kept = new_thread(client)
    write(client, thread_id, values={"topic": "x"})
    response = prune(client, [thread_id, thread_id.upper(), MISSING])
    assert (response.status_code, response.json()) == (200, {"pruned_count": 1})
    assert ids_of(search(client)) == [kept]
    assert client.get(f"/threads/{thread_id}/history").status_code == 404


def test_keep_latest_is_not_supported_in_memory(client: httpx.Client, thread_id: str) -> None:
    refused = prune(client, [thread_id, MISSING], strategy="keep_latest")
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": "keep_latest strategy is not supported in in-memory runtime"
    }
    assert count(client) == 1
    # with nothing to prune, any strategy prunes nothing
    assert prune(client, [], strategy="keep_latest").json() == {"pruned_count": 0}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param(
            {"thread_ids": ["nope"]}, "Invalid thread ID: must be a UUID", id="not a uuid"
        ),
        pytest.param(
            {"thread_ids": [], "strategy": "all"},
            '"all" is not one of "delete" or "keep_latest"\n\nFailed validating "enum" in '
            'schema["properties"]["strategy"]\n\nOn instance["strategy"]:\n    "all"',
            id="strategy",
        ),
    ],
)
def test_prune_refusals_are_worded_as_the_real_servers(
    client: httpx.Client, body: dict[str, Any], detail: str
) -> None:
    response = client.post("/threads/prune", json=body)
    assert (response.status_code, response.json()) == (422, {"detail": detail})


def test_storage_counts_what_the_thread_holds(client: httpx.Client, thread_id: str) -> None:
    empty = client.get(f"/threads/{thread_id}/storage").json()
    assert (empty["thread_id"], empty["total_bytes"], empty["checkpoints"]) == (
        thread_id,
        0,
        {"count": 0, "bytes": 0},
    )
    write(client, thread_id, values={"topic": "a"})
    write(client, thread_id, values={"messages": [{"role": "user", "content": "hi"}]})
    report = client.get(f"/threads/{thread_id}/storage").json()
    assert report["checkpoints"]["count"] == 2
    assert {k: v["versions"] for k, v in report["channel_values"]["by_channel"].items()} == {
        "topic": 1,  # shared by both checkpoints
        "messages": 1,
    }


# --- POST /threads/search and /threads/count ---------------------------------------------------


@pytest.fixture
def population(client: httpx.Client) -> dict[str, str]:
    """Five threads, created in this order (so `updated_at` ascends in this order too):

    fresh    never written, owner bob
    weather  interrupted, topic weather, message m1, owner alice, tags [x, y]
    done     idle after as_node tools, topic done, owner alice, nested {k: 1, j: 2}
    other    interrupted, interrupter graph, topic weather
    bare     never written, no metadata
    """
    names = {}
    names["fresh"] = new_thread(client, owner="bob")
    names["weather"] = new_thread(client, graph_id="agent", owner="alice", tags=["x", "y"])
    write(
        client,
        names["weather"],
        values={"topic": "weather", "messages": [{"role": "user", "content": "hi", "id": "m1"}]},
    )
    names["done"] = new_thread(client, graph_id="agent", owner="alice", nested={"k": 1, "j": 2})
    write(client, names["done"], values={"topic": "done"}, as_node="tools")
    names["other"] = new_thread(client, graph_id="interrupter")
    write(client, names["other"], values={"topic": "weather"})
    names["bare"] = new_thread(client)
    return names


FILTERS = [
    pytest.param({}, ["bare", "other", "done", "weather", "fresh"], id="no filter"),
    pytest.param({"metadata": {"owner": "alice"}}, ["done", "weather"], id="metadata"),
    pytest.param(
        {"metadata": {"owner": "alice", "graph_id": "agent"}},
        ["done", "weather"],
        id="metadata, two keys",
    ),
    pytest.param({"metadata": {"owner": "carol"}}, [], id="metadata, no match"),
    pytest.param({"metadata": {"tags": ["y"]}}, ["weather"], id="metadata, list containment"),
    pytest.param({"metadata": {"nested": {"k": 1}}}, ["done"], id="metadata, nested containment"),
    pytest.param({"metadata": {"nested": {"k": 2}}}, [], id="metadata, nested mismatch"),
    pytest.param({"metadata": {"graph_id": "interrupter"}}, ["other"], id="metadata graph_id"),
    pytest.param(
        {"values": {"topic": "weather"}},
        ["other", "weather"],
        id="#188 values; never-written threads do not match",
    ),
    pytest.param(
        {"values": {"messages": [{"id": "m1"}]}}, ["weather"], id="values, message containment"
    ),
    pytest.param({"values": {"topic": "nope"}}, [], id="values, no match"),
    pytest.param({"status": "idle"}, ["bare", "done", "fresh"], id="status idle"),
    pytest.param({"status": "interrupted"}, ["other", "weather"], id="status interrupted"),
    pytest.param({"status": "busy"}, [], id="status busy"),
    pytest.param(
        {"status": "idle", "metadata": {"owner": "alice"}}, ["done"], id="filters combine with AND"
    ),
    pytest.param(
        {"values": {"topic": "weather"}, "metadata": {"graph_id": "agent"}},
        ["weather"],
        id="values AND metadata",
    ),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_search_filters(
    client: httpx.Client, population: dict[str, str], query: dict[str, Any], expected: list[str]
) -> None:
    response = search(client, **query)
    assert ids_of(response) == [population[name] for name in expected]
    assert response.headers["X-Pagination-Total"] == str(len(expected))
    assert "X-Pagination-Next" not in response.headers


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_count_equals_the_number_search_finds(
    client: httpx.Client, population: dict[str, str], query: dict[str, Any], expected: list[str]
) -> None:
    assert count(client, **query) == len(expected)
    assert count(client, **query) == len(search(client, **query, limit=1000).json())


def test_count_is_a_bare_integer(client: httpx.Client, population: dict[str, str]) -> None:
    response = client.post("/threads/count", json={})
    assert response.status_code == 200
    assert response.content == b"5"


def test_search_by_ids_takes_any_uuid_spelling(
    client: httpx.Client, population: dict[str, str]
) -> None:  # #185
    wanted = [population["weather"], population["fresh"]]
    spelled = [wanted[0].upper(), wanted[1].replace("-", "")]
    assert ids_of(search(client, ids=spelled)) == wanted
    assert ids_of(search(client, ids=[*spelled, MISSING])) == wanted


def test_search_returns_thread_bodies(client: httpx.Client, population: dict[str, str]) -> None:
    bodies = {t["thread_id"]: t for t in search(client).json()}
    for thread_id, body in bodies.items():
        assert body == get_thread(client, thread_id)
    assert list(bodies[population["fresh"]]) == THREAD_KEYS
    assert list(bodies[population["weather"]]) == WRITTEN_THREAD_KEYS


def test_search_default_order_is_updated_at_desc(
    client: httpx.Client, population: dict[str, str]
) -> None:
    # Patching the oldest thread makes it the most recently updated.
    assert client.patch(f"/threads/{population['fresh']}", json={"metadata": {}}).status_code == 200
    names = ["fresh", "bare", "other", "done", "weather"]
    assert ids_of(search(client)) == [population[name] for name in names]


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize(
    "key", ["thread_id", "status", "created_at", "updated_at", "state_updated_at"]
)
def test_search_sorts(
    client: httpx.Client, population: dict[str, str], key: str, order: str
) -> None:  # #189-191
    # Make updated_at disagree with created_at, so that the two sorts differ.
    client.patch(f"/threads/{population['weather']}", json={"metadata": {}})
    page = search(client, sort_by=key, sort_order=order).json()
    assert len(page) == 5
    parse = when if key.endswith("_at") else str
    keys = [parse(t[key]) for t in page]
    assert keys == sorted(keys, reverse=order == "desc")


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_search_sort_order_without_sort_by_keeps_the_default_order(
    client: httpx.Client, population: dict[str, str], order: str
) -> None:  # the real server reads sort_order only with a sort_by
    names = ["bare", "other", "done", "weather", "fresh"]
    assert ids_of(search(client, sort_order=order)) == [population[name] for name in names]


def test_search_sort_by_created_at_differs_from_updated_at(
    client: httpx.Client, population: dict[str, str]
) -> None:
    client.patch(f"/threads/{population['fresh']}", json={"metadata": {}})
    by_created = ids_of(search(client, sort_by="created_at", sort_order="asc"))
    by_updated = ids_of(search(client, sort_by="updated_at", sort_order="asc"))
    names = ["fresh", "weather", "done", "other", "bare"]
    assert by_created == [population[name] for name in names]
    assert by_updated == [population[name] for name in names[1:] + names[:1]]


def test_search_pages_with_limit_and_offset(
    client: httpx.Client, population: dict[str, str]
) -> None:  # #183, #184
    everything = ids_of(search(client, sort_by="created_at", sort_order="asc"))
    pages = []
    # As langgraph-api counts: offset+limit+1 while more rows follow, then offset + the rows.
    for offset, total, next_offset in [(0, "3", "2"), (2, "5", "4"), (4, "5", None)]:
        response = search(client, sort_by="created_at", sort_order="asc", limit=2, offset=offset)
        assert response.headers["X-Pagination-Total"] == total
        assert response.headers.get("X-Pagination-Next") == next_offset
        pages += ids_of(response)
    assert pages == everything


@pytest.mark.parametrize(
    ("limit", "offset", "size"),
    [
        pytest.param(5, 0, 5, id="exactly all"),
        pytest.param(10, 3, 2, id="past the end"),
        pytest.param(1000, 5, 0, id="offset at the end"),
        pytest.param(3, 50, 0, id="offset far past the end"),
    ],
)
def test_search_last_page_has_no_next(
    client: httpx.Client, population: dict[str, str], limit: int, offset: int, size: int
) -> None:
    response = search(client, limit=limit, offset=offset)
    assert len(response.json()) == size
    assert response.headers["X-Pagination-Total"] == str(offset + size)  # as langgraph-api says
    assert "X-Pagination-Next" not in response.headers


def test_search_limit_defaults_to_10(client: httpx.Client) -> None:
    for _ in range(11):
        new_thread(client)
    response = search(client)
    assert len(response.json()) == 10
    assert response.headers["X-Pagination-Total"] == "11"
    assert response.headers["X-Pagination-Next"] == "10"


def test_search_select_with_extract_keeps_extracted(
    client: httpx.Client, population: dict[str, str]
) -> None:  # real: [{"thread_id": ..., "status": ..., "extracted": {...}}]
    body = {
        "ids": [population["weather"]],
        "select": ["status", "thread_id"],
        "extract": {"t": "values.topic", "owner": "metadata.owner"},
    }
    (row,) = search(client, **body).json()
    assert row == {
        "thread_id": population["weather"],
        "status": "interrupted",
        "extracted": {"t": "weather", "owner": "alice"},
    }
    assert list(row) == ["thread_id", "status", "extracted"]  # the thread's order, not select's
    (bare,) = search(
        client, ids=[population["weather"]], select=["values"], extract={"o": "metadata.owner"}
    ).json()
    assert list(bare) == ["values", "extracted"]


@pytest.mark.parametrize(
    "select",
    [
        pytest.param(["thread_id", "status"], id="#192 thread_id,status"),
        pytest.param(["values", "metadata"], id="values,metadata"),
        pytest.param(["interrupts"], id="interrupts"),
        pytest.param(
            ["config", "created_at", "updated_at", "state_updated_at"], id="config, times"
        ),
    ],
)
def test_search_select_returns_only_those_keys(
    client: httpx.Client, population: dict[str, str], select: list[str]
) -> None:
    page = search(client, select=select, sort_by="created_at", sort_order="asc").json()
    full = search(client, sort_by="created_at", sort_order="asc").json()
    assert len(page) == len(full) == 5
    for selected, thread in zip(page, full, strict=True):
        # `interrupts` exists only on written threads, so it is selected only there.
        assert selected == {k: thread[k] for k in select if k in thread}


def test_search_extract_adds_the_picked_values(
    client: httpx.Client, population: dict[str, str]
) -> None:  # #193
    extract = {
        "t": "values.topic",
        "first": "values.messages[0].id",
        "last": "values.messages[-1].content",
        "owner": "metadata.owner",
        "missing": "values.nope.deeper",
    }
    (body,) = search(client, ids=[population["weather"]], extract=extract).json()
    assert body["extracted"] == {
        "t": "weather",
        "first": "m1",
        "last": "hi",
        "owner": "alice",
        "missing": None,
    }
    assert list(body) == [*WRITTEN_THREAD_KEYS, "extracted"]
    (fresh,) = search(client, ids=[population["fresh"]], extract={"t": "values.topic"}).json()
    assert fresh["extracted"] == {"t": None}


def test_search_extract_reads_paths_as_the_real_server(
    client: httpx.Client, thread_id: str
) -> None:  # langgraph_api.utils.extract.extract_path_value, checked on langgraph dev
    client.patch(f"/threads/{thread_id}", json={"metadata": {"owner": "ann", "_p": 1}})
    write(client, thread_id, values={"topic": "t", "messages": [{"role": "user", "content": "hi"}]})
    extract = {
        "skips_empty": "values..topic",
        "spaced_index": "values.messages[ 0 ].content",
        "private": "metadata._p",
        "index_into_text": "metadata.owner[0]",
        "dotted_index": "values.messages.0",
        "trailing_dot": "metadata.owner.",
    }
    (row,) = search(client, select=["thread_id"], extract=extract).json()
    assert row["extracted"] == {
        "skips_empty": "t",
        "spaced_index": "hi",
        "private": None,
        "index_into_text": None,
        "dotted_index": None,
        "trailing_dot": "ann",
    }


@pytest.mark.parametrize(
    ("extract", "detail"),
    [
        pytest.param(
            {"a": "thread_id"},
            "Extract path 'thread_id' must start with one of: config, interrupts, metadata, values",
            id="path root",
        ),
        pytest.param({"a": ""}, "Extract path for 'a' must be a non-empty string", id="empty"),
        pytest.param(
            {"config": "values.x"},
            "Extract keys cannot use reserved field names: ['config']",
            id="reserved key",
        ),
        pytest.param(
            {"a-b": "values.x"},
            "Extract key 'a-b' must be a valid identifier (letters, digits, underscores)",
            id="key not an identifier",
        ),
    ],
)
def test_search_refuses_a_bad_extract_in_the_real_servers_words(
    client: httpx.Client, extract: dict[str, str], detail: str
) -> None:  # langgraph_api.utils.extract.validate_extract, checked on langgraph dev
    response = client.post("/threads/search", json={"extract": extract})
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


def test_search_with_an_empty_ids_list_filters_nothing(
    client: httpx.Client, thread_id: str
) -> None:  # as on langgraph dev (`if ids:`)
    assert ids_of(search(client, ids=[])) == [thread_id]


@pytest.mark.parametrize(
    ("body", "location"),
    [
        pytest.param({"sort_by": "nope"}, "body.sort_by", id="#194 sort_by"),
        pytest.param({"sort_order": "up"}, "body.sort_order", id="sort_order"),
        pytest.param({"status": "sleeping"}, "body.status", id="#195 status"),
        pytest.param({"limit": 0}, "body.limit", id="#196 limit 0"),
        pytest.param({"limit": 1001}, "body.limit", id="#197 limit 1001"),
        pytest.param({"offset": -1}, "body.offset", id="#198 offset -1"),
        pytest.param({"select": ["nope"]}, "body.select[0]", id="#199 select"),
        pytest.param({"metadata": []}, "body.metadata", id="metadata a list"),
        pytest.param({"values": "x"}, "body.values", id="values a string"),
        pytest.param({"extract": {"a": 1}}, "body.extract.a", id="extract path not a string"),
    ],
)
def test_search_refuses_a_body_that_breaks_the_spec(
    client: httpx.Client, body: dict[str, Any], location: str
) -> None:
    assert_invalid(client.post("/threads/search", json=body), location)


@pytest.mark.parametrize(
    ("body", "location"),
    [
        pytest.param({"status": "sleeping"}, "body.status", id="#204 status"),
        pytest.param({"metadata": "x"}, "body.metadata", id="metadata"),
    ],
)
def test_count_refuses_a_body_that_breaks_the_spec(
    client: httpx.Client, body: dict[str, Any], location: str
) -> None:
    assert_invalid(client.post("/threads/count", json=body), location)


@pytest.mark.parametrize("path", ["/threads/search", "/threads/count"])
def test_search_and_count_need_a_body(client: httpx.Client, path: str) -> None:  # #181, #205
    response = client.post(path)
    assert response.status_code == 422
    assert response.json()["detail"] == "Invalid JSON in request body"


# --- POST /threads/{id}/copy ---------------------------------------------------------------------


@pytest.fixture
def lineage(client: httpx.Client) -> tuple[str, list[str]]:
    """Transcripts #146-150: three updates, then a fork from the first; the checkpoint ids."""
    thread_id = new_thread(client, graph_id="agent", owner="alice")
    first = write(client, thread_id, values={"topic": "one"})
    second = write(
        client,
        thread_id,
        values={"messages": [{"role": "ai", "content": "x", "id": "a1"}]},
        as_node="agent",
    )
    third = write(client, thread_id, values={"topic": "three"}, as_node="tools")
    fork = write(client, thread_id, values={"topic": "fork"}, checkpoint={"checkpoint_id": first})
    return thread_id, [fork, third, second, first]


def test_copy_has_a_new_id_and_the_same_metadata(
    client: httpx.Client, lineage: tuple[str, list[str]]
) -> None:  # #206
    source_id, _ = lineage
    source = get_thread(client, source_id)
    response = client.post(f"/threads/{source_id}/copy")
    assert response.status_code == 200
    copy = response.json()
    assert uuid.UUID(copy["thread_id"]).version == 4
    assert copy["thread_id"] != source_id
    assert copy["metadata"] == source["metadata"] == {"graph_id": "agent", "owner": "alice"}
    assert copy["config"] == source["config"]
    # As on the real server (#206-208): the copy's record has no values (nor interrupts or
    # error) and says idle until the copy is next written; its state has the copied values.
    assert "values" not in copy and copy["status"] == "idle"
    assert client.get(f"/threads/{copy['thread_id']}/state").json()["values"] == source["values"]
    assert when(copy["created_at"]) > when(source["created_at"])
    assert get_thread(client, copy["thread_id"]) == copy
    client.post(f"/threads/{copy['thread_id']}/state", json={"values": {"topic": "x"}})
    written = get_thread(client, copy["thread_id"])
    assert written["values"]["topic"] == "x" and {"error", "interrupts"} <= set(written)
    assert count(client) == 2


def test_a_copy_matches_every_values_filter_until_it_is_written(
    client: httpx.Client, thread_id: str
) -> None:  # as the real server: its record has no values key to filter on (fuzz seed 17)
    write(client, thread_id, values={"topic": "a"})
    copy_id = client.post(f"/threads/{thread_id}/copy").json()["thread_id"]
    assert count(client, values={"topic": "zzz"}) == 1
    assert count(client, values={"topic": "a"}) == 2
    found = search(client, values={"topic": "zzz"})
    assert ids_of(found) == [copy_id] and found.headers["x-pagination-total"] == "1"
    write(client, copy_id, values={"topic": "b"})
    assert count(client, values={"topic": "zzz"}) == 0


def test_copy_accepts_and_ignores_a_body(
    client: httpx.Client, lineage: tuple[str, list[str]]
) -> None:  # #207
    source_id, _ = lineage
    response = client.post(f"/threads/{source_id}/copy", json={"metadata": {"x": 1}})
    assert response.status_code == 200
    assert response.json()["metadata"] == {"graph_id": "agent", "owner": "alice"}


def test_copy_has_the_whole_history_with_the_thread_id_rewritten(
    client: httpx.Client, lineage: tuple[str, list[str]]
) -> None:  # #209, #210
    source_id, checkpoint_ids = lineage
    copy_id = client.post(f"/threads/{source_id}/copy").json()["thread_id"]
    source, copied = history(client, source_id), history(client, copy_id)
    assert [s["checkpoint_id"] for s in copied] == checkpoint_ids
    for original, state in zip(source, copied, strict=True):
        assert state["checkpoint"] == {
            "checkpoint_id": original["checkpoint_id"],
            "thread_id": copy_id,
            "checkpoint_ns": "",
        }
        if original["parent_checkpoint"] is None:
            assert state["parent_checkpoint"] is None
        else:
            assert state["parent_checkpoint"] == {
                **original["parent_checkpoint"],
                "thread_id": copy_id,
            }
        assert state["metadata"] == {**original["metadata"], "thread_id": copy_id}
        # Everything else is the same, task results included.
        for key in (
            "values",
            "next",
            "tasks",
            "created_at",
            "interrupts",
            "checkpoint_id",
            "parent_checkpoint_id",
        ):
            assert state[key] == original[key], key
    state = client.get(f"/threads/{copy_id}/state").json()
    assert state == copied[0]


def test_copy_is_independent_of_its_source(
    client: httpx.Client, lineage: tuple[str, list[str]]
) -> None:
    source_id, checkpoint_ids = lineage
    source_before, thread_before = history(client, source_id), get_thread(client, source_id)
    copy_id = client.post(f"/threads/{source_id}/copy").json()["thread_id"]
    # Run the fork's pending `agent` task on the copy: that records a task result on the copy's
    # checkpoint, adds a checkpoint, and changes the copy's values and metadata.
    write(client, copy_id, values={"topic": "copy"}, as_node="agent")
    write(client, copy_id, values={"topic": "copy-fork"}, checkpoint_id=checkpoint_ids[1])
    client.patch(f"/threads/{copy_id}", json={"metadata": {"owner": "carol"}})
    assert history(client, source_id) == source_before
    assert get_thread(client, source_id) == thread_before
    copied = history(client, copy_id)
    assert len(copied) == len(checkpoint_ids) + 2
    assert copied[2]["tasks"][0]["result"] == {"topic": "copy"}
    assert source_before[0]["tasks"][0]["result"] is None


def test_copy_of_a_never_written_thread(client: httpx.Client) -> None:
    source_id = new_thread(client, owner="bob")
    response = client.post(f"/threads/{source_id}/copy")
    assert response.status_code == 200
    copy = response.json()
    assert "values" not in copy  # a copy's record, as langgraph dev answers it
    assert copy["status"] == "idle"
    assert copy["metadata"] == {"owner": "bob"}
    assert history(client, copy["thread_id"]) == []


def test_the_copy_of_a_thread_that_ran_starts_with_an_empty_config(client: httpx.Client) -> None:
    source_id = new_thread(client, graph_id="agent")
    run = client.post(
        f"/threads/{source_id}/runs/wait", json={"assistant_id": "agent", "input": {"topic": "t"}}
    )
    assert run.status_code == 200
    assert get_thread(client, source_id)["config"] == {"configurable": {}}
    copy = client.post(f"/threads/{source_id}/copy").json()
    assert copy["config"] == {}  # real: `"config": {}` on the copy
    assert get_thread(client, copy["thread_id"])["config"] == {}


def test_the_copy_of_a_never_written_thread_works_like_a_fresh_thread(
    client: httpx.Client,
) -> None:  # docs/deviations.md #34: the real server answers 500 here, and its runs fail
    copy_id = client.post(f"/threads/{new_thread(client, graph_id='agent')}/copy").json()[
        "thread_id"
    ]
    assert client.get(f"/threads/{copy_id}/state").json()["values"] == {}
    write(client, copy_id, values={"topic": "t"})
    run = client.post(
        f"/threads/{copy_id}/runs/wait",
        json={"assistant_id": "agent", "input": {"messages": [{"role": "user", "content": "hi"}]}},
    )
    assert run.status_code == 200
    assert run.json()["topic"] == "t+tools"
    assert get_thread(client, copy_id)["status"] == "idle"


def test_copy_of_an_unknown_thread_is_404(client: httpx.Client) -> None:  # #211
    response = client.post(f"/threads/{MISSING}/copy")
    assert response.status_code == 404
    assert response.json() == {"detail": f"Thread with ID {MISSING} not found"}
    assert count(client) == 0


# --- system routes -----------------------------------------------------------------------------


def test_ok(client: httpx.Client) -> None:  # #1
    response = client.get("/ok")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "services": {}}


@pytest.mark.parametrize(
    ("query", "status"),
    [
        pytest.param({"check_db": "0"}, 200, id="0"),
        pytest.param({"check_db": "1"}, 200, id="1"),
        pytest.param({"check_db": "2"}, 200, id="any integer"),
        pytest.param({"check_db": "yes"}, 400, id="not an integer"),
    ],
)
def test_ok_check_db(client: httpx.Client, query: dict[str, str], status: int) -> None:
    # As langgraph dev reads it: int(check_db), a 400 in Python's words when that fails.
    response = client.get("/ok", params=query)
    assert response.status_code == status
    if status == 400:
        assert response.json() == {"detail": "invalid literal for int() with base 10: 'yes'"}


def test_info(client: httpx.Client) -> None:  # #2
    response = client.get("/info")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "0.16.7"
    assert body["langgraph_py_version"] == "1.2.22"
    assert body["flags"]["assistants"] is True
    assert body["host"]["kind"] == "mockserver"


def test_openapi_json_is_the_spec_the_mock_serves(client: httpx.Client) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    # The YAML, with the graphs the mock serves named where it names the deployment's graphs.
    packaged = SPEC_PATH.read_text("utf-8").replace("{graphs}", "agent, interrupter, slow")
    assert document == yaml.safe_load(packaged)
    assert "/threads/{thread_id}/state" in document["paths"]


# --- routing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/threads/x/y/z/w", id="#217 deep path"),
        pytest.param("GET", "/nope", id="unknown top level"),
        pytest.param("POST", "/threads/x/y", id="under a thread"),
        pytest.param("GET", "/assistants/x/y/z", id="deep under an assistant"),
    ],
)
def test_unknown_path_is_404(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("method", "template", "allowed"),
    [
        pytest.param("PUT", "/threads/{tid}", {"GET", "PATCH", "DELETE"}, id="#214 PUT thread"),
        pytest.param("DELETE", "/threads/{tid}/state", {"GET", "POST"}, id="#215 DELETE state"),
        pytest.param("GET", "/threads", {"POST"}, id="#218 GET /threads"),
        pytest.param("GET", "/assistants", {"POST"}, id="GET /assistants, as langgraph dev"),
        pytest.param("GET", "/threads/{tid}/copy", {"POST"}, id="GET copy"),
        pytest.param("GET", "/threads/search", {"POST"}, id="GET search, not a thread id"),
        pytest.param("GET", "/threads/count", {"POST"}, id="GET count, not a thread id"),
        pytest.param(
            "GET",
            "/threads/{tid}/state/checkpoint",
            {"POST"},
            id="GET state/checkpoint, not a checkpoint id",
        ),
        pytest.param("POST", "/ok", {"GET"}, id="POST /ok"),
        pytest.param("PATCH", "/threads/{tid}/history", {"GET", "POST"}, id="PATCH history"),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: httpx.Client, thread_id: str, method: str, template: str, allowed: set[str]
) -> None:
    response = client.request(method, template.format(tid=thread_id), json={})
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


@pytest.mark.parametrize(
    ("method", "template"),
    [
        pytest.param("POST", "/threads/", id="#216 POST /threads/"),
        pytest.param("GET", "/threads/{tid}/", id="GET thread/"),
        pytest.param("GET", "/threads/{tid}/state/", id="GET state/"),
        pytest.param("GET", "/ok/", id="GET ok/"),
    ],
)
def test_no_trailing_slash_redirect(
    client: httpx.Client, thread_id: str, method: str, template: str
) -> None:
    response = client.request(method, template.format(tid=thread_id), json={})
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.json() == {"detail": "Not Found"}
    assert count(client) == 1  # POST /threads/ created nothing


@pytest.mark.parametrize(
    "extract, where",
    [
        pytest.param(
            {"bad-alias": "values.topic"}, "body.extract.bad-alias", id="alias not an identifier"
        ),
        pytest.param(
            {"status": "values.topic"}, "body.extract.status", id="alias is a thread field"
        ),
        pytest.param({"t": "thread_id"}, "body.extract.t", id="path outside the four columns"),
        pytest.param({"t": ""}, "body.extract.t", id="empty path"),
    ],
)
def test_search_extract_follows_the_real_servers_rules(
    client: httpx.Client, extract: dict[str, str], where: str
) -> None:  # langgraph_api/utils/extract.py
    response = client.post("/threads/search", json={"extract": extract})
    assert response.status_code == 422
    assert where in locations(response)
