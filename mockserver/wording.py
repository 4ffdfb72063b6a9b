"""The real server's words for a request it rejects, so a client reads the same `detail`.

The mock decides *whether* to reject a request by `openapi/agent-server.yaml`; this module
decides how the rejection reads. The real server answers a body that breaks its request schema
with `str()` of jsonschema-rs's first error, whose text names the schema path as the real
server laid the schema out. `data/request_schemas.json` holds those schemas exactly as the real
server compiles them (written by `scripts/request_schemas.py` from langgraph-api's own module),
and an operation names its schema with `x-validated-as`. Where the real server accepts a body
that the spec refuses, the spec's own first error is worded the same way, or as the failing
subschema's `x-error` says.

Imports no web framework and none of the core.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

# A detail quotes the offending value (twice); a 10 MB value must not make a 20 MB answer.
MAX_DETAIL = 16 * 1024
_TRUNCATED = "… (truncated)"
_PLACEHOLDER = re.compile(r"\{(value|key)\}")


@cache
def _schemas() -> Mapping[str, Any]:
    text = resources.files("mockserver").joinpath("data/request_schemas.json").read_text("utf-8")
    schemas: Mapping[str, Any] = json.loads(text)["schemas"]
    return schemas


@cache
def _validator(name: str) -> Any:
    # As the real server compiles it: default options, so `format` is not checked.
    return jsonschema_rs.validator_for(_schemas()[name])


def known_schema(name: str) -> bool:
    """Whether `name` is one of the real server's request schemas."""
    return name in _schemas()


def real_server_error(schema_name: str, body: Any) -> str | None:
    """The detail the real server gives for `body` under its schema `schema_name`; None if it
    accepts the body."""
    try:
        _validator(schema_name).validate(_sorted_keys(body))
    except jsonschema_rs.ValidationError as exc:
        return capped(str(exc))
    return None


def _sorted_keys(instance: Any) -> Any:
    """`instance` with every object's keys sorted.

    The real server's jsonschema-rs (< 0.45, as langgraph-api pins it) checks an object's
    properties in sorted order, newer ones in the instance's order: with two bad fields, this
    makes the first error the one the real server reports. (Bodies are at most 200 levels deep:
    reading.parse_json refuses deeper ones.)
    """
    if isinstance(instance, dict):
        return {key: _sorted_keys(instance[key]) for key in sorted(instance)}
    if isinstance(instance, list):
        return [_sorted_keys(item) for item in instance]
    return instance


def own_error(error: Any, root: Mapping[str, Any]) -> str:
    """A jsonschema-rs error of the mock's own schema, worded as the real server words its own:
    the failing subschema's `x-error.detail` if it has one (`{value}` standing for the value,
    `{key}` for the name of the property that holds it), else the error's text."""
    subschema = _at(root, error.schema_path[:-1])
    custom = subschema.get("x-error") if isinstance(subschema, Mapping) else None
    detail = custom.get("detail") if isinstance(custom, Mapping) else None
    if not isinstance(detail, str):
        return capped(str(error))
    value = error.instance if isinstance(error.instance, str) else json.dumps(error.instance)
    words = {"value": value, "key": str(error.instance_path[-1]) if error.instance_path else ""}
    return capped(_PLACEHOLDER.sub(lambda m: words[m.group(1)], detail))


def error_status(error: Any, root: Mapping[str, Any], default: int) -> int:
    """The status the failing subschema's `x-error` asks for, else `default`."""
    subschema = _at(root, error.schema_path[:-1])
    custom = subschema.get("x-error") if isinstance(subschema, Mapping) else None
    status = custom.get("status") if isinstance(custom, Mapping) else None
    return status if isinstance(status, int) else default


def capped(detail: str) -> str:
    """`detail` cut to MAX_DETAIL characters."""
    if len(detail) <= MAX_DETAIL:
        return detail
    return detail[: MAX_DETAIL - len(_TRUNCATED)] + _TRUNCATED


def _at(root: Any, path: Sequence[str | int]) -> Any:
    node = root
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node
