"""Graph models: the channels, nodes and edges of each graph the mock stands in for.

The mock runs no graph code; a small YAML file tells it what `update_state` needs to know:
which reducer each channel uses, which nodes exist and where each one leads, and what each node
does when a run executes it (its script, see scripts.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from mockserver.reducers import REDUCERS
from mockserver.scripts import NodeScript, ScriptError, parse_script, script_keys

START = "__start__"
END = "__end__"
INPUT = "__input__"
COPY = "__copy__"

_NAME = {"type": "string", "pattern": "^[A-Za-z0-9_.:-]+$"}
_MODEL_SCHEMA = {
    "type": "object",
    "required": ["graphs"],
    "properties": {
        "graphs": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["nodes", "edges"],
                "additionalProperties": False,
                "properties": {
                    "channels": {
                        "type": "object",
                        "additionalProperties": {"enum": sorted(REDUCERS)},
                    },
                    "nodes": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": ["object", "null"]},
                    },
                    "edges": {
                        "type": "array",
                        "items": {"type": "array", "prefixItems": [_NAME, _NAME], "minItems": 2,
                                  "maxItems": 2},
                    },
                },
            },
        }
    },
}
_VALIDATOR = jsonschema_rs.validator_for(_MODEL_SCHEMA)


class GraphModelError(ValueError):
    """Raised when a graph model file is malformed or inconsistent."""


@dataclass(frozen=True)
class Graph:
    """One graph: channel reducers, nodes (with their options), outgoing edges and scripts.

    `nodes` keeps each node's structural options (`interrupt`, and any key the mock does not
    know); `scripts` holds what each node does in a run.
    """

    graph_id: str
    channels: Mapping[str, str]
    nodes: Mapping[str, Mapping[str, Any]]
    edges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scripts: Mapping[str, NodeScript] = field(default_factory=dict)
    # every edge as declared, __end__ included, for drawing the graph
    edge_list: tuple[tuple[str, str], ...] = ()

    def next_nodes(self, node: str) -> tuple[str, ...]:
        """The nodes that run after `node` wrote, in the order the graph declares them."""
        return self.edges.get(node, ())

    def has_node(self, node: str) -> bool:
        """Whether `node` names one of the graph's nodes (`__start__` included)."""
        return node == START or node in self.nodes


def load_graphs(source: Path | str | Mapping[str, Any] | None = None) -> dict[str, Graph]:
    """Read a graph model file (or an already parsed mapping); None means the shipped default."""
    if source is None:
        text = resources.files("mockserver").joinpath("data/graphs.yaml").read_text("utf-8")
        document = yaml.safe_load(text)
    elif isinstance(source, Mapping):
        document = source
    else:
        try:
            document = yaml.safe_load(Path(source).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise GraphModelError(f"cannot read graph model {source}: {exc}") from exc
    _check_keys(document, "")
    errors = [f"{'/'.join(map(str, e.instance_path)) or '<root>'}: {e.message}"
              for e in _VALIDATOR.iter_errors(document)]
    if errors:
        raise GraphModelError("invalid graph model:\n" + "\n".join(errors))
    return {gid: _build_graph(gid, spec) for gid, spec in document["graphs"].items()}


def _check_keys(node: Any, where: str) -> None:
    # JSON Schema needs string keys; YAML reads `1`, `yes` and `no` as a number or a bool.
    if isinstance(node, Mapping):
        for key, value in node.items():
            if not isinstance(key, str):
                raise GraphModelError(f"invalid graph model: {where or '<root>'}: key {key!r} is "
                                      f"not a string (quote it: '{key}')")
            _check_keys(value, f"{where}/{key}" if where else key)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _check_keys(item, f"{where}/{index}")


def _build_graph(graph_id: str, spec: Mapping[str, Any]) -> Graph:
    options = {name: dict(raw or {}) for name, raw in spec["nodes"].items()}
    nodes = {name: {k: v for k, v in opts.items() if k == "interrupt" or k not in script_keys(opts)}
             for name, opts in options.items()}
    for reserved in (START, END, INPUT, COPY):
        if reserved in nodes:
            raise GraphModelError(f"graph {graph_id}: {reserved} is reserved, not a node name")
    order = {name: i for i, name in enumerate(nodes)}
    edges: dict[str, list[str]] = {}
    for source, target in spec["edges"]:
        if source != START and source not in nodes:
            raise GraphModelError(f"graph {graph_id}: edge from unknown node {source}")
        if target != END and target not in nodes:
            raise GraphModelError(f"graph {graph_id}: edge to unknown node {target}")
        edges.setdefault(source, []).append(target)
    if START not in edges:
        raise GraphModelError(f"graph {graph_id}: no edge leaves {START}")
    # `next` lists the nodes to run; END is not one, and LangGraph orders them by declaration.
    ordered = {
        source: tuple(sorted((t for t in set(targets) if t != END), key=order.__getitem__))
        for source, targets in edges.items()
    }
    channels = dict(spec.get("channels") or {})
    scripts = {}
    for name, opts in options.items():
        try:
            scripts[name] = parse_script(opts, channels, tuple(edges.get(name, ())))
        except ScriptError as exc:
            raise GraphModelError(f"graph {graph_id}: node {name}: {exc}") from None
    edge_list = tuple((source, target) for source, target in spec["edges"])
    return Graph(graph_id, channels, nodes, ordered, scripts, edge_list)
