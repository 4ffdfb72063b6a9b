"""Values of JSON schemas, as Prism's generator makes them: what generate.py answers with when
an operation's response has no example. A value follows the schema's $refs (into
#/components/schemas), allOf (merged), oneOf/anyOf (a branch per attempt), type, enum,
format and pattern (a string matching it), bounds and multipleOf; objects below MAX_DEPTH get
their required properties only, and writeOnly or forbidden properties never. Values are drawn
from the caller's random generator, so the same seed gives the same value. Imports none of the
mock: plain data in, plain data out.
"""

from __future__ import annotations

import base64
import datetime
import random
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from re import _parser as sre  # the stdlib's regex parser
from typing import Any

MAX_DEPTH = 6  # below this, objects get their required properties only, arrays no items
ATTEMPTS = 8  # generated values tried until one validates (oneOf, patterns, unique items)
_MAX_REPEAT = 8  # what `*` and `+` in a pattern repeat at most
_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Fields:
    """An object schema's properties in order, and the required ones."""

    order: tuple[str, ...]
    required: tuple[str, ...]


def properties(schema: Mapping[str, Any], components: Mapping[str, Any]) -> Fields:
    """The properties of an object schema, its $refs and allOf followed."""
    values = Values(components, random.Random(0), examples=False, attempt=0)
    resolved = values.resolved(schema)
    if isinstance(resolved, Mapping) and "allOf" in resolved:
        resolved = values.merged(resolved)
    if not isinstance(resolved, Mapping):
        return Fields((), ())
    names = resolved.get("properties") or {}
    required = [r for r in resolved.get("required", ()) if isinstance(r, str)]
    return Fields(tuple(names), tuple(required))


def forbidden(schema: Any) -> bool:
    """Whether no value is valid for `schema` (`false`, `not: {}`): a property that must not be
    there, as a subtype forbids one of its base's."""
    if not isinstance(schema, Mapping):
        return schema is False
    parts = schema.get("allOf")
    return schema.get("not") in ({}, True) or (
        isinstance(parts, list) and any(forbidden(part) for part in parts)
    )


class Values:
    """Values of schemas, drawn from one random generator (`attempt` rotates the branch of a
    oneOf/anyOf that is tried)."""

    def __init__(
        self, components: Mapping[str, Any], rng: random.Random, examples: bool, attempt: int
    ) -> None:
        self.schemas = components.get("schemas", {}) if isinstance(components, Mapping) else {}
        self.rng = rng
        self.examples = examples
        self.attempt = attempt

    def of(self, schema: Any, depth: int = 0, name: str = "") -> Any:
        schema = self.resolved(schema)
        if not isinstance(schema, Mapping):
            return None if schema is False else "string"
        if self.examples:
            if "example" in schema:
                return schema["example"]
            if isinstance(schema.get("examples"), list) and schema["examples"]:
                return schema["examples"][0]
            if "default" in schema:
                return schema["default"]
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.rng.choice(schema["enum"])
        if isinstance(schema.get("allOf"), list):
            return self.of(self.merged(schema), depth, name)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                rest = {k: v for k, v in schema.items() if k != key}
                branch = self.resolved(branches[self.attempt % len(branches)])
                return self.of(self.merged({"allOf": [rest, branch]}), depth, name)
        kind = self.kind(schema)
        make: Callable[[Mapping[str, Any], int, str], Any] = getattr(self, f"_{kind}")
        return make(schema, depth, name)

    def resolved(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 50:
            ref: str = schema["$ref"]
            target = self.schemas.get(ref.rsplit("/", 1)[-1])
            if not ref.startswith("#/components/schemas/") or target is None:
                return {}
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **siblings} if siblings else target
            seen += 1
        return schema

    def merged(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """An allOf as one schema: properties and required joined, other keywords the first."""
        parts = [self.resolved(s) for s in schema.get("allOf", ())]
        parts = [self.merged(p) if isinstance(p, Mapping) and "allOf" in p else p for p in parts]
        own = {k: v for k, v in schema.items() if k != "allOf"}
        merged: dict[str, Any] = {}
        for part in (own, *parts):
            if not isinstance(part, Mapping):
                continue
            for key, value in part.items():
                if key == "properties" and isinstance(value, Mapping):
                    known = merged.setdefault("properties", {})
                    for name, sub in value.items():  # one property in two parts: both hold
                        known[name] = {"allOf": [known[name], sub]} if name in known else sub
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def kind(self, schema: Mapping[str, Any]) -> str:
        declared = schema.get("type")
        if isinstance(declared, list):
            kinds = [t for t in declared if t != "null"] or ["null"]
            declared = kinds[0] if not self.attempt else self.rng.choice(kinds)
        if isinstance(declared, str) and declared in _KINDS:
            return declared
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        if "minimum" in schema or "maximum" in schema:
            return "number"
        return "string"

    def _object(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        properties = schema.get("properties") or {}
        required = [r for r in schema.get("required", ()) if isinstance(r, str)]
        value: dict[str, Any] = {}
        for key, sub in properties.items():
            sub = self.resolved(sub)
            if forbidden(sub) or (isinstance(sub, Mapping) and sub.get("writeOnly")):
                continue  # an answer never shows it, required or not
            optional = key not in required
            if optional and (
                depth >= MAX_DEPTH
                or (not self.examples and self.attempt and self.rng.random() < 0.5)
            ):
                continue
            value[key] = self.of(sub, depth + 1, key)
        extra = schema.get("additionalProperties")
        for key in required:
            if key not in value and key not in properties:
                value[key] = self.of(extra if isinstance(extra, Mapping) else {}, depth + 1, key)
        return value

    def _array(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        prefix = schema.get("prefixItems") or []
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", max(low, 1) + 2))
        count = low if depth >= MAX_DEPTH else min(high, max(low, 1 + self.rng.randrange(2)))
        items = schema.get("items", {})
        value: list[Any] = []
        for i in range(count):
            item = self.of(prefix[i] if i < len(prefix) else items, depth + 1, name)
            for _ in range(ATTEMPTS if schema.get("uniqueItems") else 0):
                if item not in value:
                    break
                item = self.of(prefix[i] if i < len(prefix) else items, depth + 1, name)
            value.append(item)
        return value

    def _string(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        fmt = schema.get("format")
        maker = _FORMATS.get(fmt) if isinstance(fmt, str) else None
        if maker is not None:
            return maker(self.rng)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                return "".join(_matching(sre.parse(pattern), self.rng))
            except (re.error, ValueError, TypeError, KeyError, IndexError):
                pass
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", max(low, 24)))
        text = f"{name or 'string'}-{self.rng.randrange(1000)}"
        text = text.ljust(low, "x")
        return text[:high]

    def _integer(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        low, high = _bounds(schema, 1)
        step = schema.get("multipleOf")
        if isinstance(step, int) and step > 0:
            first, last = -(-low // step), high // step
            return step * self.rng.randint(first, max(first, last))
        return self.rng.randint(int(low), max(int(low), int(high)))

    def _number(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            low, high = _bounds(schema, step)
            first, last = -(-low // step), high // step
            return step * self.rng.randint(int(first), max(int(first), int(last)))
        low, high = _bounds(schema, 0.5)
        return round(self.rng.uniform(low, high), 2) if high > low else low

    def _boolean(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        return self.rng.random() < 0.5

    def _null(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        return None


_KINDS = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})


def _bounds(schema: Mapping[str, Any], gap: float) -> tuple[Any, Any]:
    """The inclusive range a number of `schema` is drawn from (`gap` inside exclusive bounds):
    within 1..1000 where the schema allows."""
    low, high = schema.get("minimum"), schema.get("maximum")
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(exclusive_low, int | float) and not isinstance(exclusive_low, bool):
        low = exclusive_low + gap
    elif exclusive_low is True and low is not None:  # OpenAPI 3.0's boolean form
        low += gap
    if isinstance(exclusive_high, int | float) and not isinstance(exclusive_high, bool):
        high = exclusive_high - gap
    elif exclusive_high is True and high is not None:
        high -= gap
    if low is None:
        low = 1 if high is None or high >= 1 else high - 1000
    if high is None:
        high = low + 999
    if low <= 1 <= high:  # small positive numbers where the range allows them
        low, high = max(low, 1), min(high, max(low, 1) + 999)
    return low, high


def _matching(parsed: Any, rng: random.Random) -> Iterator[str]:
    """A string matching a parsed regular expression (anchors are ignored)."""
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            yield chr(arg)
        elif name == "ANY":
            yield rng.choice("abcdefxyz")
        elif name == "IN":
            yield _one_of(arg, rng)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, sub = arg
            high = min(high, low + _MAX_REPEAT) if high != sre.MAXREPEAT else low + _MAX_REPEAT
            for _ in range(rng.randint(low, max(low, min(high, low + 3)))):
                yield from _matching(sub, rng)
        elif name == "SUBPATTERN":
            yield from _matching(arg[-1], rng)
        elif name == "BRANCH":
            yield from _matching(rng.choice(arg[1]), rng)
        elif name == "CATEGORY":
            yield _category(str(arg), rng)
        elif name not in ("AT",):
            raise ValueError(f"pattern element {name} is not generated")


def _one_of(items: Any, rng: random.Random) -> str:
    choices: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            raise ValueError("negated classes are not generated")
        if name == "LITERAL":
            choices.append(chr(arg))
        elif name == "RANGE":
            choices.extend(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 25) + 1))
        elif name == "CATEGORY":
            choices.append(_category(str(arg), rng))
    return rng.choice(choices)


def _category(name: str, rng: random.Random) -> str:
    if name.endswith("_DIGIT"):
        return rng.choice("0123456789" if "NOT" not in name else "abc")
    if name.endswith("_SPACE"):
        return " " if "NOT" not in name else "a"
    if name.endswith("_WORD"):
        return rng.choice("abcxyz_019") if "NOT" not in name else "-"
    raise ValueError(f"category {name} is not generated")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _moment(rng: random.Random) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(seconds=rng.randrange(3 * 365 * 86400))


_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "uuid": _uuid,
    "date-time": lambda rng: _moment(rng).isoformat().replace("+00:00", "Z"),
    "date": lambda rng: _moment(rng).date().isoformat(),
    "time": lambda rng: _moment(rng).time().isoformat() + "Z",
    "duration": lambda rng: f"P{rng.randint(1, 30)}D",
    "email": lambda rng: f"user{rng.randrange(1000)}@example.com",
    "idn-email": lambda rng: f"user{rng.randrange(1000)}@example.com",
    "hostname": lambda rng: f"host{rng.randrange(1000)}.example.com",
    "idn-hostname": lambda rng: f"host{rng.randrange(1000)}.example.com",
    "ipv4": lambda rng: f"192.0.2.{rng.randrange(256)}",
    "ipv6": lambda rng: f"2001:db8::{rng.randrange(65536):x}",
    "uri": lambda rng: f"https://example.com/{rng.randrange(1000)}",
    "url": lambda rng: f"https://example.com/{rng.randrange(1000)}",
    "iri": lambda rng: f"https://example.com/{rng.randrange(1000)}",
    "uri-reference": lambda rng: f"/items/{rng.randrange(1000)}",
    "iri-reference": lambda rng: f"/items/{rng.randrange(1000)}",
    "uri-template": lambda rng: "https://example.com/{id}",
    "json-pointer": lambda rng: f"/items/{rng.randrange(10)}",
    "relative-json-pointer": lambda rng: f"{rng.randrange(3)}/items",
    "regex": lambda rng: "^[a-z]+$",
    "byte": lambda rng: base64.b64encode(rng.randbytes(6)).decode(),
    "binary": lambda rng: "binary",
    "password": lambda rng: f"secret-{rng.randrange(1000)}",
}
