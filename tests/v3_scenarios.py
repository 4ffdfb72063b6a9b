"""v3 thread-streaming scenarios (POST /threads/{id}/commands and /stream/events), played
against the real server once (scripts/record_v3.py) and against the mock in every test run
(tests/test_v3_differential.py), with the same normalisation as the run scenarios.

The event stream stays open until the client leaves, so a scenario reads it until a frame it
names (a terminal lifecycle event) and then closes it. Runs are waited for before a stream is
opened, so the stream replays a finished run: what the real server then sends is fixed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from run_scenarios import Session, normalise, parse_sse

ALL_CHANNELS = [
    "values",
    "updates",
    "messages",
    "tools",
    "lifecycle",
    "input",
    "tasks",
    "checkpoints",
    "custom",
]
HI = {"messages": [{"role": "user", "content": "hi"}]}
_STREAM_TIMEOUT = httpx.Timeout(30, read=10)
_SUFFIXED_ID = re.compile(r"^\d+-\d+\.\d+$")


def _stamp_free(value: Any) -> Any:
    # event timestamps (milliseconds) differ from run to run, and so do which events share a
    # stream id (`<ms>-<seq>.<n>`: the n-th protocol event of one run event)
    if isinstance(value, dict):
        return {k: ("<ms>" if k == "timestamp" else _stamp_free(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_stamp_free(v) for v in value]
    if isinstance(value, str) and _SUFFIXED_ID.match(value):
        return "<event-id>"
    return value


class V3Session(Session):
    """A Session that also sends protocol commands and reads open event streams."""

    def command(self, thread_id: str, body: Any, *, raw: bytes | None = None) -> Any:
        """POST /threads/{id}/commands; records and returns the parsed answer."""
        path = f"/threads/{thread_id}/commands"
        if raw is not None:
            response = self.http.post(path, content=raw)
            self.records.append(
                normalise(
                    {
                        "call": f"POST {path}",
                        "request": raw.decode(),
                        "status": response.status_code,
                        "headers": {"content-type": response.headers.get("content-type")},
                        "body": response.json(),
                    }
                )
            )
            return response.json()
        return self.call("POST", path, body)

    def events(
        self,
        thread_id: str,
        body: Any,
        until: Callable[[dict[str, Any]], bool],
        *,
        raw: bytes | None = None,
    ) -> list[dict[str, Any]]:
        """POST /threads/{id}/stream/events, read until a frame `until` accepts; records the
        frames (event, id, data) and returns the data."""
        path = f"/threads/{thread_id}/stream/events"
        content = raw if raw is not None else json.dumps(body).encode()
        frames: list[dict[str, Any]] = []
        with self.http.stream(
            "POST",
            path,
            content=content,
            headers={"content-type": "application/json"},
            timeout=_STREAM_TIMEOUT,
        ) as response:
            record: dict[str, Any] = {
                "call": f"POST {path}",
                "request": body if raw is None else raw.decode(),
                "status": response.status_code,
                "headers": {"content-type": response.headers.get("content-type", "").split(";")[0]},
            }
            if response.status_code != 200:
                response.read()
                record["body"] = response.json()
            else:
                for frame in parse_sse(response.iter_lines()):
                    frames.append(frame)
                    if until(frame["data"]):
                        break
                record["events"] = [_stamp_free(f) for f in frames]
        self.records.append(normalise(record))
        return [f["data"] for f in frames]

    def settle(self, thread_id: str) -> None:
        """Wait (unrecorded) until the thread's runs have ended (it is no longer busy)."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            answer = self.http.get(f"/threads/{thread_id}")
            if answer.status_code == 200 and answer.json().get("status") != "busy":
                return
            time.sleep(0.05)
        raise AssertionError(f"thread {thread_id} is still busy")


def lifecycle(*phases: str) -> Callable[[dict[str, Any]], bool]:
    """Accepts a root lifecycle frame in one of the phases."""

    def match(data: dict[str, Any]) -> bool:
        params = data.get("params") or {}
        return (
            data.get("method") == "lifecycle"
            and not params.get("namespace")
            and (params.get("data") or {}).get("event") in phases
        )

    return match


def _new_thread(s: Session) -> str:
    return str(s.http.post("/threads", json={}).json()["thread_id"])


# ---- the scenarios ---------------------------------------------------------------------------


def agent_conversation(s: V3Session) -> None:
    t = _new_thread(s)
    s.command(t, {"id": 1, "method": "run.start", "params": {"assistant_id": "agent", "input": HI}})
    s.settle(t)
    s.events(t, {"channels": ALL_CHANNELS}, lifecycle("completed"))
    s.events(t, {"channels": ["lifecycle"]}, lifecycle("completed"))
    s.events(t, {"channels": ["values"], "since": 2}, lambda d: d.get("seq") == 4)
    s.command(
        t,
        {
            "id": 2,
            "method": "run.start",
            "params": {"assistant_id": "agent", "input": {"messages": "again"}},
        },
    )
    s.settle(t)
    s.events(t, {"channels": ["lifecycle", "input"]}, lambda d: d.get("seq") == 10)
    s.call("GET", f"/threads/{t}/state")


def agent_new_thread(s: V3Session) -> None:
    # run.start creates the thread it names, as the SDK relies on
    t = "00000000-0000-0000-0000-0000000000a1"
    s.http.delete(f"/threads/{t}")
    s.command(t, {"id": 7, "method": "run.start", "params": {"assistant_id": "agent"}})
    s.settle(t)
    s.events(t, {"channels": ALL_CHANNELS}, lifecycle("completed", "failed"))
    s.call("GET", f"/threads/{t}")
    s.http.delete(f"/threads/{t}")


def interrupt_and_respond(s: V3Session) -> None:
    t = _new_thread(s)
    s.command(
        t,
        {"id": 1, "method": "run.start", "params": {"assistant_id": "interrupter", "input": HI}},
    )
    s.settle(t)
    seen = s.events(t, {"channels": ALL_CHANNELS}, lifecycle("interrupted"))
    interrupt_id = next(
        d["params"]["data"]["interrupt_id"] for d in seen if d["method"] == "input.requested"
    )
    respond = {"interrupt_id": "nope", "namespace": [], "response": "yes"}
    s.command(t, {"id": 2, "method": "input.respond", "params": respond})
    s.command(
        t,
        {"id": 3, "method": "input.respond", "params": {**respond, "namespace": "x"}},
    )
    s.command(t, {"id": 4, "method": "input.respond", "params": {"namespace": []}})
    s.command(t, {"id": 5, "method": "input.respond", "params": {"responses": []}})
    s.command(t, {"id": 6, "method": "input.respond", "params": {"responses": [1]}})
    s.command(
        t,
        {"id": 7, "method": "input.respond", "params": {**respond, "interrupt_id": interrupt_id}},
    )
    s.settle(t)
    s.events(t, {"channels": ["lifecycle", "input", "values"], "since": 3}, lifecycle("completed"))
    s.command(
        t,
        {"id": 8, "method": "input.respond", "params": {**respond, "interrupt_id": interrupt_id}},
    )
    s.call("GET", f"/threads/{t}/state")


def resume_with_run_start(s: V3Session) -> None:
    # run.start on an interrupted thread: its input answers the interrupt
    t = _new_thread(s)
    s.command(
        t, {"id": 1, "method": "run.start", "params": {"assistant_id": "interrupter", "input": {}}}
    )
    s.settle(t)
    s.command(
        t, {"id": 2, "method": "run.start", "params": {"assistant_id": "interrupter", "input": 5}}
    )
    s.settle(t)
    s.call("GET", f"/threads/{t}/state")


def commands_refused(s: V3Session) -> None:
    t = _new_thread(s)
    s.command(t, None, raw=b"{nope")
    s.command(t, None, raw=b"[]")
    s.command(t, {"method": "run.start"})
    s.command(t, {"id": "1", "method": "run.start"})
    s.command(t, {"id": 1})
    s.command(t, {"id": 1, "method": "nope.nope"})
    s.command(t, {"id": 2, "method": "run.start", "params": {}})
    s.command(t, {"id": 3, "method": "run.start", "params": {"assistant_id": "nope"}})
    s.command(
        t,
        {
            "id": 4,
            "method": "run.start",
            "params": {"assistant_id": "agent", "config": {"configurable": {"checkpoint_id": "x"}}},
        },
    )
    s.command(t, {"id": 5, "method": "agent.getTree"})
    s.command(t, {"id": 6, "method": "subscription.subscribe", "params": {"channels": []}})
    s.command(t, {"id": 7, "method": "subscription.subscribe", "params": {"channels": ["x"]}})
    s.command(t, {"id": 8, "method": "subscription.subscribe", "params": {"channels": ["values"]}})
    s.command(t, {"id": 9, "method": "subscription.unsubscribe", "params": {}})
    s.command(
        t, {"id": 10, "method": "subscription.unsubscribe", "params": {"subscription_id": "x"}}
    )
    s.command(t, {"id": 11, "method": "subscription.reconnect", "params": {}})
    s.command(t, {"id": 12, "method": "input.respond", "params": {"interrupt_id": "x"}})


def streams_refused(s: V3Session) -> None:
    t = _new_thread(s)
    never = lifecycle("completed")
    s.events(t, None, never, raw=b"{nope")
    s.events(t, {}, never)
    s.events(t, {"channels": []}, never)
    s.events(t, {"channels": "values"}, never)
    s.events(t, {"channels": ["values", "nope", 3, "custom:"]}, never)


def chat_reply(s: V3Session) -> None:
    """A chat model's streamed reply (the `chat` graph of scripts/record_v3_messages.py; not
    one of the reference graphs, so not in SCENARIOS)."""
    t = _new_thread(s)
    s.command(t, {"id": 1, "method": "run.start", "params": {"assistant_id": "chat", "input": HI}})
    s.settle(t)
    s.events(t, {"channels": ALL_CHANNELS}, lifecycle("completed", "failed"))


SCENARIOS: dict[str, Callable[[V3Session], None]] = {
    fn.__name__: fn
    for fn in (
        agent_conversation,
        agent_new_thread,
        interrupt_and_respond,
        resume_with_run_start,
        commands_refused,
        streams_refused,
    )
}


def play(http: httpx.Client, names: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every scenario (or the named ones) against one server, with what it answered."""
    out = {}
    for name in names or list(SCENARIOS):
        session = V3Session(http)
        SCENARIOS[name](session)
        out[name] = session.records
    return out
