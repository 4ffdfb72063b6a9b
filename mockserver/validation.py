"""Validate requests and responses against an operation: every violation, with its location.

Schemas are compiled once (schemas.py: jsonschema-rs, Draft 2020-12, as OpenAPI 3.1 uses); a
body costs microseconds. A request is read as values first (reading.py: parameters from their
texts, a body by its media type). Python `jsonschema` checks the same schemas in the tests,
with the same formats.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import jsonschema_rs
import orjson

from mockserver import wording
from mockserver.errors import UnsupportedMediaType, ValidationFailed, Violation
from mockserver.reading import (
    FORM,
    INVALID_JSON,
    MULTIPART,
    coerce,
    declared,
    is_json,
    is_xml,
    lookup,
    media_of,
    parse_json,
    read_form,
    read_from_text,
    read_multipart,
    read_xml,
)
from mockserver.schemas import as_read, body_validator, compile_schema, read_components
from mockserver.spec import Operation, Parameter, ResponseSpec

# What a rejection lists: at most this many violations, each message cut to this length, and
# all of them only for bodies up to this size (jsonschema-rs collects every error of a body
# before it yields one: 2 million bad ids took 35 s).
MAX_VIOLATIONS = 20
MAX_MESSAGE = 200
LIST_ALL_BELOW = 16 * 1024
_SEEN_ENTRIES = 1024  # parameter texts remembered per operation (validate_request)
_SEEN_LENGTH = 256  # longer texts are checked each time
_UNSEEN: Any = object()


@dataclass(frozen=True)
class ValidRequest:
    """A request that passed validation: coerced parameters (with defaults) and the JSON body
    (its bytes, unread, for an operation with `x-raw-body`)."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any


class OperationValidator:
    """The compiled validators of one operation."""

    def __init__(self, operation: Operation, components: Mapping[str, Any]) -> None:
        self.operation = operation
        self._params = [
            (p, compile_schema(p.schema, components), read_from_text(p, components))
            for p in operation.parameters
        ]
        # The body's schema as the root (not a $ref to it), as the real server compiles its
        # own: a violation's schema path then reads as the real server's does.
        body_schema = operation.body_schema or operation.other_body_schema
        self._body_root, self._body = body_validator(body_schema, components)
        # A form, multipart or XML body is checked against its own media type's schema (none:
        # taken as sent).
        other = operation.other_body_schema
        self._other_root: dict[str, Any] = self._body_root
        self._other: Any = self._body
        if operation.body_schema is not None:
            self._other_root, self._other = body_validator(other, components)
        # Response validators are compiled on first use: `mockserver serve` never checks
        # responses unless asked, and compiling them all costs ~0.3 s and ~44 MB.
        self._components = components
        self._responses: dict[str, _CompiledResponse] = {}
        # Parameter texts that passed lately, as read (a client polls one thread's id): a
        # parameter's value depends on its text alone, so it is checked once.
        self._seen: dict[tuple[str, str, str], Any] = {}

    def validate_request(
        self,
        path: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        raw_body: bytes,
        content_type: str | None,
    ) -> ValidRequest:
        """Check every part of a request; raise ValidationFailed naming the violations (at most
        MAX_VIOLATIONS) and worded as the real server words the first one."""
        violations: list[Violation] = []
        # Per part: the status and detail of its first violation, as the real server says it.
        first: dict[str, tuple[int, str]] = {}
        values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
        for param, validator, readable in self._params:
            present, value = lookup(param, path, query, headers)
            if not present:
                if param.required:
                    violations.append(Violation(_where(param), "required parameter is missing"))
                    first.setdefault(param.location, (422, str(violations[-1])))
                elif "default" in param.schema:
                    values[param.location][param.name] = _read_as(param, param.schema["default"])
                continue
            raw_value = value
            if not readable:  # objects have no one encoding in a query, header or path
                values[param.location][param.name] = value
                continue
            key = (param.location, param.name, value) if isinstance(value, str) else None
            seen = _UNSEEN if key is None else self._seen.get(key, _UNSEEN)
            if seen is not _UNSEEN:  # the same text for the same parameter reads the same
                values[param.location][param.name] = seen
                continue
            if param.delimiter == "json":
                try:
                    value = parse_json(value.encode())
                except ValueError:
                    violations.append(Violation(_where(param), "not JSON"))
                    first.setdefault(param.location, (422, str(violations[-1])))
                    continue
            else:
                value = coerce(value, param.schema)
            found = _errors(validator, value, _where(param))
            if found:
                violations += found
                first.setdefault(param.location, _param_error(param, raw_value, found[0]))
            read = values[param.location][param.name] = _read_as(param, value)
            # (a JSON value may be a dict: never shared between requests)
            if not found and key is not None and param.delimiter != "json":
                if len(raw_value) <= _SEEN_LENGTH:
                    if len(self._seen) >= _SEEN_ENTRIES:  # all forgotten at once when full
                        self._seen.clear()
                    self._seen[key] = read
        body: Any = None
        if self.operation.raw_body:
            body = raw_body
        elif (
            not raw_body
            and content_type is None
            and self.operation.body_required
            and self.operation.body_schema is None
        ):
            # A required body of another media (a form, text) that was not sent at all (an
            # empty one with its media type is sent: the empty text).
            violations.append(Violation("body", "a request body is required"))
            first["body"] = (422, "body: a request body is required")
        elif self._body is not None:
            body, body_violations, body_error = self._check_body(raw_body, content_type)
            violations += body_violations
            if body_error is not None:
                first["body"] = body_error
        if violations:
            part = next(p for p in (*self.operation.check_order, *first) if p in first)
            status, detail = first[part]
            raise ValidationFailed(violations[:MAX_VIOLATIONS], detail=detail, status=status)
        return ValidRequest(values["path"], values["query"], values["header"], body)

    def authorised(self, headers: Mapping[str, str], query: Sequence[tuple[str, str]]) -> bool:
        """Whether the request shows the credentials of one of the operation's security
        alternatives (any value: a mock checks that they are there, not what they are)."""
        alternatives = self.operation.security
        return not alternatives or any(
            all(_shows(where, name, headers, query) for where, name in needed)
            for needed in alternatives
        )

    def _check_body(
        self, raw: bytes, content_type: str | None
    ) -> tuple[Any, list[Violation], tuple[int, str] | None]:
        if content_type is not None and not is_json(content_type):
            if not declared(content_type, self.operation.other_body_media):
                raise UnsupportedMediaType(
                    f"Unsupported Media Type: send the body as application/json, not {content_type}"
                )
            media = content_type.split(";", 1)[0].strip().lower()
            if self._other is None or (media not in (FORM, MULTIPART) and not is_xml(media)):
                return None, [], None  # a file: taken as sent
            try:
                body = (
                    read_form(raw, self._other_root)
                    if media == FORM
                    else read_multipart(raw, content_type, self._other_root)
                    if media == MULTIPART
                    else read_xml(raw, self._other_root, self._components)
                )
            except ElementTree.ParseError as exc:
                return None, [Violation("body", f"not XML: {exc}")], (422, "Invalid XML")
            violations = _errors(self._other, body, "body")
            return body, violations, (422, str(violations[0])) if violations else None
        if (not raw and not self.operation.body_required) or self.operation.body_schema is None:
            return None, [], None  # no JSON body declared: taken as sent
        try:
            body = parse_json(raw)
        except ValueError as exc:
            # The real server's exact words for a body that is not JSON (transcript #4).
            return None, [Violation("body", str(exc))], (422, INVALID_JSON)
        assert self._body is not None
        try:
            self._body.validate(body)
        except jsonschema_rs.ValidationError as exc:
            error = exc
        else:
            return body, [], None
        # Listing every violation walks the whole body: bounded by the body's size.
        violations = (
            _errors(self._body, body, "body")
            if len(raw) <= LIST_ALL_BELOW
            else [
                Violation("body" + _pointer(error.instance_path), _short(error.message)),
                Violation("body", f"(a body over {LIST_ALL_BELOW} bytes: the first only)"),
            ]
        )
        name = self.operation.validated_as
        real = wording.real_server_error(name, body) if name else None
        if real is None and name:
            real = self._then_validated(body)
        if real is not None:
            return body, violations, (422, real)
        return (
            body,
            violations,
            (
                wording.error_status(error, self._body_root, 422),
                wording.own_error(error, self._body_root),
            ),
        )

    def _then_validated(self, body: Any) -> str | None:
        """The first error among the fields the real server checks after its request schema
        passed (`x-then-validated`), worded as it words them; None if those are fine."""
        if not isinstance(body, dict):
            return None
        for check in self.operation.then_validated:
            field = check["field"]
            if field not in body:
                continue
            if "as" in check:
                detail = wording.real_server_error(check["as"], body[field])
            else:
                assert self._body is not None
                own = next(
                    (e for e in self._body.iter_errors(body) if e.instance_path[:1] == [field]),
                    None,
                )
                detail = None if own is None else wording.own_error(own, self._body_root)
            if detail is not None:
                return detail
        return None

    def validate_response(
        self, status: int, headers: Mapping[str, str], body: bytes, *, streamed: bool = False
    ) -> list[Violation]:
        """Everything about a response that the operation does not document (for a stream:
        its status, headers and media type only)."""
        documented = self.operation.responses
        key = next(
            (k for k in (str(status), f"{status // 100}XX", "default") if k in documented), None
        )
        if key is None:
            return [Violation("status", f"{status} is not documented for this operation")]
        compiled = self._responses.get(key)
        if compiled is None:
            compiled = self._responses[key] = _CompiledResponse(documented[key], self._components)
        if streamed:
            return compiled.check_stream(headers)
        return compiled.check(headers, body)


class _CompiledResponse:
    def __init__(self, spec: ResponseSpec, components: Mapping[str, Any]) -> None:
        self.spec = spec
        self.body = (
            None
            if spec.schema is None
            else compile_schema(as_read(spec.schema), read_components(components))
        )
        self.headers = [(h, compile_schema(h.schema, components)) for h in spec.headers]
        self.plain_text = "text/plain" in spec.media_types

    def check(self, headers: Mapping[str, str], body: bytes) -> list[Violation]:
        violations = self._check_headers(headers)
        if self.plain_text and headers.get("content-type", "").startswith("text/plain"):
            return violations  # a documented plain-text answer
        content_type = headers.get("content-type", "")
        if body and not is_json(content_type) and media_of(content_type) in self.spec.media_types:
            return violations  # text of a documented media type (an HTML page, Prometheus)
        if self.body is None:
            if body:
                violations.append(Violation("body", "documented without a body, but one was sent"))
            return violations
        if not is_json(headers.get("content-type", "")):
            violations.append(Violation("header.content-type", "expected application/json"))
        try:
            violations += _errors(self.body, orjson.loads(body), "body")
        except orjson.JSONDecodeError as exc:
            violations.append(Violation("body", f"not JSON: {exc}"))
        return violations

    def check_stream(self, headers: Mapping[str, str]) -> list[Violation]:
        violations = self._check_headers(headers)
        if "text/event-stream" not in self.spec.media_types:
            documented = ", ".join(self.spec.media_types) or "no body"
            violations.append(
                Violation(
                    "header.content-type", f"text/event-stream is not documented ({documented})"
                )
            )
        return violations

    def _check_headers(self, headers: Mapping[str, str]) -> list[Violation]:
        violations: list[Violation] = []
        for header, validator in self.headers:
            value = headers.get(header.name.lower())
            if value is None:
                if header.required:
                    violations.append(Violation(f"header.{header.name}", "required, missing"))
                continue
            violations += _errors(validator, coerce(value, header.schema), f"header.{header.name}")
        return violations


def _shows(
    where: str, name: str, headers: Mapping[str, str], query: Sequence[tuple[str, str]]
) -> bool:
    if where == "header":
        return name in headers
    if where == "query":
        return any(key == name for key, _ in query)
    if where == "cookie":
        return any(
            part.strip().startswith(f"{name}=") for part in headers.get("cookie", "").split(";")
        )
    return headers.get("authorization", "").lower().startswith(f"{name} ")


def _errors(validator: Any, instance: Any, location: str) -> list[Violation]:
    return [
        Violation(location + _pointer(error.instance_path), _short(error.message))
        for error in itertools.islice(validator.iter_errors(instance), MAX_VIOLATIONS)
    ]


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def _read_as(param: Parameter, value: Any) -> Any:
    """`value` as the real server reads this parameter (`x-read-as`), for a handler."""
    rule = param.read_as
    if rule is None or not isinstance(value, str):
        return value
    if "true-if" in rule:
        spellings = [str(s) for s in rule["true-if"]]
        if rule.get("ignore-case"):
            return value.lower() in {s.lower() for s in spellings}
        return value in spellings
    return value if value in rule.get("one-of", ()) else rule.get("otherwise", value)


def _param_error(param: Parameter, raw: Any, violation: Violation) -> tuple[int, str]:
    custom = param.error or {}
    detail = custom.get("detail")
    if not isinstance(detail, str):
        return 422, str(violation)
    value = raw if isinstance(raw, str) else ",".join(map(str, raw))
    detail = detail.replace("{value}", value)
    if "{invalid}" in detail:  # the values outside the items' enum, as a Python list
        allowed = (param.schema.get("items") or {}).get("enum") or ()
        given = [raw] if isinstance(raw, str) else list(raw)
        detail = detail.replace("{invalid}", repr([str(v) for v in given if v not in allowed]))
    return int(custom.get("status", 422)), wording.capped(detail)


def _pointer(path: Iterable[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _where(param: Parameter) -> str:
    return f"{param.location}.{param.name}"
