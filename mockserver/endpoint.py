"""One operation's endpoint: read the body, validate it against the spec, call the handler (or
answer from the document), render the reply as JSON or server-sent events, tell the observers.
Errors become `{"detail": ...}` JSON here and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import Message, Receive, Scope, Send

from mockserver.crud import Resources
from mockserver.errors import MockError, PayloadTooLarge, Unauthorized, ValidationFailed
from mockserver.faults import FaultRule, Faults, cut_stream, drop_connection
from mockserver.generate import NO_BODY, Responder
from mockserver.handlers import Call, Handler, Reply
from mockserver.journal import Exchange, Unparsed, kept_body
from mockserver.reducers import to_plain
from mockserver.security import lacks_authorization, wanted
from mockserver.server import Server
from mockserver.spec import Operation
from mockserver.validation import OperationValidator
from mockserver.wire import (
    ESCAPED,
    Payload,
    departure,
    header_list,
    joined,
    read_body,
    request_headers,
    send_raw,
    serialised,
    unescaped,
)

# A rejected request's violations, beside the real server's one-line `detail` (as Prism's
# `sl-violations`): a JSON array of "location: message" strings.
VIOLATIONS_HEADER = "x-mockserver-violations"
PLAIN_TEXT = "text/plain; charset=utf-8"  # a MockError with `plain_text`
log = logging.getLogger("mockserver")

# Called with each answered request; the pytest plugin keeps its journal with it.
Observer = Callable[[Exchange], None]


@dataclass(frozen=True)
class EndpointOptions:
    check_responses: bool
    report_only: bool
    max_body_size: int
    observers: tuple[Observer, ...]
    faults: Faults
    heartbeat: float
    responder: Responder | None
    resources: Resources | None


class Endpoint:
    """One operation: read the body, validate, call the handler, render the reply."""

    def __init__(
        self,
        operation: Operation,
        validator: OperationValidator,
        handler: Handler | None,
        server: Server,
        options: EndpointOptions,
        renamed: Mapping[str, str] | None = None,
        escapes: bool = False,
    ) -> None:
        self.operation = operation
        self.validator = validator
        self.handler = handler
        self.server = server
        self.options = options
        self.renamed = renamed  # the route's parameter names to the operation's, if not its own
        # Whether its route may see encoded slashes kept escaped (wire.EncodedSlashes).
        self.escapes = escapes
        self.plain_params = renamed is None and not escapes

    def _path_params(self, scope: Scope) -> Mapping[str, str]:
        params: Mapping[str, str] = scope["path_params"]
        if self.plain_params:
            return params
        if ESCAPED in scope:
            params = unescaped(params)
        if self.renamed is None:
            return params
        return {self.renamed.get(name, name): value for name, value in params.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = request_headers(scope)
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
        payload: Payload
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
            body = kept_body(raw, request.body, headers.get("content-type"))
            if self.handler is None and not self._authorised(headers, query):
                raise Unauthorized(
                    f"{self.operation.operation_id} needs credentials: {wanted(self.operation)}"
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
                    else await reply.later(lambda: departure(receive))
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
                        if reply.splice is None
                        else reply.splice.pieces(orjson.dumps(answer, default=to_plain))
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
            extra[VIOLATIONS_HEADER] = header_list(rejected)
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
                str(v) for v in self.validator.validate_response(status, lowered, joined(payload))
            ]
            if violations and not self.options.report_only:
                status, payload, out_headers = self._replaced(status, violations)
        self._observe(
            scope, query, headers, body, status, payload, tuple(violations), rejected, rule
        )
        await send_raw(send, status, payload, out_headers)

    def _error(self, exc: MockError, said: str) -> tuple[int, bytes | None, dict[str, str]]:
        """Status, `{"detail": ...}` and headers; for an operation without a handler (another
        document than the Agent Server's), the status and error its document declares,
        saying `said` (a rejection's violations)."""
        responder = self.options.responder
        if self.handler is None and responder is not None:
            unauthorised = responder.unauthorised_status(self.operation)
            status = exc.status_code
            if isinstance(exc, Unauthorized):
                status = unauthorised or status
            elif isinstance(exc, ValidationFailed) and unauthorised and lacks_authorization(exc):
                status = unauthorised  # a required Authorization header left out: credentials
            elif isinstance(exc, ValidationFailed):
                status = responder.rejection_status(self.operation)
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
        payload: Payload,
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
        body = Unparsed(raw) if raw else None
        if rule.status is None:
            self._observe(scope, query, headers, body, 0, None, rule=rule)
            if not await drop_connection(scope, receive):
                raise ConnectionAbortedError("connection dropped by a mockserver fault rule")
            return
        payload = rule.payload()
        self._observe(scope, query, headers, body, rule.status, payload, rule=rule)
        await send_raw(
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
        events = serialised(source)
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


class Variants:
    """The operations of one method on one URL under several path keys (`/files/{id}` and
    `/files/{id}#add_shared_link`, variants a document tells apart by a fragment no request
    carries): a request goes to the first whose checks it passes, else to the first it fails
    only for want of credentials (401), else to the first, which refuses it."""

    def __init__(self, endpoints: Sequence[Endpoint]) -> None:
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
        headers = request_headers(scope)
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
