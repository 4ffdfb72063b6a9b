"""The floor target: a bare Starlette app on the mock's own server stack, doing the least a
server for these workloads can do (route, parse JSON, answer JSON, no logging, no validation).

    python -m bench.floor_app PORT

It runs on the same uvicorn, loop and HTTP parser as `mockserver serve` (loop="auto",
http="auto", proxy headers off, no access log), so mock ÷ floor is what the mock's own work
costs over the stack it cannot do without. It serves workloads 0-3: GET /ok, POST and GET
/threads/{id}/state (the state is a dict of values, updated in place; `messages` are appended,
each stored in the shape the mock stores an AI message, so that a GET answers as many bytes),
POST /threads.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_threads: dict[str, dict[str, Any]] = {}


async def ok(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


async def create_thread(request: Request) -> JSONResponse:
    body = await request.json()
    thread_id = str(uuid.uuid4())
    _threads[thread_id] = {}
    return JSONResponse({"thread_id": thread_id, "metadata": body.get("metadata") or {}})


async def update_state(request: Request) -> JSONResponse:
    body = await request.json()
    values = _threads.setdefault(request.path_params["thread_id"], {})
    for key, value in (body.get("values") or {}).items():
        if key == "messages":
            values.setdefault("messages", []).extend(_message(m) for m in value)
        else:
            values[key] = value
    return JSONResponse({"checkpoint": {"thread_id": request.path_params["thread_id"]}})


async def get_state(request: Request) -> JSONResponse:
    return JSONResponse({"values": _threads.get(request.path_params["thread_id"], {})})


def _message(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "content": raw.get("content", ""),
        "additional_kwargs": {},
        "response_metadata": {},
        "type": raw.get("role", "ai"),
        "name": None,
        "id": str(uuid.uuid4()),
        "example": False,
        "tool_calls": [],
        "invalid_tool_calls": [],
        "usage_metadata": None,
    }


app = Starlette(
    routes=[
        Route("/ok", ok),
        Route("/threads", create_thread, methods=["POST"]),
        Route("/threads/{thread_id}/state", update_state, methods=["POST"]),
        Route("/threads/{thread_id}/state", get_state, methods=["GET"]),
    ]
)


def main() -> None:
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        lifespan="off",
        access_log=False,
        proxy_headers=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
