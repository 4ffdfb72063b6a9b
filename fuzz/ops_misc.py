"""Assistant reads and invalid requests (wrong types, unknown enums, bad ids, bad JSON)."""

from __future__ import annotations

from typing import Any

from fuzz.model import ASSISTANT_IDS, GRAPHS, Model, Request, tags_of
from fuzz.ops_threads import thread_path


def _assistant(m: Model) -> str:
    roll = m.rng.random()
    graph = m.rng.choice(GRAPHS)
    if roll < 0.5:
        return ASSISTANT_IDS[graph]
    if roll < 0.85:
        return graph
    return m.uuid()


def search_assistants(m: Model) -> Request:
    body: dict[str, Any] = {}
    if m.rng.random() < 0.4:
        body["graph_id"] = m.rng.choice(GRAPHS)
    if m.rng.random() < 0.3:
        body["limit"] = m.rng.randint(1, 3)
    if m.rng.random() < 0.2:
        body["offset"] = m.rng.randint(0, 2)
    if m.rng.random() < 0.2:
        body["metadata"] = {"created_by": "system"}
    if m.rng.random() < 0.2:
        # created assistants have random ids on each side: no sorting by id once there are any
        keys = ["graph_id", "name", "created_at"] + ([] if m.assistants else ["assistant_id"])
        body["sort_by"] = m.rng.choice(keys)
        body["sort_order"] = m.rng.choice(["asc", "desc"])
    if m.rng.random() < 0.3:
        return Request(
            "POST /assistants/count",
            "POST",
            "/assistants/count",
            {k: v for k, v in body.items() if k in ("graph_id", "metadata")},
        )
    return Request("POST /assistants/search", "POST", "/assistants/search", body)


def get_assistant(m: Model) -> Request:
    return Request("GET /assistants/{assistant_id}", "GET", f"/assistants/{_assistant(m)}")


def assistant_graph(m: Model) -> Request:
    query = "?xray=true" if m.rng.random() < 0.3 else ""
    return Request(
        "GET /assistants/{assistant_id}/graph", "GET", f"/assistants/{_assistant(m)}/graph{query}"
    )


def assistant_schemas(m: Model) -> Request:
    return Request(
        "GET /assistants/{assistant_id}/schemas", "GET", f"/assistants/{_assistant(m)}/schemas"
    )


def invalid(m: Model) -> Request:
    """A request the server must refuse (or one of its documented oddities)."""
    path, thread = thread_path(m)
    tags = tags_of(thread)
    cases: list[Request] = [
        Request("POST /threads", "POST", "/threads", {"if_exists": "replace"}),
        Request("POST /threads", "POST", "/threads", {"metadata": "not an object"}),
        Request("POST /threads", "POST", "/threads", {"thread_id": "not-a-uuid"}),
        Request("POST /threads", "POST", "/threads", raw=b'{"metadata": {', note="bad JSON"),
        Request("POST /threads/search", "POST", "/threads/search", {"limit": "ten"}),
        Request("POST /threads/search", "POST", "/threads/search", {"sort_order": "up"}),
        Request("POST /threads/search", "POST", "/threads/search", {"status": "sleeping"}),
        Request("POST /threads/search", "POST", "/threads/search", {"ids": ["nope"]}),  # #10
        Request("POST /threads/search", "POST", "/threads/search", raw=b"", note="empty body"),
        Request("POST /threads/count", "POST", "/threads/count", {"status": 3}),
        Request("GET /threads/{thread_id}", "GET", "/threads/not-a-uuid"),
        Request("GET /threads/{thread_id}/state", "GET", "/threads/not-a-uuid/state"),
        Request(
            "POST /threads/{thread_id}/state",
            "POST",
            f"{path}/state",
            {"values": {"topic": "x"}, "as_node": None},
            tags=tags,
        ),
        Request(
            "POST /threads/{thread_id}/state",
            "POST",
            f"{path}/state",
            raw=b"[1,",
            note="bad JSON",
            tags=tags,
        ),
        Request("GET /threads/{thread_id}/history", "GET", f"{path}/history?limit=abc", tags=tags),
        Request(
            "POST /threads/{thread_id}/history", "POST", f"{path}/history", {"limit": 0}, tags=tags
        ),
        Request(
            "POST /threads/{thread_id}/state/checkpoint",
            "POST",
            f"{path}/state/checkpoint",
            {},
            note="missing checkpoint",
            tags=tags,
        ),
        Request(
            "POST /threads/{thread_id}/runs/wait",
            "POST",
            f"{path}/runs/wait",
            {"input": {"topic": "x"}},
            note="missing assistant_id",
            tags=tags,
        ),
        Request(
            "POST /threads/{thread_id}/runs/wait",
            "POST",
            f"{path}/runs/wait",
            {"assistant_id": "agent", "multitask_strategy": "later"},
            tags=tags,
        ),
        Request(
            "POST /threads/{thread_id}/runs/stream",
            "POST",
            f"{path}/runs/stream",
            {"assistant_id": "agent", "stream_mode": "everything"},
            stream=True,
            tags=tags,
        ),
        Request(
            "POST /threads/{thread_id}/runs/wait",
            "POST",
            f"{path}/runs/wait",
            {"assistant_id": "no-such-graph"},
            tags=tags,
        ),
        Request(
            "GET /threads/{thread_id}/runs/{run_id}", "GET", f"{path}/runs/not-a-uuid", tags=tags
        ),
        Request("POST /runs/wait", "POST", "/runs/wait", {"assistant_id": 7}),
        Request("GET /assistants/{assistant_id}", "GET", "/assistants/not-a-uuid"),
        Request("PATCH /threads/{thread_id}", "PATCH", path, {"metadata": [1, 2]}, tags=tags),
    ]
    request = m.rng.choice(cases)
    request.note = request.note or "invalid"
    return request
