"""Compile an operation's schemas: jsonschema-rs validators (Draft 2020-12, as OpenAPI 3.1
uses) with the real server's `uuid` format, each given only the components it refers to, so a
large document starts quickly; a schema as a request sees it (readOnly not required) and as an
answer sees it (writeOnly refused), and the values made from one document's components (refs,
the read view, shared body validators) kept with them. validation.py and generate.py compile
through here, so both agree on what a schema allows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import jsonschema_rs

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}"
)


def is_uuid(value: str) -> bool:
    """Whether `value` is a UUID as the real server parses ids: hex, dashed or not, any case."""
    return _UUID.fullmatch(value) is not None


# Format checkers shared by both validators, so they agree (jsonschema-rs's own `uuid` wants the
# dashed form, but the real server takes ids the way Python's uuid.UUID() does).
FORMATS = {"uuid": is_uuid}


def compile_schema(schema: Mapping[str, Any], components: Mapping[str, Any]) -> Any:
    """A jsonschema-rs validator for `schema`, resolving `#/components/...` refs."""
    return jsonschema_rs.validator_for(
        {**schema, "components": used(schema, components)}, validate_formats=True, formats=FORMATS
    )


_SCHEMAS = "#/components/schemas/"


def used(schema: Any, components: Mapping[str, Any]) -> Mapping[str, Any]:
    """The components `schema` refers to, directly or through others: compiling each schema
    with only these keeps a large document's start-up short (jsonschema-rs reads all it is
    given). Refs outside `components/schemas` keep every component. Each component's own
    refs are read once per document (DocuSign's 400 operations share most of theirs)."""
    schemas = components.get("schemas") or {}
    refs_of = _refs_by_component(components)
    start = _refs(schema)
    if start is None:
        return components
    found: dict[str, Any] = {}
    stack = list(start)
    while stack:
        name = stack.pop()
        if name in found or name not in schemas:
            continue
        found[name] = schemas[name]
        if name not in refs_of:
            refs_of[name] = _refs(schemas[name])
        refs = refs_of[name]
        if refs is None:
            return components
        stack.extend(refs)
    return {"schemas": found} if found else {}


def _refs(schema: Any) -> frozenset[str] | None:
    """The component schemas `schema` names in its own `$ref`s; None if one points elsewhere."""
    names: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith(_SCHEMAS):
                    return None
                names.add(
                    ref[len(_SCHEMAS) :].split("/", 1)[0].replace("~1", "/").replace("~0", "~")
                )
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(names)


T = TypeVar("T")


class _PerDocument(Generic[T]):
    """A value made from a document's components, kept with them (a few documents at a time:
    tests make many apps): the refs of each component, its schemas as answers see them, the
    validators operations share."""

    def __init__(self, make: Callable[[Mapping[str, Any]], T]) -> None:
        self.make = make
        self.kept: dict[int, tuple[Mapping[str, Any], T]] = {}

    def __call__(self, components: Mapping[str, Any]) -> T:
        kept = self.kept.get(id(components))
        if kept is None or kept[0] is not components:
            if len(self.kept) >= 4:
                self.kept.clear()
            kept = self.kept[id(components)] = (components, self.make(components))
        return kept[1]


# Each component schema's refs, filled in as first needed.
_refs_by_component: _PerDocument[dict[str, frozenset[str] | None]] = _PerDocument(lambda _: {})
# Body validators by the component their schema is (`$ref`), compiled once per document.
_shared_bodies: _PerDocument[dict[str, tuple[dict[str, Any], Any]]] = _PerDocument(lambda _: {})


def as_read(node: Any) -> Any:
    """A schema (or the components) as an answer sees it: each property marked writeOnly
    is one the answer must not have (`false`), required or not (OpenAPI: its `required` takes
    effect on the request only); examples, defaults and enums left as written."""
    if isinstance(node, list):
        return [as_read(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    read: dict[str, Any] = {}
    properties = node.get("properties")
    hidden = (
        {n for n, sub in properties.items() if isinstance(sub, Mapping) and sub.get("writeOnly")}
        if isinstance(properties, Mapping)
        else set()
    )
    for key, value in node.items():
        if key in ("example", "examples", "default", "enum", "const"):
            read[key] = value
        elif key == "required" and isinstance(value, list) and hidden:
            read[key] = [name for name in value if name not in hidden]  # "on the request only"
        elif key == "properties" and isinstance(value, Mapping):
            read[key] = {
                name: False
                if isinstance(sub, Mapping) and sub.get("writeOnly") is True
                else as_read(sub)
                for name, sub in value.items()
            }
        else:
            read[key] = as_read(value)
    return read


def as_written(node: Any) -> Any:
    """A schema (or the components) as a request sees it: a property marked readOnly is not
    required of it (OpenAPI: its `required` takes effect on the response only). The same
    object wherever nothing changes, so a document without readOnly costs one walk."""
    if isinstance(node, list):
        items = [as_written(item) for item in node]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not isinstance(node, Mapping):
        return node
    changed: dict[str, Any] = {}
    for key, value in node.items():
        if key not in _DATA:
            written = as_written(value)
            if written is not value:
                changed[key] = written
    properties, required = node.get("properties"), node.get("required")
    if isinstance(properties, Mapping) and isinstance(required, list):
        shown = {
            n for n, sub in properties.items() if isinstance(sub, Mapping) and sub.get("readOnly")
        }
        if any(name in shown for name in required if isinstance(name, str)):
            changed["required"] = [n for n in required if not (isinstance(n, str) and n in shown)]
    return {**node, **changed} if changed else node


_DATA = frozenset({"example", "examples", "default", "enum", "const"})


def _as_read_components(components: Mapping[str, Any]) -> Any:
    return as_read(components)


read_components: _PerDocument[Any] = _PerDocument(_as_read_components)
_written_components: _PerDocument[Any] = _PerDocument(as_written)


def body_validator(
    schema: Mapping[str, Any] | None, components: Mapping[str, Any]
) -> tuple[dict[str, Any], Any]:
    """A body schema as the root its validator compiles (as a request sees it), and that
    validator (None: no schema). A body that is a component (`$ref`) is compiled once for
    every operation taking it (DocuSign's 400 operations share their large bodies)."""
    if schema is None:
        return {}, None
    schema, components = as_written(schema), _written_components(components)
    ref = schema.get("$ref") if len(schema) == 1 else None
    shared = _shared_bodies(components) if isinstance(ref, str) else None
    if shared is not None and ref in shared:
        return shared[ref]
    root = _as_root(schema, components)
    made = root, jsonschema_rs.validator_for(root, validate_formats=True, formats=FORMATS)
    if shared is not None:
        shared[ref] = made  # type: ignore[index]
    return made


def _as_root(schema: Mapping[str, Any] | None, components: Mapping[str, Any]) -> dict[str, Any]:
    if schema is None:
        return {}
    ref = schema.get("$ref", "")
    prefix = "#/components/schemas/"
    if len(schema) == 1 and ref.startswith(prefix):
        target = components.get("schemas", {}).get(ref[len(prefix) :])
        if isinstance(target, Mapping):
            return {**target, "components": used(target, components)}
    return {**schema, "components": used(schema, components)}
