"""Assistants: one per graph, as `langgraph dev` registers them, with the same ids.

The real server names each graph's system assistant `uuid5(NAMESPACE_GRAPH, graph_id)`
(langgraph_api/graph.py), so `agent` is fe096781-5601-53d2-b2f6-0d3403f7e9ca everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from mockserver.errors import MockError, NotFound
from mockserver.graph import END, START, Graph

NAMESPACE_GRAPH = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
_INVALID = (
    "Invalid assistant: '{given}'. Must be either:\n- A valid assistant UUID, or\n"
    "- One of the registered graphs: {graphs}"
)
_SORT_KEYS = ("assistant_id", "created_at", "updated_at", "name", "graph_id")


class Unprocessable(MockError):
    """Raised when an assistant is named by something that is neither a UUID nor a graph."""

    status_code = 422


def assistant_id(graph_id: str) -> str:
    """The id of a graph's system assistant."""
    return str(uuid.uuid5(NAMESPACE_GRAPH, graph_id))


def resolve_assistant(
    graphs: Mapping[str, Graph], given: str, not_found: str = "Not Found", invalid: str = _INVALID
) -> tuple[str, str]:
    """(assistant id, graph id) for an assistant id or a graph name, as run requests give it;
    `invalid` words the 422 for neither (`{given}`, `{graphs}` filled in)."""
    if given in graphs:
        return assistant_id(given), given
    try:
        canonical = str(uuid.UUID(given))
    except ValueError:
        raise Unprocessable(invalid.format(given=given, graphs=", ".join(graphs))) from None
    for graph_id in graphs:
        if assistant_id(graph_id) == canonical:
            return canonical, graph_id
    raise NotFound(not_found)


def all_assistants(graphs: Mapping[str, Graph], started_at: str) -> list[dict[str, Any]]:
    """Every assistant; registered one after the other when the server started."""
    start = datetime.fromisoformat(started_at)
    bodies = []
    for index, graph_id in enumerate(graphs):
        stamp = (start + timedelta(microseconds=index)).isoformat()
        bodies.append(
            {
                "assistant_id": assistant_id(graph_id),
                "graph_id": graph_id,
                "config": {},
                "context": {},
                "metadata": {"created_by": "system"},
                "name": graph_id,
                "created_at": stamp,
                "updated_at": stamp,
                "version": 1,
                "description": None,
            }
        )
    return bodies


def search(
    graphs: Mapping[str, Graph], started_at: str, query: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """POST /assistants/search: one page, and how many match in all."""
    graph_id = query.get("graph_id")
    if graph_id is not None and graph_id not in graphs:
        raise NotFound(f"Graph '{graph_id}' not found. Expected one of: {sorted(graphs)}")
    found = [a for a in all_assistants(graphs, started_at) if _matches(a, query)]
    key = query.get("sort_by") or "created_at"
    if key not in _SORT_KEYS:
        key = "created_at"
    found.sort(key=lambda a: a[key], reverse=query.get("sort_order", "desc") == "desc")
    offset, limit = int(query.get("offset", 0)), int(query.get("limit", 10))
    page = found[offset : offset + limit]
    if select := query.get("select"):
        page = [{k: a[k] for k in select if k in a} for a in page]
    return page, len(found)


def _matches(assistant: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    if (graph_id := query.get("graph_id")) is not None and assistant["graph_id"] != graph_id:
        return False
    if (name := query.get("name")) is not None and name.lower() not in assistant["name"].lower():
        return False
    metadata = query.get("metadata") or {}
    return all(assistant["metadata"].get(k) == v for k, v in metadata.items())


def get(graphs: Mapping[str, Graph], started_at: str, given: str) -> dict[str, Any]:
    """GET /assistants/{id} (an id or a graph name); NotFound as the real server says it."""
    found, _ = resolve_assistant(graphs, given)
    return next(a for a in all_assistants(graphs, started_at) if a["assistant_id"] == found)


def drawing(graph: Graph) -> dict[str, Any]:
    """GET /assistants/{id}/graph: nodes and edges as LangGraph draws them in JSON."""
    nodes: list[dict[str, Any]] = [{"id": START, "type": "runnable", "data": {"name": START}}]
    nodes += [{"id": n, "type": "runnable", "data": {"name": n}} for n in graph.nodes]
    nodes.append({"id": END})
    edges = []
    for source, target in graph.edge_list:
        edge: dict[str, Any] = {"source": source, "target": target}
        script = graph.scripts.get(source)
        if script is not None and script.route:
            edge["conditional"] = True
        edges.append(edge)
    return {"nodes": nodes, "edges": edges}


def schemas(graph: Graph) -> dict[str, Any]:
    """GET /assistants/{id}/schemas: the state schema from the channels."""
    properties: dict[str, Any] = {}
    for channel, reducer in graph.channels.items():
        title = channel.replace("_", " ").title()
        prop: dict[str, Any] = {"default": None, "title": title}
        if reducer in ("add_messages", "append"):
            prop.update(items={}, type="array")
        elif channel in graph.types:
            prop["type"] = graph.types[channel]
        properties[channel] = prop
    state = {"properties": properties, "title": f"{graph.graph_id}_state", "type": "object"}
    return {
        "graph_id": graph.graph_id,
        "input_schema": None,
        "output_schema": None,
        "state_schema": state,
        "config_schema": {},
        "context_schema": None,
    }
