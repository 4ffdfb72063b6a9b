"""Assistant operations: one system assistant per graph, derived from the graph models."""

from __future__ import annotations

from mockserver import assistants
from mockserver.handlers.base import Call, Reply, pagination


def search_assistants_assistants_search_post(call: Call) -> Reply:
    """POST /assistants/search, with pagination headers."""
    context = call.server
    page, total = assistants.search(context.graphs, context.started_at, call.body)
    body = call.body or {}
    offset, limit = int(body.get("offset", 0)), int(body.get("limit", 10))
    return Reply(200, page, pagination(offset, limit, len(page), total))


def count_assistants_assistants_count_post(call: Call) -> Reply:
    """POST /assistants/count: a bare integer."""
    context = call.server
    query = {k: v for k, v in call.body.items() if k in ("graph_id", "metadata", "name")}
    _, total = assistants.search(context.graphs, context.started_at, {**query, "limit": 1000})
    return Reply(200, total)


def get_assistant_assistants__assistant_id__get(call: Call) -> Reply:
    """GET /assistants/{assistant_id}."""
    context = call.server
    given = call.request.path["assistant_id"]
    return Reply(200, assistants.get(context.graphs, context.started_at, given))


def get_assistant_graph_assistants__assistant_id__graph_get(call: Call) -> Reply:
    """GET /assistants/{assistant_id}/graph (an id or a graph name)."""
    graphs = call.server.graphs
    # The real server's words here: it maps a graph name to its id, then checks for a UUID.
    _, graph_id = assistants.resolve_assistant(
        graphs, call.request.path["assistant_id"], invalid="Invalid assistant ID: must be a UUID"
    )
    return Reply(200, assistants.drawing(graphs[graph_id]))


def get_assistant_schemas_assistants__assistant_id__schemas_get(call: Call) -> Reply:
    """GET /assistants/{assistant_id}/schemas."""
    graphs = call.server.graphs
    _, graph_id = assistants.resolve_assistant(graphs, call.request.path["assistant_id"])
    return Reply(200, assistants.schemas(graphs[graph_id]))
