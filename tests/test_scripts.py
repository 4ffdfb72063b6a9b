"""Scripted node behaviour in the graph model: what loads, what is refused, what templates do."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.graph import GraphModelError, load_graphs
from mockserver.scripts import render


def model(nodes: dict[str, Any], edges: list[list[str]] | None = None,
          channels: dict[str, str] | None = None) -> dict[str, Any]:
    graph = {"channels": channels or {"messages": "add_messages", "topic": "last_value"},
             "nodes": nodes, "edges": edges or [["__start__", "a"], ["a", "__end__"]]}
    return {"graphs": {"g": graph}}


def test_the_packaged_reference_graphs_are_scripted() -> None:
    graphs = load_graphs()
    ask = graphs["interrupter"].scripts["ask"]
    assert ask.interrupt == {"question": "approve?"}
    assert ask.writes == {"topic": "answer={resume}"}
    # the structural options stay where they were
    assert graphs["interrupter"].nodes["ask"] == {"interrupt": {"question": "approve?"}}
    assert graphs["agent"].scripts["tools"].writes["topic"] == "{topic}+tools"


def test_a_full_script_loads() -> None:
    edges = [["__start__", "a"], ["a", "t"], ["a", "__end__"], ["t", "a"]]
    graph = load_graphs(model({
        "a": {"reply": ["hi {last_human}", {"text": "", "tool_calls": [
            {"name": "search", "args": {"q": "{last_human}"}, "id": "c1"}]}],
              "stream": False, "token_delay": 0.01, "custom": [{"step": "{node}"}],
              "route": {"tool_calls": "t", "default": "__end__"}},
        "t": {"tool_result": "{tool_name}: {tool_args}", "delay": 1},
    }, edges))["g"]
    script = graph.scripts["a"]
    assert [r.text for r in script.replies] == ["hi {last_human}", ""]
    assert script.replies[1].tool_calls[0]["id"] == "c1"
    assert (script.stream, script.token_delay, script.route) == (
        False, 0.01, {"tool_calls": "t", "default": "__end__"})
    assert graph.scripts["t"].delay == 1.0


@pytest.mark.parametrize("nodes, message", [
    pytest.param({"a": {"writes": {"topic": "{nope}"}}}, "unknown placeholder {nope}",
                 id="unknown placeholder"),
    pytest.param({"a": {"reply": "oops {"}}, "Single '{'", id="broken template"),
    pytest.param({"a": {"writes": ["x"]}}, "writes must map channels", id="writes a list"),
    pytest.param({"a": {"reply": {"txt": "x"}}}, "a reply is a template", id="reply keys"),
    pytest.param({"a": {"reply": {"text": "x", "tool_calls": [{"args": {}}]}}},
                 "each tool call needs a name", id="tool call without name"),
    pytest.param({"a": {"fail": 3}}, "fail is a message", id="fail"),
    pytest.param({"a": {"delay": -1}}, "delay must be a number", id="negative delay"),
    pytest.param({"a": {"token_delay": "fast"}}, "token_delay must be", id="token delay"),
    pytest.param({"a": {"route": {"default": "b"}}}, "route to b, which no edge leads to",
                 id="route"),
])
def test_malformed_scripts_are_refused_with_the_node(nodes: dict[str, Any], message: str) -> None:
    with pytest.raises(GraphModelError, match=f"graph g: node a: .*{message}"):
        load_graphs(model(nodes))


def test_a_reply_needs_a_message_channel() -> None:
    with pytest.raises(GraphModelError, match="need an add_messages channel"):
        load_graphs(model({"a": {"reply": "hi"}}, channels={"topic": "last_value"}))


def test_templates() -> None:
    variables = {"topic": "t", "resume": {"ok": True}, "message_count": 2}
    assert render("{topic}+tools", variables) == "t+tools"
    assert render("answer={resume}", variables) == "answer={'ok': True}"
    assert render("{resume}", variables) == {"ok": True}  # a lone placeholder keeps its type
    assert render({"m": ["saw {message_count}"], "n": 1}, variables) == {"m": ["saw 2"], "n": 1}
    assert render("{{literal}}", variables) == "{literal}"
