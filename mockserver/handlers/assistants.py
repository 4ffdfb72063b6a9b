"""Assistant operations: the system assistant of each graph and the ones clients create, with
their versions (the server's AssistantRegistry)."""

from __future__ import annotations

from mockserver import assistants, paging
from mockserver.assistants import canonical
from mockserver.errors import NotFound
from mockserver.handlers.base import Call, Reply, pagination

# how GET /assistants/{id}/graph words an assistant named by neither an id nor a graph
_NOT_AN_ID = "Invalid assistant ID: must be a UUID"


def create_assistant_assistants_post(call: Call) -> Reply:
    """POST /assistants: a new assistant, or with `if_exists: do_nothing` the one that has
    the id."""
    body = call.body
    made = call.server.assistants.create(
        body["graph_id"],
        assistant_id=body.get("assistant_id"),
        config=body.get("config"),
        context=body.get("context"),
        metadata=body.get("metadata"),
        if_exists=body.get("if_exists") or "raise",
        name=body.get("name"),
        description=body.get("description"),
    )
    return Reply(200, made.body())


def search_assistants_assistants_search_post(call: Call) -> Reply:
    """POST /assistants/search, with pagination headers; `select` keeps the body's key order."""
    body = call.body or {}
    found = call.server.assistants.search(
        graph_id=body.get("graph_id"),
        name=body.get("name"),
        metadata=body.get("metadata"),
        sort_by=body.get("sort_by"),
        sort_order=body.get("sort_order"),
    )
    offset, limit = int(body.get("offset") or 0), int(body.get("limit") or 10)
    page = [a.body() for a in found[offset : offset + limit]]
    if select := body.get("select"):
        page = [{k: v for k, v in a.items() if k in select} for a in page]
    return Reply(200, page, pagination(offset, limit, len(page), len(found)))


def count_assistants_assistants_count_post(call: Call) -> Reply:
    """POST /assistants/count: a bare integer."""
    body = call.body or {}
    found = call.server.assistants.search(
        graph_id=body.get("graph_id"), name=body.get("name"), metadata=body.get("metadata")
    )
    return Reply(200, len(found))


def get_assistant_assistants__assistant_id__get(call: Call) -> Reply:
    """GET /assistants/{assistant_id}."""
    return Reply(200, call.server.assistants.get(_assistant_id(call)).body())


def patch_assistant_assistants__assistant_id__patch(call: Call) -> Reply:
    """PATCH /assistants/{assistant_id}: a new version, made the current one."""
    body = call.body
    made = call.server.assistants.patch(
        _assistant_id(call),
        graph_id=body.get("graph_id"),
        config=body.get("config"),
        context=body.get("context"),
        metadata=body.get("metadata"),
        name=body.get("name"),
        description=body.get("description"),
    )
    return Reply(200, made.body())


def delete_assistant_assistants__assistant_id__delete(call: Call) -> Reply:
    """DELETE /assistants/{assistant_id}: the assistant and its versions; its runs still
    going are cancelled, and with `delete_threads=true` the threads it last ran on go too."""
    server, assistant_id = call.server, _assistant_id(call)
    server.assistants.get(assistant_id, f"Assistant with ID {assistant_id} not found")
    worker = server.worker
    for active in [a for a in worker.active.values() if a.run.assistant_id == assistant_id]:
        worker.cancel(active.run.run_id, "interrupt", f"assistant {assistant_id} was deleted")
    if call.request.query.get("delete_threads"):
        store = server.store
        for thread in [
            t for t in store.threads() if t.metadata.get("assistant_id") == assistant_id
        ]:
            store.delete_thread(thread.thread_id)
    for cron in [c for c in server.store.crons() if c.assistant_id == assistant_id]:
        server.store.delete_cron(cron.cron_id)  # as the real server deletes them with it
    server.assistants.delete(assistant_id)
    return Reply(204)


def get_assistant_versions_assistants__assistant_id__versions_get(call: Call) -> Reply:
    """POST /assistants/{assistant_id}/versions: newest first; none at all is a 404."""
    body = call.body
    offset, limit = paging.bounds(body)  # integers, however the JSON wrote them (6.0)
    found = call.server.assistants.versions(
        _assistant_id(call), metadata=body.get("metadata"), limit=limit, offset=offset
    )
    if not found:
        # worded with the id as the path gave it (the real route's own check)
        raise NotFound(f"Assistant {call.request.path['assistant_id']} not found")
    return Reply(200, [v.body() for v in found])


def set_latest_assistant_version_assistants__assistant_id__versions_post(call: Call) -> Reply:
    """POST /assistants/{assistant_id}/latest: make an earlier version the current one."""
    made = call.server.assistants.set_latest(_assistant_id(call), call.body.get("version"))
    return Reply(200, made.body())


def get_assistant_graph_assistants__assistant_id__graph_get(call: Call) -> Reply:
    """GET /assistants/{assistant_id}/graph (an id or a graph name)."""
    registry = call.server.assistants
    # The real server maps a graph name to its id, then checks for a UUID.
    found = registry.get(registry.resolve_id(call.request.path["assistant_id"], _NOT_AN_ID))
    return Reply(200, assistants.drawing(call.server.graphs[found.graph_id]))


def get_assistant_schemas_assistants__assistant_id__schemas_get(call: Call) -> Reply:
    """GET /assistants/{assistant_id}/schemas."""
    found = call.server.assistants.get(_assistant_id(call))
    return Reply(200, assistants.schemas(call.server.graphs[found.graph_id]))


def get_assistant_subgraphs_assistants__assistant_id__subgraphs_get(call: Call) -> Reply:
    """GET /assistants/{assistant_id}/subgraphs: the mock's graphs have none, so `{}`, as the
    real server answers for a graph without subgraphs."""
    call.server.assistants.get(_assistant_id(call))
    return Reply(200, {})


def get_assistant_subgraphs_assistants__assistant_id__subgraphs__namespace__get(
    call: Call,
) -> Reply:
    """GET /assistants/{assistant_id}/subgraphs/{namespace}: `{}`, whatever the namespace."""
    call.server.assistants.get(_assistant_id(call))
    return Reply(200, {})


def _assistant_id(call: Call) -> str:
    """The path's assistant id in canonical form (validation already checked it is a UUID)."""
    return canonical(call.request.path["assistant_id"])
