"""Follow-up requests ("probes") to the target, through Schemathesis's own transport.

The semantic checks and the life-cycle scenario ask the target questions of their own (GET the
state after an update, search after a count, ...). Sending them as Schemathesis cases built from
the spec keeps one transport for every target: the in-process ASGI mock or a URL, with the same
headers (API key) as the generated requests.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from schemathesis.core import NOT_SET
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case

# Values for required body fields, to build the smallest valid body of a request.
_REQUIRED_VALUES: dict[str, Any] = {"checkpoint": {}, "assistant_id": "agent"}
# The thread's stream: it answers 200 and stays open, whatever the thread.
ENDLESS = "join_thread_stream_threads__thread_id__stream_get"
THREAD_ROUTE_PREFIX = "/threads/{thread_id}"


class Api:
    """Build and send requests for the operations of `schema`, as its test cases are sent."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.schema.config.headers_for() or {})

    def case(self, method: str, path: str, *, body: Any = NOT_SET, **params: Any) -> Case[Any]:
        """A case for the operation `method path`; `params` fill path and query parameters."""
        operation = self.schema[path][method.upper()]
        path_names = {p.name for p in operation.iter_parameters() if p.location.value == "path"}
        return operation.Case(  # type: ignore[no-any-return]
            path_parameters={k: v for k, v in params.items() if k in path_names},
            query={k: v for k, v in params.items() if k not in path_names},
            body=body,
            media_type=None if body is NOT_SET else "application/json",
        )

    def send(self, method: str, path: str, *, body: Any = NOT_SET, **params: Any) -> Response:
        return self.call(self.case(method, path, body=body, **params))

    def call(self, case: Case[Any]) -> Response:
        return case.call(headers=self.headers)

    def json(self, method: str, path: str, *, body: Any = NOT_SET, **params: Any) -> Any:
        """Send and return the JSON answer; AssertionError (a check failure) unless it is a 200."""
        response = self.send(method, path, body=body, **params)
        if response.status_code != 200:
            raise AssertionError(
                f"{method.upper()} {path} ({params}) answered {response.status_code}, not 200: "
                f"{response.text[:300]}"
            )
        return response.json()

    def thread_routes(self) -> list[tuple[str, str, Any]]:
        """(method, path, smallest valid body) of every operation on one thread, from the spec;
        an operation whose body needs fields with no known value is left out."""
        routes = []
        for result in self.schema.get_all_operations():
            op = result.ok()
            body = self.minimal_body(op.definition.raw)
            if op.definition.raw.get("operationId") == ENDLESS:
                continue  # open until the client leaves, for any thread id (as on the real server)
            if op.path.startswith(THREAD_ROUTE_PREFIX) and body is not None:
                routes.append((op.method.upper(), op.path, body))
        return routes

    def send_to_thread(self, method: str, path: str, body: Any, thread_id: str) -> Response:
        """A valid request for one thread route; any other path parameter is a fresh UUID."""
        params = {name: str(uuid.uuid4()) for name in _path_names(path) if name != "thread_id"}
        return self.send(method, path, body=body, thread_id=thread_id, **params)

    def minimal_body(self, definition: dict[str, Any]) -> Any:
        """The smallest valid JSON body (NOT_SET when there is none), or None if unknown."""
        request_body = self._resolve(definition.get("requestBody"))
        if request_body is None:
            return NOT_SET
        schema = self._resolve(request_body["content"]["application/json"]["schema"])
        required = self._required(schema)
        if not required <= _REQUIRED_VALUES.keys():
            return None
        return {name: _REQUIRED_VALUES[name] for name in sorted(required)}

    def _resolve(self, node: Any) -> Any:
        """Follow local `$ref`s (`#/components/...`) in the spec."""
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.schema.raw_schema
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _required(self, schema: Any) -> set[str]:
        """Required properties of an object schema, `allOf` parts included."""
        schema = self._resolve(schema)
        required = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            required |= self._required(part)
        return required


def _path_names(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)
