"""System operations: health, server information, the OpenAPI document."""

from __future__ import annotations

from mockserver import __version__
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


def server_info_info_get(call: Call) -> Reply:
    """GET /info."""
    return Reply(200, _INFO)


def openapi_openapi_json_get(call: Call) -> Reply:
    """GET /openapi.json: the document this server validates against."""
    return Reply(200, call.server.spec.document)
