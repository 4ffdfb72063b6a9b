"""Scripted node behaviour in the graph model: what loads, what is refused, what templates do."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.graph import GraphModelError, load_graphs
from mockserver.scripts import message_text, render


def model(
    nodes: dict[str, Any],
    edges: list[list[str]] | None = None,
    channels: dict[str, str] | None = None,
) -> dict[str, Any]:
    graph = {
        "channels": channels or {"messages": "add_messages", "topic": "last_value"},
        "nodes": nodes,
        "edges": edges or [["__start__", "a"], ["a", "__end__"]],
    }
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
    graph = load_graphs(
        model(
            {
                "a": {
                    "reply": [
                        "hi {last_human}",
                        {
                            "text": "",
                            "tool_calls": [
                                {"name": "search", "args": {"q": "{last_human}"}, "id": "c1"}
                            ],
                        },
                    ],
                    "stream": False,
                    "token_delay": 0.01,
                    "custom": [{"step": "{node}"}],
                    "route": {"tool_calls": "t", "default": "__end__"},
                },
                "t": {"tool_result": "{tool_name}: {tool_args}", "delay": 1},
            },
            edges,
        )
    )["g"]
    script = graph.scripts["a"]
    assert [r.text for r in script.replies] == ["hi {last_human}", ""]
    assert script.replies[1].tool_calls[0]["id"] == "c1"
    assert (script.stream, script.token_delay, script.route) == (
        False,
        0.01,
        {"tool_calls": "t", "default": "__end__"},
    )
    assert graph.scripts["t"].delay == 1.0


@pytest.mark.parametrize(
    "nodes, message",
    [
        pytest.param(
            {"a": {"writes": {"topic": "{nope}"}}},
            "unknown placeholder {nope}",
            id="unknown placeholder",
        ),
        pytest.param({"a": {"reply": "oops {"}}, "Single '{'", id="broken template"),
        pytest.param({"a": {"writes": ["x"]}}, "writes must map channels", id="writes a list"),
        pytest.param({"a": {"reply": {"txt": "x"}}}, "a reply is a template", id="reply keys"),
        pytest.param(
            {"a": {"reply": {"text": "x", "tool_calls": [{"args": {}}]}}},
            "each tool call needs a name",
            id="tool call without name",
        ),
        pytest.param({"a": {"fail": 3}}, "fail is a message", id="fail"),
        pytest.param({"a": {"delay": -1}}, "delay must be a number", id="negative delay"),
        pytest.param({"a": {"token_delay": "fast"}}, "token_delay must be", id="token delay"),
        pytest.param(
            {"a": {"route": {"default": "b"}}}, "route to b, which no edge leads to", id="route"
        ),
    ],
)
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


@pytest.mark.parametrize(
    "content, text",
    [
        pytest.param("plain", "plain", id="a string"),
        pytest.param([{"type": "text", "text": "hi"}], "hi", id="agent-chat-ui's human message"),
        pytest.param(
            [
                {"type": "text", "text": "a"},
                {"type": "image_url", "image_url": {"url": "x"}},
                "b",
                {"type": "text", "text": "c"},
            ],
            "abc",
            id="text blocks and strings joined",
        ),
        pytest.param([{"type": "tool_use", "id": "t", "input": {}}], "", id="no text block"),
        pytest.param([{"type": "text", "text": 5}, {"text": "untyped"}], "", id="not text blocks"),
        pytest.param(None, "", id="no content"),
    ],
)
def test_message_text_reads_content_blocks_as_langchain_does(content: Any, text: str) -> None:
    assert message_text(content) == text


def test_a_reply_to_content_blocks_renders_their_text() -> None:
    edges = [["__start__", "a"], ["a", "t"], ["t", "b"], ["b", "__end__"]]
    graphs = load_graphs(
        model(
            {
                "a": {
                    "reply": {
                        "text": "you said {last_human}",
                        "tool_calls": [{"name": "search", "args": {"q": "{last_human}"}}],
                    }
                },
                "t": {"tool_result": "found {tool_args}"},
                "b": {"writes": {"topic": "{last_ai}|{last_tool}"}},
            },
            edges,
        )
    )
    blocks = [
        {"type": "text", "text": "hello"},
        {"type": "image_url", "image_url": {"url": "u"}},
        {"type": "text", "text": " there"},
    ]
    with TestClient(create_app(graphs=graphs, check_responses=True)) as http:
        thread_id = http.post("/threads", json={}).json()["thread_id"]
        response = http.post(
            f"/threads/{thread_id}/runs/wait",
            json={
                "assistant_id": "g",
                "input": {"messages": [{"role": "user", "content": blocks}]},
            },
        )
    assert response.status_code == 200, response.text
    human, ai, tool = response.json()["messages"]
    assert human["content"] == blocks  # stored as sent
    assert ai["content"] == "you said hello there"
    assert ai["tool_calls"][0]["args"] == {"q": "hello there"}
    assert tool["content"] == 'found {"q": "hello there"}'
    assert response.json()["topic"] == 'you said hello there|found {"q": "hello there"}'
