"""Assistants: the system assistant `langgraph dev` registers for each graph (with the same
ids), the ones clients create, and every version of each.

`AssistantRegistry` keeps the records of assistant_records.py by the in-memory runtime's rules
(langgraph_runtime_inmem/ops.py, Assistants): create, patch, delete, versions, search, with
metadata matched by containment. A change makes new records; none is edited. Also what GET
/assistants/{id}/graph and /schemas answer for an assistant's graph.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from mockserver.assistant_records import (
    Assistant,
    Version,
    assistant_id,
    system_assistant,
    version_of,
)
from mockserver.errors import BadRequest, Conflict, NotFound, Unprocessable
from mockserver.graph import END, START, Graph
from mockserver.store import utc_now

_INVALID = (
    "Invalid assistant: '{given}'. Must be either:\n- A valid assistant UUID, or\n"
    "- One of the registered graphs: {graphs}"
)
BOTH_CONTEXTS = (
    "Cannot specify both configurable and context. Prefer setting context alone. Context was "
    "introduced in LangGraph 0.6.0 and is the long term planned replacement for configurable."
)


def _mirrored(
    config: dict[str, Any], context: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Config and context kept in step as the real server keeps them: a non-empty
    `config.configurable` is the context, else a non-empty context is the configurable."""
    if config.get("configurable"):
        return config, copy.deepcopy(config["configurable"])
    if context:
        return {**config, "configurable": copy.deepcopy(context)}, context
    return config, context


def _contained(superset: Mapping[str, Any], subset: Mapping[str, Any]) -> bool:
    """Metadata containment as the in-memory runtime reads it (is_jsonb_contained): objects
    recursively, anything else by equality."""
    for key, value in subset.items():
        if key not in superset:
            return False
        if isinstance(value, dict) and isinstance(superset[key], dict):
            if not _contained(superset[key], value):
                return False
        elif superset[key] != value:
            return False
    return True


def canonical(given: str) -> str:
    """An assistant id as the real server prints it (validation already checked it is one)."""
    return str(uuid.UUID(given))


_ORDER: dict[str, Callable[[Assistant], Any]] = {
    "assistant_id": lambda a: a.assistant_id,
    "graph_id": lambda a: a.graph_id.lower(),
    "name": lambda a: a.name.lower(),
    "created_at": lambda a: datetime.fromisoformat(a.created_at),
    "updated_at": lambda a: datetime.fromisoformat(a.updated_at),
}


class Shelf(Protocol):
    """Where a persistent store keeps the assistants between runs of the server (store.py)."""

    def load_assistants(self) -> dict[str, Any] | None:
        """What was saved last, or None: nothing was (the system assistants only)."""
        ...

    def save_assistants(self, snapshot: dict[str, Any]) -> None:
        """Keep this snapshot (every row and version, as JSON-able dicts)."""
        ...


class AssistantRegistry:
    """Every assistant of one server and the versions of each.

    Rows keep the order they were created in (a new version keeps the row's place): search
    leaves ties in that order, as the real server's list does. `reset` goes back to the system
    assistants, as they were registered when the server started.
    """

    def __init__(
        self, graph_ids: Sequence[str], started_at: str, shelf: Shelf | None = None
    ) -> None:
        self.graph_ids = tuple(graph_ids)
        self._shelf = shelf
        start = datetime.fromisoformat(started_at)
        # registered one after the other when the server started
        self._system = tuple(
            system_assistant(g, (start + timedelta(microseconds=i)).isoformat())
            for i, g in enumerate(self.graph_ids)
        )
        self._rows: dict[str, Assistant] = {}
        self._versions: dict[str, list[Version]] = {}
        kept = shelf.load_assistants() if shelf is not None else None
        if kept is None:
            self.reset()
        else:  # what a persistent store kept from an earlier run of the server
            self._rows = {r["assistant_id"]: Assistant(**r) for r in kept["rows"]}
            self._versions = {
                aid: [Version(**v) for v in rows] for aid, rows in kept["versions"].items()
            }

    def reset(self) -> None:
        """Forget every assistant a client made or changed: the system ones only, version 1."""
        self._rows = {a.assistant_id: a for a in self._system}
        self._versions = {a.assistant_id: [version_of(a)] for a in self._system}
        self._keep()

    def _keep(self) -> None:
        """Hand the registry to the store that keeps it (with --persist), after each change."""
        if self._shelf is not None:
            rows = [a.body() for a in self._rows.values()]
            versions = {k: [v.body() for v in vs] for k, vs in self._versions.items()}
            self._shelf.save_assistants({"rows": rows, "versions": versions})

    def check_graph(self, graph_id: str) -> None:
        """NotFound, in the real server's words, unless `graph_id` is one of the graphs."""
        if graph_id not in self.graph_ids:
            raise NotFound(
                f"Graph '{graph_id}' not found. Expected one of: {sorted(self.graph_ids)}"
            )

    def resolve_id(self, given: str, invalid: str = _INVALID) -> str:
        """The id an assistant id or a graph name stands for (a graph's system assistant);
        Unprocessable (`invalid`, with `{given}` and `{graphs}` filled in) for neither."""
        if given in self.graph_ids:
            return assistant_id(given)
        try:
            return canonical(given)
        except ValueError:
            graphs = ", ".join(self.graph_ids)
            raise Unprocessable(invalid.format(given=given, graphs=graphs)) from None

    def find(self, assistant_id: str) -> Assistant | None:
        """The assistant with this canonical id, if there is one."""
        return self._rows.get(assistant_id)

    def get(self, assistant_id: str, not_found: str = "Not Found") -> Assistant:
        """The assistant with this canonical id; NotFound (`not_found`) if there is none."""
        found = self._rows.get(assistant_id)
        if found is None:
            raise NotFound(not_found)
        return found

    def all(self) -> list[Assistant]:
        """Every assistant, in the order they were created."""
        return list(self._rows.values())

    def create(
        self,
        graph_id: str,
        *,
        assistant_id: str | None = None,
        config: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        if_exists: str = "raise",
        name: str | None = None,
        description: str | None = None,
    ) -> Assistant:
        """A new assistant at version 1 (its id given or a new uuid4); for an id taken,
        Conflict, or with `if_exists="do_nothing"` the assistant that has it."""
        self.check_graph(graph_id)
        new_config, new_context = self._checked(config, context)
        made_id = canonical(assistant_id) if assistant_id else str(uuid.uuid4())
        existing = self._rows.get(made_id)
        if existing is not None:
            if if_exists == "do_nothing":
                return existing
            raise Conflict(f"Assistant {made_id} already exists")
        now = utc_now()
        made = Assistant(
            made_id,
            graph_id,
            new_config,
            new_context or {},
            copy.deepcopy(dict(metadata or {})),
            name or "Untitled",
            now,
            now,
            1,
            description,
        )
        self._rows[made_id] = made
        self._versions[made_id] = [version_of(made)]
        self._keep()
        return made

    def patch(
        self,
        assistant_id: str,
        *,
        graph_id: str | None = None,
        config: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        name: str | None = None,
        description: str | None = None,
    ) -> Assistant:
        """A new version, made the current one: metadata merged into the current metadata,
        config replaced when a non-empty one is given, the rest kept unless given."""
        if graph_id is not None:
            self.check_graph(graph_id)
        new_config, new_context = self._checked(config, context)
        current = self._rows.get(assistant_id)
        if current is None:
            raise NotFound(f"Assistant {assistant_id} not found")
        versions = self._versions.setdefault(assistant_id, [])
        made = Assistant(
            assistant_id,
            current.graph_id if graph_id is None else graph_id,
            new_config or current.config,
            current.context if new_context is None else new_context,
            {**current.metadata, **copy.deepcopy(dict(metadata or {}))},
            current.name if name is None else name,
            current.created_at,
            utc_now(),
            max((v.version for v in versions), default=0) + 1,
            current.description if description is None else description,
        )
        self._rows[assistant_id] = made
        versions.append(version_of(made))
        self._keep()
        return made

    def delete(self, assistant_id: str) -> Assistant:
        """Forget the assistant and its versions; NotFound if there is none."""
        removed = self._rows.pop(assistant_id, None)
        if removed is None:
            raise NotFound(f"Assistant with ID {assistant_id} not found")
        self._versions.pop(assistant_id, None)
        self._keep()
        return removed

    def versions(
        self,
        assistant_id: str,
        metadata: Mapping[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[Version]:
        """The assistant's versions, newest first, those whose metadata contains `metadata`;
        NotFound if there is no such assistant."""
        if assistant_id not in self._rows:
            raise NotFound(f"Assistant {assistant_id} not found")
        found = [
            v
            for v in self._versions.get(assistant_id, [])
            if not metadata or _contained(v.metadata, metadata)
        ]
        found.sort(key=lambda v: v.version, reverse=True)
        return found[offset : offset + limit]

    def set_latest(self, assistant_id: str, version: int | None) -> Assistant:
        """Make an earlier version the current one: its config, metadata, name and description
        (graph and context stay as they are, as on the real server)."""
        current = self._rows.get(assistant_id)
        if current is None:
            raise NotFound(f"Assistant {assistant_id} not found")
        chosen = next(
            (v for v in self._versions.get(assistant_id, []) if v.version == version), None
        )
        if chosen is None:
            raise NotFound(f"Version {version} not found for assistant {assistant_id}")
        made = dataclasses.replace(
            current,
            config=chosen.config,
            metadata=chosen.metadata,
            version=chosen.version,
            updated_at=utc_now(),
            name=chosen.name,
            description=chosen.description,
        )
        self._rows[assistant_id] = made
        self._keep()
        return made

    def search(
        self,
        *,
        graph_id: str | None = None,
        name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[Assistant]:
        """Every matching assistant, sorted (newest first unless `sort_by` names a field); a
        name matches case-insensitively, metadata by containment."""
        if graph_id is not None:
            self.check_graph(graph_id)
        found = [
            a
            for a in self._rows.values()
            if (not graph_id or a.graph_id == graph_id)
            and (not name or name.lower() in a.name.lower())
            and (not metadata or _contained(a.metadata, metadata))
        ]
        key = (sort_by or "").lower()
        if key in _ORDER:
            reverse = not (sort_order and sort_order.upper() == "ASC")
        else:
            key, reverse = "created_at", True
        found.sort(key=_ORDER[key], reverse=reverse)
        return found

    @staticmethod
    def _checked(
        config: Mapping[str, Any] | None, context: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Config and context of a create or patch, mirrored; BadRequest for both at once."""
        new_config = copy.deepcopy(dict(config or {}))
        new_context = None if context is None else copy.deepcopy(dict(context))
        if new_config.get("configurable") and new_context:
            raise BadRequest(BOTH_CONTEXTS)
        return _mirrored(new_config, new_context)


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
        properties[channel] = dict(sorted(prop.items()))  # pydantic's order: by key
    state = {"properties": properties, "title": f"{graph.graph_id}_state", "type": "object"}
    return {
        "graph_id": graph.graph_id,
        "input_schema": None,
        "output_schema": None,
        "state_schema": state,
        "config_schema": {},
        "context_schema": None,
    }
