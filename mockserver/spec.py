"""Load the OpenAPI document once and index its operations. Imports no web framework.

Parameters, request bodies, responses and headers given by `$ref` are resolved here; schema
`$ref`s stay in place and are resolved by the validators against the document's components
(schemas may be recursive: a ThreadState task holds a ThreadState).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PACKAGED_SPEC = "openapi/agent-server.yaml"
# libyaml's loader when PyYAML was built with it: the spec loads in a third of the time.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecError(ValueError):
    """Raised when the OpenAPI document cannot be read or uses something the engine lacks."""


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    # `x-error`: how the real server answers a bad value ({status, detail}; `{value}` in the
    # detail stands for the value sent). None: the spec's own wording, 422.
    error: Mapping[str, Any] | None = None
    # `x-read-as`: how the real server reads the string it was sent, for parameters it reads
    # leniently: {true-if: [...], ignore-case: bool} gives a boolean, {one-of: [...],
    # otherwise: x} one of those strings.
    read_as: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ResponseSpec:
    """A documented response: its JSON body schema (None: no JSON body), headers, media types."""

    status: str
    schema: Mapping[str, Any] | None
    headers: tuple[Parameter, ...] = ()
    media_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    """One method on one path template."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body_schema: Mapping[str, Any] | None
    body_required: bool
    responses: Mapping[str, ResponseSpec] = field(default_factory=dict)
    # `x-validated-as`: the real server's request schema for the body, whose first error is
    # the 422 detail it sends (mockserver/wording.py).
    validated_as: str | None = None
    # `x-check-order`: the order the real server checks a request's parts in; the first part
    # that breaks the spec words the error.
    check_order: tuple[str, ...] = ("path", "body", "query", "header")


@dataclass(frozen=True)
class Spec:
    """The document and its operations, indexed by path template and by operationId."""

    document: Mapping[str, Any]
    operations: tuple[Operation, ...]
    source: str

    def by_path(self) -> dict[str, list[Operation]]:
        """Operations grouped by path template, in document order."""
        grouped: dict[str, list[Operation]] = {}
        for op in self.operations:
            grouped.setdefault(op.path, []).append(op)
        return grouped

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId."""
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)


def default_spec_path() -> Path:
    """The packaged contract, or the repository's `openapi/` copy in a source checkout."""
    packaged = resources.files("mockserver").joinpath(_PACKAGED_SPEC)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / _PACKAGED_SPEC


def load_spec(source: Path | str | Mapping[str, Any] | None = None) -> Spec:
    """Read an OpenAPI 3.x document (a path, or an already parsed mapping) and index it."""
    if source is None:
        source = default_spec_path()
    if isinstance(source, Mapping):
        document, name = source, "<inline spec>"
    else:
        name = str(source)
        try:
            document = yaml.load(Path(source).read_text("utf-8"), Loader=_LOADER)
        except (OSError, yaml.YAMLError) as exc:
            raise SpecError(f"cannot read OpenAPI document {name}: {exc}") from exc
    if not isinstance(document, Mapping) or "paths" not in document:
        raise SpecError(f"{name} is not an OpenAPI document (no `paths`)")
    operations = tuple(_index_operations(document))
    ids = [op.operation_id for op in operations]
    if len(ids) != len(set(ids)):
        raise SpecError(f"{name}: operationIds are not unique")
    return Spec(document, operations, name)


def _index_operations(document: Mapping[str, Any]) -> list[Operation]:
    operations = []
    for path, item in document["paths"].items():
        item = _deref(document, item)
        shared = [_deref(document, p) for p in item.get("parameters", [])]
        for method in HTTP_METHODS:
            if method not in item:
                continue
            raw = item[method]
            own = [_deref(document, p) for p in raw.get("parameters", [])]
            # An operation's own parameter overrides a path-level one with the same name and place.
            merged = {(p["name"], p["in"]): p for p in [*shared, *own]}
            body_schema, body_required = _body(document, raw.get("requestBody"))
            operations.append(Operation(
                operation_id=raw.get("operationId") or f"{method}_{path}",
                method=method.upper(),
                path=path,
                parameters=tuple(_parameter(p) for p in merged.values()),
                body_schema=body_schema,
                body_required=body_required,
                responses={
                    str(status): _response(document, str(status), response)
                    for status, response in raw.get("responses", {}).items()
                },
                validated_as=raw.get("x-validated-as"),
                check_order=tuple(raw.get("x-check-order", ("path", "body", "query", "header"))),
            ))
    return operations


def _parameter(raw: Mapping[str, Any]) -> Parameter:
    if raw["in"] not in ("path", "query", "header"):
        raise SpecError(f"parameter {raw['name']}: `in: {raw['in']}` is not supported")
    return Parameter(raw["name"], raw["in"], bool(raw.get("required")), raw.get("schema", {}),
                     raw.get("x-error"), raw.get("x-read-as"))


def _body(document: Mapping[str, Any], raw: Any) -> tuple[Mapping[str, Any] | None, bool]:
    if raw is None:
        return None, False
    raw = _deref(document, raw)
    media = raw.get("content", {}).get("application/json")
    if media is None:
        raise SpecError("only application/json request bodies are supported")
    return media.get("schema", {}), bool(raw.get("required"))


def _response(document: Mapping[str, Any], status: str, raw: Any) -> ResponseSpec:
    raw = _deref(document, raw)
    media = raw.get("content", {}).get("application/json")
    headers = tuple(
        Parameter(name, "header", bool(h.get("required")), h.get("schema", {}))
        for name, h in ((n, _deref(document, h)) for n, h in raw.get("headers", {}).items())
    )
    schema = None if media is None else media.get("schema", {})
    return ResponseSpec(status, schema, headers, tuple(raw.get("content", {})))


def _deref(document: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise SpecError(f"only local $refs are supported, got {ref}")
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node
