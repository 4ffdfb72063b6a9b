"""A2A streaming (`SendStreamingMessage` / `message/stream`) as langgraph_api/api/a2a.py's
handle_message_stream serves it for a graph that streams no LLM tokens: server-sent events
`message`, each a JSON-RPC response with the request's id. First the new task (submitted,
its history the message sent); once its run has ended, the `Assistant Response` artifact
and a final `completed` status-update, or the `Interrupt` artifact and a final
`input-required` one, or a final `failed` one carrying the run's error. A request the
envelope accepted but the message does not is one error event (status 200)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson

from mockserver.handlers.a2a import _start_task  # a new task, as message/send starts it
from mockserver.handlers.a2a_parts import (
    agent_message,
    final_parts,
    interrupt_artifact,
    response_artifact,
)
from mockserver.handlers.a2a_rpc import Refused, now, v0_spelling
from mockserver.handlers.base import Call, Reply
from mockserver.reducers import to_plain

# The real server names the type itself (sse-starlette would add `; charset=utf-8`).
STREAM = {"content-type": "text/event-stream"}


def stream_message(
    call: Call, id_: Any, params: dict[str, Any], assistant_id: str, legacy: bool
) -> Reply:
    """SendStreamingMessage: the message as a new task's run, its progress as events."""
    try:
        active, data_only = _start_task(call, params, assistant_id)
    except Refused as refused:
        error = {"code": refused.code, "message": refused.message}
        return Reply(200, headers=STREAM, events=_events(id_, legacy, _one({"error": error})))
    server, run, message = call.server, active.run, params["message"]
    context_id = run.thread_id
    task_id = f"{context_id}:{run.run_id}"

    async def outcomes() -> AsyncIterator[dict[str, Any]]:
        sent = {"kind": "message", **message, "taskId": task_id, "contextId": context_id}
        task = {
            "kind": "task",
            "id": task_id,
            "contextId": context_id,
            "history": [sent],
            "status": {"state": "TASK_STATE_SUBMITTED", "timestamp": now()},
        }
        yield {"result": {"task": task}}
        result = await server.worker.final_answer(active.stream, 0, context_id)
        result = orjson.loads(orjson.dumps(result, default=to_plain))
        update = {"taskId": task_id, "contextId": context_id}
        if isinstance(result, dict) and "__error__" in result:
            error = result["__error__"]
            text = str((error.get("message") if isinstance(error, dict) else None) or "")
            status = {
                "state": "TASK_STATE_FAILED",
                "message": agent_message(text, task_id, context_id),
                "timestamp": now(),
            }
        elif isinstance(result, dict) and "__interrupt__" in result:
            artifact = interrupt_artifact(result["__interrupt__"])
            yield {"result": {**update, "kind": "artifact-update", "artifact": artifact}}
            status = {"state": "TASK_STATE_INPUT_REQUIRED", "timestamp": now()}
        else:
            with server.lock:
                parts = final_parts(call, run, result, data_only)
            yield {
                "result": {
                    **update,
                    "kind": "artifact-update",
                    "artifact": response_artifact(run, parts),
                    "append": False,
                    "lastChunk": True,
                }
            }
            status = {"state": "TASK_STATE_COMPLETED", "timestamp": now()}
        yield {"result": {**update, "kind": "status-update", "status": status, "final": True}}

    return Reply(200, headers=STREAM, events=_events(id_, legacy, outcomes()))


async def _one(outcome: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    yield outcome


async def _events(
    id_: Any, legacy: bool, outcomes: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[Mapping[str, Any]]:
    """Each outcome as a JSON-RPC response in a `message` event (v0.x spellings for the v0.x
    method name)."""
    async for outcome in outcomes:
        body = {"jsonrpc": "2.0", "id": id_, **outcome}
        yield {"event": "message", "data": v0_spelling(body) if legacy else body}
