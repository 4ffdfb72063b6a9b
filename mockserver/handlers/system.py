"""System operations: health, server information, the OpenAPI document, metrics, the docs page
and its assets."""

from __future__ import annotations

from mockserver import __version__, apidocs, metrics
from mockserver.errors import NotFound
from mockserver.handlers.base import Call, Reply

# What `langgraph dev` reports (transcript #2), with the mock named as the host.
_INFO = {
    "version": "0.16.7",
    "langgraph_py_version": "1.2.22",
    "flags": {"assistants": True, "crons": True, "langsmith": False},
    "host": {
        "kind": "mockserver",
        "project_id": None,
        "host_revision_id": None,
        "revision_id": None,
        "tenant_id": None,
    },
    "metadata": {"mockserver_version": __version__},
}


def health_check_ok_get(call: Call) -> Reply:
    """GET /ok."""
    return Reply(200, {"ok": True, "services": {}})


def health_check_root_get(call: Call) -> Reply:
    """GET /: the health check at the root, for load balancers (langgraph-api's server.py)."""
    return health_check_ok_get(call)


def server_info_info_get(call: Call) -> Reply:
    """GET /info."""
    return Reply(200, _INFO)


def openapi_openapi_json_get(call: Call) -> Reply:
    """GET /openapi.json: the document this server validates against."""
    return Reply(200, call.server.spec.document)


def system_metrics_metrics_get(call: Call) -> Reply:
    """GET /metrics: Prometheus text, or JSON with `format=json`."""
    server = call.server
    if call.request.query.get("format") == "json":
        queue = metrics.queue_stats(active.run for active in server.worker.active.values())
        return Reply(200, metrics.metrics_json(server.requests, queue))
    return Reply(200, metrics.prometheus(server.requests), media_type=metrics.PROMETHEUS_TYPE)


def docs_get(call: Call) -> Reply:
    """GET /docs: the API reference page for the served document."""
    return Reply(200, apidocs.page(call.server.spec.document), media_type=apidocs.MEDIA_TYPE)


def docs_asset_get(call: Call) -> Reply:
    """GET /docs/assets/{name}: a file the docs page loads (its viewer), from the package."""
    name = call.request.path["name"]
    content = apidocs.asset(name)
    if content is None:
        raise NotFound("Not Found")
    return Reply(
        200, raw=content, headers={"content-type": apidocs.ASSETS[name], **apidocs.ASSET_HEADERS}
    )
