"""Assistants: the registry (system assistants, created ones, versions), over HTTP and through
the official SDK. What the real server answers is compared byte for byte in
test_assistants_differential.py; these tests read as the behaviour, one rule at a time."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from mockserver.assistant_records import assistant_id
from mockserver.assistants import AssistantRegistry
from mockserver.errors import BadRequest, Conflict

# what `langgraph dev` named the reference graphs' assistants (transcripts #156, #163, #175)
REAL_IDS = {
    "agent": "fe096781-5601-53d2-b2f6-0d3403f7e9ca",
    "interrupter": "fc7dd03f-cf33-529f-91df-327d1231b64e",
    "slow": "cad1b5ad-d177-59d1-ab39-5e327188ed3a",
}


def test_assistant_ids_are_the_real_servers() -> None:
    assert {graph: assistant_id(graph) for graph in REAL_IDS} == REAL_IDS


def test_search(client: httpx.Client) -> None:
    found = client.post("/assistants/search", json={})
    assert found.headers["x-pagination-total"] == "3"
    assert [a["graph_id"] for a in found.json()] == ["slow", "interrupter", "agent"]
    agent = found.json()[2]
    assert agent == {
        **agent,
        "assistant_id": REAL_IDS["agent"],
        "config": {},
        "context": {},
        "metadata": {"created_by": "system"},
        "name": "agent",
        "version": 1,
        "description": None,
    }
    by_name = client.post("/assistants/search", json={"name": "RUPT", "sort_by": "name"})
    assert [a["graph_id"] for a in by_name.json()] == ["interrupter"]
    ordered = client.post(
        "/assistants/search",
        json={"sort_by": "name", "sort_order": "asc", "select": ["name"], "limit": 1},
    )
    assert ordered.json() == [{"name": "agent"}]
    assert ordered.headers["x-pagination-total"] == "2"  # offset+limit+1, as langgraph-api says
    assert ordered.headers["x-pagination-next"] == "1"
    assert client.post("/assistants/search", json={"metadata": {"x": 1}}).json() == []
    assert client.post("/assistants/count", json={"graph_id": "agent"}).json() == 1


def test_get_graph_and_schemas(client: httpx.Client) -> None:
    agent = client.get(f"/assistants/{REAL_IDS['agent']}")
    assert agent.json()["graph_id"] == "agent"
    assert client.get("/assistants/agent").status_code == 422  # an id, as on the real server
    missing = client.get("/assistants/00000000-0000-0000-0000-000000000000")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    drawn = client.get("/assistants/interrupter/graph", params={"xray": "true"}).json()
    assert drawn["edges"] == [
        {"source": "__start__", "target": "ask"},
        {"source": "ask", "target": "finish"},
        {"source": "finish", "target": "__end__"},
    ]
    schemas = client.get(f"/assistants/{REAL_IDS['interrupter']}/schemas").json()
    assert schemas["state_schema"] == {
        "properties": {
            "messages": {"default": None, "items": {}, "title": "Messages", "type": "array"},
            "topic": {"default": None, "title": "Topic", "type": "string"},
        },
        "title": "interrupter_state",
        "type": "object",
    }


def test_an_unknown_graph_is_not_found(client: httpx.Client) -> None:
    for path in ("/assistants/search", "/assistants/count"):
        answer = client.post(path, json={"graph_id": "nope"})
        assert answer.status_code == 404
        assert answer.json() == {
            "detail": "Graph 'nope' not found. Expected one of: ['agent', 'interrupter', 'slow']"
        }


# --- the registry ------------------------------------------------------------------------------

MINE = "abcdef00-0000-0000-0000-000000000001"
THEIRS = "abcdef00-0000-0000-0000-000000000002"
START = "2026-01-01T00:00:00+00:00"


def registry() -> AssistantRegistry:
    return AssistantRegistry(["agent", "interrupter"], START)


def test_system_assistants_are_registered_when_the_server_starts() -> None:
    made = registry()
    assert [(a.assistant_id, a.name, a.version) for a in made.all()] == [
        (REAL_IDS["agent"], "agent", 1),
        (REAL_IDS["interrupter"], "interrupter", 1),
    ]
    assert [a.created_at for a in made.all()] == [START, "2026-01-01T00:00:00.000001+00:00"]
    assert [v.body() for v in made.versions(REAL_IDS["agent"])] == [
        {
            "assistant_id": REAL_IDS["agent"],
            "version": 1,
            "graph_id": "agent",
            "config": {},
            "context": {},
            "metadata": {"created_by": "system"},
            "created_at": START,
            "name": "agent",
            "description": None,
        }
    ]


def test_a_change_makes_new_records() -> None:
    made = registry()
    first = made.create("agent", assistant_id=MINE, metadata={"a": 1})
    assert first.created_at == first.updated_at
    second = made.patch(MINE, metadata={"b": 2})
    assert (first.version, first.metadata) == (1, {"a": 1})  # the old record is as it was
    assert (second.version, second.metadata) == (2, {"a": 1, "b": 2})
    assert second.created_at == first.created_at and second.updated_at > first.updated_at
    with pytest.raises(dataclasses.FrozenInstanceError):
        second.name = "x"  # type: ignore[misc]
    assert [v.created_at for v in made.versions(MINE)] == [second.updated_at, first.created_at]
    back = made.set_latest(MINE, 1)
    assert (back.version, back.metadata, made.get(MINE)) == (1, {"a": 1}, back)
    # a new version is numbered after the highest, whichever is current
    assert made.patch(MINE, name="n").version == 3


def test_config_and_context_are_kept_in_step() -> None:
    made = registry()
    by_config = made.create("agent", config={"configurable": {"x": 1}, "tags": ["t"]})
    assert (by_config.config, by_config.context) == (
        {"configurable": {"x": 1}, "tags": ["t"]},
        {"x": 1},
    )
    by_context = made.create("agent", context={"y": 2}, config={"tags": ["t"]})
    assert by_context.config == {"tags": ["t"], "configurable": {"y": 2}}
    with pytest.raises(BadRequest):
        made.create("agent", context={"y": 2}, config={"configurable": {"x": 1}})
    # a patch: a config without configurable replaces the config and keeps the context
    patched = made.patch(by_config.assistant_id, config={"tags": ["u"]})
    assert (patched.config, patched.context) == ({"tags": ["u"]}, {"x": 1})


def test_a_taken_id() -> None:
    made = registry()
    first = made.create("agent", assistant_id=MINE)
    with pytest.raises(Conflict, match=f"Assistant {MINE} already exists"):
        made.create("interrupter", assistant_id=MINE.upper())
    assert made.create("interrupter", assistant_id=MINE, if_exists="do_nothing") is first


def test_reset_keeps_the_system_assistants_as_they_started() -> None:
    made = registry()
    started = made.all()
    made.create("agent", assistant_id=MINE)
    made.patch(REAL_IDS["agent"], name="renamed")
    made.delete(REAL_IDS["interrupter"])
    made.reset()
    assert made.all() == started
    assert [v.version for v in made.versions(REAL_IDS["agent"])] == [1]


def test_search_orders_ties_as_they_were_created() -> None:
    made = registry()
    made.create("agent", assistant_id=THEIRS, name="b")
    made.create("agent", assistant_id=MINE, name="B")
    by_name = made.search(sort_by="name", sort_order="asc")
    assert [a.name for a in by_name] == ["agent", "b", "B", "interrupter"]
    assert [a.name for a in made.search(sort_by="NAME")] == ["interrupter", "b", "B", "agent"]
    # no sort_by: newest first, whatever sort_order says
    assert [a.name for a in made.search(sort_order="asc")] == ["B", "b", "interrupter", "agent"]


# --- over HTTP ---------------------------------------------------------------------------------

ASSISTANT_KEYS = [
    "assistant_id",
    "graph_id",
    "config",
    "context",
    "metadata",
    "name",
    "created_at",
    "updated_at",
    "version",
    "description",
]
HI = {"messages": [{"role": "user", "content": "hi", "id": "u1"}]}


def test_create_get_patch_and_versions(client: httpx.Client) -> None:
    made = client.post(
        "/assistants",
        json={"graph_id": "agent", "config": {"configurable": {"x": 1}}, "metadata": {"m": 1}},
    )
    assert made.status_code == 200
    body = made.json()
    assert list(body) == ASSISTANT_KEYS
    assert body == {
        **body,
        "config": {"configurable": {"x": 1}},
        "context": {"x": 1},
        "name": "Untitled",
        "version": 1,
        "description": None,
    }
    aid = body["assistant_id"]
    assert uuid.UUID(aid).version == 4
    assert client.get(f"/assistants/{aid.upper()}").json() == body
    patched = client.patch(f"/assistants/{aid}", json={"metadata": {"n": 2}, "name": "Two"})
    assert patched.json() == {
        **body,
        "metadata": {"m": 1, "n": 2},
        "name": "Two",
        "updated_at": patched.json()["updated_at"],
        "version": 2,
    }
    versions = client.post(f"/assistants/{aid}/versions", json={})
    assert [v["version"] for v in versions.json()] == [2, 1]
    assert list(versions.json()[0]) == [
        "assistant_id",
        "version",
        "graph_id",
        "config",
        "context",
        "metadata",
        "created_at",
        "name",
        "description",
    ]
    latest = client.post(f"/assistants/{aid}/latest", json={"version": 1})
    assert (latest.json()["name"], latest.json()["version"]) == ("Untitled", 1)
    assert client.post("/assistants/count", json={}).json() == 4
    missing = client.post(f"/assistants/{aid}/versions", json={"metadata": {"zz": 1}})
    assert (missing.status_code, missing.json()) == (404, {"detail": f"Assistant {aid} not found"})


def test_delete_cancels_the_assistants_runs(client: httpx.Client) -> None:
    aid = client.post("/assistants", json={"graph_id": "slow"}).json()["assistant_id"]
    tid = client.post("/threads", json={}).json()["thread_id"]
    running = client.post(f"/threads/{tid}/runs", json={"assistant_id": aid, "input": {}}).json()
    queued = client.post(f"/threads/{tid}/runs", json={"assistant_id": aid, "input": {}}).json()
    other = client.post("/threads", json={}).json()["thread_id"]
    kept = client.post(f"/threads/{other}/runs", json={"assistant_id": "slow", "input": {}}).json()
    assert client.delete(f"/assistants/{aid}").status_code == 204
    for run in (running, queued):
        assert client.get(f"/threads/{tid}/runs/{run['run_id']}").json()["status"] == "interrupted"
    assert client.get(f"/threads/{tid}").json()["status"] == "idle"
    assert client.get(f"/threads/{other}/runs/{kept['run_id']}").json()["status"] in (
        "pending",
        "running",
    )
    # the thread still names the assistant, which runs can no longer use
    again = client.post(f"/threads/{tid}/runs", json={"assistant_id": aid, "input": {}})
    assert (again.status_code, again.json()) == (404, {"detail": "Thread or assistant not found."})
    client.post(f"/threads/{other}/runs/{kept['run_id']}/cancel")


def test_delete_threads_deletes_the_threads_it_ran_on(client: httpx.Client) -> None:
    aid = client.post("/assistants", json={"graph_id": "agent"}).json()["assistant_id"]
    ran = client.post("/threads", json={}).json()["thread_id"]
    client.post(f"/threads/{ran}/runs/wait", json={"assistant_id": aid, "input": HI})
    other = client.post("/threads", json={}).json()["thread_id"]
    client.post(f"/threads/{other}/runs/wait", json={"assistant_id": "agent", "input": HI})
    deleted = client.delete(f"/assistants/{aid}", params={"delete_threads": "True"})
    assert deleted.status_code == 204
    assert client.get(f"/threads/{ran}").status_code == 404
    assert client.get(f"/threads/{other}").status_code == 200
    gone = client.delete(f"/assistants/{aid}")
    assert gone.json() == {"detail": f"Assistant with ID {aid} not found"}


def test_a_deleted_system_assistant_is_back_after_a_reset(client: httpx.Client) -> None:
    assert client.delete(f"/assistants/{REAL_IDS['agent']}").status_code == 204
    assert client.get("/assistants/agent/graph").status_code == 404
    gone = client.post("/runs/wait", json={"assistant_id": "agent", "input": HI})
    assert (gone.status_code, gone.json()) == (404, {"detail": "Thread or assistant not found."})
    client.post("/assistants", json={"graph_id": "agent", "name": "mine"})
    assert client.post("/__mockserver/reset").status_code == 204
    found = client.post("/assistants/search", json={"select": ["name"]}).json()
    assert found == [{"name": "slow"}, {"name": "interrupter"}, {"name": "agent"}]


def test_a_run_takes_the_assistants_config_context_and_metadata(client: httpx.Client) -> None:
    aid = client.post(
        "/assistants",
        json={
            "graph_id": "agent",
            "config": {"configurable": {"x": 1}, "tags": ["a"]},
            "metadata": {"owner": "me"},
        },
    ).json()["assistant_id"]
    tid = client.post("/threads", json={}).json()["thread_id"]
    client.post(
        f"/threads/{tid}/runs/wait",
        json={"assistant_id": aid, "input": HI, "metadata": {"r": 1}},
    )
    run = client.get(f"/threads/{tid}/runs").json()[0]
    assert run["assistant_id"] == aid
    assert run["metadata"] == {"owner": "me", "graph_id": "agent", "assistant_id": aid, "r": 1}
    config = run["kwargs"]["config"]
    assert list(config) == ["configurable", "tags", "metadata"]
    assert config["configurable"]["x"] == 1 and run["kwargs"]["context"] == {"x": 1}
    thread = client.get(f"/threads/{tid}").json()
    assert thread["config"] == {"configurable": {"x": 1}, "tags": ["a"]}
    metadata = client.get(f"/threads/{tid}/state").json()["metadata"]
    assert list(metadata)[:6] == ["x", "graph_id", "assistant_id", "user_id", "owner", "r"]


def test_subgraphs_are_empty(client: httpx.Client) -> None:
    for path in ("subgraphs", "subgraphs/tools"):
        answer = client.get(f"/assistants/{REAL_IDS['agent']}/{path}", params={"recurse": "true"})
        assert (answer.status_code, answer.json()) == (200, {})
    missing = client.get("/assistants/00000000-0000-0000-0000-000000000000/subgraphs")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})


def test_config_errors_read_as_the_real_servers(client: httpx.Client) -> None:
    answer = client.post("/assistants", json={"graph_id": "agent", "config": {"tags": "x"}})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(
        '"x" is not of type "array"\n\nFailed validating "type" in schema["properties"]["tags"]'
    )
    # the real server checks the id before the config
    both = client.post(
        "/assistants", json={"graph_id": "agent", "assistant_id": "abc", "config": {"tags": "x"}}
    )
    assert both.json() == {"detail": "Invalid assistant ID: must be a UUID"}


# --- through the official SDK ------------------------------------------------------------------


def test_the_sdk_manages_assistants(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    made = client.assistants.create(
        "agent", config={"configurable": {"x": 1}}, metadata={"team": "a"}, name="Mine"
    )
    aid = made["assistant_id"]
    assert client.assistants.get(aid)["name"] == "Mine"
    updated = client.assistants.update(aid, metadata={"more": True}, description="d")
    assert (updated["version"], updated["metadata"]) == (2, {"team": "a", "more": True})
    versions = client.assistants.get_versions(aid, metadata={"more": True})
    assert [v["version"] for v in versions] == [2]
    assert client.assistants.set_latest(aid, 1)["description"] is None
    assert client.assistants.get_subgraphs(aid, namespace="x", recurse=True) == {}
    assert [a["name"] for a in client.assistants.search(metadata={"team": "a"})] == ["Mine"]
    assert client.assistants.count(graph_id="agent") == 2
    thread = client.threads.create()
    client.runs.wait(thread["thread_id"], aid, input=HI)
    assert client.threads.get_state(thread["thread_id"])["metadata"]["x"] == 1
    client.assistants.delete(aid, delete_threads=True)
    assert client.threads.search() == []
    with pytest.raises(NotFoundError):
        client.assistants.get(aid)
    with pytest.raises(ConflictError):
        client.assistants.create("agent", assistant_id=REAL_IDS["agent"])
    assert client.assistants.create(
        "agent", assistant_id=REAL_IDS["agent"], if_exists="do_nothing"
    )["metadata"] == {"created_by": "system"}


def test_versions_page_with_integers_written_as_floats(client: httpx.Client) -> None:
    # JSON Schema counts 6.0 as an integer; the real server pages with it, and a page past the
    # last version is its 404.
    path = f"/assistants/{REAL_IDS['agent']}/versions"
    assert [v["version"] for v in client.post(path, json={"limit": 6.0}).json()] == [1]
    assert client.post(path, json={"offset": 87.0}).status_code == 404
