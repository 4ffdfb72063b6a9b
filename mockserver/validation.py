"""Validate requests and responses against an operation: every violation, with its location.

Schemas are compiled once with jsonschema-rs (Draft 2020-12, as OpenAPI 3.1 uses); a body costs
microseconds. Python `jsonschema` checks the same schemas in the tests, with the same formats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import orjson

from mockserver.errors import UnsupportedMediaType, ValidationFailed, Violation
from mockserver.spec import Operation, Parameter, ResponseSpec

INVALID_JSON = "Invalid JSON in request body"
MAX_DEPTH = 200
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}"
)
_INTEGER = re.compile(r"-?[0-9]+")


def is_uuid(value: str) -> bool:
    """Whether `value` is a UUID as the real server parses ids: hex, dashed or not, any case."""
    return _UUID.fullmatch(value) is not None


# Format checkers shared by both validators, so they agree (jsonschema-rs's own `uuid` wants the
# dashed form, but the real server takes ids the way Python's uuid.UUID() does).
FORMATS = {"uuid": is_uuid}


def compile_schema(schema: Mapping[str, Any], components: Mapping[str, Any]) -> Any:
    """A jsonschema-rs validator for `schema`, resolving `#/components/...` refs."""
    return jsonschema_rs.validator_for(
        {**schema, "components": components}, validate_formats=True, formats=FORMATS
    )


@dataclass(frozen=True)
class ValidRequest:
    """A request that passed validation: coerced parameters (with defaults) and the JSON body."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any


class OperationValidator:
    """The compiled validators of one operation."""

    def __init__(self, operation: Operation, components: Mapping[str, Any]) -> None:
        self.operation = operation
        self._params = [(p, compile_schema(p.schema, components)) for p in operation.parameters]
        self._body = (
            None if operation.body_schema is None
            else compile_schema(operation.body_schema, components)
        )
        # Response validators are compiled on first use: `mockserver serve` never checks
        # responses unless asked, and compiling them all costs ~0.3 s and ~44 MB.
        self._components = components
        self._responses: dict[str, _CompiledResponse] = {}

    def validate_request(
        self,
        path: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        raw_body: bytes,
        content_type: str | None,
    ) -> ValidRequest:
        """Check every part of a request; raise ValidationFailed naming every violation."""
        violations: list[Violation] = []
        values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
        for param, validator in self._params:
            present, value = _lookup(param, path, query, headers)
            if not present:
                if param.required:
                    violations.append(Violation(_where(param), "required parameter is missing"))
                elif "default" in param.schema:
                    values[param.location][param.name] = param.schema["default"]
                continue
            value = _coerce(value, param.schema)
            violations += _errors(validator, value, _where(param))
            values[param.location][param.name] = value
        body = None
        if self._body is not None:
            body, body_violations = self._check_body(raw_body, content_type)
            violations += body_violations
        if violations:
            only_json = len(violations) == 1 and violations[0].message == INVALID_JSON
            # The real server's exact words for a body that is not JSON (transcript #4).
            raise ValidationFailed(violations, detail=INVALID_JSON if only_json else None)
        return ValidRequest(values["path"], values["query"], values["header"], body)

    def _check_body(self, raw: bytes, content_type: str | None) -> tuple[Any, list[Violation]]:
        if content_type is not None and not _is_json(content_type):
            raise UnsupportedMediaType(
                f"Unsupported Media Type: send the body as application/json, not {content_type}"
            )
        if not raw and not self.operation.body_required:
            return None, []
        try:
            body = parse_json(raw)
        except ValueError as exc:
            return None, [Violation("body", str(exc))]
        return body, _errors(self._body, body, "body")

    def validate_response(
        self, status: int, headers: Mapping[str, str], body: bytes, *, streamed: bool = False
    ) -> list[Violation]:
        """Everything about a response that the operation does not document (for a stream:
        its status, headers and media type only)."""
        documented = self.operation.responses
        key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in documented),
                   None)
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
        self.body = None if spec.schema is None else compile_schema(spec.schema, components)
        self.headers = [(h, compile_schema(h.schema, components)) for h in spec.headers]

    def check(self, headers: Mapping[str, str], body: bytes) -> list[Violation]:
        violations = self._check_headers(headers)
        if self.body is None:
            if body:
                violations.append(Violation("body", "documented without a body, but one was sent"))
            return violations
        if not _is_json(headers.get("content-type", "")):
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
            violations.append(Violation(
                "header.content-type", f"text/event-stream is not documented ({documented})"))
        return violations

    def _check_headers(self, headers: Mapping[str, str]) -> list[Violation]:
        violations: list[Violation] = []
        for header, validator in self.headers:
            value = headers.get(header.name.lower())
            if value is None:
                if header.required:
                    violations.append(Violation(f"header.{header.name}", "required, missing"))
                continue
            violations += _errors(validator, value, f"header.{header.name}")
        return violations


def parse_json(raw: bytes) -> Any:
    """Parse a request body; ValueError when it is not JSON the mock can store and send back.

    Integers past 64 bits become IEEE doubles, as in every JavaScript client (and orjson).
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValueError(INVALID_JSON) from None
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise ValueError(f"{INVALID_JSON}: nested deeper than {MAX_DEPTH} levels")
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _lookup(
    param: Parameter,
    path: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
) -> tuple[bool, Any]:
    if param.location == "path":
        return param.name in path, path.get(param.name)
    if param.location == "header":
        value = headers.get(param.name.lower())
        return value is not None, value
    found = [v for k, v in query if k == param.name]
    if not found:
        return False, None
    return True, found if _types(param.schema) & {"array"} else found[-1]


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    """A query/path/header string as the type its schema asks for, when it reads as one."""
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_coerce(v, items) for v in value]
    types = _types(schema)
    if "integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "number" in types:
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type")
    return {declared} if isinstance(declared, str) else set(declared or ())


def _errors(validator: Any, instance: Any, location: str) -> list[Violation]:
    return [
        Violation(location + _pointer(error.instance_path), error.message)
        for error in validator.iter_errors(instance)
    ]


def _pointer(path: Iterable[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _where(param: Parameter) -> str:
    return f"{param.location}.{param.name}"
