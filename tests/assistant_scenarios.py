"""Assistant scenarios, played against the real server once (scripts/record_assistants.py) and
against the mock in every test run (tests/test_assistants_differential.py).

Each scenario drives one freshly started server through the assistants API (create, patch,
versions, latest, delete, search, subgraphs) and runs with the assistants it made, and records
every answer: status, pagination headers and the JSON body. Ids are numbered in the order they
first appear (`<id:3>`), so two servers compare equal when they hand out the same ids in the
same places; times, URLs and millisecond stamps become placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

_ID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_URL = re.compile(r"http://127\.0\.0\.1:\d+")
_KEPT_HEADERS = ("content-type", "x-pagination-total", "x-pagination-next")
HI = {"messages": [{"role": "user", "content": "hi", "id": "u1"}]}
# ids the scenarios choose themselves
MINE = "abcdef00-0000-0000-0000-00000000000{}"
AGENT = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"
INTERRUPTER = "fc7dd03f-cf33-529f-91df-327d1231b64e"
SLOW = "cad1b5ad-d177-59d1-ab39-5e327188ed3a"


class Session:
    """One scenario's conversation with a server; `records` is what it answered, normalised."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.records: list[dict[str, Any]] = []
        self._ids: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """A JSON request; records it and returns the parsed body (None when empty)."""
        response = self.http.request(method, path, json=body, params=params or None)
        parsed = response.json() if response.content.strip() else None
        record = {
            "call": f"{method} {path}",
            "params": params or None,
            "request": body,
            "status": response.status_code,
            "headers": {
                k: response.headers[k].split(";")[0] for k in _KEPT_HEADERS if k in response.headers
            },
            "body": parsed,
        }
        self.records.append(self.normalise(record))
        return parsed

    def quiet(self, method: str, path: str, body: Any = None) -> Any:
        """A request whose answer is not recorded (set-up); its body."""
        response = self.http.request(method, path, json=body)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content.strip() else None

    def normalise(self, value: Any) -> Any:
        """A JSON value with ids numbered by first appearance, times, URLs and millisecond
        stamps as placeholders."""
        if isinstance(value, dict):
            return {
                self._text(k): "<ms>" if k == "__request_start_time_ms__" else self.normalise(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.normalise(v) for v in value]
        if isinstance(value, str):
            return self._text(value)
        return value

    def _text(self, text: str) -> str:
        text = _URL.sub("<url>", _TIME.sub("<time>", text))
        return _ID.sub(self._number, text)

    def _number(self, match: re.Match[str]) -> str:
        key = match.group(0).lower().replace("-", "")
        return self._ids.setdefault(key, f"<id:{len(self._ids) + 1}>")


def create_and_conflict(s: Session) -> None:
    s.call("POST", "/assistants/search", {})
    made = s.call("POST", "/assistants", {"graph_id": "agent"})
    s.call("POST", "/assistants", {"graph_id": "agent", "assistant_id": made["assistant_id"]})
    s.call(
        "POST",
        "/assistants",
        {
            "graph_id": "interrupter",
            "assistant_id": made["assistant_id"],
            "if_exists": "do_nothing",
            "name": "other",
        },
    )
    s.call("POST", "/assistants", {"graph_id": "nope"})
    s.call("POST", "/assistants", {"graph_id": "agent", "assistant_id": "abc"})
    s.call(
        "POST",
        "/assistants",
        {
            "graph_id": "agent",
            "assistant_id": MINE.format(1).upper(),
            "config": {"configurable": {"x": 1}},
            "metadata": {"m": 1},
            "name": "Mine",
            "description": "desc",
        },
    )
    s.call(
        "POST", "/assistants", {"graph_id": "agent", "context": {"y": 2}, "config": {"tags": []}}
    )
    s.call(
        "POST",
        "/assistants",
        {"graph_id": "agent", "context": {"y": 2}, "config": {"configurable": {"x": 1}}},
    )
    s.call("POST", "/assistants", {"graph_id": "agent", "name": "", "description": None})
    s.call(
        "POST", "/assistants", {"graph_id": "agent", "config": {"configurable": {}}, "context": {}}
    )
    s.call("POST", "/assistants", {"graph_id": "agent", "assistant_id": ""})
    s.call(
        "POST",
        "/assistants",
        {"graph_id": "agent", "assistant_id": MINE.format(3).replace("-", "")},
    )
    s.call("GET", f"/assistants/{MINE.format(3).upper()}")
    s.call("GET", f"/assistants/{MINE.format(4)}")
    s.call("POST", "/assistants/search", {})
    s.call("POST", "/assistants/count", {})


def rejected(s: Session) -> None:
    for body in (
        {},
        {"graph_id": 5},
        {"graph_id": "agent", "metadata": None},
        {"graph_id": "agent", "if_exists": "update"},
        {"graph_id": "agent", "config": {"recursion_limit": "x"}},
        {"graph_id": "agent", "config": {"tags": "x"}},
        {"graph_id": "agent", "config": {"configurable": {"a\u0000": 1}}},
        {"graph_id": "agent", "assistant_id": "abc", "config": {"tags": "x"}},
        {"graph_id": "nope", "config": {"tags": "x"}},
    ):
        s.call("POST", "/assistants", body)
    for body in ({"description": None}, {"config": {"recursion_limit": "x"}}, {"name": 3}):
        s.call("PATCH", f"/assistants/{AGENT}", body)
    s.call("PATCH", "/assistants/agent", {})
    s.call("POST", f"/assistants/{AGENT}/versions", {"limit": 0})
    s.call("POST", "/assistants/agent/versions", {})
    s.call("POST", f"/assistants/{AGENT}/latest", {"version": "2"})
    s.call("POST", "/assistants/agent/latest", {"version": 1})
    s.call("DELETE", "/assistants/agent")
    s.call("GET", "/assistants/agent/subgraphs")
    s.call("GET", "/assistants/agent/subgraphs/x")


def patch_versions_latest(s: Session) -> None:
    mine = MINE.format(2)
    s.call(
        "POST",
        "/assistants",
        {
            "graph_id": "agent",
            "assistant_id": mine,
            "config": {"configurable": {"x": 1}, "tags": ["a"]},
            "metadata": {"m": 1, "n": {"k": 1}},
            "name": "P",
            "description": "d1",
        },
    )
    for body in (
        {},
        {"metadata": {"n": {"j": 2}, "o": 3}},
        {"config": {"tags": ["b"]}},
        {"context": {"z": 9}},
        {"config": {"configurable": {"w": 5}}},
        {"graph_id": "interrupter", "name": "Q", "description": "d2"},
        {"graph_id": "nope"},
        {"context": {"z": 1}, "config": {"configurable": {"w": 5}}},
        {"context": {}},
        {"config": {"configurable": {}}},
    ):
        s.call("PATCH", f"/assistants/{mine}", body)
    missing = MINE.format(9)
    s.call("PATCH", f"/assistants/{missing}", {})
    s.call("PATCH", f"/assistants/{missing}", {"graph_id": "nope"})
    s.call("PATCH", f"/assistants/{missing.upper()}", {})
    s.call("PATCH", f"/assistants/{AGENT}", {"metadata": {"p": 1}})
    s.call("GET", f"/assistants/{AGENT}")
    for body in (
        {},
        {"limit": 2, "offset": 1},
        {"metadata": {"n": {"k": 1}}},
        {"metadata": {"n": {}}, "limit": 1},
        {"metadata": {"zz": 1}},
        {"offset": 100},
    ):
        s.call("POST", f"/assistants/{mine}/versions", body)
    s.call("POST", f"/assistants/{mine.upper()}/versions", {"metadata": {"zz": 1}})
    s.call("POST", f"/assistants/{missing.upper()}/versions", {})
    s.call("POST", f"/assistants/{SLOW}/versions", {})
    s.call("POST", f"/assistants/{AGENT}/versions", {})
    s.call("POST", f"/assistants/{mine}/latest", {"version": 2})
    s.call("GET", f"/assistants/{mine}")
    s.call("POST", f"/assistants/{mine}/versions", {"limit": 1})
    s.call("POST", f"/assistants/{mine}/latest", {"version": 99})
    s.call("POST", f"/assistants/{mine}/latest", {})
    s.call("POST", f"/assistants/{missing}/latest", {"version": 1})
    s.call("PATCH", f"/assistants/{mine}", {"name": "after-latest"})
    s.call("POST", f"/assistants/{mine}/latest", {"version": 8})
    s.call("POST", f"/assistants/{mine}/versions", {"limit": 3})


def search_order(s: Session) -> None:
    for index, (graph, name, metadata) in enumerate(
        [
            ("agent", "beta", {"team": "a", "tags": {"x": 1, "y": 2}}),
            ("interrupter", "Alpha", {"team": "b"}),
            ("agent", "gamma", {"team": "a"}),
            ("slow", "alpha two", {}),
        ]
    ):
        s.call(
            "POST",
            "/assistants",
            {
                "graph_id": graph,
                "assistant_id": MINE.format(index + 1),
                "name": name,
                "metadata": metadata,
            },
        )
    s.call("PATCH", f"/assistants/{MINE.format(1)}", {"metadata": {"touched": True}})
    for body in (
        {},
        {"select": ["name", "assistant_id"], "limit": 2},
        {"sort_by": "name", "sort_order": "asc", "select": ["name", "graph_id"]},
        {"sort_by": "name", "select": ["name"]},
        {"sort_by": "graph_id", "sort_order": "desc", "select": ["graph_id", "assistant_id"]},
        {"sort_by": "graph_id", "sort_order": "asc", "select": ["graph_id", "assistant_id"]},
        {"sort_by": "assistant_id", "sort_order": "asc", "select": ["assistant_id"], "limit": 3},
        {"sort_by": "updated_at", "select": ["assistant_id"]},
        {"sort_by": "created_at", "sort_order": "asc", "select": ["assistant_id"]},
        {"sort_order": "asc", "select": ["assistant_id"]},
        {"metadata": {"team": "a"}, "select": ["name"]},
        {"metadata": {"tags": {"y": 2}}, "select": ["name"]},
        {"metadata": {"tags": {}}, "select": ["name"]},
        {"metadata": {"created_by": "system"}, "select": ["name"]},
        {"name": "ALPHA", "select": ["name"]},
        {"name": "a", "limit": 2, "offset": 1, "select": ["name"]},
        {"graph_id": "agent", "select": ["name"], "offset": 1},
        {"graph_id": ""},
        {"select": ["config", "description"], "limit": 1},
    ):
        s.call("POST", "/assistants/search", body)
    for body in (
        {},
        {"graph_id": "agent"},
        {"name": "alpha", "metadata": {"team": "b"}},
        {"metadata": {"tags": {}}},
        {"graph_id": "nope"},
    ):
        s.call("POST", "/assistants/count", body)


def subgraphs_schemas_graph(s: Session) -> None:
    mine = MINE.format(1)
    s.call("POST", "/assistants", {"graph_id": "interrupter", "assistant_id": mine})
    s.call("GET", f"/assistants/{mine}/subgraphs")
    s.call("GET", f"/assistants/{mine}/subgraphs", recurse="true")
    s.call("GET", f"/assistants/{mine}/subgraphs/ask")
    s.call("GET", f"/assistants/{AGENT}/subgraphs/a|b", recurse="True")
    s.call("GET", f"/assistants/{MINE.format(9).upper()}/subgraphs")
    s.call("GET", f"/assistants/{mine}/schemas")
    s.call("GET", f"/assistants/{mine}/graph")
    s.call("GET", f"/assistants/{mine.upper()}/graph")


def delete(s: Session) -> None:
    mine = MINE.format(3)
    s.call("POST", "/assistants", {"graph_id": "agent", "assistant_id": mine})
    ran = s.quiet("POST", "/threads", {})["thread_id"]
    s.quiet("POST", f"/threads/{ran}/runs/wait", {"assistant_id": mine, "input": HI})
    other = s.quiet("POST", "/threads", {})["thread_id"]
    s.quiet("POST", f"/threads/{other}/runs/wait", {"assistant_id": "agent", "input": HI})
    s.call("DELETE", f"/assistants/{mine}", delete_threads="TRUE")
    s.call("GET", f"/threads/{ran}")
    s.call("GET", f"/threads/{other}")
    s.call("DELETE", f"/assistants/{mine}")
    s.call("POST", f"/assistants/{mine}/versions", {})
    s.call("GET", f"/assistants/{mine}")
    s.call("DELETE", f"/assistants/{MINE.format(9).upper()}")
    s.call("DELETE", f"/assistants/{INTERRUPTER}", delete_threads="yes")
    s.call("GET", f"/assistants/{INTERRUPTER}")
    s.call("GET", "/assistants/interrupter/graph")
    s.call("GET", f"/assistants/{INTERRUPTER}/schemas")
    s.call("GET", f"/assistants/{INTERRUPTER}/subgraphs")
    s.call("POST", "/runs/wait", {"assistant_id": "interrupter", "input": {}})
    s.call("POST", "/runs/wait", {"assistant_id": INTERRUPTER, "input": {}})
    s.call("POST", "/assistants/search", {"graph_id": "interrupter"})
    s.call("POST", "/assistants", {"graph_id": "interrupter", "assistant_id": INTERRUPTER})
    s.call("POST", "/assistants/search", {"graph_id": "interrupter"})
    # the thread that named the agent's assistant stays, with its agent
    s.call("DELETE", f"/assistants/{AGENT}", delete_threads="false")
    s.call("GET", f"/threads/{other}")
    s.call("POST", "/assistants/count", {})


def runs_with_assistants(s: Session) -> None:
    first = MINE.format(4)
    s.call(
        "POST",
        "/assistants",
        {
            "graph_id": "agent",
            "assistant_id": first,
            "config": {"configurable": {"x": 1}},
            "metadata": {"owner": "me", "created_by": "alice"},
        },
    )
    tid = s.quiet("POST", "/threads", {})["thread_id"]
    s.call("POST", f"/threads/{tid}/runs/wait", {"assistant_id": first, "input": HI})
    s.call("GET", f"/threads/{tid}/runs")
    s.call("GET", f"/threads/{tid}")
    s.call("GET", f"/threads/{tid}/state")
    s.call("POST", f"/threads/{tid}/history", {"limit": 5})
    kept = s.call(
        "POST",
        "/runs/wait",
        {
            "assistant_id": first,
            "input": HI,
            "config": {"tags": ["t"], "configurable": {"y": 2}},
            "metadata": {"r": 1},
            "on_completion": "keep",
        },
    )
    assert kept is not None
    found = s.quiet("POST", "/threads/search", {"metadata": {"r": 1}})
    stateless = found[0]["thread_id"]
    s.call("GET", f"/threads/{stateless}/runs")
    s.call("GET", f"/threads/{stateless}")
    s.call("GET", f"/threads/{stateless}/state")
    second = MINE.format(5)
    s.call(
        "POST",
        "/assistants",
        {
            "graph_id": "agent",
            "assistant_id": second,
            "context": {"c": 1, "user_id": "from-assistant"},
            "config": {"tags": ["asst"], "recursion_limit": 7},
            "metadata": {"am": 1},
        },
    )
    s.call(
        "POST",
        f"/threads/{stateless}/runs/wait",
        {
            "assistant_id": second,
            "input": HI,
            "context": {"k": 2},
            "config": {"recursion_limit": 9},
        },
    )
    s.call("GET", f"/threads/{stateless}/runs", limit=1)
    s.call("GET", f"/threads/{stateless}")
    s.call("GET", f"/threads/{stateless}/state")
    s.call(
        "POST",
        f"/threads/{tid}/runs/wait",
        {"assistant_id": second, "input": HI, "config": {"configurable": {"user_id": "mine"}}},
    )
    s.call("GET", f"/threads/{tid}/runs", limit=1)
    s.call("GET", f"/threads/{tid}/state")
    s.call("PATCH", f"/assistants/{first}", {"metadata": {"v": 2}, "context": {"x": 2}})
    s.call("POST", f"/threads/{tid}/runs/wait", {"assistant_id": first, "input": HI})
    s.call("GET", f"/threads/{tid}/runs", limit=1)
    s.call("GET", f"/threads/{tid}")
    s.call("POST", "/runs/wait", {"assistant_id": MINE.format(9), "input": HI})
    s.call(
        "POST",
        "/runs/wait",
        {"assistant_id": MINE.format(9), "config": {"configurable": {"a": 1}}, "context": {"b": 2}},
    )
    s.call("POST", "/runs/wait", {"assistant_id": "not-a-graph", "input": HI})


SCENARIOS: dict[str, Callable[[Session], None]] = {
    "create_and_conflict": create_and_conflict,
    "rejected": rejected,
    "patch_versions_latest": patch_versions_latest,
    "search_order": search_order,
    "subgraphs_schemas_graph": subgraphs_schemas_graph,
    "delete": delete,
    "runs_with_assistants": runs_with_assistants,
}


def play(http: httpx.Client, names: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Each scenario (all by default) on `http`'s server, which must start fresh for each:
    `reset` is called before every scenario."""
    played = {}
    for name in names or list(SCENARIOS):
        session = Session(http)
        SCENARIOS[name](session)
        played[name] = session.records
    return played
