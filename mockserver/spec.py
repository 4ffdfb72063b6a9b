"""Load the OpenAPI document once and index its operations. Imports no web framework.

Parameters, request bodies, responses and headers given by `$ref` are resolved here; schema
`$ref`s stay in place and are resolved by the validators against the document's components
(schemas may be recursive: a ThreadState task holds a ThreadState). The document is checked
and fitted to the validators first, by spec_check.py.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mockserver.spec_check import (
    SpecError,
    as_json_schema,
    check_document,
    deref,
    hoist_schema_refs,
    validate_openapi,
)
from mockserver.yamlfile import YamlFileError, read_yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PACKAGED_SPEC = "openapi/agent-server.yaml"


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    # `x-error`: how the real server answers a bad value ({status, detail}; `{value}` in the
    # detail stands for the value sent, `{invalid}` for the items outside the enum). None:
    # the spec's own wording, 422.
    error: Mapping[str, Any] | None = None
    # `x-read-as`: how the real server reads the string it was sent, for parameters it reads
    # leniently: {true-if: [...], ignore-case: bool} gives a boolean, {one-of: [...],
    # otherwise: x} one of those strings.
    read_as: Mapping[str, Any] | None = None
    # How an array is sent (OpenAPI's `style`/`explode`): "multi" (`?a=1&a=2`, a form's
    # exploded default), or the one value's separator: "," (`?a=1,2`, a header, a path), " ",
    # "|". A `content` parameter's value is its media type's (JSON: "json").
    delimiter: str = "multi"


@dataclass(frozen=True)
class ResponseSpec:
    """A documented response: its JSON body schema (None: no JSON body), headers, media types
    (the JSON one first)."""

    status: str
    schema: Mapping[str, Any] | None
    headers: tuple[Parameter, ...] = ()
    media_types: tuple[str, ...] = ()
    # The JSON media type's examples by name (`examples`, each its `value`; a lone `example`
    # is named "example"), in document order: what a generated answer sends first.
    examples: Mapping[str, Any] = field(default_factory=dict)
    # OpenAPI `links` by name: {operationId | operationRef, parameters: {name: expression}}.
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


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
    # `x-then-validated`: the body fields the real server checks itself once its request
    # schema passed, in its order: `{field, as}` with another of its schemas (worded as that
    # schema's first error), `{field}` as this document says (its `x-error`).
    then_validated: tuple[Mapping[str, str], ...] = ()
    # `x-raw-body`: the handler reads the body's bytes itself (JSON-RPC endpoints answer a
    # body that is not JSON, or of any content type, in their own words); the requestBody
    # only documents it.
    raw_body: bool = False
    # The request body's media types other than JSON (XML, forms, files): taken as sent,
    # unchecked (`body_schema` is the JSON one's, None when there is none).
    other_body_media: tuple[str, ...] = ()
    # Where there is no JSON body: the schema of its form, multipart or XML one (None: none).
    other_body_schema: Mapping[str, Any] | None = None
    # `security`: the alternatives, each the credentials it needs as (where, name): ("header",
    # "x-api-key"), ("query", "key"), ("cookie", "session"), ("authorization", "bearer").
    # Empty: no credentials needed.
    security: tuple[tuple[tuple[str, str], ...], ...] = ()


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


def with_graphs(spec: Spec, names: Sequence[str]) -> Spec:
    """The spec for a deployment serving these graphs: every schema marked `x-graph-names`
    lists them as its `enum`, and `{graphs}` in an `x-error` detail names them (comma
    separated, as the real server words them). The same spec when nothing is marked."""
    marked = False

    def fill(node: Any) -> Any:
        nonlocal marked
        if isinstance(node, Mapping):
            out = {k: fill(v) for k, v in node.items()}
            if node.get("x-graph-names") is True:
                out["enum"] = list(names)
                marked = True
            error = node.get("x-error")
            if isinstance(error, Mapping) and isinstance(error.get("detail"), str):
                out["x-error"] = {**error, "detail": error["detail"].replace("{graphs}", joined)}
            return out
        if isinstance(node, list):
            return [fill(item) for item in node]
        return node

    joined = ", ".join(names)
    document = fill(spec.document)
    if not marked:
        return spec
    return Spec(document, tuple(_index_operations(document)), spec.source)


def default_spec_path() -> Path:
    """The packaged contract, or the repository's `openapi/` copy in a source checkout."""
    packaged = resources.files("mockserver").joinpath(_PACKAGED_SPEC)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / _PACKAGED_SPEC


def load_spec(source: Path | str | Mapping[str, Any] | None = None) -> Spec:
    """Read an OpenAPI 3.x document (a path, or an already parsed mapping) and index it."""
    given = source is not None
    if source is None:
        source = default_spec_path()
    if isinstance(source, Mapping):
        document, name = source, "<inline spec>"
    else:
        name = str(source)
        try:
            document = read_yaml(source).data
        except YamlFileError as exc:
            raise SpecError(f"cannot read OpenAPI document {exc}") from None
    if isinstance(document, Mapping) and "swagger" in document:
        raise SpecError(
            f"{name} is Swagger {document['swagger']}; mockserver serves OpenAPI 3.0 and 3.1 "
            "(convert it first, e.g. with swagger2openapi)"
        )
    if not isinstance(document, Mapping) or not isinstance(document.get("paths"), Mapping):
        raise SpecError(f"{name} is not an OpenAPI document (no `paths`)")
    if isinstance(source, Mapping):
        document = copy.deepcopy(source)  # the caller's mapping is left as it was
    elif given:
        validate_openapi(document, name)  # as written, before the rewrite below
    as_json_schema(document)
    refs = check_document(document, name)
    hoist_schema_refs(document, refs)
    operations = tuple(_index_operations(document))
    ids = [op.operation_id for op in operations]
    if len(ids) != len(set(ids)):
        raise SpecError(f"{name}: operationIds are not unique")
    return Spec(document, operations, name)


def _index_operations(document: Mapping[str, Any]) -> list[Operation]:
    operations = []
    for path, item in document["paths"].items():
        item = deref(document, item)
        shared = [deref(document, p) for p in item.get("parameters", [])]
        for method in HTTP_METHODS:
            if method not in item:
                continue
            raw = item[method]
            own = [deref(document, p) for p in raw.get("parameters", [])]
            # An operation's own parameter overrides a path-level one with the same name and place.
            merged = {(p["name"], p["in"]): p for p in [*shared, *own]}
            body_schema, body_required, other_media, other_schema = _body(
                document, raw.get("requestBody")
            )
            operations.append(
                Operation(
                    operation_id=raw.get("operationId") or f"{method}_{path}",
                    method=method.upper(),
                    path=path,
                    parameters=tuple(
                        _parameter(p) for p in merged.values() if p.get("in") != "cookie"
                    ),
                    body_schema=body_schema,
                    body_required=body_required,
                    other_body_media=other_media,
                    other_body_schema=other_schema,
                    security=_security(document, raw.get("security", document.get("security"))),
                    responses={
                        str(status): _response(document, str(status), response)
                        for status, response in raw.get("responses", {}).items()
                    },
                    validated_as=raw.get("x-validated-as"),
                    check_order=tuple(
                        raw.get("x-check-order", ("path", "body", "query", "header"))
                    ),
                    then_validated=tuple(raw.get("x-then-validated", ())),
                    raw_body=bool(raw.get("x-raw-body")),
                )
            )
    return operations


def _security(document: Mapping[str, Any], raw: Any) -> tuple[tuple[tuple[str, str], ...], ...]:
    """An operation's security requirements as the credentials each alternative needs; ()
    when it needs none (no requirement, or an empty one among them)."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    alternatives = []
    for requirement in raw if isinstance(raw, list) else ():
        needed = tuple(
            c for c in (_credential(deref(document, schemes.get(n, {}))) for n in requirement) if c
        )
        if not needed:
            return ()  # an alternative anyone meets
        alternatives.append(needed)
    return tuple(alternatives)


def _credential(scheme: Any) -> tuple[str, str] | None:
    """What a request shows to meet a security scheme; None for schemes the mock cannot
    check (mutual TLS, unknown types)."""
    kind = scheme.get("type") if isinstance(scheme, Mapping) else None
    if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie"):
        name = str(scheme.get("name", ""))
        return scheme["in"], name.lower() if scheme["in"] == "header" else name
    if kind == "http":
        return "authorization", str(scheme.get("scheme", "bearer")).lower()
    if kind in ("oauth2", "openIdConnect"):
        return "authorization", "bearer"
    return None


def _parameter(raw: Mapping[str, Any]) -> Parameter:
    if raw["in"] not in ("path", "query", "header"):
        raise SpecError(f"parameter {raw['name']}: `in: {raw['in']}` is not supported")
    schema, delimiter = raw.get("schema", {}), _delimiter(raw)
    content = raw.get("content")
    if "schema" not in raw and isinstance(content, Mapping) and content:
        media, described = next(iter(content.items()))
        schema = (described or {}).get("schema", {}) if isinstance(described, Mapping) else {}
        delimiter = "json" if "json" in str(media).lower() else "text"
    return Parameter(
        raw["name"],
        raw["in"],
        bool(raw.get("required")),
        schema,
        raw.get("x-error"),
        raw.get("x-read-as"),
        delimiter,
    )


_STYLE_DELIMITERS = {"form": ",", "simple": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def _delimiter(raw: Mapping[str, Any]) -> str:
    """How the parameter's array values are sent: "multi" (repeated) or a separator."""
    style = raw.get("style") or ("form" if raw["in"] == "query" else "simple")
    explode = raw.get("explode", style == "form")
    if raw["in"] == "query" and explode:
        return "multi"
    return _STYLE_DELIMITERS.get(str(style), ",")


def _body(
    document: Mapping[str, Any], raw: Any
) -> tuple[Mapping[str, Any] | None, bool, tuple[str, ...], Mapping[str, Any] | None]:
    """The JSON body's schema (None: no JSON body), whether a body is required, the other
    media types it may come in, and the form or XML one's schema (each has its own)."""
    if raw is None:
        return None, False, (), None
    raw = deref(document, raw)
    content = raw.get("content", {})
    json_type = _json_media(content)
    media = None if json_type is None else content[json_type]
    others = tuple(str(m) for m in content if m != json_type)
    if media is None and not others:
        raise SpecError("a request body declares no media type")
    schema = None if media is None else media.get("schema", {})
    read = [m for m in others if m.lower() in _READ or "xml" in m.lower()]
    described = content[read[0]] if read else None
    other = described.get("schema") if isinstance(described, Mapping) else None
    return schema, bool(raw.get("required")), others, other


# The media besides JSON whose bodies are read as their schema's value and checked.
_READ = ("application/x-www-form-urlencoded", "multipart/form-data")


def _json_media(content: Mapping[str, Any]) -> str | None:
    """The JSON media type among a body's: `application/json`, else the first of JSON's
    kind (`application/problem+json`, `application/json; charset=utf-8`)."""
    if "application/json" in content:
        return "application/json"
    for media in content:
        name = str(media).split(";", 1)[0].strip().lower()
        if name == "application/json" or (
            name.startswith("application/") and name.endswith("+json")
        ):
            return str(media)
    return None


def _wildcard(content: Mapping[str, Any]) -> str | None:
    """The media range (`*/*`, `application/*`) among a response's that describes a schema,
    which a JSON answer fits; None if there is none."""
    for media, described in content.items():
        name = str(media).split(";", 1)[0].strip().lower()
        if name in ("*/*", "application/*") and isinstance(described, Mapping):
            if "schema" in described:
                return str(media)
    return None


def _response(document: Mapping[str, Any], status: str, raw: Any) -> ResponseSpec:
    raw = deref(document, raw)
    content = raw.get("content", {})
    json_type = _json_media(content)
    media = None if json_type is None else content[json_type]
    wildcard = None if json_type is not None else _wildcard(content)
    if wildcard is not None:  # `*/*` with a schema: a JSON answer is one of those
        json_type, media = "application/json", content[wildcard]
    headers = tuple(
        Parameter(name, "header", bool(h.get("required")), h.get("schema", {}))
        for name, h in ((n, deref(document, h)) for n, h in raw.get("headers", {}).items())
    )
    schema = None if media is None else media.get("schema", {})
    examples = {} if media is None else _examples(document, media)
    links = {
        str(name): link
        for name, link in ((n, deref(document, k)) for n, k in (raw.get("links") or {}).items())
        if isinstance(link, Mapping)
    }
    media_types = (
        tuple(content)
        if json_type is None
        else (json_type, *(m for m in content if m != json_type))
    )
    return ResponseSpec(status, schema, headers, media_types, examples, links)


def _examples(document: Mapping[str, Any], media: Mapping[str, Any]) -> dict[str, Any]:
    """A media type's examples by name; external ones (`externalValue`) are left out."""
    named: dict[str, Any] = {}
    if "example" in media:
        named["example"] = media["example"]
    for name, example in (media.get("examples") or {}).items():
        example = deref(document, example)
        if isinstance(example, Mapping) and "value" in example:
            named[str(name)] = example["value"]
    return named
