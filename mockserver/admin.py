"""The admin API under /__mockserver/: reset, seed, the journal, a state dump, fault rules.

For end-to-end suites that reach the mock only over HTTP (Playwright, Cypress, other
languages), as WireMock's /__admin. A path prefix the Agent Server API does not use, and its
own OpenAPI document (data/admin-api.yaml, served at /__mockserver/openapi.json), kept apart
from the Agent Server contract. A plain ASGI app: app.py puts `AdminGate` in front of the mock.
Without an api key the admin API answers loopback clients only.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from mockserver.control import Control, SeedError, parse_body
from mockserver.errors import MockError
from mockserver.faults import SEND_KEY, FaultError, Faults
from mockserver.wire import read_body, send_json

PREFIX = "/__mockserver/"
log = logging.getLogger("mockserver")
_Receive = Callable[[], Awaitable[Mapping[str, Any]]]
_Send = Callable[[Mapping[str, Any]], Awaitable[None]]
Answer = tuple[int, Any]


class AdminGate:
    """In front of the mock: /__mockserver/ goes to the admin API, the rest to the mock. While
    fault rules exist it also lends the rules the server's `send` (to drop a connection)."""

    def __init__(self, app: Any, admin: Any, faults: Faults) -> None:
        self.app = app
        self.admin = admin  # the Admin app (behind the mock's CORS), or None: no admin API
        self.faults = faults

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if self.admin is not None and scope["path"].startswith(PREFIX):
                await self.admin(scope, receive, send)
                return
            if self.faults.active:
                scope[SEND_KEY] = send
        await self.app(scope, receive, send)


class Admin:
    """The admin API's endpoints, over one server's `Control`."""

    def __init__(
        self,
        control: Control,
        *,
        open_to_all: bool,
        max_body_size: int,
        allowed_origin: Callable[[str], bool] = lambda origin: False,
    ) -> None:
        self.control = control
        self.open_to_all = open_to_all  # an api key guards it: any client with the key
        self.max_body_size = max_body_size
        # A page in a browser on this machine is a loopback client too: a site the mock's CORS
        # does not allow must not reset or seed it with a simple (unchecked) cross-site POST.
        self.allowed_origin = allowed_origin
        self.routes: dict[
            tuple[str, str], Callable[[Mapping[str, str], bytes, str | None], Answer]
        ] = {
            ("GET", "openapi.json"): self.document,
            ("GET", "info"): self.info,
            ("POST", "reset"): self.reset,
            ("POST", "seed"): self.seed,
            ("GET", "state"): self.state,
            ("GET", "requests"): self.requests,
            ("DELETE", "requests"): self.clear_requests,
            ("GET", "faults"): self.faults,
            ("POST", "faults"): self.add_faults,
            ("DELETE", "faults"): self.clear_faults,
            ("POST", "crons/fire"): self.fire_crons,
        }

    async def __call__(self, scope: Any, receive: _Receive, send: _Send) -> None:
        method, name = scope["method"], scope["path"][len(PREFIX) :]
        query = _query(scope)
        try:
            if not self.open_to_all and not _is_loopback(scope.get("client")):
                raise _Refused(
                    "The mockserver admin API answers loopback clients only; start "
                    "the mock with --api-key to open it to others",
                    403,
                )
            origin = _header(scope, b"origin")
            if origin is not None and not self.allowed_origin(origin):
                raise _Refused(
                    f"The mockserver admin API does not answer pages from {origin} "
                    "(allow it with --cors-origin)",
                    403,
                )
            raw = await read_body(receive, self.max_body_size)
            content_type = _header(scope, b"content-type")
            if name.startswith("faults/") and method == "DELETE":
                status, body = self.remove_fault(name.removeprefix("faults/"))
            else:
                endpoint = self.routes.get((method, name))
                if endpoint is None:
                    raise _no_route(name, {m for m, n in self.routes if n == name})
                status, body = endpoint(query, raw, content_type)
        except (MockError, FaultError) as exc:
            detail = exc.detail if isinstance(exc, MockError) else str(exc)
            status = exc.status_code if isinstance(exc, MockError) else 422
            body = {"detail": detail}
        except Exception:  # a bug in the mock: answer in JSON and say so in the log
            log.exception("%s %s failed", method, scope["path"])
            status, body = 500, {"detail": "Internal mock error"}
        await send_json(send, status, body)

    # ---- endpoints ---------------------------------------------------------------------------

    def document(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """GET openapi.json: the admin API's own document."""
        return 200, admin_document()

    def info(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """GET info: the document served and how it is answered."""
        return 200, self.control.info()

    def state(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """GET state: every thread in the seed format."""
        return 200, self.control.dump()

    def faults(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """GET faults: the rules, in order."""
        return 200, self.control.faults.listing()

    def reset(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """POST reset: everything back to how the server started."""
        self.control.reset()
        return 204, None

    def seed(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """POST seed: a seed document, JSON or YAML; the ids made."""
        return 201, self.control.seed(parse_body(raw, content_type))

    def requests(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """GET requests: the journal, oldest first, filtered; `limit`: the last N."""
        journal = self.control.journal
        if journal is None:
            raise _Refused("The request journal is off (--journal-size 0)", 404)
        found = journal.matching(query.get("operation_id"), query.get("method"), query.get("path"))
        limit = query.get("limit", "")
        if limit:
            if not limit.isdigit():
                raise _Refused("limit must be a whole number", 422)
            found = found[-int(limit) :] if int(limit) else []
        return 200, [exchange.to_json() for exchange in found]

    def clear_requests(
        self, query: Mapping[str, str], raw: bytes, content_type: str | None
    ) -> Answer:
        """DELETE requests: forget the journal."""
        if self.control.journal is not None:
            self.control.journal.clear()
        return 204, None

    def add_faults(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """POST faults: one rule (the rule back) or a list (the list back)."""
        given = parse_body(raw, content_type)
        added = self.control.arm(given)
        return 201, added if isinstance(given, list) else added[0]

    def clear_faults(
        self, query: Mapping[str, str], raw: bytes, content_type: str | None
    ) -> Answer:
        """DELETE faults: remove every rule."""
        self.control.faults.clear()
        return 204, None

    def fire_crons(self, query: Mapping[str, str], raw: bytes, content_type: str | None) -> Answer:
        """POST crons/fire: fire the crons due now (or at `{"at": <date-time>}`), as the
        scheduler's next poll would; the runs made."""
        given = parse_body(raw, content_type) if raw else None
        at = given.get("at") if isinstance(given, Mapping) else None
        if given is not None and (not isinstance(given, Mapping) or set(given) - {"at"}):
            raise _Refused('The body is {"at": "<ISO 8601 date-time>"}, or nothing', 422)
        try:
            moment = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            moment = None
        if at is not None and (moment is None or moment.tzinfo is None):
            raise _Refused(f"at must be an ISO 8601 date-time with a UTC offset, not {at!r}", 422)
        return 200, {"run_ids": self.control.fire_crons(moment)}

    def remove_fault(self, rule_id: str) -> Answer:
        """DELETE faults/{id}: remove one rule."""
        if not self.control.faults.remove(rule_id):
            raise _Refused(f"No fault rule with id {rule_id!r}", 404)
        return 204, None


@cache
def admin_document() -> dict[str, Any]:
    """The admin API's OpenAPI document."""
    text = resources.files("mockserver").joinpath("data/admin-api.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


class _Refused(MockError):
    """Raised when the admin API refuses a request (status given per case)."""

    def __init__(self, detail: str, status: int) -> None:
        super().__init__(detail)
        self.status_code = status


def _no_route(name: str, allowed: set[str]) -> MockError:
    if allowed:
        return _Refused("Method Not Allowed", 405)
    return _Refused(f"No admin endpoint {PREFIX}{name}; see {PREFIX}openapi.json", 404)


def _is_loopback(client: Any) -> bool:
    if not client:
        return False
    host = str(client[0])
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _query(scope: Any) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))


def _header(scope: Any, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name), None)


__all__ = ["PREFIX", "Admin", "AdminGate", "SeedError", "admin_document"]
