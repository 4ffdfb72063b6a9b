"""The ASGI app: one route per path template of the spec, each operation validated, then handled.

Route → validate → handle, the order Prism uses. Errors become `{"detail": ...}` JSON here and
nowhere else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.admin import Admin, AdminGate
from mockserver.control import Control
from mockserver.crons import POLL_INTERVAL
from mockserver.crud import Resources
from mockserver.errors import MockError, PayloadTooLarge, Unauthorized, ValidationFailed
from mockserver.faults import FaultRule, Faults, Latency, cut_stream, drop_connection
from mockserver.generate import NO_BODY, Preferences, Responder
from mockserver.graph import Graph, load_graphs
from mockserver.guard import Guard
from mockserver.handlers import HANDLERS, Call, Handler, Reply
from mockserver.journal import DEFAULT_JOURNAL_SIZE, Exchange, Journal
from mockserver.reducers import to_plain
from mockserver.routing import (
    FastRoutes,
    PathApp,
    SpecRoute,
    SpecRouter,
    renamed_parameters,
    route_order,
    route_template,
    shadows,
    url_shape,
)
from mockserver.server import Server
from mockserver.spec import Operation, Spec, load_spec, with_graphs
from mockserver.store import MemoryStore, Store
from mockserver.validation import OperationValidator
from mockserver.wire import read_body

DEFAULT_MAX_BODY = 10 * 1024 * 1024
# A rejected request's violations, beside the real server's one-line `detail` (as Prism's
# `sl-violations`): a JSON array of "location: message" strings.
VIOLATIONS_HEADER = "x-mockserver-violations"
MAX_HEADER = 4096
PLAIN_TEXT = "text/plain; charset=utf-8"  # a MockError with `plain_text`
# Browser frontends on this machine (any port) may call the mock by default, and so may the
# hosted UIs made for a local server: agent-chat-ui and LangSmith Studio (the origins
# langgraph_runtime_inmem/routes.py trusts). `langgraph dev` itself allows every origin.
LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"
HOSTED_ORIGINS = (
    "https://agentchat.vercel.app",
    "https://smith.langchain.com",
    "https://eu.smith.langchain.com",
    "https://dev.smith.langchain.com",
    "https://staging.smith.langchain.com",
)
# What the JS SDK reads from responses: the run URL of a stream, search pagination.
EXPOSED_HEADERS = ["content-location", "location", "x-pagination-total", "x-pagination-next"]
_PNA_REQUEST = b"access-control-request-private-network"
log = logging.getLogger("mockserver")

HEARTBEAT = 5.0  # seconds between a stream's keep-alive comments, as on the real server

# Called with each answered request; the pytest plugin keeps its journal with it.
Observer = Callable[[Exchange], None]


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
    options = _Options(
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
    by_url: dict[str, dict[str, list[_Endpoint]]] = {}
    templates: dict[str, str] = {}
    for op in sorted(spec.operations, key=lambda op: "#" in op.path):
        url = templates.setdefault(url_shape(op.path), route_template(op.path))
        validator = OperationValidator(op, components)
        endpoint = _Endpoint(
            op,
            validator,
            handler_map.get(op.operation_id),
            server,
            options,
            renamed_parameters(url, op.path),
        )
        by_url.setdefault(url, {}).setdefault(op.method, []).append(endpoint)
    routes: list[SpecRoute] = []
    for path, methods in sorted(by_url.items(), key=lambda item: route_order(item[0])):
        endpoints = {m: e[0] if len(e) == 1 else _Variants(e) for m, e in methods.items()}
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
                _CORSWhenAsked,
                allow_origins=list(cors_origins),
                allow_origin_regex=cors_origin_regex,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=EXPOSED_HEADERS,
            )
        ]
    )
    cors = list(middleware)
    middleware.append(Middleware(FastRoutes, routes=routes))
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
            allowed_origin=_origin_check(cors),
        )
        if admin
        else None
    )
    for factory, args, kwargs in reversed(cors) if gate is not None else ():
        gate = factory(gate, *args, **kwargs)  # the mock's CORS, for pages calling the admin API

    def outer(stack: ASGIApp) -> ASGIApp:
        front = AdminGate(stack, gate, faults)
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


def _origin_check(middleware: Sequence[Middleware]) -> Callable[[str], bool]:
    """Whether the mock's CORS settings allow a browser origin (none without CORS)."""
    policies = []
    for item in middleware:
        factory, args, kwargs = item  # a Middleware unpacks to (class, args, kwargs)
        if factory is _CORSWhenAsked:
            policies.append(CORSMiddleware(_no_app, *args, **kwargs))
    return lambda origin: any(policy.is_allowed_origin(origin) for policy in policies)


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("only the CORS policy is used")


class _CORSWhenAsked:
    """Starlette's CORS middleware, for requests that carry an Origin header only: the others
    (SDKs, curl, tests) skip its per-request cost, about 15 us.

    Preflights allow private-network access, as `langgraph dev` means to: a hosted page may
    call the mock on localhost. Its PrivateNetworkMiddleware adds the header to every OPTIONS
    answer; the request header is kept from Starlette, whose newer versions refuse it (400).
    """

    def __init__(self, app: ASGIApp, *args: Any, **options: Any) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, *args, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(k == b"origin" for k, _ in scope["headers"]):
            await self.app(scope, receive, send)
        elif scope["method"] == "OPTIONS":
            headers = [(k, v) for k, v in scope["headers"] if k != _PNA_REQUEST]
            await self.cors({**scope, "headers": headers}, receive, _with_pna(send))
        else:
            await self.cors(scope, receive, send)


def _with_pna(send: Send) -> Send:
    async def send_with_pna(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {
                **message,
                "headers": [
                    *message.get("headers", ()),
                    (b"access-control-allow-private-network", b"true"),
                ],
            }
        await send(message)

    return send_with_pna


def _counter(server: Server) -> Observer:
    """Counts each answered request for GET /metrics."""
    counts = server.requests
    return lambda exchange: counts.record(exchange.method, exchange.route, exchange.status)


def _graphs(graphs: Mapping[str, Graph] | Path | str | None) -> Mapping[str, Graph]:
    if isinstance(graphs, Mapping) and all(isinstance(g, Graph) for g in graphs.values()):
        return graphs
    return load_graphs(graphs)


@dataclass(frozen=True)
class _Options:
    check_responses: bool
    report_only: bool
    max_body_size: int
    observers: tuple[Observer, ...]
    faults: Faults
    heartbeat: float
    responder: Responder | None
    resources: Resources | None


class _Endpoint:
    """One operation: read the body, validate, call the handler, render the reply."""

    def __init__(
        self,
        operation: Operation,
        validator: OperationValidator,
        handler: Handler | None,
        server: Server,
        options: _Options,
        renamed: Mapping[str, str] | None = None,
    ) -> None:
        self.operation = operation
        self.validator = validator
        self.handler = handler
        self.server = server
        self.options = options
        self.renamed = renamed  # the route's parameter names to the operation's, if not its own

    def _path_params(self, scope: Scope) -> Mapping[str, str]:
        params: Mapping[str, str] = scope["path_params"]
        if self.renamed is None:
            return params
        return {self.renamed.get(name, name): value for name, value in params.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        query_string = scope["query_string"]
        query = (
            parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
            if query_string
            else []
        )
        body: Any = None
        rejected: tuple[str, ...] = ()
        rule: FaultRule | None = None
        content_type: str | None = "application/json"
        payload: bytes | None
        try:
            raw = await self._read_body(headers, receive)
            if self.options.faults.active:  # the only cost of fault rules when there are none
                rule = await self._fault(scope, raw)
                if rule is not None and rule.answers:
                    await self._answer_fault(rule, scope, receive, send, query, headers, raw)
                    return
            request = self.validator.validate_request(
                self._path_params(scope), query, headers, raw, headers.get("content-type")
            )
            body = request.body
            if self.handler is None and not self._authorised(headers, query):
                raise Unauthorized(
                    f"{self.operation.operation_id} needs credentials: {_wanted(self.operation)}"
                )
            reply = self._handle(Call(request, self.server, scope), scope["path"], headers)
            if reply.events is not None:
                await self._stream(reply, scope, receive, send, query, headers, body, rule)
                return
            status, extra = reply.status, reply.headers
            if reply.raw is not None:  # the handler's own bytes, typed by its own headers
                payload, content_type = reply.raw, None
            else:
                answer = (
                    reply.body
                    if reply.later is None
                    else await reply.later(lambda: _departure(receive))
                )
                if reply.media_type is not None:  # text the handler wrote: HTML, Prometheus
                    content_type, payload = reply.media_type, str(answer).encode()
                else:
                    payload = (
                        None
                        if answer is NO_BODY or (answer is None and status in (204, 304))
                        else answer
                        if isinstance(answer, bytes)  # an awaited answer already written
                        else orjson.dumps(answer, default=to_plain)
                    )
        except ValidationFailed as exc:
            rejected = tuple(str(v) for v in exc.violations)
            log.info(
                "%s %s -> %d: %s",
                scope["method"],
                scope["path"],
                exc.status_code,
                "; ".join(rejected),
            )
            status, payload, extra = self._error(exc, "; ".join(rejected))
            extra[VIOLATIONS_HEADER] = _header_list(rejected)
        except MockError as exc:
            if exc.plain_text:
                status, payload, content_type = exc.status_code, exc.detail.encode(), PLAIN_TEXT
                extra = {}
            else:
                status, payload, extra = self._error(exc, exc.detail)
        except ConnectionAbortedError:  # a fault rule's dropped connection, in-process
            raise
        except Exception:  # a bug in the mock: answer in JSON and say so in the log
            log.exception("%s %s failed", scope["method"], scope["path"])
            status, payload, extra = 500, orjson.dumps({"detail": "Internal mock error"}), {}
        out_headers = dict(extra)
        if payload is not None and content_type is not None:
            out_headers.setdefault("content-type", content_type)  # or the +json type it names
        violations: list[str] = []
        if self.options.check_responses:
            lowered = {k.lower(): v for k, v in out_headers.items()}
            violations = [
                str(v) for v in self.validator.validate_response(status, lowered, payload or b"")
            ]
            if violations and not self.options.report_only:
                status, payload, out_headers = self._replaced(status, violations)
        self._observe(
            scope, query, headers, body, status, payload, tuple(violations), rejected, rule
        )
        await _send(send, status, payload, out_headers)

    def _error(self, exc: MockError, said: str) -> tuple[int, bytes | None, dict[str, str]]:
        """Status, `{"detail": ...}` and headers; for an operation without a handler (another
        document than the Agent Server's), the status and error its document declares,
        saying `said` (a rejection's violations)."""
        responder = self.options.responder
        if self.handler is None and responder is not None:
            status = (
                responder.rejection_status(self.operation)
                if isinstance(exc, ValidationFailed)
                else responder.unauthorised_status(self.operation) or exc.status_code
                if isinstance(exc, Unauthorized)
                else exc.status_code
            )
            made = responder.error(self.operation, status, said)
            if made.body is NO_BODY:  # declared in other media: empty, of its media type
                return status, None, dict(made.headers)
            return status, orjson.dumps(made.body), dict(made.headers)
        return exc.status_code, orjson.dumps({"detail": exc.detail}), {}

    def _observe(
        self,
        scope: Scope,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any,
        status: int,
        payload: bytes | None,
        violations: tuple[str, ...] = (),
        rejected: tuple[str, ...] = (),
        rule: FaultRule | None = None,
    ) -> None:
        if self.options.observers:
            exchange = Exchange(
                scope["method"],
                scope["path"],
                self.operation.path,
                self.operation.operation_id,
                dict(query),
                headers,
                body,
                status,
                payload,
                violations,
                rejected,
                None if rule is None else rule.id,
            )
            for observe in self.options.observers:
                observe(exchange)

    async def _fault(self, scope: Scope, raw: bytes) -> FaultRule | None:
        """The fault rule for this request, after its delay and the server's latency."""
        faults, operation = self.options.faults, self.operation
        rule = (
            faults.pick(operation.operation_id, scope["method"], scope["path"], operation.path, raw)
            if faults.rules
            else None
        )
        await faults.wait(rule)
        return rule

    async def _answer_fault(
        self,
        rule: FaultRule,
        scope: Scope,
        receive: Receive,
        send: Send,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        raw: bytes,
    ) -> None:
        """A rule's status and body, or a dropped connection, in place of the mock's answer."""
        try:
            body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = None
        if rule.status is None:
            self._observe(scope, query, headers, body, 0, None, rule=rule)
            if not await drop_connection(scope, receive):
                raise ConnectionAbortedError("connection dropped by a mockserver fault rule")
            return
        payload = rule.payload()
        self._observe(scope, query, headers, body, rule.status, payload, rule=rule)
        await _send(
            send, rule.status, payload, {**rule.headers, "content-type": "application/json"}
        )

    def _handle(self, call: Call, path: str, headers: Mapping[str, str]) -> Reply:
        if self.handler is None:
            responder, resources = self.options.responder, self.options.resources
            assert responder is not None  # made whenever an operation has no handler
            prefer = headers.get("prefer")
            with self.server.lock:
                made = resources and resources.answer(self.operation, path, call.request, prefer)
                made = made or responder.answer(self.operation, path, prefer)
            return Reply(made.status, made.body, made.headers)
        with self.server.lock:
            return self.handler(call)

    async def _stream(
        self,
        reply: Reply,
        scope: Scope,
        receive: Receive,
        send: Send,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any,
        rule: FaultRule | None,
    ) -> None:
        """Send a streaming reply as server-sent events (sse-starlette frames them)."""
        out_headers = {**reply.headers, "content-type": "text/event-stream"}
        violations: list[str] = []
        if self.options.check_responses:
            lowered = {k.lower(): v for k, v in out_headers.items()}
            violations = [
                str(v)
                for v in self.validator.validate_response(reply.status, lowered, b"", streamed=True)
            ]
        self._observe(scope, query, headers, body, reply.status, None, tuple(violations), rule=rule)
        from sse_starlette import EventSourceResponse  # 80 ms to import: only when streaming
        from sse_starlette.event import ServerSentEvent

        source: AsyncIterable[Any] | None = reply.events
        assert source is not None
        if rule is not None and rule.stream_error_after is not None:
            source = cut_stream(aiter(source), rule, scope)
        events = _serialised(source)
        # The real server's keep-alive: a `: heartbeat` comment every 5 seconds.
        response = EventSourceResponse(
            events,
            status_code=reply.status,
            headers=reply.headers,
            ping=self.options.heartbeat,
            ping_message_factory=lambda: ServerSentEvent(comment="heartbeat"),
        )
        await response(scope, receive, send)

    def fits(
        self, scope: Scope, query: list[tuple[str, str]], headers: dict[str, str], raw: bytes
    ) -> int:
        """How well a request fits this operation: 2 when it passes every check, 1 when it
        lacks only credentials, 0 when it breaks the operation's spec."""
        try:
            self.validator.validate_request(
                self._path_params(scope), query, headers, raw, headers.get("content-type")
            )
        except MockError:
            return 0
        return 2 if self.handler is not None or self._authorised(headers, query) else 1

    def _authorised(self, headers: Mapping[str, str], query: list[tuple[str, str]]) -> bool:
        """Whether the request shows the credentials the operation asks for, or need not
        (its document declares no refusal for it: Responder.unauthorised_status)."""
        responder = self.options.responder
        return (
            self.validator.authorised(headers, query)
            or responder is None
            or responder.unauthorised_status(self.operation) is None
        )

    async def _read_body(self, headers: Mapping[str, str], receive: Receive) -> bytes:
        declared = headers.get("content-length")
        limit = self.options.max_body_size
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"Request body is over the {limit}-byte limit")
        return await read_body(receive, limit)

    def _replaced(self, status: int, violations: list[str]) -> tuple[int, bytes, dict[str, str]]:
        detail = (
            f"mock response {status} breaks the spec for {self.operation.operation_id}: "
            + "; ".join(violations)
        )
        log.error(detail)
        return 500, orjson.dumps({"detail": detail}), {"content-type": "application/json"}


class _Variants:
    """The operations of one method on one URL under several path keys (`/files/{id}` and
    `/files/{id}#add_shared_link`, variants a document tells apart by a fragment no request
    carries): a request goes to the first whose checks it passes, else to the first it fails
    only for want of credentials (401), else to the first, which refuses it."""

    def __init__(self, endpoints: Sequence[_Endpoint]) -> None:
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = self.endpoints[0]
        limit = first.options.max_body_size
        chunks: list[bytes] = []
        size = 0
        while True:  # the body, read once (past the limit: the first endpoint refuses it)
            message = await receive()
            if message["type"] != "http.request":
                break
            if size <= limit:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        headers = _headers(scope)
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        fits = [e.fits(scope, query, headers, raw) for e in self.endpoints]
        chosen = self.endpoints[fits.index(max(fits))]
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await chosen(scope, replay, send)


def _wanted(operation: Operation) -> str:
    """An operation's security alternatives in words: `header x-api-key or authorization bearer`."""
    return " or ".join(
        " and ".join(f"{where} {name}" for where, name in needed) for needed in operation.security
    )


async def _departure(receive: Receive) -> None:
    """Return once the client has disconnected (the request body has been read already)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _serialised(events: Any) -> Any:
    """Each event framed as the real server frames it (langgraph_api.sse.json_to_sse):
    `event:`, `data:` (JSON on one line), then `id:` when it has one."""
    async for event in events:
        data = orjson.dumps(event.get("data"), default=to_plain)
        name = _field(event["event"])
        frame = b"event: " + name + b"\r\ndata: " + data + b"\r\n"
        if (event_id := event.get("id")) is not None:
            frame += b"id: " + _field(event_id) + b"\r\n"
        yield frame + b"\r\n"


def _field(value: str) -> bytes:
    return value.encode().replace(b"\r", b"").replace(b"\n", b"")


async def _send(send: Send, status: int, payload: bytes | None, headers: Mapping[str, str]) -> None:
    """The response as two ASGI messages (what starlette.Response sends, minus its set-up)."""
    body = payload or b""
    raw = [_ENCODED.get(item) or _encoded(item) for item in headers.items()]
    if status not in (204, 304):
        raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# Response headers as bytes, by (name, value): most answers repeat a few (content-type).
_ENCODED: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_MAX_ENCODED = 256
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def _encoded(header: tuple[str, str]) -> tuple[bytes, bytes]:
    name, value = header
    try:
        raw = name.lower().encode("latin-1"), value.encode("latin-1")
    except UnicodeEncodeError:  # a value generated or echoed from a request: as a URL sends it
        raw = name.lower().encode("latin-1"), quote(value, safe=_HEADER_SAFE).encode()
    if len(_ENCODED) < _MAX_ENCODED and len(value) < 100:
        _ENCODED[header] = raw
    return raw


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by lowercase name; repeated ones joined with ", " as RFC 9110 says."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _header_list(items: Sequence[str]) -> str:
    """`items` as a JSON array in ASCII, short enough for a header (MAX_HEADER characters)."""
    kept: list[str] = []
    for item in items:
        if len(json.dumps([*kept, item])) > MAX_HEADER:
            kept = kept or [item[: MAX_HEADER // 8]]  # escapes may take up to 6 characters each
            break
        kept.append(item)
    return json.dumps(kept)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Starlette's own 404 / 405 (with Allow), in the spec's error shape.
    assert isinstance(exc, HTTPException)
    return Response(
        orjson.dumps({"detail": exc.detail}),
        exc.status_code,
        headers=dict(exc.headers or {}),
        media_type="application/json",
    )
