"""Who may talk to the mock: an api key, as on a deployment, and a Host check against DNS
rebinding, as Vite's dev server does. Plain ASGI middleware, in front of everything else.

With an api key, every request needs `x-api-key` (401 otherwise) except the system routes a
deployment serves outside its authentication (langgraph-api's meta routes: /ok, / (the health
check for load balancers), /info, /metrics, /openapi.json, /docs and the docs page's assets,
which a browser loads without the key), and CORS preflights, which browsers send without it.
The Host check lets a browser page on another site, whose name was pointed at 127.0.0.1, read
nothing: only `localhost` (and `*.localhost`), IP addresses, the bound host and the allowed
hosts are answered.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Collection
from typing import Any

from mockserver.wire import send_json

OPEN_PATHS = frozenset({"/ok", "/", "/info", "/metrics", "/openapi.json", "/docs"})
OPEN_PREFIX = "/docs/assets/"
ANY_HOST = "*"
_SEEN_HOSTS = 64


class Guard:
    """Refuse requests without the api key or with a Host the mock does not answer to."""

    def __init__(
        self, app: Any, *, api_key: str | None = None, allowed_hosts: Collection[str] | None = None
    ) -> None:
        self.app = app
        self.api_key = api_key.encode() if api_key else None
        hosts = (
            None
            if allowed_hosts is None or ANY_HOST in allowed_hosts
            else [h.lower().strip("[]") for h in allowed_hosts]
        )
        self.hosts = None if hosts is None else frozenset(h for h in hosts if h[:1] != ".")
        self.suffixes = () if hosts is None else tuple(h for h in hosts if h[:1] == ".")
        self._seen: set[bytes] = set()  # Host headers found allowed: one set lookup next time

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await send_json(send, refusal[0], {"detail": refusal[1]})
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Any) -> tuple[int, str] | None:
        headers = scope["headers"]
        if self.hosts is not None:
            host = None
            for name, value in headers:
                if name == b"host":
                    host = value
                    break
            if host is not None and host not in self._seen and not self._host_allowed(host):
                name = _host_name(host.decode("latin-1"))
                return 403, (
                    f"Blocked request: this host ({name!r}) is not allowed. Start "
                    f"the mock with --allowed-host {name} to allow it."
                )
        if self.api_key is not None and not _open(scope["path"]) and not _preflight(scope):
            given = next((v for k, v in headers if k == b"x-api-key"), None)
            if given is None:
                return 401, "Missing authentication headers"
            if not hmac.compare_digest(given, self.api_key):
                return 401, "Invalid API key"
        return None

    def _host_allowed(self, raw: bytes) -> bool:
        if self._is_allowed(_host_name(raw.decode("latin-1"))):
            if len(self._seen) < _SEEN_HOSTS:  # the few Host values clients send, as given
                self._seen.add(raw)
            return True
        return False

    def _is_allowed(self, name: str) -> bool:
        if name == "localhost" or name.endswith(".localhost") or name in (self.hosts or ()):
            return True
        if any(name.endswith(suffix) or name == suffix[1:] for suffix in self.suffixes):
            return True
        try:
            ipaddress.ip_address(name)  # an IP address cannot be rebound: no name to re-point
        except ValueError:
            return False
        return True


def default_hosts(bound: str, extra: Collection[str] = ()) -> list[str]:
    """The hosts `mockserver serve` answers to: localhost's names, the bound host, `extra`."""
    return ["localhost", "127.0.0.1", "::1", bound, *extra]


def _host_name(host: str) -> str:
    """The name in a Host header, without the port and brackets, lowercase."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _open(path: str) -> bool:
    """Whether a path needs no api key."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIX)


def _preflight(scope: Any) -> bool:
    return scope["method"] == "OPTIONS" and any(
        k == b"access-control-request-method" for k, _ in scope["headers"]
    )
