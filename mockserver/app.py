"""The ASGI app: one route per path template of the spec, each operation validated, then handled.

Route → validate → handle, the order Prism uses. This module puts the parts together: the
routes (routing.py), one endpoint per operation (endpoint.py, where errors become JSON), CORS
(cors.py), the admin API and the guard in front.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from mockserver.admin import Admin, AdminGate
from mockserver.control import Control
from mockserver.cors import (
    EXPOSED_HEADERS,
    HOSTED_ORIGINS,
    LOCAL_ORIGINS,
    CORSWhenAsked,
    origin_check,
)
from mockserver.cron_scheduler import POLL_INTERVAL
from mockserver.crud import Resources
from mockserver.endpoint import Endpoint, EndpointOptions, Observer, Variants
from mockserver.faults import Faults, Latency
from mockserver.generate import Preferences, Responder
from mockserver.graph import Graph, load_graphs
from mockserver.guard import Guard
from mockserver.handlers import HANDLERS, Handler
from mockserver.journal import DEFAULT_JOURNAL_SIZE, Journal
from mockserver.routing import (
    FastRoutes,
    PathApp,
    RouteCache,
    Shortcut,
    SpecRoute,
    SpecRouter,
    renamed_parameters,
    route_order,
    route_template,
    shadows,
    url_shape,
)
from mockserver.server import Server
from mockserver.spec import Spec, load_spec, with_graphs
from mockserver.store import MemoryStore, Store
from mockserver.validation import OperationValidator
from mockserver.wire import EncodedSlashes

DEFAULT_MAX_BODY = 10 * 1024 * 1024
HEARTBEAT = 5.0  # seconds between a stream's keep-alive comments, as on the real server


def create_app(
    spec: Spec | Path | str | Mapping[str, Any] | None = None,
    graphs: Mapping[str, Graph] | Path | str | None = None,
    *,
    handlers: Mapping[str, Handler] | None = None,
    check_responses: bool = False,
    report_only: bool = False,
    max_body_size: int = DEFAULT_MAX_BODY,
    observer: Observer | None = None,
    cors_origins: Sequence[str] = HOSTED_ORIGINS,
    cors_origin_regex: str | None = LOCAL_ORIGINS,
    journal_size: int | None = DEFAULT_JOURNAL_SIZE,
    latency: Latency | None = None,
    admin: bool = True,
    api_key: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
    max_threads: int | None = None,
    store: Store | None = None,
    heartbeat: float = HEARTBEAT,
    cron_interval: float = POLL_INTERVAL,
    seed: int = 0,
    prefer: Preferences | None = None,
    stateful: bool = True,
) -> Starlette:
    """Build the mock as a Starlette app.

    `spec` and `graphs` default to the packaged contract and graph models. With
    `check_responses`, every answer is validated against the spec before it is sent, and one
    that breaks it is replaced by a 500 naming the violations (the tests run this way), or,
    with `report_only`, sent unchanged with the violations passed to `observer`. CORS allows
    `cors_origins` (the hosted UIs by default; `"*"` for any) and origins matching
    `cors_origin_regex` (localhost by default).
    The journal keeps the last `journal_size` requests (None: all; 0: none); `latency` delays
    every request; `admin` serves the admin API under /__mockserver/ (admin.py). With
    `api_key`, requests need `x-api-key`; with `allowed_hosts`, other Host headers are refused
    (guard.py). `max_threads` caps the store (507 when full). `store` is where everything is
    kept (in memory by default; `mockserver.sqlite.SqliteStore` for a file that survives
    restarts). A stream sends a `: heartbeat` comment every `heartbeat` seconds, as the real
    server does every 5. Due crons are looked for every `cron_interval` seconds (5, as on the
    real server). Operations without a handler answer as Prism would, from the spec's
    examples or schemas (generate.py): `seed` varies the generated values, `prefer` sets the
    defaults of the `Prefer` header's controls (code, example, dynamic). With `stateful`, the
    collections such a document's paths show keep what is created in them (crud.py).

        app = create_app()                      # then: uvicorn.run(app, port=2024)
        app.state.server.store.threads()        # what the mock holds
    """
    graph_map = _graphs(graphs)
    spec = spec if isinstance(spec, Spec) else load_spec(spec)
    handler_map = _agent_server_handlers(spec) if handlers is None else handlers
    if handler_map:  # the spec names the graphs served (assistant ids may be graph names)
        spec = with_graphs(spec, list(graph_map))
    server = Server(
        spec, graph_map, store if store is not None else MemoryStore(), cron_interval=cron_interval
    )
    server.store.max_threads = max_threads
    journal = Journal(journal_size) if journal_size != 0 else None
    faults = Faults([op.operation_id for op in spec.operations], latency, list(spec.by_path()))
    control = Control(server, journal, faults)
    observers = tuple(o for o in (journal, observer, _counter(server)) if o is not None)
    components = spec.document.get("components", {})
    # Only a document with operations the mock has no handler for pays for generation.
    responder = (
        Responder(components, seed, prefer)
        if any(op.operation_id not in handler_map for op in spec.operations)
        else None
    )
    resources = Resources(spec, responder) if responder is not None and stateful else None
    if resources is not None:
        server.also_reset.append(resources.reset)
    served = sum(op.operation_id in handler_map for op in spec.operations)
    control.about = {
        "handled": served,  # operations answered by the Agent Server's handlers
        "generated": len(spec.operations) - served,  # answered from the document (generate.py)
        "stateful": resources is not None,  # collections inferred from the paths (crud.py)
        "graphs": list(graph_map) if served else [],
    }
    options = EndpointOptions(
        check_responses,
        report_only,
        max_body_size,
        observers,
        faults,
        heartbeat,
        responder,
        resources,
    )
    # A path key's fragment (`/files/{id}#add_shared_link`) is no part of any request's URL:
    # its operations are routed as the URL, beside those of the plain key (which come first),
    # and so are those of keys differing only in parameter names (url_shape).
    by_url: dict[str, dict[str, list[Endpoint]]] = {}
    templates: dict[str, str] = {}
    for op in sorted(spec.operations, key=lambda op: "#" in op.path):
        url = templates.setdefault(url_shape(op.path), route_template(op.path))
        validator = OperationValidator(op, components)
        endpoint = Endpoint(
            op,
            validator,
            handler_map.get(op.operation_id),
            server,
            options,
            renamed_parameters(url, op.path),
            escapes=not handler_map,
        )
        by_url.setdefault(url, {}).setdefault(op.method, []).append(endpoint)
    routes: list[SpecRoute] = []
    for path, methods in sorted(by_url.items(), key=lambda item: route_order(item[0])):
        endpoints = {m: e[0] if len(e) == 1 else Variants(e) for m, e in methods.items()}
        routes.append(SpecRoute(path, PathApp(endpoints), methods=list(endpoints)))
    by_depth: dict[int, list[SpecRoute]] = {}  # only paths of as many segments shadow
    for route in routes:
        by_depth.setdefault(len(route.path.strip("/").split("/")), []).append(route)
    for route in routes:
        peers = by_depth[len(route.path.strip("/").split("/"))]
        route.shadowed_by = [other for other in peers if shadows(other.path, route.path)]
    middleware = (
        []
        if not (cors_origins or cors_origin_regex)
        else [
            Middleware(
                CORSWhenAsked,
                allow_origins=list(cors_origins),
                allow_origin_regex=cors_origin_regex,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=EXPOSED_HEADERS,
            )
        ]
    )
    cors = list(middleware)
    route_cache = RouteCache(routes)
    middleware.append(Middleware(FastRoutes, routes=route_cache))
    app = _MockApp(
        routes=routes, middleware=middleware, exception_handlers={HTTPException: _http_error}
    )
    app.router = SpecRouter(routes, redirect_slashes=False)
    app.state.server = server
    app.state.control = control
    gate: Any = (
        Admin(
            control,
            open_to_all=api_key is not None,
            max_body_size=max_body_size,
            allowed_origin=origin_check(cors),
        )
        if admin
        else None
    )
    for factory, args, kwargs in reversed(cors) if gate is not None else ():
        gate = factory(gate, *args, **kwargs)  # the mock's CORS, for pages calling the admin API

    def outer(stack: ASGIApp) -> ASGIApp:
        routed: ASGIApp = Shortcut(stack, route_cache)
        if not handler_map:  # any other document: a parameter value may hold an encoded "/"
            routed = EncodedSlashes(routed)
        front = AdminGate(routed, gate, faults)
        if api_key is None and allowed_hosts is None:
            return front
        return Guard(front, api_key=api_key, allowed_hosts=allowed_hosts)

    app.outer = outer
    return app


def _agent_server_handlers(spec: Spec) -> Mapping[str, Handler]:
    """The Agent Server's handlers where every operationId of `spec` is one of the Agent
    Server's (its document, or part of it: the banner's test), else none. Another document is
    answered wholly from itself, an operation sharing an operationId with the Agent Server's
    (its own `GET /info` called `server_info_info_get`) too: never as LangGraph."""
    return HANDLERS if all(op.operation_id in HANDLERS for op in spec.operations) else {}


class _MockApp(Starlette):
    """Starlette with a layer in front of its whole middleware stack (`outer`): the admin gate
    sees the server's own `send`, and answers before CORS and error handling."""

    outer: Callable[[ASGIApp], ASGIApp] = staticmethod(lambda stack: stack)

    def build_middleware_stack(self) -> ASGIApp:
        return self.outer(super().build_middleware_stack())


def _counter(server: Server) -> Observer:
    """Counts each answered request for GET /metrics."""
    counts = server.requests
    return lambda exchange: counts.record(exchange.method, exchange.route, exchange.status)


def _graphs(graphs: Mapping[str, Graph] | Path | str | None) -> Mapping[str, Graph]:
    if isinstance(graphs, Mapping) and all(isinstance(g, Graph) for g in graphs.values()):
        return graphs
    return load_graphs(graphs)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Starlette's own 404 / 405 (with Allow), in the spec's error shape.
    assert isinstance(exc, HTTPException)
    return Response(
        orjson.dumps({"detail": exc.detail}),
        exc.status_code,
        headers=dict(exc.headers or {}),
        media_type="application/json",
    )
