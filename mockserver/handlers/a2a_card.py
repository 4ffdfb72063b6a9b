"""The agent card of an assistant (GET /a2a/{id}, its .well-known path, GetExtendedAgentCard),
as langgraph_api/api/a2a.py builds it, and the checks of the assistant a request names."""

from __future__ import annotations

from typing import Any

import orjson

from mockserver import assistants
from mockserver.assistant_records import Assistant
from mockserver.assistants import canonical
from mockserver.handlers.a2a_rpc import INVALID_PARAMS, Refused
from mockserver.handlers.base import Call, Reply

SERVER_VERSION = "0.16.7"  # langgraph-api's __version__, which the agent card names

MODES = ["application/json", "text/plain"]

HISTORY_SCOPE = {
    "uri": "https://langchain.com/a2a/extensions/history-scope/v1",
    "description": "Choose task-only or full-context response history",
    "required": False,
    "params": {
        "header": "LangGraph-A2A-History-Scope",
        "values": ["context", "task"],
        "default": "context",
        "methods": ["SendMessage", "GetTask", "ListTasks"],
    },
}


def find_assistant(call: Call, assistant_id: str) -> Assistant:
    """The assistant an A2A request names: any form of its UUID (the real server looks it up
    through GET /assistants/{id}), not its graph id."""
    try:
        found = call.server.assistants.find(canonical(assistant_id))
    except ValueError:
        found = None
    if found is None:
        raise Refused(INVALID_PARAMS, f"Assistant '{assistant_id}' not found")
    return found


def check_supports_messages(call: Call, assistant: Assistant, parts: list[Any]) -> None:
    """Text and file parts need a `messages` key in the graph's input (or state) schema."""
    if not any(isinstance(p, dict) and ("text" in p or "file" in p) for p in parts):
        return
    schemas = assistants.schemas(call.server.graphs[assistant.graph_id])
    properties = (schemas["input_schema"] or schemas["state_schema"] or {}).get("properties", {})
    if "messages" not in properties:
        raise Refused(
            INVALID_PARAMS,
            f"Assistant '{assistant.assistant_id}' (graph '{assistant.graph_id}') does not "
            "support A2A conversational messages. Graph input schema must include a "
            "'messages' field to accept text or file parts. Available input fields: "
            f"{list(properties)}",
        )


def card_reply(call: Call, assistant_id: str) -> Reply:
    try:
        return Reply(200, card(call, find_assistant(call, assistant_id), assistant_id))
    except Refused as refused:
        return card_error(refused.message)


def card(call: Call, assistant: Assistant, assistant_id: str) -> dict[str, Any]:
    """The agent card of one assistant (named by the client as `assistant_id`: an id or a graph
    id), as the real server builds it."""
    schemas = assistants.schemas(call.server.graphs[assistant.graph_id])
    schema = schemas["input_schema"] or schemas["state_schema"] or {}
    properties = schema.get("properties", {})
    description = assistant.description or f"{assistant.name} assistant"
    url = f"{call.origin()}/a2a/{assistant_id}"
    return {
        "name": assistant.name,
        "description": description,
        "url": url,
        "supportedInterfaces": [
            {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        ],
        "capabilities": {
            "streaming": True,
            "pushNotifications": False,
            "stateTransitionHistory": False,
            "extensions": [HISTORY_SCOPE],
        },
        "defaultInputModes": MODES,
        "defaultOutputModes": MODES,
        "skills": [
            {
                "id": f"{assistant.assistant_id}-main",
                "name": f"{assistant.name} Capabilities",
                "description": description,
                "tags": ["assistant", "langgraph"],
                "examples": [],
                "inputModes": MODES,
                "outputModes": MODES,
                "metadata": {
                    "inputSchema": {
                        "required": schema.get("required", []),
                        "properties": sorted(properties),
                        "supportsA2A": "messages" in properties,
                    }
                },
            }
        ],
        "version": SERVER_VERSION,
    }


def card_error(message: str) -> Reply:
    body = orjson.dumps({"error": {"code": INVALID_PARAMS, "message": message}})
    return Reply(400, headers={"content-type": "application/json"}, raw=body)
