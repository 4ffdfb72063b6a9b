"""Assistants over HTTP: one per graph, with the real server's deterministic ids."""

from __future__ import annotations

import httpx

from mockserver.assistants import assistant_id

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
