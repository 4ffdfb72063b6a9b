"""Run scenarios, played against the real server once (scripts/record_runs.py) and against the
mock in every test run (tests/test_runs_differential.py), with the same normalisation.

A scenario drives one server through runs with the reference graphs (agent, interrupter, slow)
and records every answer: status, the run headers, and either the JSON body or the server-sent
events. Ids, times and URLs are replaced by placeholders, so two servers can be compared.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{32}"
)
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_URL = re.compile(r"http://127\.0\.0\.1:\d+")
_EVENT_ID = re.compile(r"^\d+-\d+$")
_KEPT_HEADERS = ("location", "content-location", "content-type")
HI = {"messages": [{"role": "user", "content": "hi", "id": "u1"}]}
CHAT_UI_MODES = ["values", "messages-tuple", "custom"]


def normalise(value: Any) -> Any:
    """A JSON value with ids, times, URLs and millisecond stamps as placeholders."""
    if isinstance(value, dict):
        return {
            _ID.sub("<id>", k): ("<ms>" if k == "__request_start_time_ms__" else normalise(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        if _EVENT_ID.match(value):
            return "<event-id>"
        return _URL.sub("<url>", _TIME.sub("<time>", _ID.sub("<id>", value)))
    return value


class Session:
    """One scenario's conversation with a server; `records` is what it answered."""

    def __init__(self, http: httpx.Client, pause_scale: float = 1.0) -> None:
        self.http = http
        self.pause_scale = pause_scale
        self.records: list[dict[str, Any]] = []

    def thread(self, **body: Any) -> str:
        """A new thread (not recorded: the thread-state suite covers POST /threads)."""
        return str(self.http.post("/threads", json=body).json()["thread_id"])

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """A JSON request; records and returns the parsed body (None when empty)."""
        response = self.http.request(method, path, json=body, params=params or None)
        parsed = response.json() if response.content.strip() else None
        self._record(method, path, body, response, body_=parsed)
        return parsed

    def stream(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> list[list[Any]]:
        """A server-sent event request; records and returns `[event, data]` pairs."""
        with self.http.stream(
            method, path, json=body, headers=headers, params=params or None
        ) as response:
            if response.status_code != 200:
                response.read()
                self._record(method, path, body, response, body_=response.json())
                return []
            events = list(parse_sse(response.iter_lines()))
        self._record(method, path, body, response, events=events)
        return [[e["event"], e["data"]] for e in events]

    def pause(self, seconds: float) -> None:
        """Let a background run make progress (scaled down against the mock)."""
        time.sleep(seconds * self.pause_scale)

    def _record(
        self, method: str, path: str, body: Any, response: httpx.Response, **answer: Any
    ) -> None:
        record: dict[str, Any] = {
            "call": f"{method} {path}",
            "request": body,
            "status": response.status_code,
            "headers": {
                k: response.headers[k].split(";")[0] for k in _KEPT_HEADERS if k in response.headers
            },
        }
        if "events" in answer:
            record["events"] = answer["events"]
        else:
            record["body"] = answer["body_"]
        self.records.append(normalise(record))


def parse_sse(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Server-sent events as `{"event", "data", "id"?}` dicts; comments (heartbeats) skipped."""
    event: dict[str, Any] = {}
    for line in lines:
        if not line:
            if "event" in event:
                event["data"] = json.loads(event["data"]) if event.get("data") else None
                yield event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            event[name] = f"{event[name]}\n{value}" if name == "data" and name in event else value


# ---- the scenarios ---------------------------------------------------------------------------


def agent_values(s: Session) -> None:
    t = s.thread()
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "agent",
            "input": {"messages": [{"role": "user", "content": "go", "id": "u1"}], "topic": "run"},
        },
    )
    s.call("GET", f"/threads/{t}")
    s.call("GET", f"/threads/{t}/state")
    s.call("POST", f"/threads/{t}/history", {"limit": 10})
    s.call("GET", f"/threads/{t}/runs")


def agent_all_modes(s: Session) -> None:
    t = s.thread()
    modes = ["values", "updates", "messages-tuple", "custom", "debug", "tasks", "checkpoints"]
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "agent", "input": HI, "stream_mode": modes},
    )
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "agent", "input": {"topic": "again"}, "stream_mode": "updates"},
    )


def agent_legacy_messages_and_events(s: Session) -> None:
    t = s.thread()
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "agent", "input": HI, "stream_mode": ["messages", "values"]},
    )
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "agent", "input": HI, "stream_mode": ["events"]},
    )


def interrupter_chat_ui(s: Session) -> None:
    t = s.thread()
    body = {"assistant_id": "interrupter", "input": HI, "stream_mode": CHAT_UI_MODES}
    s.stream("POST", f"/threads/{t}/runs/stream", body)
    s.call("GET", f"/threads/{t}")
    s.call("GET", f"/threads/{t}/state")
    s.call("POST", "/threads/search", {"ids": [t]})
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "interrupter", "command": {"resume": "yes"}, "stream_mode": CHAT_UI_MODES},
    )
    s.call("GET", f"/threads/{t}")
    s.call("POST", f"/threads/{t}/history", {"limit": 10})


def interrupter_updates(s: Session) -> None:
    t = s.thread()
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "interrupter",
            "input": {"topic": "q"},
            "stream_mode": ["updates", "values", "tasks"],
        },
    )
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "interrupter",
            "command": {"resume": {"ok": True}},
            "stream_mode": ["updates"],
        },
    )
    s.call("GET", f"/threads/{t}/state")


def interrupt_before_after(s: Session) -> None:
    t = s.thread()
    modes = ["values", "updates"]
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "agent", "input": HI, "stream_mode": modes, "interrupt_before": ["tools"]},
    )
    s.call("GET", f"/threads/{t}")
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "agent",
            "input": None,
            "stream_mode": modes,
            "interrupt_before": ["tools"],
        },
    )
    t = s.thread()
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "agent", "input": HI, "stream_mode": modes, "interrupt_after": ["agent"]},
    )
    s.call("GET", f"/threads/{t}/state")
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "agent", "input": None})
    t = s.thread()
    s.call(
        "POST",
        f"/threads/{t}/runs/wait",
        {"assistant_id": "agent", "input": HI, "interrupt_before": "*"},
    )


def failing_input(s: Session) -> None:
    t = s.thread()
    bad = {"messages": [{"foo": 1}]}
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "agent", "input": bad, "stream_mode": ["values", "updates"]},
    )
    s.call("GET", f"/threads/{t}")
    s.call("GET", f"/threads/{t}/runs")
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "agent", "input": bad})


def wait_and_join(s: Session) -> None:
    t = s.thread()
    s.call(
        "POST",
        f"/threads/{t}/runs/wait",
        {"assistant_id": "agent", "input": HI, "metadata": {"origin": "scenario"}},
    )
    s.call("GET", f"/threads/{t}/state")
    t = s.thread()
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    s.call(
        "POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "command": {"resume": 7}}
    )
    t = s.thread()
    run = s.call("POST", f"/threads/{t}/runs", {"assistant_id": "agent", "input": HI})
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}/join")
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}")
    s.call("GET", f"/threads/{t}/runs", limit=5)
    s.call("DELETE", f"/threads/{t}/runs/{run['run_id']}")
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}")


def stateless(s: Session) -> None:
    body = {"assistant_id": "agent", "input": {"topic": "stateless"}}
    s.call("POST", "/runs/wait", body)
    s.stream("POST", "/runs/stream", {**body, "stream_mode": ["values", "updates"]})


def not_found_and_invalid(s: Session) -> None:
    missing = "00000000-0000-0000-0000-00000000000a"
    s.call("POST", f"/threads/{missing}/runs/wait", {"assistant_id": "agent", "input": {}})
    t = s.thread()
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "nope", "input": {}})
    s.call(
        "POST",
        f"/threads/{t}/runs/wait",
        {"assistant_id": "00000000-0000-0000-0000-000000000009", "input": {}},
    )
    s.call("GET", f"/threads/{t}/runs/{missing}")
    s.call("POST", f"/threads/{t}/runs/{missing}/cancel")
    created = "00000000-0000-0000-0000-00000000000b"
    s.call(
        "POST",
        f"/threads/{created}/runs/wait",
        {"assistant_id": "agent", "input": {"topic": "x"}, "if_not_exists": "create"},
    )
    s.call("DELETE", f"/threads/{created}")


def busy_thread(s: Session) -> None:
    t = s.thread(metadata={"graph_id": "slow"})
    run = s.call(
        "POST",
        f"/threads/{t}/runs",
        {
            "assistant_id": "slow",
            "input": {"topic": "slow"},
            "stream_resumable": True,
            "stream_mode": ["values", "updates"],
        },
    )
    s.call(
        "POST",
        f"/threads/{t}/runs",
        {"assistant_id": "slow", "input": {"topic": "b"}, "multitask_strategy": "reject"},
    )
    s.call("GET", f"/threads/{t}")
    s.call("POST", f"/threads/{t}/state", {"values": {"topic": "during-run"}})
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}/join")
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}")
    s.stream("GET", f"/threads/{t}/runs/{run['run_id']}/stream", headers={"Last-Event-ID": "-1"})
    s.stream("GET", f"/threads/{t}/runs/{run['run_id']}/stream")
    s.call("POST", f"/threads/{t}/runs/{run['run_id']}/cancel")


def cancel_running(s: Session) -> None:
    t = s.thread()
    run = s.call("POST", f"/threads/{t}/runs", {"assistant_id": "slow", "input": {"topic": "a"}})
    s.pause(1.5)
    s.call("POST", f"/threads/{t}/runs/{run['run_id']}/cancel")
    s.pause(0.3)
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}")
    s.call("GET", f"/threads/{t}")
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}/join")


def multitask(s: Session) -> None:
    for strategy in ("interrupt", "rollback"):
        t = s.thread()
        first = s.call(
            "POST", f"/threads/{t}/runs", {"assistant_id": "slow", "input": {"topic": "first"}}
        )
        s.pause(1.5)
        s.call(
            "POST",
            f"/threads/{t}/runs/wait",
            {"assistant_id": "slow", "input": {"topic": "second"}, "multitask_strategy": strategy},
        )
        s.call("GET", f"/threads/{t}/runs/{first['run_id']}")
        s.call("POST", f"/threads/{t}/history", {"limit": 10})


def assistants(s: Session) -> None:
    s.call("POST", "/assistants/search", {})
    s.call("POST", "/assistants/search", {"graph_id": "interrupter"})
    s.call("GET", "/assistants/fe096781-5601-53d2-b2f6-0d3403f7e9ca")
    s.call("GET", "/assistants/fe096781-5601-53d2-b2f6-0d3403f7e9ca/graph")
    s.call("GET", "/assistants/agent/graph")
    s.call("GET", "/assistants/fc7dd03f-cf33-529f-91df-327d1231b64e/schemas")
    s.call("GET", "/assistants/00000000-0000-0000-0000-000000000009")


def thread_metadata_and_config(s: Session) -> None:
    t = s.thread(metadata={"owner": "alice"})
    s.call(
        "POST",
        f"/threads/{t}/runs/wait",
        {
            "assistant_id": "agent",
            "input": HI,
            "metadata": {"origin": "scenario"},
            "config": {"tags": ["t1"], "recursion_limit": 7, "configurable": {"user_key": "u"}},
        },
    )
    s.call("GET", f"/threads/{t}")
    s.call("GET", f"/threads/{t}/runs")
    s.call("GET", f"/threads/{t}/state")
    s.call("POST", f"/threads/{t}/history", {"limit": 10})
    s.call(
        "POST",
        f"/threads/{t}/runs/wait",
        {"assistant_id": "agent", "input": {"topic": "again"}, "config": {"tags": ["t2"]}},
    )
    s.call("GET", f"/threads/{t}")
    created = "00000000-0000-0000-0000-00000000000c"
    s.call(
        "POST",
        f"/threads/{created}/runs/wait",
        {
            "assistant_id": "agent",
            "input": {"topic": "x"},
            "metadata": {"m": 1},
            "config": {"tags": ["c"]},
            "if_not_exists": "create",
        },
    )
    s.call("GET", f"/threads/{created}")
    s.call("GET", f"/threads/{created}/runs")
    s.call("DELETE", f"/threads/{created}")
    s.call(
        "POST", "/runs", {"assistant_id": "agent", "input": {"topic": "s"}, "metadata": {"k": 1}}
    )


def join_after_create(s: Session) -> None:
    t = s.thread()
    run = s.call("POST", f"/threads/{t}/runs", {"assistant_id": "interrupter", "input": HI})
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}/join")
    resumed = s.call(
        "POST", f"/threads/{t}/runs", {"assistant_id": "interrupter", "command": {"resume": 7}}
    )
    s.call("GET", f"/threads/{t}/runs/{resumed['run_id']}/join")
    s.call("GET", f"/threads/{t}/runs/{run['run_id']}/join")
    t = s.thread()
    run = s.call(
        "POST",
        f"/threads/{t}/runs",
        {"assistant_id": "agent", "input": HI, "stream_mode": ["values", "updates"]},
    )
    s.stream("GET", f"/threads/{t}/runs/{run['run_id']}/stream")
    s.stream("GET", f"/threads/{t}/runs/{run['run_id']}/stream")
    missing = "00000000-0000-0000-0000-00000000000d"
    s.call("GET", f"/threads/{t}/runs/{missing}/join")
    s.stream("GET", f"/threads/{t}/runs/{missing}/stream")


def prune_and_storage(s: Session) -> None:
    t = s.thread(metadata={"graph_id": "agent"})
    s.call("GET", f"/threads/{t}/storage")
    s.call("POST", f"/threads/{t}/state", {"values": HI})
    s.call("GET", f"/threads/{t}/storage")
    missing = "00000000-0000-0000-0000-00000000000e"
    s.call("GET", f"/threads/{missing}/storage")
    s.call("GET", "/threads/nope/storage")
    s.call("POST", "/threads/prune", {"thread_ids": []})
    s.call("POST", "/threads/prune", {"thread_ids": [], "strategy": "keep_latest"})
    s.call("POST", "/threads/prune", {"thread_ids": [t], "strategy": "keep_latest"})
    s.call("POST", "/threads/prune", {"thread_ids": [t], "strategy": "nope"})
    s.call("POST", "/threads/prune", {"thread_ids": ["nope"]})
    s.call("POST", "/threads/prune", {"thread_ids": ["nope"], "strategy": "keep_latest"})
    s.call("POST", "/threads/prune", {})
    s.call("POST", "/threads/prune", {"thread_ids": [t, t.upper(), missing]})
    s.call("GET", f"/threads/{t}")


def runs_cancel_many(s: Session) -> None:
    missing = "00000000-0000-0000-0000-00000000000f"
    for body in (
        {},
        {"status": "nope"},
        {"status": "all", "thread_id": missing},
        {"status": "all", "thread_id": missing, "run_ids": []},
        {"status": "all", "run_ids": []},
        {"status": "all", "thread_id": ""},
        {"status": "all", "thread_id": "", "run_ids": []},
        {"status": "all", "thread_id": "nope"},
        {"status": "all", "run_ids": ["nope"]},
        {"thread_id": "nope", "run_ids": ["nope"]},
        {"thread_id": "nope", "run_ids": []},
        {"thread_id": missing, "run_ids": ["nope"]},
        {"thread_id": missing, "run_ids": []},
        {"thread_id": missing},
        {"status": "all"},
    ):
        s.call("POST", "/runs/cancel", body)
    t = s.thread()
    first = s.call("POST", f"/threads/{t}/runs", {"assistant_id": "slow", "input": {"topic": "a"}})
    second = s.call("POST", f"/threads/{t}/runs", {"assistant_id": "slow", "input": {"topic": "b"}})
    s.pause(1.5)
    s.call("POST", "/runs/cancel", {"thread_id": t, "run_ids": [first["run_id"], second["run_id"]]})
    s.pause(0.3)
    s.call("GET", f"/threads/{t}/runs")
    s.call("GET", f"/threads/{t}")
    s.call("POST", "/runs/cancel", {"thread_id": t, "run_ids": [first["run_id"]]})
    t = s.thread()
    s.call("POST", f"/threads/{t}/runs", {"assistant_id": "slow", "input": {"topic": "c"}})
    s.call("POST", f"/threads/{t}/runs", {"assistant_id": "slow", "input": {"topic": "d"}})
    s.pause(1.5)
    s.call("POST", "/runs/cancel", {"status": "pending"}, action="rollback")
    s.pause(0.3)
    s.call("GET", f"/threads/{t}/runs")
    s.call("POST", "/runs/cancel", {"status": "running"}, action="nope")
    s.pause(0.3)
    s.call("GET", f"/threads/{t}/runs")
    s.call("GET", f"/threads/{t}")
    s.call("POST", "/runs/cancel", {"status": "all"})


def runs_batch(s: Session) -> None:
    missing = "00000000-0000-0000-0000-000000000009"
    for body in (
        [],
        {},
        [{"assistant_id": "agent"}, {}],
        [{"assistant_id": missing}, {"assistant_id": "nope"}],
        [{"assistant_id": missing}, {"assistant_id": "agent", "command": {"resume": 1}}],
        [{"assistant_id": missing}, {"assistant_id": "agent"}],
        [{"assistant_id": "nope", "command": {"resume": 1}}],
    ):
        s.call("POST", "/runs/batch", body)
    runs = s.call(
        "POST",
        "/runs/batch",
        [
            {"assistant_id": "agent", "input": HI},
            {
                "assistant_id": "interrupter",
                "input": HI,
                "on_completion": "keep",
                "metadata": {"k": 1},
            },
        ],
    )
    s.pause(4)  # langgraph dev's one worker takes the runs one after the other
    kept = runs[1]
    s.call("GET", f"/threads/{kept['thread_id']}/runs/{kept['run_id']}")
    s.call("GET", f"/threads/{kept['thread_id']}/state")


def graph_switch(s: Session) -> None:
    # An agent run stopped before `tools`, then the thread ran `interrupter`: reading the
    # thread with either graph, and continuing the agent, as LangGraph reads channels.
    t = s.thread()
    s.call(
        "POST",
        f"/threads/{t}/runs/wait",
        {"assistant_id": "agent", "input": HI, "interrupt_after": "*"},
    )
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    s.call("POST", f"/threads/{t}/state", {"values": {"topic": "t2"}})
    s.call("POST", f"/threads/{t}/history", {"limit": 10})
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "agent", "input": {"topic": "a"}})
    s.call("POST", f"/threads/{t}/history", {"limit": 10})
    t = s.thread()
    s.call(
        "POST",
        f"/threads/{t}/runs/wait",
        {"assistant_id": "agent", "input": HI, "interrupt_after": "*"},
    )
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    s.call("POST", f"/threads/{t}/state", {"values": {"topic": "t2"}})
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "agent", "input": None})
    s.call("POST", f"/threads/{t}/history", {"limit": 10})
    # From a checkpoint a run wrote, LangGraph looks only at the nodes its step triggered.
    t = s.thread(metadata={"graph_id": "agent"})
    s.call("POST", f"/threads/{t}/state", {"values": {"topic": "t5"}, "as_node": "agent"})
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    s.call(
        "POST", f"/threads/{t}/runs/wait", {"assistant_id": "agent", "command": {"resume": "no"}}
    )
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "agent", "input": None})
    s.call("POST", f"/threads/{t}/history", {"limit": 10})
    # An agent run queued behind the interrupter's resume: its checkpoints' metadata names
    # the graph the thread had when it was queued, yet they are the agent's.
    t = s.thread()
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    resumed = s.call(
        "POST", f"/threads/{t}/runs", {"assistant_id": "interrupter", "command": {"resume": 1}}
    )
    queued = s.call(
        "POST",
        f"/threads/{t}/runs",
        {"assistant_id": "agent", "input": {"topic": "q"}, "multitask_strategy": "enqueue"},
    )
    s.call("GET", f"/threads/{t}/runs/{queued['run_id']}/join")
    s.call("GET", f"/threads/{t}/runs/{resumed['run_id']}/join")
    s.call("GET", f"/threads/{t}/history", limit=10)


def queued_input(s: Session) -> None:
    # Input an update queued for __start__ (`as_node: __input__`) is a hidden task's writes.
    modes = ["values", "updates", "tasks", "debug"]
    t = s.thread()
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "agent", "input": HI})
    s.call("POST", f"/threads/{t}/state", {"values": {"topic": "x"}, "as_node": "__input__"})
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "agent", "input": None, "stream_mode": modes},
    )
    t = s.thread()
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    s.call("POST", f"/threads/{t}/state", {"values": {}, "as_node": "__input__"})
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "interrupter", "command": {"resume": {"ok": True}}, "stream_mode": modes},
    )
    s.call("GET", f"/threads/{t}/state")
    s.call("GET", f"/threads/{t}")
    s.call("POST", f"/threads/{t}/history", {"limit": 10})
    s.call(
        "POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "command": {"resume": 2}}
    )
    s.call("GET", f"/threads/{t}/state")
    t = s.thread()
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    s.call("POST", f"/threads/{t}/state", {"values": {"topic": "x"}, "as_node": "__input__"})
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "interrupter", "command": {"resume": 1}, "stream_mode": modes},
    )
    s.call("POST", f"/threads/{t}/history", {"limit": 10})


def client_modes(s: Session) -> None:
    # What the SDKs' runs.stream asks for: several modes, subgraphs, a resume by Command.
    modes = ["values", "updates", "messages-tuple", "debug", "tasks", "checkpoints"]
    t = s.thread()
    for body in (
        {"input": HI, "stream_mode": modes, "stream_subgraphs": True},
        {"command": {"resume": "yes"}, "stream_mode": modes, "stream_subgraphs": True},
        {"input": HI, "stream_mode": ["events", "values"]},
        {"command": {"resume": "no"}, "stream_mode": ["events", "updates"]},
    ):
        s.stream("POST", f"/threads/{t}/runs/stream", {"assistant_id": "interrupter", **body})
    s.call("POST", f"/threads/{t}/history", {"limit": 3, "metadata": {"source": "loop"}})
    t = s.thread()
    run = s.call(
        "POST",
        f"/threads/{t}/runs",
        {"assistant_id": "agent", "input": HI, "stream_mode": ["values", "debug", "tasks"]},
    )
    s.stream("GET", f"/threads/{t}/runs/{run['run_id']}/stream")


def client_commands(s: Session) -> None:
    # interrupt_before / interrupt_after, then Command updates, gotos and history pages.
    modes = ["updates", "checkpoints", "tasks"]
    t = s.thread()
    for body in (
        {"input": HI, "interrupt_before": ["tools"], "stream_mode": modes},
        {"command": {"update": {"topic": "u"}}, "stream_mode": modes},
        {"input": HI, "interrupt_after": ["agent"], "stream_mode": ["values", "debug"]},
        {"command": {"goto": "agent"}, "stream_mode": modes},
        {"command": {"update": {"topic": "v"}, "goto": "tools"}, "stream_mode": modes},
    ):
        s.stream("POST", f"/threads/{t}/runs/stream", {"assistant_id": "agent", **body})
    page = s.call("POST", f"/threads/{t}/history", {"limit": 4})
    before = {"configurable": {"checkpoint_id": page[-1]["checkpoint_id"]}}
    s.call("POST", f"/threads/{t}/history", {"limit": 3, "before": before})
    s.call("POST", f"/threads/{t}/history", {"limit": 5, "metadata": {"source": "update"}})
    s.call("GET", f"/threads/{t}/history", limit=2, before=page[1]["checkpoint_id"])
    t = s.thread()
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {"assistant_id": "interrupter", "input": HI, "stream_mode": modes},
    )
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "interrupter",
            "command": {"resume": "ok", "update": {"topic": "w"}},
            "stream_mode": ["values", "updates"],
        },
    )
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "interrupter",
            "command": {"goto": ["ask", "finish"]},
            "stream_mode": ["values", "updates", "tasks"],
        },
    )
    s.call("GET", f"/threads/{t}/state")
    # an update as [channel, value] pairs, and a goto beside the interrupted task: the tasks'
    # own events as they run, then their ends in task order
    t = s.thread()
    s.call("POST", f"/threads/{t}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "interrupter",
            "command": {"goto": "finish", "update": [["topic", "q"]]},
            "stream_mode": ["events", "updates"],
        },
    )
    s.call("GET", f"/threads/{t}/state")


def run_stamps_state(s: Session) -> None:
    # A run that wrote no checkpoint still stamps its thread's state_updated_at (the agent
    # has nothing to run on a thread the interrupter stopped), so searches sort it first.
    first = s.thread(metadata={"n": 1})
    s.call("POST", f"/threads/{first}/runs/wait", {"assistant_id": "interrupter", "input": HI})
    second = s.thread(metadata={"n": 2})
    s.call("POST", f"/threads/{second}/runs/wait", {"assistant_id": "agent", "input": HI})
    s.call(
        "POST", f"/threads/{first}/runs/wait", {"assistant_id": "agent", "command": {"resume": 1}}
    )
    for sort_by in ("state_updated_at", "updated_at"):
        s.call(
            "POST",
            "/threads/search",
            {"ids": [first, second], "sort_by": sort_by, "select": ["metadata", "status"]},
        )


def client_more(s: Session) -> None:
    # Breakpoints before an interrupting node, time travel from an old checkpoint, stateless
    # streams: what the SDKs' human-in-the-loop examples do.
    modes = ["values", "updates", "debug"]
    t = s.thread()
    for body in (
        {"input": HI, "interrupt_before": ["ask"], "stream_mode": modes},
        {"command": {"resume": "early"}, "stream_mode": modes},
        {"command": {"resume": "late"}, "stream_mode": ["updates", "tasks"]},
    ):
        s.stream("POST", f"/threads/{t}/runs/stream", {"assistant_id": "interrupter", **body})
    states = s.call("POST", f"/threads/{t}/history", {"limit": 10})
    oldest_loop = [c for c in states if c["metadata"]["source"] == "loop"][-1]
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "interrupter",
            "input": None,
            "checkpoint_id": oldest_loop["checkpoint_id"],
            "stream_mode": ["checkpoints", "updates"],
        },
    )
    s.stream(
        "POST",
        f"/threads/{t}/runs/stream",
        {
            "assistant_id": "interrupter",
            "command": {"resume": "again"},
            "checkpoint_id": oldest_loop["checkpoint_id"],
            "stream_mode": ["values", "tasks"],
        },
    )
    s.call("GET", f"/threads/{t}/state")
    s.stream(
        "POST",
        "/runs/stream",
        {"assistant_id": "agent", "input": HI, "stream_mode": ["values", "updates", "tasks"]},
    )
    s.call("POST", "/runs/wait", {"assistant_id": "interrupter", "input": HI})


def client_breakpoints(s: Session) -> None:
    # Breakpoints on every node, a resume with nothing interrupted, a stop after the node that
    # asked, and a stateless stream that deletes its thread.
    t = s.thread()
    for body in (
        {"input": HI, "interrupt_before": "*", "stream_mode": ["updates", "events"]},
        {"command": {"resume": "x"}, "stream_mode": ["updates", "values"]},
        {"input": None, "interrupt_after": "*", "stream_mode": ["updates", "tasks"]},
        {"input": None, "stream_mode": ["updates", "checkpoints"]},
    ):
        s.stream("POST", f"/threads/{t}/runs/stream", {"assistant_id": "agent", **body})
    s.call("GET", f"/threads/{t}")
    t = s.thread()
    for body in (
        {"input": HI, "interrupt_after": ["ask"], "stream_mode": ["updates", "values"]},
        {"command": {"resume": "y"}, "interrupt_after": ["ask"], "stream_mode": ["updates"]},
        {"input": None, "stream_mode": ["updates", "debug"]},
    ):
        s.stream("POST", f"/threads/{t}/runs/stream", {"assistant_id": "interrupter", **body})
    s.call("GET", f"/threads/{t}/state")
    s.stream(
        "POST",
        "/runs/stream",
        {
            "assistant_id": "interrupter",
            "input": HI,
            "on_completion": "delete",
            "stream_mode": ["values", "updates", "events"],
        },
    )


SCENARIOS: dict[str, Callable[[Session], None]] = {
    fn.__name__: fn
    for fn in (
        agent_values,
        agent_all_modes,
        agent_legacy_messages_and_events,
        interrupter_chat_ui,
        interrupter_updates,
        interrupt_before_after,
        failing_input,
        wait_and_join,
        stateless,
        not_found_and_invalid,
        busy_thread,
        cancel_running,
        multitask,
        assistants,
        thread_metadata_and_config,
        join_after_create,
        prune_and_storage,
        runs_cancel_many,
        runs_batch,
        graph_switch,
        queued_input,
        client_modes,
        client_commands,
        run_stamps_state,
        client_more,
        client_breakpoints,
    )
}


def play(
    http: httpx.Client, names: list[str] | None = None, pause_scale: float = 1.0
) -> dict[str, list[dict[str, Any]]]:
    """Every scenario (or the named ones) against one server, with what it answered."""
    out = {}
    for name in names or list(SCENARIOS):
        session = Session(http, pause_scale)
        SCENARIOS[name](session)
        out[name] = session.records
    return out
