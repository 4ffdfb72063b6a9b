"""Graph models: the channels, nodes and edges of each graph the mock stands in for.

The mock runs no graph code; a small YAML file tells it what `update_state` needs to know:
which reducer each channel uses, which nodes exist and where each one leads, and what each node
does when a run executes it (its script, see scripts.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from mockserver.errors import ConfigError
from mockserver.reducers import REDUCERS
from mockserver.scripts import NODE_OPTIONS, NodeScript, ScriptError, parse_script, script_keys
from mockserver.yamlfile import YamlDocument, YamlFileError, read_yaml, shorten

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
                    "types": {
                        "type": "object",
                        "additionalProperties": {
                            "enum": ["string", "integer", "number", "boolean", "object", "array"]
                        },
                    },
                    "nodes": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": ["object", "null"]},
                    },
                    "edges": {
                        "type": "array",
                        "items": {
                            "type": "array",
                            "prefixItems": [_NAME, _NAME],
                            "minItems": 2,
                            "maxItems": 2,
                        },
                    },
                },
            },
        }
    },
}
_VALIDATOR = jsonschema_rs.validator_for(_MODEL_SCHEMA)
_GRAPH_KEYS = ("channels", "types", "nodes", "edges")
# `file:line: ` of a path of keys, to start an error message with ("" for no file)
Locator = Callable[[Sequence[str | int]], str]


class GraphModelError(ConfigError):
    """Raised when a graph model file is malformed or inconsistent."""


@dataclass(frozen=True)
class Graph:
    """One graph: channel reducers, nodes (with their options), outgoing edges and scripts.

    `nodes` keeps each node's structural options (`interrupt`; an unknown key is refused at
    load, with the closest known one); `scripts` holds what each node does in a run.
    """

    graph_id: str
    channels: Mapping[str, str]
    nodes: Mapping[str, Mapping[str, Any]]
    edges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scripts: Mapping[str, NodeScript] = field(default_factory=dict)
    # every edge as declared, __end__ included, for drawing the graph
    edge_list: tuple[tuple[str, str], ...] = ()
    # `types`: the JSON type of a last_value channel, as the graph's Python state declares it
    # (GET /assistants/{id}/schemas shows it)
    types: Mapping[str, str] = field(default_factory=dict)

    def next_nodes(self, node: str) -> tuple[str, ...]:
        """The nodes that run after `node` wrote, in the order the graph declares them."""
        return self.edges.get(node, ())

    def has_node(self, node: str) -> bool:
        """Whether `node` names one of the graph's nodes (`__start__` included)."""
        return node == START or node in self.nodes


def load_graphs(source: Path | str | Mapping[str, Any] | None = None) -> dict[str, Graph]:
    """Read a graph model file (or an already parsed mapping); None means the shipped default.

    GraphModelError has one line naming the file and line where it can (`file:line: ...`)."""
    where: Locator = _nowhere
    if source is None:
        text = resources.files("mockserver").joinpath("data/graphs.yaml").read_text("utf-8")
        document = yaml.safe_load(text)
    elif isinstance(source, Mapping):
        document = source
    else:
        try:
            parsed = read_yaml(source)
        except YamlFileError as exc:
            raise GraphModelError(f"cannot read graph model {exc}") from None
        document, where = parsed.data, _locator(parsed)
    _check_keys(document, "")
    _check_names(document, where)
    errors = list(_VALIDATOR.iter_errors(document))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        location = "/".join(map(str, first.instance_path)) or "<root>"
        raise GraphModelError(
            shorten(f"{where(first.instance_path)}invalid graph model: {location}: {first.message}")
            + more
        )
    return {gid: _build_graph(gid, spec, where) for gid, spec in document["graphs"].items()}


def _nowhere(path: Sequence[str | int]) -> str:
    return ""


def _locator(parsed: YamlDocument) -> Locator:
    """`file:line: ` for a path in the parsed file."""
    return lambda path: f"{parsed.where(path)}: "


def _check_names(document: Any, where: Locator) -> None:
    """Unknown keys are typos: name the closest known one (`replyy` -> `reply`). Runs before
    the schema, whose "required" error would hide a misspelt key; shapes are its business."""
    _unknown(document, ("graphs",), "top-level key", [], where)
    graphs = document.get("graphs") if isinstance(document, Mapping) else None
    for gid, graph in graphs.items() if isinstance(graphs, Mapping) else ():
        _unknown(graph, _GRAPH_KEYS, "graph key", ["graphs", gid], where)
        nodes = graph.get("nodes") if isinstance(graph, Mapping) else None
        for name, options in nodes.items() if isinstance(nodes, Mapping) else ():
            _unknown(options, NODE_OPTIONS, "node option", ["graphs", gid, "nodes", name], where)


def _unknown(
    mapping: Any, known: Collection[str], what: str, path: list[str], where: Locator
) -> None:
    for key in mapping if isinstance(mapping, Mapping) else ():
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(sorted(known))}"
            name = "/".join(map(str, [*path, key]))
            raise GraphModelError(shorten(f"{where([*path, key])}unknown {what} {name} ({hint})"))


def _check_keys(node: Any, where: str) -> None:
    # JSON Schema needs string keys; YAML reads `1`, `yes` and `no` as a number or a bool.
    if isinstance(node, Mapping):
        for key, value in node.items():
            if not isinstance(key, str):
                raise GraphModelError(
                    f"invalid graph model: {where or '<root>'}: key {key!r} is "
                    f"not a string (quote it: '{key}')"
                )
            _check_keys(value, f"{where}/{key}" if where else key)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _check_keys(item, f"{where}/{index}")


def _build_graph(graph_id: str, spec: Mapping[str, Any], where: Locator = _nowhere) -> Graph:
    options = {name: dict(raw or {}) for name, raw in spec["nodes"].items()}
    nodes = {
        name: {k: v for k, v in opts.items() if k == "interrupt" or k not in script_keys(opts)}
        for name, opts in options.items()
    }
    here = ["graphs", graph_id]
    for reserved in (START, END, INPUT, COPY):
        if reserved in nodes:
            raise GraphModelError(
                f"{where([*here, 'nodes', reserved])}graph {graph_id}: "
                f"{reserved} is reserved, not a node name"
            )
    order = {name: i for i, name in enumerate(nodes)}
    edges: dict[str, list[str]] = {}
    for index, (source, target) in enumerate(spec["edges"]):
        for end, name, allowed in (("from", source, START), ("to", target, END)):
            if name != allowed and name not in nodes:
                close = difflib.get_close_matches(name, list(nodes), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise GraphModelError(
                    f"{where([*here, 'edges', index])}graph {graph_id}: "
                    f"edge {end} unknown node {name}{hint}"
                )
        edges.setdefault(source, []).append(target)
    if START not in edges:
        raise GraphModelError(f"{where(here)}graph {graph_id}: no edge leaves {START}")
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
            raise GraphModelError(
                shorten(f"{where([*here, 'nodes', name])}graph {graph_id}: node {name}: {exc}")
            ) from None
    edge_list = tuple((source, target) for source, target in spec["edges"])
    types = dict(spec.get("types") or {})
    for channel in types:
        if channel not in channels:
            raise GraphModelError(
                f"{where([*here, 'types', channel])}graph {graph_id}: "
                f"types names {channel}, which is not one of its channels"
            )
    return Graph(graph_id, channels, nodes, ordered, scripts, edge_list, types)
