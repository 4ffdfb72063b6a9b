#!/usr/bin/env python3
"""Write the request schemas the real Agent Server validates bodies with, as it compiles them.

The real server answers a body that breaks one of its request schemas with
`422 {"detail": str(<jsonschema-rs's first error>)}`, and that text names the schema path as the
real server laid the schema out (its `components`, its property order). The mock decides what
it accepts by `openapi/agent-server.yaml`; to word a 422 byte for byte as the real server does,
it asks these schemas for the first error (`mockserver/wording.py`).

Run it with the real server's own interpreter, which has langgraph-api installed:

    .real-server/venv/bin/python scripts/request_schemas.py > mockserver/data/request_schemas.json

It records every schema langgraph_api.validation hands to jsonschema-rs, by the name the module
gives the validator, so nothing here restates how the real server builds them.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from typing import Any

import jsonschema_rs

_seen: dict[int, dict[str, Any]] = {}
_compile = jsonschema_rs.validator_for


def _recording(schema: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    validator = _compile(schema, *args, **kwargs)
    _seen[id(validator)] = json.loads(json.dumps(schema))  # a deep copy, as compiled
    return validator


def main() -> None:
    jsonschema_rs.validator_for = _recording
    from langgraph_api import validation

    schemas = {
        name: _seen[id(value)]
        for name, value in sorted(vars(validation).items())
        if id(value) in _seen and not name.startswith("_")
    }
    out = {"langgraph-api": version("langgraph-api"), "schemas": schemas}
    json.dump(out, sys.stdout, indent=1, sort_keys=False, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
