#!/usr/bin/env python3
"""Record how the real server answers the store routes: tests/data/store_recording.json.

    python scripts/real_server.py run -- python scripts/record_store.py

The steps run in order on a fresh server (its store empty: the script checks) at
$REAL_SERVER_URL. Each answer is kept as its status, its content type (None when the server
sends none) and its body as text with every timestamp written `<time>`; tests/test_store_api.py
replays the steps on the mock and compares byte for byte. Timestamps are gone from the
recording, so the one fact they show is recorded apart: whether an update resets
`created_at` (`facts`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "store_recording.json"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00")
RAW = "raw"  # a step whose body is sent as these bytes


def _put(namespace: list[str], key: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {
        "method": "PUT",
        "path": "/store/items",
        "json": {"namespace": namespace, "key": key, "value": value, **extra},
    }


def _get(**params: Any) -> dict[str, Any]:
    return {"method": "GET", "path": "/store/items", "params": params}


def _search(**body: Any) -> dict[str, Any]:
    return {"method": "POST", "path": "/store/items/search", "json": body}


def _namespaces(**body: Any) -> dict[str, Any]:
    return {"method": "POST", "path": "/store/namespaces", "json": body}


def _delete(**body: Any) -> dict[str, Any]:
    return {"method": "DELETE", "path": "/store/items", "json": body}


STEPS: list[dict[str, Any]] = [
    _put(["users", "alice"], "prefs", {"theme": "dark", "size": 12, "tags": ["a", {"b": 1}]}),
    _get(namespace="users.alice", key="prefs"),
    _get(namespace="users.alice", key="nope"),
    _get(namespace="users.alice"),
    _get(key="prefs"),
    _get(namespace="users..alice", key="prefs"),
    _get(namespace="users.a\x00", key="prefs"),
    _put(["users", "bob"], "prefs", {"theme": "light", "size": "9"}, ttl=5, index=["theme"]),
    _put(["users", "alice"], "notes", {"size": 3}, ttl=None, index=False),
    _put(["docs"], "", {"size": 20}),
    _put(["users", "alice"], "prefs", {"theme": "blue", "size": 14}),  # keeps its place
    _search(namespace_prefix=["users"]),
    _search(namespace_prefix=[], limit=2, offset=1),
    _search(namespace_prefix=["users"], limit=0),
    _search(namespace_prefix=["users"], limit=-1),
    _search(namespace_prefix=["users"], offset=-1),
    _search(namespace_prefix=["users"], query="dark mode", refresh_ttl=True),
    _search(namespace_prefix=["users"], filter={"theme": "light"}),
    _search(namespace_prefix=["users"], filter={"size": {"$gte": 9, "$lt": 14}}),
    _search(namespace_prefix=["users"], filter={"theme": {"$ne": "blue"}}),
    _search(namespace_prefix=["users"], filter={"tags": ["a", {"b": 1}]}),
    _search(namespace_prefix=["users", "bob"], filter={"size": {"$in": [1]}}),
    _search(namespace_prefix=["users", "bob"], filter={"size": {"$gt": "x"}}),
    _search(namespace_prefix=["nobody"], filter={"size": {"$in": [1]}}),
    _search(namespace_prefix=["users.alice"]),
    _search(namespace_prefix=["users"], limit="x"),
    _namespaces(),
    _namespaces(prefix=["users"], max_depth=1),
    _namespaces(suffix=["*"], limit=1, offset=1),
    _namespaces(prefix=["*", "bob"]),
    _namespaces(max_depth=0),
    _namespaces(prefix=[""]),
    _namespaces(prefix=None),
    _put([], "k", {}),
    _put(["langgraph", "x"], "k", {}),
    _put(["a.b"], "k", {}),
    _put(["it's.x"], "k", {}),
    _put(["a"], "k", [1]),
    _put(["a"], "k", {}, index=True),
    {"method": "PUT", "path": "/store/items", "json": {"namespace": ["a"], "value": {}}},
    {"method": "PUT", "path": "/store/items", RAW: ""},
    _delete(namespace=["users", "bob"], key="prefs"),
    _delete(namespace=["users", "bob"], key="prefs"),
    _get(namespace="users.bob", key="prefs"),
    _delete(namespace=["a.b"], key="k"),
    _delete(namespace=["a"]),
    # Where the mock differs on purpose (docs/deviations.md #70-#73).
    _namespaces(),  # users.bob holds nothing now
    _get(namespace="ghost", key="k"),
    _namespaces(prefix=["ghost"]),
    _search(namespace_prefix=["users"], filter={"size": {"$gt": 0}}),
    _search(namespace_prefix=["users"], filter={"theme": {"$gt": 0}}),
    _search(namespace_prefix=["docs"], filter={"theme": {"$lt": 0}}),
    _search(),
    _search(namespace_prefix=None),
    {"method": "POST", "path": "/store/namespaces", RAW: '{"limit": 2.0}'},
]


def send(http: httpx.Client, step: dict[str, Any]) -> httpx.Response:
    """One step's request."""
    if RAW in step:
        return http.request(
            step["method"],
            step["path"],
            content=step[RAW].encode(),
            headers={"content-type": "application/json"},
        )
    return http.request(
        step["method"], step["path"], params=step.get("params"), json=step.get("json")
    )


def recorded(response: httpx.Response) -> dict[str, Any]:
    """What the recording keeps of an answer."""
    return {
        "status": response.status_code,
        "content_type": response.headers.get("content-type"),
        "body": TIME.sub("<time>", response.text),
    }


def _update_resets_created_at(http: httpx.Client) -> bool:
    item = {"namespace": ["facts"], "key": "k", "value": {}}
    params = {"namespace": "facts", "key": "k"}
    http.put("/store/items", json=item).raise_for_status()
    before = http.get("/store/items", params=params).json()
    http.put("/store/items", json=item).raise_for_status()
    after = http.get("/store/items", params=params).json()
    http.request("DELETE", "/store/items", json=item).raise_for_status()
    return bool(after["created_at"] > before["created_at"])


def main() -> None:
    url = os.environ["REAL_SERVER_URL"]
    with httpx.Client(base_url=url, timeout=30) as http:
        held = http.post("/store/namespaces", json={}).json()["namespaces"]
        if held:
            raise SystemExit(f"the server's store is not empty ({held}): start a fresh one")
        steps = []
        for step in STEPS:
            # A connection of its own: after a 500 the real server resets the one it used.
            with httpx.Client(base_url=url, timeout=30) as fresh:
                steps.append({**step, **recorded(send(fresh, step))})
        facts = {"update_resets_created_at": _update_resets_created_at(http)}
        info = http.get("/info").json()
    out = {"server": f"langgraph-api {info['version']}", "facts": facts, "steps": steps}
    OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(steps)} steps -> {OUT}")


if __name__ == "__main__":
    main()
