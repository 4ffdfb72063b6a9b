"""Answers made from the spec for operations the mock has no handler for, as Prism makes them.

The status is the lowest 2xx the operation declares (`Prefer: code=N` picks another). The body
is the response's first example (`Prefer: example=name` picks one by name), else the schema's
own `example`/`examples`, else a value generated from the schema that validates against it;
`Prefer: dynamic=true` skips the examples. Declared response headers are generated too.
Generation is deterministic: the same method, path and seed give the same answer (a dynamic
one varies from call to call, reproducibly). Imports none of the core.
"""

from __future__ import annotations

import base64
import datetime
import itertools
import random
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from http import HTTPStatus
from re import _parser as sre  # the stdlib's regex parser
from typing import Any

import jsonschema_rs

from mockserver.errors import Unprocessable
from mockserver.schemas import as_read, compile_schema
from mockserver.spec import Operation, ResponseSpec

NO_BODY: Any = object()  # a generated answer without a body (204, or no JSON declared)
MAX_DEPTH = 6  # below this, objects get their required properties only, arrays no items
ATTEMPTS = 8  # generated values tried until one validates (oneOf, patterns, unique items)
_MAX_REPEAT = 8  # what `*` and `+` in a pattern repeat at most
_PREFER = re.compile(r"\s*([A-Za-z-]+)\s*=\s*\"?([^\",;]*)\"?\s*")
_MESSAGE_FIELDS = ("message", "detail", "error", "description", "msg")
_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


class PreferError(Unprocessable):
    """A `Prefer` header asking for an answer the operation does not declare."""


@dataclass(frozen=True)
class Preferences:
    """Prism's controls: a status code, an example by name, dynamic generation."""

    code: int | None = None
    example: str | None = None
    dynamic: bool = False

    def merged(self, header: str | None) -> Preferences:
        """These defaults overridden by a `Prefer` header (`code=404, example=cat`)."""
        if not header:
            return self
        given: dict[str, str] = {}
        for match in map(_PREFER.fullmatch, header.split(",")):
            if match:
                given[match[1].lower()] = match[2]
        code = given.get("code")
        return replace(
            self,
            code=int(code) if code is not None and code.isdigit() else self.code,
            example=given.get("example", self.example),
            dynamic=given["dynamic"].lower() == "true" if "dynamic" in given else self.dynamic,
        )


@dataclass(frozen=True)
class Generated:
    """A generated answer: status, JSON body (NO_BODY: none) and headers."""

    status: int
    body: Any
    headers: Mapping[str, str]


class Responder:
    """Generated answers for the operations of one document."""

    def __init__(
        self, components: Mapping[str, Any], seed: int = 0, defaults: Preferences | None = None
    ) -> None:
        self.components = components
        self.seed = seed
        self.defaults = defaults or Preferences()
        self._calls = itertools.count()
        self._validators: dict[int, Any] = {}
        self._read_components: Any = None  # the components as answers see them, on first use

    def asked(self, prefer: str | None) -> bool:
        """Whether a `Prefer` header (or the defaults) asks for anything."""
        return self.defaults.merged(prefer) != Preferences()

    def answer(self, operation: Operation, path: str, prefer: str | None = None) -> Generated:
        """The answer to `operation` called on `path` (the request's path)."""
        wanted = self.defaults.merged(prefer)
        status, response = _chosen(operation, wanted.code)
        salt = f"{self.seed}:{operation.method}:{path}"
        if wanted.dynamic:
            salt += f":{next(self._calls)}"
        rng = random.Random(salt)
        headers = {
            h.name: _header_text(self.value(h.schema, rng, examples=not wanted.dynamic))
            for h in (response.headers if response else ())
            if h.name.lower() not in _FRAMING
        }
        body = self._body(status, response, wanted, rng)
        if body is NO_BODY and response is not None and response.media_types and status != 204:
            headers["content-type"] = response.media_types[0]  # a file, a page: sent empty
        elif body is not NO_BODY and response is not None and response.media_types:
            if response.media_types[0] != "application/json":  # problem+json, say
                headers["content-type"] = response.media_types[0]
        return Generated(status, body, headers)

    def rejection_status(self, operation: Operation) -> int:
        """The status a request breaking `operation`'s spec gets: 422 (Prism's) where the
        operation declares it (itself, `4XX` or `default`) or no other 4xx, else 400 or the
        lowest 4xx it declares."""
        return self._refusal_status(operation, 422)

    def unauthorised_status(self, operation: Operation) -> int | None:
        """The status a request without the credentials `operation` asks for gets: 401
        (Prism's) where the operation declares it (itself, `4XX` or `default`), else 403 where
        it declares that; None where it declares neither: the document tells of no such
        refusal, so the request is let through (any status would break the document)."""
        responses = operation.responses
        if any(k in responses for k in ("401", "4XX", "default")):
            return 401
        return 403 if "403" in responses else None

    def _refusal_status(self, operation: Operation, preferred: int) -> int:
        responses = operation.responses
        declared = sorted(int(k) for k in responses if k.isdigit() and k[0] == "4")
        if preferred in declared or "4XX" in responses or "default" in responses:
            return preferred
        if not declared:
            return preferred
        return 400 if 400 in declared else declared[0]

    def error(self, operation: Operation, status: int, detail: str) -> Generated:
        """The error `operation` answers with `status`, its body shaped as the document
        declares it (its schema, with `detail` in its message field and the status in its code
        field when it has them); `{"detail": ...}` where the status is not declared, an empty
        body of the declared media type where it is declared without a JSON body."""
        response = documented(operation, status)
        if response is None:
            return Generated(status, {"detail": detail}, {})
        if response.schema is None:
            media = response.media_types
            return Generated(status, NO_BODY, {"content-type": media[0]} if media else {})
        typed = response.media_types[:1] != ("application/json",)  # problem+json, say
        headers = {"content-type": response.media_types[0]} if typed else {}
        return Generated(status, self._error_body(response.schema, status, detail), headers)

    def _error_body(self, schema: Mapping[str, Any], status: int, detail: str) -> Any:
        rng = random.Random(f"{self.seed}:{status}:{detail}")
        value = self.value(schema, rng, examples=False)
        if isinstance(value, dict):
            validator = self._validator(schema)
            for field, said in _ERROR_FIELDS:
                if field in value:
                    candidate = {**value, field: said(status, detail)}
                    if validator is None or validator.is_valid(candidate):
                        value = candidate
        return value

    def _body(
        self, status: int, response: ResponseSpec | None, wanted: Preferences, rng: random.Random
    ) -> Any:
        if response is None or status in (204, 304):
            return NO_BODY
        if wanted.example is not None:
            if wanted.example not in response.examples:
                names = ", ".join(response.examples) or "none"
                raise PreferError(
                    f"Prefer: example={wanted.example} is not an example of the {status} "
                    f"response (examples: {names})"
                )
            return response.examples[wanted.example]
        if not wanted.dynamic:
            for example in response.examples.values():
                if response.schema is None or self.valid(response.schema, example):
                    return example  # the first example that its own schema accepts
        if response.schema is None:
            return NO_BODY
        return self.value(response.schema, rng, examples=not wanted.dynamic)

    def value(self, schema: Mapping[str, Any], rng: random.Random, *, examples: bool) -> Any:
        """A value of `schema` (its examples first, with `examples`); tried again with other
        choices until it validates, at most ATTEMPTS times."""
        validator = self._validator(schema)
        value = None
        for attempt in range(ATTEMPTS):
            value = _Values(self.components, rng, examples and attempt == 0, attempt).of(schema)
            if validator is None or validator.is_valid(value):
                break
        return value

    def valid(self, schema: Mapping[str, Any], value: Any) -> bool:
        """Whether `value` validates against `schema` (a schema that cannot be compiled
        accepts everything)."""
        validator = self._validator(schema)
        return validator is None or bool(validator.is_valid(value))

    def _validator(self, schema: Mapping[str, Any]) -> Any:
        """A validator of `schema` as an answer sees it: its writeOnly properties absent (an
        example showing a password is passed over, as Schemathesis checks answers)."""
        key = id(schema)
        if key not in self._validators:
            if self._read_components is None:
                self._read_components = as_read(self.components)
            try:
                self._validators[key] = compile_schema(as_read(schema), self._read_components)
            except (jsonschema_rs.ValidationError, ValueError):
                self._validators[key] = None
        return self._validators[key]


@dataclass(frozen=True)
class Fields:
    """An object schema's properties in order, and the required ones."""

    order: tuple[str, ...]
    required: tuple[str, ...]


def properties(schema: Mapping[str, Any], components: Mapping[str, Any]) -> Fields:
    """The properties of an object schema, its $refs and allOf followed."""
    values = _Values(components, random.Random(0), examples=False, attempt=0)
    resolved = values.resolved(schema)
    if isinstance(resolved, Mapping) and "allOf" in resolved:
        resolved = values.merged(resolved)
    if not isinstance(resolved, Mapping):
        return Fields((), ())
    names = resolved.get("properties") or {}
    required = [r for r in resolved.get("required", ()) if isinstance(r, str)]
    return Fields(tuple(names), tuple(required))


def documented(operation: Operation, status: int) -> ResponseSpec | None:
    """The response `operation` documents for `status` (itself, its class, or default)."""
    responses = operation.responses
    key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
    return None if key is None else responses[key]


def _chosen(operation: Operation, code: int | None) -> tuple[int, ResponseSpec | None]:
    """The status to answer with and its documented response, as Prism picks them: the lowest
    2xx declared, else `2XX` or `default` as 200, else the lowest status declared."""
    responses = operation.responses
    if code is not None:
        key = next((k for k in (str(code), f"{code // 100}XX", "default") if k in responses), None)
        if key is None or not 100 <= code <= 599:
            declared = ", ".join(responses) or "none"
            raise PreferError(
                f"Prefer: code={code} is not declared for {operation.operation_id} "
                f"(declared: {declared})"
            )
        return code, responses[key]
    codes = sorted(int(k) for k in responses if k.isdigit())
    success = [c for c in codes if 200 <= c < 300]
    if success:
        return success[0], responses[str(success[0])]
    for key in ("2XX", "default"):
        if key in responses:
            return 200, responses[key]
    if codes:
        return codes[0], responses[str(codes[0])]
    return 200, None


# An error body's fields that say what went wrong: (name, its value from status and detail).
_ERROR_FIELDS: tuple[tuple[str, Callable[[int, str], Any]], ...] = (
    *((name, lambda status, detail: detail) for name in _MESSAGE_FIELDS),
    ("title", lambda status, detail: _phrase(status)),
    *((name, lambda status, detail: status) for name in ("code", "status", "status_code")),
)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


# Declared response headers the mock never generates: the body it sends says what they are
# (GitHub's document declares a Content-Length with an example; sent, it would frame the
# answer wrongly).
_FRAMING = frozenset({"content-type", "content-length", "transfer-encoding", "connection"})


def _forbidden(schema: Any) -> bool:
    """Whether no value is valid for `schema` (`false`, `not: {}`): a property that must not be
    there, as a subtype forbids one of its base's."""
    if not isinstance(schema, Mapping):
        return schema is False
    parts = schema.get("allOf")
    return schema.get("not") in ({}, True) or (
        isinstance(parts, list) and any(_forbidden(part) for part in parts)
    )


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(_header_text, value))
    return "" if value is None else str(value)


class _Values:
    """Values of schemas, drawn from one random generator (`attempt` rotates the branch of a
    oneOf/anyOf that is tried)."""

    def __init__(
        self, components: Mapping[str, Any], rng: random.Random, examples: bool, attempt: int
    ) -> None:
        self.schemas = components.get("schemas", {}) if isinstance(components, Mapping) else {}
        self.rng = rng
        self.examples = examples
        self.attempt = attempt

    def of(self, schema: Any, depth: int = 0, name: str = "") -> Any:
        schema = self.resolved(schema)
        if not isinstance(schema, Mapping):
            return None if schema is False else "string"
        if self.examples:
            if "example" in schema:
                return schema["example"]
            if isinstance(schema.get("examples"), list) and schema["examples"]:
                return schema["examples"][0]
            if "default" in schema:
                return schema["default"]
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.rng.choice(schema["enum"])
        if isinstance(schema.get("allOf"), list):
            return self.of(self.merged(schema), depth, name)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                rest = {k: v for k, v in schema.items() if k != key}
                branch = self.resolved(branches[self.attempt % len(branches)])
                return self.of(self.merged({"allOf": [rest, branch]}), depth, name)
        kind = self.kind(schema)
        make: Callable[[Mapping[str, Any], int, str], Any] = getattr(self, f"_{kind}")
        return make(schema, depth, name)

    def resolved(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 50:
            ref: str = schema["$ref"]
            target = self.schemas.get(ref.rsplit("/", 1)[-1])
            if not ref.startswith("#/components/schemas/") or target is None:
                return {}
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **siblings} if siblings else target
            seen += 1
        return schema

    def merged(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """An allOf as one schema: properties and required joined, other keywords the first."""
        parts = [self.resolved(s) for s in schema.get("allOf", ())]
        parts = [self.merged(p) if isinstance(p, Mapping) and "allOf" in p else p for p in parts]
        own = {k: v for k, v in schema.items() if k != "allOf"}
        merged: dict[str, Any] = {}
        for part in (own, *parts):
            if not isinstance(part, Mapping):
                continue
            for key, value in part.items():
                if key == "properties" and isinstance(value, Mapping):
                    known = merged.setdefault("properties", {})
                    for name, sub in value.items():  # one property in two parts: both hold
                        known[name] = {"allOf": [known[name], sub]} if name in known else sub
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def kind(self, schema: Mapping[str, Any]) -> str:
        declared = schema.get("type")
        if isinstance(declared, list):
            kinds = [t for t in declared if t != "null"] or ["null"]
            declared = kinds[0] if not self.attempt else self.rng.choice(kinds)
        if isinstance(declared, str) and declared in _KINDS:
            return declared
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        if "minimum" in schema or "maximum" in schema:
            return "number"
        return "string"

    def _object(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        properties = schema.get("properties") or {}
        required = [r for r in schema.get("required", ()) if isinstance(r, str)]
        value: dict[str, Any] = {}
        for key, sub in properties.items():
            sub = self.resolved(sub)
            if _forbidden(sub) or (isinstance(sub, Mapping) and sub.get("writeOnly")):
                continue  # an answer never shows it, required or not
            optional = key not in required
            if optional and (
                depth >= MAX_DEPTH
                or (not self.examples and self.attempt and self.rng.random() < 0.5)
            ):
                continue
            value[key] = self.of(sub, depth + 1, key)
        extra = schema.get("additionalProperties")
        for key in required:
            if key not in value and key not in properties:
                value[key] = self.of(extra if isinstance(extra, Mapping) else {}, depth + 1, key)
        return value

    def _array(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        prefix = schema.get("prefixItems") or []
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", max(low, 1) + 2))
        count = low if depth >= MAX_DEPTH else min(high, max(low, 1 + self.rng.randrange(2)))
        items = schema.get("items", {})
        value: list[Any] = []
        for i in range(count):
            item = self.of(prefix[i] if i < len(prefix) else items, depth + 1, name)
            for _ in range(ATTEMPTS if schema.get("uniqueItems") else 0):
                if item not in value:
                    break
                item = self.of(prefix[i] if i < len(prefix) else items, depth + 1, name)
            value.append(item)
        return value

    def _string(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        fmt = schema.get("format")
        maker = _FORMATS.get(fmt) if isinstance(fmt, str) else None
        if maker is not None:
            return maker(self.rng)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                return "".join(_matching(sre.parse(pattern), self.rng))
            except (re.error, ValueError, TypeError, KeyError, IndexError):
                pass
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", max(low, 24)))
        text = f"{name or 'string'}-{self.rng.randrange(1000)}"
        text = text.ljust(low, "x")
        return text[:high]

    def _integer(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        low, high = _bounds(schema, 1)
        step = schema.get("multipleOf")
        if isinstance(step, int) and step > 0:
            first, last = -(-low // step), high // step
            return step * self.rng.randint(first, max(first, last))
        return self.rng.randint(int(low), max(int(low), int(high)))

    def _number(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            low, high = _bounds(schema, step)
            first, last = -(-low // step), high // step
            return step * self.rng.randint(int(first), max(int(first), int(last)))
        low, high = _bounds(schema, 0.5)
        return round(self.rng.uniform(low, high), 2) if high > low else low

    def _boolean(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        return self.rng.random() < 0.5

    def _null(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        return None


_KINDS = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})


def _bounds(schema: Mapping[str, Any], gap: float) -> tuple[Any, Any]:
    """The inclusive range a number of `schema` is drawn from (`gap` inside exclusive bounds):
    within 1..1000 where the schema allows."""
    low, high = schema.get("minimum"), schema.get("maximum")
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(exclusive_low, int | float) and not isinstance(exclusive_low, bool):
        low = exclusive_low + gap
    elif exclusive_low is True and low is not None:  # OpenAPI 3.0's boolean form
        low += gap
    if isinstance(exclusive_high, int | float) and not isinstance(exclusive_high, bool):
        high = exclusive_high - gap
    elif exclusive_high is True and high is not None:
        high -= gap
    if low is None:
        low = 1 if high is None or high >= 1 else high - 1000
    if high is None:
        high = low + 999
    if low <= 1 <= high:  # small positive numbers where the range allows them
        low, high = max(low, 1), min(high, max(low, 1) + 999)
    return low, high


def _matching(parsed: Any, rng: random.Random) -> Iterator[str]:
    """A string matching a parsed regular expression (anchors are ignored)."""
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            yield chr(arg)
        elif name == "ANY":
            yield rng.choice("abcdefxyz")
        elif name == "IN":
            yield _one_of(arg, rng)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, sub = arg
            high = min(high, low + _MAX_REPEAT) if high != sre.MAXREPEAT else low + _MAX_REPEAT
            for _ in range(rng.randint(low, max(low, min(high, low + 3)))):
                yield from _matching(sub, rng)
        elif name == "SUBPATTERN":
            yield from _matching(arg[-1], rng)
        elif name == "BRANCH":
            yield from _matching(rng.choice(arg[1]), rng)
        elif name == "CATEGORY":
            yield _category(str(arg), rng)
        elif name not in ("AT",):
            raise ValueError(f"pattern element {name} is not generated")


def _one_of(items: Any, rng: random.Random) -> str:
    choices: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            raise ValueError("negated classes are not generated")
        if name == "LITERAL":
            choices.append(chr(arg))
        elif name == "RANGE":
            choices.extend(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 25) + 1))
        elif name == "CATEGORY":
            choices.append(_category(str(arg), rng))
    return rng.choice(choices)


def _category(name: str, rng: random.Random) -> str:
    if name.endswith("_DIGIT"):
        return rng.choice("0123456789" if "NOT" not in name else "abc")
    if name.endswith("_SPACE"):
        return " " if "NOT" not in name else "a"
    if name.endswith("_WORD"):
        return rng.choice("abcxyz_019") if "NOT" not in name else "-"
    raise ValueError(f"category {name} is not generated")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _moment(rng: random.Random) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(seconds=rng.randrange(3 * 365 * 86400))


_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "uuid": _uuid,
    "date-time": lambda rng: _moment(rng).isoformat().replace("+00:00", "Z"),
    "date": lambda rng: _moment(rng).date().isoformat(),
    "time": lambda rng: _moment(rng).time().isoformat() + "Z",
    "duration": lambda rng: f"P{rng.randint(1, 30)}D",
    "email": lambda rng: f"user{rng.randrange(1000)}@example.com",
    "idn-email": lambda rng: f"user{rng.randrange(1000)}@example.com",
    "hostname": lambda rng: f"host{rng.randrange(1000)}.example.com",
    "idn-hostname": lambda rng: f"host{rng.randrange(1000)}.example.com",
    "ipv4": lambda rng: f"192.0.2.{rng.randrange(256)}",
    "ipv6": lambda rng: f"2001:db8::{rng.randrange(65536):x}",
    "uri": lambda rng: f"https://example.com/{rng.randrange(1000)}",
    "url": lambda rng: f"https://example.com/{rng.randrange(1000)}",
    "iri": lambda rng: f"https://example.com/{rng.randrange(1000)}",
    "uri-reference": lambda rng: f"/items/{rng.randrange(1000)}",
    "iri-reference": lambda rng: f"/items/{rng.randrange(1000)}",
    "uri-template": lambda rng: "https://example.com/{id}",
    "json-pointer": lambda rng: f"/items/{rng.randrange(10)}",
    "relative-json-pointer": lambda rng: f"{rng.randrange(3)}/items",
    "regex": lambda rng: "^[a-z]+$",
    "byte": lambda rng: base64.b64encode(rng.randbytes(6)).decode(),
    "binary": lambda rng: "binary",
    "password": lambda rng: f"secret-{rng.randrange(1000)}",
}
