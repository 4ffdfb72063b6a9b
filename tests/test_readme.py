"""The README's examples run as written (with the live mock's URL)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mockserver.graph import load_graphs
from mockserver.live import LiveServer

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_the_sdk_example_runs_against_the_mock(mock: LiveServer) -> None:
    (example,) = [b for b in _blocks("python") if 'url="http://127.0.0.1:2024"' in b]
    code = example.replace("http://127.0.0.1:2024", mock.url)
    lines = code.splitlines()
    # The example's last line shows its result in a comment; check it.
    *body, last = lines
    expression, expected = last.split("#")
    namespace: dict[str, object] = {}
    exec("\n".join(body), namespace)
    try:
        assert eval(expression, namespace) == eval(expected, namespace)
    finally:
        namespace["client"].close()  # type: ignore[attr-defined]


def test_the_graph_model_examples_are_valid_models() -> None:
    structural, scripted = [b for b in _blocks("yaml") if "graphs:" in b]
    assert load_graphs(yaml.safe_load(structural))["chat"].next_nodes("model") == ("review",)
    agent = load_graphs(yaml.safe_load(scripted))["agent"]
    assert set(agent.next_nodes("agent")) == {"tools"}  # __end__ is not a node to run
    assert agent.next_nodes("tools") == ("agent",)


def test_the_seed_example_seeds(mock: LiveServer) -> None:
    from mockserver.testing import MockServer

    (example,) = [b for b in _blocks("yaml") if "threads:" in b]
    with MockServer.start() as server:
        (tid,) = server.seed(yaml.safe_load(example))
        assert server.state(tid)["next"] == ["tools"]
        assert [m["type"] for m in server.state(tid)["values"]["messages"]] == ["human", "ai"]
