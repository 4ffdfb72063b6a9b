"""Answers made from the spec for operations the mock has no handler for, as Prism makes them.

The status is the lowest 2xx the operation declares (`Prefer: code=N` picks another). The body
is the response's first example (`Prefer: example=name` picks one by name), else the schema's
own `example`/`examples`, else a value generated from the schema that validates against it;
`Prefer: dynamic=true` skips the examples. Declared response headers are generated too.
Generation is deterministic: the same method, path and seed give the same answer (a dynamic
one varies from call to call, reproducibly). The values themselves are values.py's. Imports
none of the core.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

import jsonschema_rs

from mockserver.errors import Unprocessable
from mockserver.schemas import as_read, compile_schema
from mockserver.spec import Operation, ResponseSpec
from mockserver.values import ATTEMPTS, Values

NO_BODY: Any = object()  # a generated answer without a body (204, or no JSON declared)
_PREFER = re.compile(r"\s*([A-Za-z-]+)\s*=\s*\"?([^\",;]*)\"?\s*")
_MESSAGE_FIELDS = ("message", "detail", "error", "description", "msg")


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
            value = Values(self.components, rng, examples and attempt == 0, attempt).of(schema)
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


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(_header_text, value))
    return "" if value is None else str(value)
