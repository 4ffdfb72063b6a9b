"""Validate requests and responses against an operation: every violation, with its location.

Schemas are compiled once with jsonschema-rs (Draft 2020-12, as OpenAPI 3.1 uses); a body costs
microseconds. Python `jsonschema` checks the same schemas in the tests, with the same formats.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import jsonschema_rs
import orjson

from mockserver import wording
from mockserver.errors import UnsupportedMediaType, ValidationFailed, Violation
from mockserver.spec import Operation, Parameter, ResponseSpec

INVALID_JSON = "Invalid JSON in request body"
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
MAX_DEPTH = 200
# What a rejection lists: at most this many violations, each message cut to this length, and
# all of them only for bodies up to this size (jsonschema-rs collects every error of a body
# before it yields one: 2 million bad ids took 35 s).
MAX_VIOLATIONS = 20
MAX_MESSAGE = 200
LIST_ALL_BELOW = 16 * 1024
_SEEN_ENTRIES = 1024  # parameter texts remembered per operation (validate_request)
_SEEN_LENGTH = 256  # longer texts are checked each time
_UNSEEN: Any = object()
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
            (p, compile_schema(p.schema, components), _readable(p, components))
            for p in operation.parameters
        ]
        # The body's schema as the root (not a $ref to it), as the real server compiles its
        # own: a violation's schema path then reads as the real server's does.
        body_schema = operation.body_schema or operation.other_body_schema
        self._body_root, self._body = _body_validator(body_schema, components)
        # A form, multipart or XML body is checked against its own media type's schema (none:
        # taken as sent).
        other = operation.other_body_schema
        self._other_root: dict[str, Any] = self._body_root
        self._other: Any = self._body
        if operation.body_schema is not None:
            self._other_root, self._other = _body_validator(other, components)
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
            present, value = _lookup(param, path, query, headers)
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
                value = _coerce(value, param.schema)
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
        elif not raw_body and self.operation.body_required and self.operation.body_schema is None:
            # A required body of another media (a form, text) that was not sent at all.
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
        if content_type is not None and not _is_json(content_type):
            if not _declared(content_type, self.operation.other_body_media):
                raise UnsupportedMediaType(
                    f"Unsupported Media Type: send the body as application/json, not {content_type}"
                )
            media = content_type.split(";", 1)[0].strip().lower()
            if self._other is None or (media not in (_FORM, _MULTIPART) and not _is_xml(media)):
                return None, [], None  # a file: taken as sent
            try:
                body = (
                    _form(raw, self._other_root)
                    if media == _FORM
                    else _multipart(raw, content_type, self._other_root)
                    if media == _MULTIPART
                    else _xml(raw, self._other_root, self._components)
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
            else compile_schema(as_read(spec.schema), _read_components(components))
        )
        self.headers = [(h, compile_schema(h.schema, components)) for h in spec.headers]
        self.plain_text = "text/plain" in spec.media_types

    def check(self, headers: Mapping[str, str], body: bytes) -> list[Violation]:
        violations = self._check_headers(headers)
        if self.plain_text and headers.get("content-type", "").startswith("text/plain"):
            return violations  # a documented plain-text answer
        content_type = headers.get("content-type", "")
        if body and not _is_json(content_type) and _media(content_type) in self.spec.media_types:
            return violations  # text of a documented media type (an HTML page, Prometheus)
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
            violations += _errors(validator, _coerce(value, header.schema), f"header.{header.name}")
        return violations


def _as_read_components(components: Mapping[str, Any]) -> Any:
    return as_read(components)


_read_components: _PerDocument[Any] = _PerDocument(_as_read_components)
_written_components: _PerDocument[Any] = _PerDocument(as_written)


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


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(content_type: str) -> bool:
    media = _media(content_type)
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


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


def _form(raw: bytes, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A form-encoded body as the object its schema describes (fields read as their types)."""
    properties = schema.get("properties") or {}
    fields: dict[str, Any] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        prop = properties.get(name)
        if prop is None:  # a field the schema does not name: its text
            fields[name] = value
            continue
        if not _scalar(prop) and not ("array" in _types(prop) and _scalar(prop.get("items", {}))):
            continue  # objects have no one form encoding: not checked
        if "array" in _types(prop):
            fields.setdefault(name, []).append(_coerce(value, prop.get("items", {})))
        else:
            fields[name] = _coerce(value, prop)
    for name in schema.get("required", ()):
        if name not in fields and "array" in _types(properties.get(name, {})):
            fields[name] = []  # an empty list is no field at all in a form
    return fields


def _multipart(raw: bytes, content_type: str, schema: Mapping[str, Any]) -> dict[str, Any]:
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
                "array" in _types(prop) and _scalar(prop.get("items", {}))
            ):
                if "object" in _types(prop) or "properties" in prop:
                    continue  # an object sent as text: not checked
            value = _coerce(value, prop.get("items", {}) if "array" in _types(prop) else prop)
        if isinstance(value, list) and name not in fields and "array" in _types(prop):
            fields[name] = value  # a JSON part: the whole array
        elif "array" in _types(prop) or name in fields:
            earlier = fields.get(name, [])
            fields[name] = [*(earlier if isinstance(earlier, list) else [earlier]), value]
        else:
            fields[name] = value
    return fields


def _scalar(schema: Mapping[str, Any]) -> bool:
    """Whether a schema is of strings, numbers or booleans only (a form field's values)."""
    return bool(_types(schema)) and _types(schema) <= {"string", "integer", "number", "boolean"}


def _is_xml(media: str) -> bool:
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


def _xml(raw: bytes, schema: Mapping[str, Any], components: Mapping[str, Any]) -> Any:
    """An XML body as the value its schema describes (elements as properties, the schemas'
    `xml` names and wrapped arrays followed, texts read as their types)."""
    named = components.get("schemas") or {}

    def resolved(node: Any) -> Mapping[str, Any]:
        for _ in range(20):
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not isinstance(ref, str):
                break
            node = named.get(ref.rsplit("/", 1)[-1], {})
        return node if isinstance(node, Mapping) else {}

    def value(element: ElementTree.Element, node: Any) -> Any:
        node = resolved(node)
        text = (element.text or "").strip()
        if text and not len(element) and ("object" in _types(node) or "array" in _types(node)):
            return text  # text where elements belong: the schema's type refuses it
        if "object" in _types(node) or "properties" in node:
            properties = node.get("properties") or {}
            by_tag = {
                (resolved(p).get("xml") or {}).get("name", n): n for n, p in properties.items()
            }
            fields: dict[str, Any] = {
                n: _coerce(element.attrib[n], resolved(p))
                for n, p in properties.items()
                if (resolved(p).get("xml") or {}).get("attribute") and n in element.attrib
            }
            for child in element:
                name = by_tag.get(child.tag, child.tag)
                prop = resolved(properties.get(name, {}))
                if "array" not in _types(prop):
                    fields[name] = value(child, prop)
                elif (prop.get("xml") or {}).get("wrapped"):
                    fields[name] = [value(item, prop.get("items", {})) for item in child]
                else:
                    fields.setdefault(name, []).append(value(child, prop.get("items", {})))
            for name in node.get("required", ()):
                if name not in fields and "array" in _types(resolved(properties.get(name, {}))):
                    fields[name] = []  # an unwrapped empty list is no element at all
            return fields
        if "array" in _types(node):
            return [value(item, node.get("items", {})) for item in element]
        return _coerce(element.text or "", node)

    return value(ElementTree.fromstring(raw), schema)


def _declared(content_type: str, media_types: Sequence[str]) -> bool:
    """Whether `content_type` is one of `media_types` (wildcards such as `image/*` too)."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind = media.split("/", 1)[0]
    return any(m.lower() in (media, f"{kind}/*", "*/*") for m in media_types)


def _lookup(
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
        if param.delimiter == "multi" and "array" in _types(param.schema):
            return True, found
        value = found[-1]
    if value is not None and len(param.delimiter) == 1 and "array" in _types(param.schema):
        return True, value.split(param.delimiter) if value else []
    return value is not None, value


def _readable(param: Parameter, components: Mapping[str, Any]) -> bool:
    """Whether the parameter's values can be read from their text: a JSON `content`, or
    neither an object nor an array of objects (which no style encodes one way)."""
    if param.delimiter == "json":
        return True
    named = components.get("schemas") or {}

    def resolved(node: Any) -> Any:
        for _ in range(20):
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not isinstance(ref, str):
                break
            node = named.get(ref.rsplit("/", 1)[-1], {})
        return node if isinstance(node, Mapping) else {}

    def structured(node: Mapping[str, Any]) -> bool:
        return "object" in _types(node) or "properties" in node

    schema = resolved(param.schema)
    return not structured(schema) and not structured(resolved(schema.get("items", {})))


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


def _body_validator(
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


def _pointer(path: Iterable[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _where(param: Parameter) -> str:
    return f"{param.location}.{param.name}"
