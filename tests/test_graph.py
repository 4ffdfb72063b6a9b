"""Graph models: the YAML that tells the mock what each graph looks like."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver.graph import GraphModelError, load_graphs


def model(**graph: Any) -> dict[str, Any]:
    edges = [["__start__", "a"], ["a", "b"], ["b", "__end__"]]
    base = {"nodes": {"a": {}, "b": {}}, "edges": edges}
    return {"graphs": {"g": {**base, **graph}}}


def test_the_packaged_default_holds_the_reference_graphs() -> None:
    graphs = load_graphs()
    assert set(graphs) == {"agent", "interrupter", "slow"}
    assert all(graph.types == {"topic": "string"} for graph in graphs.values())
    assert [graphs["slow"].next_nodes(n) for n in ("__start__", "slow_node")] == [
        ("slow_node",),
        (),
    ]
    agent = graphs["agent"]
    assert dict(agent.channels) == {"messages": "add_messages", "topic": "last_value"}
    assert [agent.next_nodes(n) for n in ("__start__", "agent", "tools")] == [
        ("agent",),
        ("tools",),
        (),
    ]
    assert graphs["interrupter"].nodes["ask"] == {"interrupt": {"question": "approve?"}}


def test_fan_out_lists_next_nodes_in_declaration_order() -> None:
    edges = [["__start__", "b"], ["__start__", "a"], ["a", "__end__"]]
    graph = load_graphs(model(edges=edges))["g"]
    assert graph.next_nodes("__start__") == ("a", "b")


def test_a_model_file_is_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "graphs.yaml"
    path.write_text("graphs:\n  g:\n    nodes: {a: {}}\n    edges: [[__start__, a]]\n")
    assert load_graphs(path)["g"].has_node("a")


@pytest.mark.parametrize(
    "document, message",
    [
        pytest.param({}, '"graphs" is a required property', id="no graphs"),
        pytest.param(model(channels={"x": "sum"}), "graphs/g/channels/x", id="unknown reducer"),
        pytest.param(
            model(edges=[["__start__", "zzz"]]), "edge to unknown node zzz", id="bad edge"
        ),
        pytest.param(model(edges=[["a", "b"]]), "no edge leaves __start__", id="no entry"),
        pytest.param(model(nodes={"__end__": {}}), "__end__ is reserved", id="reserved name"),
        pytest.param(model(extra=1), "graphs/g", id="unknown key"),
    ],
)
def test_malformed_models_are_refused_with_the_reason(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(GraphModelError, match=message):
        load_graphs(document)


def test_an_unreadable_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(GraphModelError, match="cannot read"):
        load_graphs(tmp_path / "missing.yaml")


def test_types_name_channels_of_the_graph() -> None:
    model = {
        "graphs": {
            "g": {
                "channels": {"topic": "last_value"},
                "types": {"topc": "string"},
                "nodes": {"n": {}},
                "edges": [["__start__", "n"]],
            }
        }
    }
    with pytest.raises(GraphModelError, match="types names topc"):
        load_graphs(model)
