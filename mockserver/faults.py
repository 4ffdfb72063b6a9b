"""Fault rules and latency: make chosen requests slow, fail, drop the connection or cut a stream.

A rule is a plain JSON object (POST /__mockserver/faults, `mockserver serve --faults FILE`):

    {"operation_id": "create_thread_threads_post", "status": 503}
    {"method": "POST", "path": "/threads/{thread_id}/runs/stream", "stream_error_after": 3}
    {"path": "/threads/search", "delay_ms": 2000, "times": 1}

It matches by `operation_id`, `method`, `path` (concrete, or the spec's template) and
`request_body` (a subset of the JSON body); a rule with none of them matches every request.
It acts with `status` (+ `body`, `headers`), `delay_ms`, `drop_connection`, and
`stream_error_after: N` (N events, then an `error` event, or a cut with `drop_connection`).
`times` and `probability` limit it. The first matching rule acts; one whose `times` are used
up is removed. Knows nothing about Starlette: endpoint.py asks `pick` and calls the helpers here.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import threading
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import orjson

from mockserver.errors import ConfigError

# The raw ASGI `send` of the server (uvicorn's), put in the scope while rules exist, to find
# the connection a rule drops: the `send` an endpoint gets is wrapped by Starlette.
SEND_KEY = "mockserver.send"
_MATCHERS = ("operation_id", "method", "path", "request_body")
_ACTIONS = ("status", "delay_ms", "drop_connection", "stream_error_after")
_KEYS = frozenset({"id", *_MATCHERS, *_ACTIONS, "body", "headers", "times", "probability"})
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_MAX_DELAY_MS = 600_000
_STREAM_ERROR = {"error": "MockServerFault", "message": "stream cut by a mockserver fault rule"}


class FaultError(ConfigError):
    """Raised when a fault rule (or a latency setting) is malformed."""


@dataclass
class FaultRule:
    """One rule, as given, with how often it has acted."""

    id: str
    operation_id: str | None = None
    method: str | None = None
    path: str | None = None
    request_body: Any = None
    status: int | None = None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_ms: int = 0
    drop_connection: bool = False
    stream_error_after: int | None = None
    times: int | None = None  # None: until removed
    probability: float = 1.0
    hits: int = 0

    def matches(self, operation_id: str, method: str, path: str, route: str, body: Any) -> bool:
        """Whether the rule is about this request (before its probability is rolled)."""
        return (
            (self.operation_id is None or self.operation_id == operation_id)
            and (self.method is None or self.method == method)
            and (self.path is None or self.path in (path, route))
            and (self.request_body is None or _contains(body, self.request_body))
        )

    @property
    def answers(self) -> bool:
        """Whether the rule answers in place of the mock (a status or a dropped connection)."""
        return self.status is not None or (self.drop_connection and self.stream_error_after is None)

    def payload(self) -> bytes:
        """The JSON body of the rule's answer: `body`, or `{"detail": <reason>}`."""
        if self.body is not None:
            return orjson.dumps(self.body)
        assert self.status is not None
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = f"Status {self.status}"
        return orjson.dumps({"detail": reason})

    def to_json(self) -> dict[str, Any]:
        """The rule as GET /__mockserver/faults lists it (unset options left out)."""
        shown: dict[str, Any] = {"id": self.id}
        for key in (
            *_MATCHERS,
            "status",
            "body",
            "headers",
            "delay_ms",
            "drop_connection",
            "stream_error_after",
            "times",
            "probability",
        ):
            value = getattr(self, key)
            if value not in (None, {}, 0, False) and not (key == "probability" and value == 1):
                shown[key] = value
        shown["hits"] = self.hits
        if self.times is not None:
            shown["remaining"] = self.times - self.hits
        return shown


@dataclass(frozen=True)
class Latency:
    """A delay for every request: `ms`, give or take up to `jitter` ms (as Toxiproxy's)."""

    ms: int
    jitter: int = 0

    @classmethod
    def parse(cls, text: str) -> Latency:
        """`MS` or `MS:JITTER`, e.g. "200" or "200:50"."""
        ms, _, jitter = text.partition(":")
        if not ms.isdigit() or not (jitter.isdigit() or jitter == "" and ":" not in text):
            raise FaultError(f"latency {text!r} is not MS or MS:JITTER (whole milliseconds)")
        return cls(int(ms), int(jitter or 0))

    def seconds(self) -> float:
        """One delay, drawn afresh."""
        return max(0.0, self.ms + random.uniform(-self.jitter, self.jitter)) / 1000


class Faults:
    """The rules of one server, in order, and its latency. `active` is False when neither
    exists: then a request pays one attribute read for all of this."""

    def __init__(
        self,
        operation_ids: Collection[str] = (),
        latency: Latency | None = None,
        templates: Collection[str] = (),
    ) -> None:
        self.rules: list[FaultRule] = []
        self.latency = latency
        self.active = latency is not None
        self._operation_ids = frozenset(operation_ids)
        self._paths = _path_check(templates)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, raw: Any) -> FaultRule:
        """Append a rule given as a JSON object; FaultError names what is wrong with it."""
        rule = parse_rule(raw, self._operation_ids, f"f{next(self._ids)}")
        if rule.path is not None and not self._paths(rule.path):
            raise FaultError(
                f"path {rule.path!r} is not a path of the spec (a concrete path, "
                "or a template such as /threads/{thread_id}/state)"
            )
        with self._lock:
            if any(r.id == rule.id for r in self.rules):
                raise FaultError(f"a fault rule with id {rule.id!r} exists already")
            self.rules.append(rule)
            self.active = True
        return rule

    def remove(self, rule_id: str) -> bool:
        """Remove one rule; False if there is none with this id."""
        with self._lock:
            kept = [r for r in self.rules if r.id != rule_id]
            found = len(kept) != len(self.rules)
            self._replace(kept)
        return found

    def clear(self) -> None:
        """Remove every rule (the latency stays: it is the server's setting)."""
        with self._lock:
            self._replace([])

    def listing(self) -> list[dict[str, Any]]:
        """Every rule, in order, as JSON."""
        with self._lock:
            return [r.to_json() for r in self.rules]

    def pick(
        self, operation_id: str, method: str, path: str, route: str, raw_body: bytes
    ) -> FaultRule | None:
        """The rule that acts on this request, if any; counts the hit and retires a rule
        whose `times` are used up."""
        body: Any = None
        if raw_body and any(r.request_body is not None for r in self.rules):
            try:
                body = orjson.loads(raw_body)
            except orjson.JSONDecodeError:
                body = None
        with self._lock:
            for rule in self.rules:
                if not rule.matches(operation_id, method, path, route, body):
                    continue
                if rule.probability < 1.0 and random.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.times is not None and rule.hits >= rule.times:
                    self._replace([r for r in self.rules if r is not rule])
                return rule
        return None

    async def wait(self, rule: FaultRule | None) -> None:
        """Sleep the latency and the rule's delay."""
        delay = self.latency.seconds() if self.latency is not None else 0.0
        if rule is not None:
            delay += rule.delay_ms / 1000
        if delay > 0:
            await asyncio.sleep(delay)

    def _replace(self, rules: list[FaultRule]) -> None:
        self.rules = rules
        self.active = bool(rules) or self.latency is not None


def parse_rule(raw: Any, operation_ids: Collection[str], default_id: str) -> FaultRule:
    """A FaultRule from its JSON form, checked; FaultError names the first problem."""
    if not isinstance(raw, Mapping):
        raise FaultError("a fault rule is a JSON object")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise FaultError(
            f"unknown fault rule key(s): {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})"
        )
    if not any(raw.get(key) not in (None, False, 0) for key in _ACTIONS) and (
        raw.get("stream_error_after") is None
    ):
        raise FaultError(f"a fault rule needs an action: one of {', '.join(_ACTIONS)}")
    operation_id = _optional(raw, "operation_id", str)
    if operation_id is not None and operation_ids and operation_id not in operation_ids:
        raise FaultError(f"operation_id {operation_id!r} is not an operation of the spec")
    method = _optional(raw, "method", str)
    if method is not None and method.upper() not in _METHODS:
        raise FaultError(f"method {method!r} is not one of {', '.join(sorted(_METHODS))}")
    path = _optional(raw, "path", str)
    if path is not None and not path.startswith("/"):
        raise FaultError(f"path {path!r} does not start with /")
    status = _number(raw, "status", 100, 599)
    headers = raw.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise FaultError("headers must map names to strings")
    drop = raw.get("drop_connection", False)
    if not isinstance(drop, bool):
        raise FaultError("drop_connection must be true or false")
    probability = raw.get("probability", 1.0)
    if (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not (0 < probability <= 1)
    ):
        raise FaultError("probability must be a number in (0, 1]")
    return FaultRule(
        id=_optional(raw, "id", str) or default_id,
        operation_id=operation_id,
        method=None if method is None else method.upper(),
        path=path,
        request_body=raw.get("request_body"),
        status=status,
        body=raw.get("body"),
        headers=dict(headers),
        delay_ms=_number(raw, "delay_ms", 0, _MAX_DELAY_MS) or 0,
        drop_connection=drop,
        stream_error_after=_number(raw, "stream_error_after", 0, None),
        times=_number(raw, "times", 1, None),
        probability=float(probability),
    )


def _path_check(templates: Collection[str]) -> Callable[[str], bool]:
    """Whether a path is one of the templates, or a concrete path one of them matches (no
    templates: any path)."""
    if not templates:
        return lambda path: True
    known = frozenset(templates)
    pattern = re.compile(
        "|".join(re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(t)) for t in templates)
    )
    return lambda path: path in known or pattern.fullmatch(path) is not None


def _optional(raw: Mapping[str, Any], key: str, kind: type) -> Any:
    value = raw.get(key)
    if value is not None and not isinstance(value, kind):
        raise FaultError(f"{key} must be a {kind.__name__}")
    return value


def _number(raw: Mapping[str, Any], key: str, low: int, high: int | None) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"{low}-{high}" if high is not None else f">= {low}"
        raise FaultError(f"{key} must be a whole number {bound}")
    return value


def _contains(value: Any, subset: Any) -> bool:
    """Whether `subset` is in `value`: objects by key (recursively), other values equal."""
    if isinstance(subset, Mapping):
        return isinstance(value, Mapping) and all(
            k in value and _contains(value[k], v) for k, v in subset.items()
        )
    return bool(value == subset)


# ---- acting on the connection ---------------------------------------------------------------


async def drop_connection(scope: Mapping[str, Any], receive: Any = None) -> bool:
    """Close the request's connection without an answer (or mid-answer); False when the server
    gives no way to (the in-process transport), so the caller raises instead."""
    send = scope.get(SEND_KEY)
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        return False
    transport.close()
    if receive is not None:
        # Wait until the server sees the disconnect, so that it does not answer 500 for us.
        while (await receive())["type"] != "http.disconnect":
            pass
    return True


async def cut_stream(
    events: AsyncIterator[Mapping[str, Any]], rule: FaultRule, scope: Mapping[str, Any]
) -> AsyncIterator[Any]:
    """The first `stream_error_after` events, then an `error` event (the rule's `body`, or a
    MockServerFault), or, with `drop_connection`, a cut connection."""
    count = rule.stream_error_after or 0
    if count:
        async for event in events:
            yield event
            count -= 1
            if count == 0:
                break
    close = getattr(events, "aclose", None)
    if close is not None:  # the subscriber stops reading the run's stream now, not at GC
        await close()
    if rule.drop_connection:
        if not await drop_connection(scope):
            raise ConnectionAbortedError("stream cut by a mockserver fault rule")
        return
    yield {"event": "error", "data": rule.body if rule.body is not None else _STREAM_ERROR}
