"""Check an OpenAPI document before its operations are indexed, and make it fit the validators.

`check_document` finds what would otherwise fail late or never end (a `$ref` that resolves to
nothing, a `$ref` cycle through keywords that consume nothing, a schema that is not one);
`validate_openapi` checks a given document against the OpenAPI Initiative's schema of its
version (data/openapi-3.*.schema.json). `as_json_schema` rewrites OpenAPI's schema words into
JSON Schema 2020-12 in place, and `hoist_schema_refs` points schema `$ref`s that reach outside
`components/schemas` at an entry there, where the validators and the generator look. `deref`
follows local `$ref`s (JSON Pointer fragments); `SpecError` is what every check raises.
Imports no web framework and none of the core.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from typing import Any
from urllib.parse import unquote

import jsonschema_rs

from mockserver.errors import ConfigError
from mockserver.yamlfile import shorten

# Schema keywords that apply their subschemas to the same instance: a $ref cycle through only
# these never ends (a validator recurses forever), unlike one through `properties` or `items`.
_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("not", "if", "then", "else")
# Values under these keys are data, not schemas or references.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
_RESPONSE_DATA_KEYS = _DATA_KEYS - {"default"}


class SpecError(ConfigError):
    """Raised when the OpenAPI document cannot be read or uses something the engine lacks."""


# The ranges OpenAPI's integer formats stand for.
_INTEGER_FORMATS = {"int32": 2**31, "int64": 2**63}


def as_json_schema(document: Any) -> None:
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


def hoist_schema_refs(document: Mapping[str, Any], refs: Sequence[tuple[str, str]]) -> None:
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
            continue  # a parameter, a response, a request body: resolved by deref
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


def validate_openapi(document: Mapping[str, Any], name: str) -> None:
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


def deref(document: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise SpecError(f"only local $refs are supported, got {ref}")
        node = _pointer(document, ref)
    return node
