"""The README's examples run as written (with the live mock's URL)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from mockserver import cli
from mockserver.contract.runner import build_parser as contract_parser
from mockserver.graph import load_graphs
from mockserver.live import LiveServer

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
EXTRAS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_the_sdk_example_runs_against_the_mock(mock: LiveServer) -> None:
    (example,) = [b for b in _blocks("python") if "url=URL" in b]
    lines = example.splitlines()
    # The example's last line shows its result in a comment; check it.
    *body, last = lines
    expression, expected = last.split("#")
    namespace: dict[str, object] = {"URL": mock.url}
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


def _commands() -> list[list[str]]:
    """Every command line of the README's bash blocks (continuations joined, comments cut)."""
    lines = "\n".join(_blocks("bash")).replace("\\\n", " ").replace("&&", "\n").splitlines()
    return [argv for argv in (shlex.split(line, comments=True) for line in lines) if argv]


def test_the_readme_shows_no_hard_coded_url_in_its_code() -> None:
    assert not [b for b in _blocks("python") if "127.0.0.1" in b or "localhost" in b]


@pytest.mark.parametrize("argv", [c for c in _commands() if c[0] == "mockserver"], ids=" ".join)
def test_every_readme_mockserver_command_parses(argv: list[str]) -> None:
    # Parsed, not run: serving and the contract suite are run by tests/test_cli.py and
    # scripts/wheel-check; here every option the README shows must exist.
    if argv[1] == "contract":
        contract_parser().parse_args(argv[2:])
    else:
        cli._parser().parse_args(argv[1:])


@pytest.mark.parametrize(
    "argv", [c for c in _commands() if c[:2] == ["pip", "install"]], ids=" ".join
)
def test_every_readme_install_names_real_extras(argv: list[str]) -> None:
    for target in argv[2:]:
        for extras in re.findall(r"\[([a-z,]+)\]$", target):
            assert set(extras.split(",")) <= EXTRAS.keys(), target
