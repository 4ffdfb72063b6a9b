"""Workload 6: the mock in-process, as the `mockserver_asgi` fixture runs it (no socket).

Three ways, each running update_state + get_state pairs on one thread, as workload 1 does:
- `raw_asgi("serve")`: bare ASGI calls (scope, receive, send) on `create_app()` as
  `mockserver serve` builds it: the app's own cost per request;
- `raw_asgi("fixture")`: the same calls on the fixture's app (`InProcessMock.create()`: every
  response checked against the spec and kept in the journal): what the fixture's app costs;
- `through_httpx()`: the fixture's own client (httpx.ASGITransport): what a test pays in all.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Literal

from bench.stats import Sample
from bench.workloads import TOPIC, WARMUP, Plan


def _scope(method: str, path: str, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"mock")]
    if body:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


async def _call(app: Any, scope: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await app(dict(scope), receive, send)  # Starlette adds keys to the scope: give it a copy
    return answer["status"], answer["body"]


def _app(kind: Literal["serve", "fixture"]) -> Any:
    if kind == "serve":
        from mockserver.app import create_app

        return create_app()
    from mockserver.testing import InProcessMock

    return InProcessMock.create().app


async def _raw(plan: Plan, kind: Literal["serve", "fixture"]) -> Sample:
    app, sample = _app(kind), Sample()
    created = json.dumps({"metadata": {"graph_id": "agent"}}).encode()
    status, body = await _call(app, _scope("POST", "/threads", created), created)
    path = f"/threads/{json.loads(body)['thread_id']}/state"
    calls = [(_scope("POST", path, TOPIC), TOPIC), (_scope("GET", path, b""), b"")]
    for _ in range(WARMUP):
        for scope, payload in calls:
            await _call(app, scope, payload)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(plan.inprocess_pairs):
        for scope, payload in calls:
            t0 = time.perf_counter_ns()
            status, body = await _call(app, scope, payload)
            sample.latencies_ns.append(time.perf_counter_ns() - t0)
            sample.check(status, body)
    sample.wall_s, sample.client_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    return sample


async def _httpx(plan: Plan) -> Sample:
    from mockserver.testing import InProcessMock

    sample = Sample()
    async with InProcessMock.create().client() as client:
        reply = await client.post("/threads", json={"metadata": {"graph_id": "agent"}})
        path = f"/threads/{reply.json()['thread_id']}/state"
        headers = {"content-type": "application/json"}
        for _ in range(WARMUP):
            await client.post(path, content=TOPIC, headers=headers)
            await client.get(path)
        started = time.perf_counter()
        for _ in range(plan.inprocess_pairs):
            for send in (
                lambda: client.post(path, content=TOPIC, headers=headers),
                lambda: client.get(path),
            ):
                t0 = time.perf_counter_ns()
                response = await send()
                sample.latencies_ns.append(time.perf_counter_ns() - t0)
                sample.check(response.status_code, response.content)
        sample.wall_s = time.perf_counter() - started
    return sample


def raw_asgi(plan: Plan, kind: Literal["serve", "fixture"] = "serve") -> Sample:
    return asyncio.run(_raw(plan, kind))


def through_httpx(plan: Plan) -> Sample:
    """ImportError when httpx is not installed (it comes with the `test` extra)."""
    return asyncio.run(_httpx(plan))
