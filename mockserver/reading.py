"""Read a request's texts as the values its schemas describe, before they are checked: a
parameter from the path, query or headers (delimited arrays split; whether its schema can be
read from text at all) and its string as the type its schema asks for; a JSON body (orjson,
nesting bounded); a form-encoded, multipart or XML body as the object its schema names (fields
and elements read as their types, the schemas' `xml` names and wrapped arrays followed). Which
media a content type is (JSON, XML, one an operation declares) is decided here too.
"""

from __future__ import annotations

import email
import email.policy
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import orjson

from mockserver.spec import Parameter

INVALID_JSON = "Invalid JSON in request body"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
MAX_DEPTH = 200
_INTEGER = re.compile(r"-?[0-9]+")


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


def media_of(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    media = media_of(content_type)
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def read_form(raw: bytes, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A form-encoded body as the object its schema describes (fields read as their types)."""
    properties = schema.get("properties") or {}
    fields: dict[str, Any] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        prop = properties.get(name)
        if prop is None:  # a field the schema does not name: its text
            fields[name] = value
            continue
        if not _scalar(prop) and not ("array" in types_of(prop) and _scalar(prop.get("items", {}))):
            continue  # objects have no one form encoding: not checked
        if "array" in types_of(prop):
            fields.setdefault(name, []).append(coerce(value, prop.get("items", {})))
        else:
            fields[name] = coerce(value, prop)
    for name in schema.get("required", ()):
        if name not in fields and "array" in types_of(properties.get(name, {})):
            fields[name] = []  # an empty list is no field at all in a form
    return fields


def read_multipart(raw: bytes, content_type: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A multipart/form-data body as the object its schema describes: a JSON part as its
    value, a file as its text, a text field read as its type (a field repeated, or of an
    array, as a list); parts of objects sent otherwise are not checked (no one encoding)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = email.message_from_bytes(head + raw, policy=email.policy.HTTP)
    properties = schema.get("properties") or {}
    fields: dict[str, Any] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        prop = properties.get(name) or {}
        value: Any = data.decode("utf-8", "replace")
        if part.get_content_type().endswith("json"):
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError:
                pass
        elif part.get_filename() is None:
            if not _scalar(prop) and not (
                "array" in types_of(prop) and _scalar(prop.get("items", {}))
            ):
                if "object" in types_of(prop) or "properties" in prop:
                    continue  # an object sent as text: not checked
            value = coerce(value, prop.get("items", {}) if "array" in types_of(prop) else prop)
        if isinstance(value, list) and name not in fields and "array" in types_of(prop):
            fields[name] = value  # a JSON part: the whole array
        elif "array" in types_of(prop) or name in fields:
            earlier = fields.get(name, [])
            fields[name] = [*(earlier if isinstance(earlier, list) else [earlier]), value]
        else:
            fields[name] = value
    return fields


def _scalar(schema: Mapping[str, Any]) -> bool:
    """Whether a schema is of strings, numbers or booleans only (a form field's values)."""
    return bool(types_of(schema)) and types_of(schema) <= {"string", "integer", "number", "boolean"}


def is_xml(media: str) -> bool:
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


def read_xml(raw: bytes, schema: Mapping[str, Any], components: Mapping[str, Any]) -> Any:
    """An XML body as the value its schema describes (elements as properties, the schemas'
    `xml` names and wrapped arrays followed, texts read as their types)."""

    def resolved(node: Any) -> Mapping[str, Any]:
        return _resolved(node, components)

    def value(element: ElementTree.Element, node: Any) -> Any:
        node = resolved(node)
        text = (element.text or "").strip()
        if text and not len(element) and ("object" in types_of(node) or "array" in types_of(node)):
            return text  # text where elements belong: the schema's type refuses it
        if "object" in types_of(node) or "properties" in node:
            properties = node.get("properties") or {}
            by_tag = {
                (resolved(p).get("xml") or {}).get("name", n): n for n, p in properties.items()
            }
            fields: dict[str, Any] = {
                n: coerce(element.attrib[n], resolved(p))
                for n, p in properties.items()
                if (resolved(p).get("xml") or {}).get("attribute") and n in element.attrib
            }
            for child in element:
                name = by_tag.get(child.tag, child.tag)
                prop = resolved(properties.get(name, {}))
                if "array" not in types_of(prop):
                    fields[name] = value(child, prop)
                elif (prop.get("xml") or {}).get("wrapped"):
                    fields[name] = [value(item, prop.get("items", {})) for item in child]
                else:
                    fields.setdefault(name, []).append(value(child, prop.get("items", {})))
            for name in node.get("required", ()):
                if name not in fields and "array" in types_of(resolved(properties.get(name, {}))):
                    fields[name] = []  # an unwrapped empty list is no element at all
            return fields
        if "array" in types_of(node):
            return [value(item, node.get("items", {})) for item in element]
        return coerce(element.text or "", node)

    return value(ElementTree.fromstring(raw), schema)


def declared(content_type: str, media_types: Sequence[str]) -> bool:
    """Whether `content_type` is one of `media_types` (wildcards such as `image/*` too)."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind = media.split("/", 1)[0]
    return any(m.lower() in (media, f"{kind}/*", "*/*") for m in media_types)


def coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    """A query/path/header string as the type its schema asks for, when it reads as one."""
    if isinstance(value, list):
        items = schema.get("items", {})
        return [coerce(v, items) for v in value]
    types = types_of(schema)
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


def types_of(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type")
    return {declared} if isinstance(declared, str) else set(declared or ())


def lookup(
    param: Parameter,
    path: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
) -> tuple[bool, Any]:
    value: Any
    if param.location == "path":
        value = path.get(param.name)
    elif param.location == "header":
        value = headers.get(param.name.lower())
    else:
        found = [v for k, v in query if k == param.name]
        if not found:
            return False, None
        if param.delimiter == "multi" and "array" in types_of(param.schema):
            return True, found
        value = found[-1]
    if value is not None and len(param.delimiter) == 1 and "array" in types_of(param.schema):
        return True, value.split(param.delimiter) if value else []
    return value is not None, value


def read_from_text(param: Parameter, components: Mapping[str, Any]) -> bool:
    """Whether the parameter's values can be read from their text: a JSON `content`, or
    neither an object nor an array of objects or of arrays (which no style encodes one way:
    EVE's `connections`, pairs of ids)."""
    if param.delimiter == "json":
        return True

    def resolved(node: Any) -> Mapping[str, Any]:
        return _resolved(node, components)

    def structured(node: Mapping[str, Any]) -> bool:
        return "object" in types_of(node) or "properties" in node

    schema = resolved(param.schema)
    items = resolved(schema.get("items", {}))
    return not structured(schema) and not structured(items) and "array" not in types_of(items)


def _resolved(node: Any, components: Mapping[str, Any]) -> Mapping[str, Any]:
    """A schema with its `$ref`s to the component schemas followed (at most 20 deep; {} for
    one that names nothing)."""
    named = components.get("schemas") or {}
    for _ in range(20):
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not isinstance(ref, str):
            break
        node = named.get(ref.rsplit("/", 1)[-1], {})
    return node if isinstance(node, Mapping) else {}
