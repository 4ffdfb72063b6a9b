"""The floor target: a bare Starlette app on the mock's own server stack, doing the least a
server for these workloads can do (route, parse JSON, answer JSON, no logging, no validation).

    python -m bench.floor_app PORT

It runs on the same uvicorn, loop and HTTP parser as `mockserver serve` (loop="auto",
http="auto", proxy headers off, no access log), so mock ÷ floor is what the mock's own work
costs over the stack it cannot do without. It serves workloads 0, 1 and 3: GET /ok, POST and
GET /threads/{id}/state (the state is a dict of values, updated in place), POST /threads.
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
    values.update(body.get("values") or {})
    return JSONResponse({"checkpoint": {"thread_id": request.path_params["thread_id"]}})


async def get_state(request: Request) -> JSONResponse:
    return JSONResponse({"values": _threads.get(request.path_params["thread_id"], {})})


app = Starlette(routes=[
    Route("/ok", ok),
    Route("/threads", create_thread, methods=["POST"]),
    Route("/threads/{thread_id}/state", update_state, methods=["POST"]),
    Route("/threads/{thread_id}/state", get_state, methods=["GET"]),
])


def main() -> None:
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), lifespan="off",
                access_log=False, proxy_headers=False, log_level="warning")


if __name__ == "__main__":
    main()
