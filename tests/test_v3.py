"""mockserver/v3.py: a thread's raw run events as protocol events, and the stream filters."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.v3 import EventSession, Filter, normalise_state, stream_filter, supported_channel

RUN = "01a22861-814e-73b1-9eec-e91301537c7e"
HUMAN = {"type": "human", "content": "hi", "id": "h1", "additional_kwargs": {}, "name": None}


def session(status: str = "success") -> EventSession:
    return EventSession(lambda run_id: ("agent", status) if run_id == RUN else None)


def raw(name: str, data: Any, event_id: str) -> dict[str, Any]:
    return {"event": name, "data": data, "id": event_id}


def started() -> dict[str, Any]:
    return raw("metadata", {"run_id": RUN, "attempt": 1}, "1000-0")


def done() -> dict[str, Any]:
    return raw("metadata", {"status": "run_done", "run_id": RUN}, "1009-0")


def summary(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["seq"], e["event_id"], e["method"], e["params"]["data"]) for e in events]


def test_a_run_is_lifecycle_running_its_values_and_completed() -> None:
    s = session()
    out = s.feed(started()) + s.feed(raw("values", {"messages": [HUMAN]}, "1001-0"))
    out += s.feed(raw("updates", {"agent": {}}, "1002-0")) + s.feed(done())
    assert summary(out) == [
        (1, f"synth:{RUN}:lc||running", "lifecycle", {"event": "running", "graph_name": "agent"}),
        (2, "1001-0", "values", {"messages": [{"type": "human", "content": "hi", "id": "h1"}]}),
        (
            3,
            f"synth:{RUN}:lc||completed",
            "lifecycle",
            {"event": "completed", "graph_name": "agent"},
        ),
    ]
    assert out[1]["params"]["timestamp"] == 1001  # the run's event keeps the time it was sent


def test_an_event_brought_twice_is_sent_once() -> None:
    s = session()
    assert s.feed(started())
    assert s.feed(started()) == []


def test_an_interrupt_is_input_requested_then_lifecycle_interrupted_once() -> None:
    s = session()
    s.feed(started())
    interrupt = {"value": {"question": "approve?"}, "id": "i1", "response_schema": None}
    out = s.feed(raw("values", {"topic": "x", "__interrupt__": [interrupt]}, "1001-0"))
    assert [(e["method"], e["params"]["data"]) for e in out] == [
        ("input.requested", {"interrupt_id": "i1", "payload": {"question": "approve?"}}),
        ("lifecycle", {"event": "interrupted", "graph_name": "agent"}),
        ("values", {"topic": "x"}),
    ]
    assert out[0]["event_id"] == f"synth:{RUN}:input||i1"
    assert s.pending == {"i1": []}
    assert s.feed(done()) == []  # the interrupted lifecycle was its end


@pytest.mark.parametrize(
    ("status", "phase"), [("error", "failed"), ("interrupted", "interrupted"), ("running", None)]
)
def test_the_end_of_a_run_follows_its_status(status: str, phase: str | None) -> None:
    s = session(status)
    s.feed(started())
    ended = s.feed(done())
    assert [e["params"]["data"]["event"] for e in ended] == ([phase] if phase else [])


def test_streamed_tokens_are_message_deltas_finished_by_what_comes_next() -> None:
    s = session()
    s.feed(started())
    message = {"type": "ai", "id": "m1", "content": ""}
    out: list[dict[str, Any]] = []
    for n, text in enumerate(["Hel", "Hello", "Hello"]):
        out += s.feed(raw("messages/partial", [{**message, "content": text}], f"1001-{n}"))
    out += s.feed(raw("updates", {"agent": {}}, "1002-0"))
    assert [(e["event_id"], e["params"]["data"]) for e in out] == [
        ("1001-0", {"event": "message-start", "role": "ai", "id": "m1"}),
        (
            "1001-0.1",
            {"event": "content-block-start", "index": 0, "content": {"type": "text", "text": ""}},
        ),
        (
            "1001-0.2",
            {
                "event": "content-block-delta",
                "index": 0,
                "delta": {"type": "text-delta", "text": "Hel"},
            },
        ),
        (
            "1001-1",
            {
                "event": "content-block-delta",
                "index": 0,
                "delta": {"type": "text-delta", "text": "lo"},
            },
        ),
        (
            "1002-0",
            {
                "event": "content-block-finish",
                "index": 0,
                "content": {"type": "text", "text": "Hello"},
            },
        ),
        ("1002-0.1", {"event": "message-finish"}),
    ]
    assert [e["seq"] for e in out] == list(range(2, 8))


def test_state_messages_are_normalised() -> None:
    ai = {
        "type": "ai",
        "content": "x",
        "id": "a1",
        "response_metadata": {},
        "tool_calls": [{"name": "search", "args": {"q": 1}, "id": "c1", "type": "tool_call"}],
        "usage_metadata": None,
    }
    tool = {"type": "tool", "content": "r", "id": "t1", "tool_call_id": "c1", "status": "success"}
    tool["artifact"] = None
    assert normalise_state({"messages": [ai, tool], "__interrupt__": [], "n": [{"k": 1}]}) == {
        "messages": [
            {
                "type": "ai",
                "content": "x",
                "id": "a1",
                "tool_calls": [
                    {"type": "tool_call", "name": "search", "args": {"q": 1}, "id": "c1"}
                ],
            },
            {
                "type": "tool",
                "content": "r",
                "id": "t1",
                "tool_call_id": "c1",
                "status": "success",
                "artifact": None,
            },
        ],
        "n": [{"k": 1}],
    }


def event(method: str, seq: int = 1, namespace: list[str] | None = None, data: Any = None) -> Any:
    return {"seq": seq, "method": method, "params": {"namespace": namespace or [], "data": data}}


def test_a_filter_picks_channels_since_and_namespaces() -> None:
    lifecycle = Filter(frozenset({"lifecycle", "input"}), since=2)
    assert not lifecycle.wants(event("lifecycle", seq=2))
    assert lifecycle.wants(event("lifecycle", seq=3))
    assert lifecycle.wants(event("input.requested", seq=3))
    assert not lifecycle.wants(event("values", seq=3))
    named = Filter(frozenset({"custom:progress"}))
    assert named.wants(event("custom", data={"name": "progress"}))
    assert not named.wants(event("custom", data={"name": "other"}))
    scoped = Filter(frozenset({"values"}), namespaces=(("a",),), depth=1)
    assert scoped.wants(event("values", namespace=["a", "b"]))
    assert not scoped.wants(event("values", namespace=["a", "b", "c"]))
    assert not scoped.wants(event("values"))
    assert scoped.wants(event("values", namespace=["a:1", "b"]))  # a task's suffix
    assert not Filter(frozenset({"values"}), namespaces=(("a:2",),)).wants(
        event("values", namespace=["a:1"])
    )
    assert Filter(frozenset({"values"}), depth=0).wants(event("values", namespace=["a", "b"]))


def test_a_body_is_read_leniently() -> None:
    body = {"namespaces": [["a"], "b", [1]], "depth": True, "since": -1}
    assert stream_filter(body, ["values"]) == Filter(frozenset({"values"}), (("a",),))
    assert stream_filter({"depth": 2, "since": 4}, ["values"]).since == 4


@pytest.mark.parametrize(
    ("channel", "ok"),
    [("values", True), ("checkpoints", True), ("custom:x", True), ("custom:", False), (3, False)],
)
def test_supported_channels(channel: Any, ok: bool) -> None:
    assert supported_channel(channel) is ok
