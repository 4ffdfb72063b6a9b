"""Load the OpenAPI document once and index its operations. Imports no web framework.

Parameters, request bodies, responses and headers given by `$ref` are resolved here; schema
`$ref`s stay in place and are resolved by the validators against the document's components
(schemas may be recursive: a ThreadState task holds a ThreadState).
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema_rs

from mockserver.errors import ConfigError
from mockserver.yamlfile import YamlFileError, read_yaml, shorten

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PACKAGED_SPEC = "openapi/agent-server.yaml"
# Schema keywords that apply their subschemas to the same instance: a $ref cycle through only
# these never ends (a validator recurses forever), unlike one through `properties` or `items`.
_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("not", "if", "then", "else")
# Values under these keys are data, not schemas or references.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
_RESPONSE_DATA_KEYS = _DATA_KEYS - {"default"}


class SpecError(ConfigError):
    """Raised when the OpenAPI document cannot be read or uses something the engine lacks."""


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
        _validate_openapi(document, name)  # as written, before the rewrite below
    _as_json_schema(document)
    refs = check_document(document, name)
    _hoist_schema_refs(document, refs)
    operations = tuple(_index_operations(document))
    ids = [op.operation_id for op in operations]
    if len(ids) != len(set(ids)):
        raise SpecError(f"{name}: operationIds are not unique")
    return Spec(document, operations, name)


# The ranges OpenAPI's integer formats stand for.
_INTEGER_FORMATS = {"int32": 2**31, "int64": 2**63}


def _as_json_schema(document: Any) -> None:
    """Rewrite, in place, what OpenAPI schemas say beyond JSON Schema 2020-12 (which the
    validators speak) into it: `int32`/`int64` as bounds, and in a 3.0 document `nullable` as
    a `null` type (beside no type: `anyOf` the schema or null) and boolean
    `exclusiveMinimum`/`exclusiveMaximum` as numbers."""
    legacy = str(document.get("openapi", "")).startswith("3.0")
    for _, node in _walk(document):
        if not isinstance(node, dict):
            continue
        fmt = node.get("format")
        if node.get("type") == "integer" and fmt in _INTEGER_FORMATS:
            node.setdefault("minimum", -_INTEGER_FORMATS[fmt])
            node.setdefault("maximum", _INTEGER_FORMATS[fmt] - 1)
        if not legacy:
            continue
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        elif node.get("nullable") is True and "type" not in node:  # a $ref, an allOf: or null
            rest = {k: v for k, v in node.items() if k != "nullable"}
            node.clear()
            node["anyOf"] = [rest, {"type": "null"}]
        for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = node.get(exclusive)
            if isinstance(flag, bool):
                del node[exclusive]
                if flag and bound in node:
                    node[exclusive] = node.pop(bound)


def check_document(document: Mapping[str, Any], name: str) -> list[tuple[str, str]]:
    """What would otherwise fail late or never end: unresolved `$ref`s, `$ref` cycles that
    consume nothing, invalid schemas (as rewritten into JSON Schema). Returns the `$ref`s,
    each with where it is."""
    refs = list(_references(document))
    for location, ref in refs:
        try:
            _pointer(document, ref)
        except SpecError as exc:
            raise SpecError(f"{name}: {exc} (at {location})") from None
    for _, ref in refs:
        _check_cycle(document, ref, name)
    for location, schema in _schemas(document):
        try:
            jsonschema_rs.meta.validate(schema)
        except jsonschema_rs.ValidationError as exc:
            where = "/".join(map(str, [location, *exc.instance_path]))
            raise SpecError(shorten(f"{name}: invalid schema at {where}: {exc.message}")) from None
    return refs


_COMPONENT_SCHEMA = re.compile(r"#/components/schemas/[^/]+")


def _hoist_schema_refs(document: Mapping[str, Any], refs: Sequence[tuple[str, str]]) -> None:
    """Point, in place, every `$ref` to a schema outside `components/schemas` (into a
    response's or a parameter's `schema`, `#/paths/...` or `#/components/responses/...`, or
    into a component schema's part) at a copy-free entry of `components/schemas`, where the
    validators and the generator look: a schema written once and `$ref`'d from elsewhere, as
    DigitalOcean's document does."""
    hoisted: dict[str, str] = {}
    for _, ref in refs:
        if ref in hoisted or _COMPONENT_SCHEMA.fullmatch(ref):
            continue
        tokens = [_token(part) for part in ref[2:].split("/")]
        if "schema" not in tokens and tokens[:2] != ["components", "schemas"]:
            continue  # a parameter, a response, a request body: resolved by _deref
        components = document.setdefault("components", {})  # type: ignore[attr-defined]
        schemas = components.setdefault("schemas", {})
        name = base = "_" + re.sub(r"[^A-Za-z0-9._-]+", "_", ref[2:])
        count = itertools.count(2)
        while name in schemas:
            name = f"{base}_{next(count)}"
        schemas[name] = _pointer(document, ref)
        hoisted[ref] = f"#/components/schemas/{name}"
    if not hoisted:
        return
    for _, node in _walk(document):
        target = node.get("$ref")
        if isinstance(target, str) and target in hoisted:
            node["$ref"] = hoisted[target]  # type: ignore[index]


def _validate_openapi(document: Mapping[str, Any], name: str) -> None:
    """The document as written checked against the OpenAPI Initiative's JSON Schema of its
    version (3.0 or 3.1; data/openapi-3.*.schema.json): a few milliseconds for a 2 MB document
    (the packaged spec is checked by the test suite, not at every start)."""
    version = str(document.get("openapi", ""))
    if version[:4] not in ("3.0.", "3.1."):
        said = f"OpenAPI {version}" if version else "without an `openapi` version"
        raise SpecError(f"{name} is {said}; mockserver serves OpenAPI 3.0 and 3.1")
    error = next(_openapi_validator(version[:3]).iter_errors(document), None)
    if error is not None:
        error = _reason(error)
        where = "/".join(map(str, error.instance_path)) or "<root>"
        raise SpecError(shorten(f"{name}: not valid OpenAPI at {where}: {error.message}"))


def _reason(error: Any) -> Any:
    """The error that says why: of a oneOf/anyOf none of whose branches fits (a schema, or a
    `$ref`), the deepest one among its branches' errors."""
    best = error
    for branch in getattr(error.kind, "context", None) or ():
        for sub in branch:
            candidate = _reason(sub)
            if len(candidate.instance_path) > len(best.instance_path):
                best = candidate
    return best


@functools.cache
def _openapi_validator(version: str) -> Any:
    text = resources.files("mockserver").joinpath(f"data/openapi-{version}.schema.json")
    return jsonschema_rs.validator_for(json.loads(text.read_text("utf-8")))


def _walk(node: Any, location: str = "#") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every mapping in the document (data under `example`, `default`... left out)."""
    stack = [(location, node)]
    while stack:
        where, current = stack.pop()
        kind = type(current)
        if kind is str or kind is int or kind is bool or current is None:
            continue  # most of a document: its leaves, without isinstance's ABC checks
        if isinstance(current, Mapping):
            yield where, current
            data = _DATA_KEYS if not _is_responses(where) else _RESPONSE_DATA_KEYS
            children = [(k, v) for k, v in current.items() if k not in data]
        elif isinstance(current, list):
            children = list(enumerate(current))
        else:
            continue
        stack.extend(
            (f"{where}/{key}", value)
            for key, value in reversed(children)
            if isinstance(value, dict | list) or isinstance(value, Mapping)
        )


def _is_responses(where: str) -> bool:
    """Whether the mapping at `where` is an operation's Responses object, whose `default` is a
    response, not a schema's default value (a property named `responses` is no such thing)."""
    parts = where.rsplit("/", 2)
    return parts[-1] == "responses" and (len(parts) < 3 or parts[-2] != "properties")


def _references(document: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for where, node in _walk(document):
        ref = node.get("$ref")
        if ref is not None:
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise SpecError(f"only local $refs are supported, got {ref} (at {where})")
            yield where, ref


def _schemas(document: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every schema object: each component schema and every value of a `schema` key."""
    components = document.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    for key, schema in schemas.items() if isinstance(schemas, Mapping) else ():
        yield f"#/components/schemas/{key}", schema
    for where, node in _walk(document):
        if "schema" in node and not where.startswith("#/components/schemas/"):
            yield f"{where}/schema", node["schema"]


def _token(part: str) -> str:
    """One reference token of a `#/...` $ref: a URI fragment, so percent-decoded first (`%7B`
    is `{`), then JSON Pointer's escapes (RFC 6901, sections 4 and 6)."""
    return unquote(part).replace("~1", "/").replace("~0", "~")


def _pointer(document: Mapping[str, Any], ref: str) -> Any:
    target: Any = document
    for part in ref[2:].split("/"):
        key = _token(part)
        if isinstance(target, Mapping) and key in target:
            target = target[key]
        elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
            target = target[int(key)]
        else:
            raise SpecError(f"unresolved $ref {ref}")
    return target


def _check_cycle(document: Mapping[str, Any], ref: str, name: str) -> None:
    """Follow `ref` through $refs and in-place keywords; coming back to it is a cycle."""
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[str, ...]]] = [(_pointer(document, ref), (ref,))]
    while stack:
        node, chain = stack.pop()
        if not isinstance(node, Mapping) or id(node) in seen:
            continue
        seen.add(id(node))
        nested = node.get("$ref")
        if isinstance(nested, str):
            if nested == ref:
                raise SpecError(f"{name}: $ref cycle: {' -> '.join((*chain, ref))}")
            stack.append((_pointer(document, nested), (*chain, nested)))
        for key in _IN_PLACE_LISTS:
            parts = node.get(key)
            stack.extend((part, chain) for part in (parts if isinstance(parts, list) else ()))
        stack.extend((node[key], chain) for key in _IN_PLACE_ONE if key in node)


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
            c for c in (_credential(_deref(document, schemes.get(n, {}))) for n in requirement) if c
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
    raw = _deref(document, raw)
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
    raw = _deref(document, raw)
    content = raw.get("content", {})
    json_type = _json_media(content)
    media = None if json_type is None else content[json_type]
    wildcard = None if json_type is not None else _wildcard(content)
    if wildcard is not None:  # `*/*` with a schema: a JSON answer is one of those
        json_type, media = "application/json", content[wildcard]
    headers = tuple(
        Parameter(name, "header", bool(h.get("required")), h.get("schema", {}))
        for name, h in ((n, _deref(document, h)) for n, h in raw.get("headers", {}).items())
    )
    schema = None if media is None else media.get("schema", {})
    examples = {} if media is None else _examples(document, media)
    links = {
        str(name): link
        for name, link in ((n, _deref(document, k)) for n, k in (raw.get("links") or {}).items())
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
        example = _deref(document, example)
        if isinstance(example, Mapping) and "value" in example:
            named[str(name)] = example["value"]
    return named


def _deref(document: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise SpecError(f"only local $refs are supported, got {ref}")
        node = _pointer(document, ref)
    return node
