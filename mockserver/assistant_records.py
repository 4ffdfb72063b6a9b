"""Assistant records: the frozen rows an assistant and each of its versions are kept as, and
the ids `langgraph dev` gives each graph's system assistant.

The real server names each graph's system assistant `uuid5(NAMESPACE_GRAPH, graph_id)`
(langgraph_api/graph.py), so `agent` is fe096781-5601-53d2-b2f6-0d3403f7e9ca everywhere.
The records follow the in-memory runtime (langgraph_runtime_inmem/ops.py, Assistants): a row
per assistant holding its current version, and one row per version, with the real server's
key order. They are immutable: a change makes new ones (assistants.py keeps them).
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

NAMESPACE_GRAPH = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")


def assistant_id(graph_id: str) -> str:
    """The id of a graph's system assistant."""
    return str(uuid.uuid5(NAMESPACE_GRAPH, graph_id))


@dataclass(frozen=True)
class Assistant:
    """An assistant as its current version shows it; fields in the real server's key order.
    The dicts are never changed once the record is made."""

    assistant_id: str
    graph_id: str
    config: dict[str, Any]
    context: dict[str, Any]
    metadata: dict[str, Any]
    name: str
    created_at: str
    updated_at: str
    version: int
    description: str | None

    def body(self) -> dict[str, Any]:
        """The Assistant body (a deep copy)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Version:
    """One version of an assistant, as POST /assistants/{id}/versions lists it (no
    `updated_at`; `created_at` is when the version was made)."""

    assistant_id: str
    version: int
    graph_id: str
    config: dict[str, Any]
    context: dict[str, Any]
    metadata: dict[str, Any]
    created_at: str
    name: str
    description: str | None

    def body(self) -> dict[str, Any]:
        """The version's body (a deep copy)."""
        return dataclasses.asdict(self)


def system_assistant(graph_id: str, registered_at: str) -> Assistant:
    """A graph's system assistant, version 1, as the server registers it at start-up."""
    return Assistant(
        assistant_id(graph_id),
        graph_id,
        {},
        {},
        {"created_by": "system"},
        graph_id,
        registered_at,
        registered_at,
        1,
        None,
    )


def version_of(assistant: Assistant) -> Version:
    """The version row an assistant's current state makes (made when it was last updated)."""
    a = assistant
    return Version(
        a.assistant_id,
        a.version,
        a.graph_id,
        a.config,
        a.context,
        a.metadata,
        a.updated_at,
        a.name,
        a.description,
    )
