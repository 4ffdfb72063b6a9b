"""Routing by the spec's path templates: literal segments beat parameters, a wrong method is a
405 with Allow, and a request whose path shape is known goes straight to its endpoint.

Imports Starlette's routing and nothing of the mock but the ASGI types: app.py builds the
routes (one PathApp per path template, holding each method's endpoint) and wires these in.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send


class PathApp:
    """The ASGI app behind one path template; Starlette has already matched the method."""

    def __init__(self, endpoints: Mapping[str, ASGIApp]) -> None:
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.endpoints[scope["method"]](scope, receive, send)


class RouteCache:
    """The hot path's routing: the endpoint of a request whose route and method are known (the
    route Starlette's router would take, found by a dict lookup instead of a regex per candidate
    route).

    What a path routes to depends only on which of its segments spell a literal segment of
    some template (a parameter takes any non-empty segment), so the route is cached by the
    method and the path with every other non-empty segment read as "{}". Anything else (no route, a
    method the path does not take: 404 and 405) goes the usual way.
    """

    MAX_SHAPES = 4096  # cached path shapes, a bound against paths made of unusual segments
    MAX_RECENT = 1024  # cached exact paths; all forgotten at once when full

    def __init__(self, routes: list[SpecRoute]) -> None:
        self.routes = routes
        self.literals = frozenset(
            part for route in routes for part in route.path.split("/") if not part.startswith("{")
        )
        # Only literal segments and `{name}` parameters (Starlette's str convertor, one
        # non-empty segment) qualify: a segment mixing text and parameters (`{sha}.{ext}`)
        # routes by more than which segments are literal.
        self.enabled = all(
            "{" not in p or (bare_parameter(p) and ":" not in p)
            for route in routes
            for p in route.path.split("/")
        )
        self.shapes: dict[tuple[str, ...], _Target | None] = {}
        # The exact paths requested lately (a client polls the same thread): no split at all.
        self.recent: dict[tuple[str, str], _Found] = {}

    def resolve(self, scope: Scope) -> ASGIApp | None:
        """The endpoint of a request whose route and method are known, with the route and its
        path parameters put in `scope` as Starlette's router puts them; None for the rest."""
        if scope["type"] != "http" or not self.enabled or scope.get("root_path"):
            return None
        key = (scope["method"], scope["path"])
        found = self.recent.get(key)
        if found is None:
            found = self._find(key)
            if found is None:
                return None
        route, endpoint, params = found
        path_params = dict(params)
        if outer := scope.get("path_params"):
            path_params = {**outer, **params}
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = path_params
        return endpoint

    def _find(self, key: tuple[str, str]) -> _Found | None:
        """The route, endpoint and parameters for a method and path not seen lately."""
        method, path = key
        parts = path.split("/")
        shape = (method, *[p if not p or p in self.literals else "{}" for p in parts])
        target = self.shapes.get(shape, _UNKNOWN)
        if target is _UNKNOWN:
            target = self._resolve({"type": "http", "method": method, "path": path})
            if len(self.shapes) < self.MAX_SHAPES:
                self.shapes[shape] = target
        if target is None:
            return None
        route, endpoint, positions = target
        found = route, endpoint, {name: parts[index] for name, index in positions}
        if len(self.recent) >= self.MAX_RECENT:
            self.recent.clear()
        self.recent[key] = found
        return found

    def _resolve(self, scope: Scope) -> _Target | None:
        """The route SpecRouter would take for a full match, with its endpoint and where in
        the path each parameter is; None for anything but a full match."""
        path = scope["path"]
        for route in self.routes:
            if route.path.count("/") != path.count("/"):
                continue
            match, _ = route.matches(scope)
            if match is Match.FULL:
                if any("{" in p and not p.startswith("{") for p in route.path.split("/")):
                    return None  # a parameter inside a segment (`thumbnail.{ext}`): Starlette's
                app = route.endpoint
                assert isinstance(app, PathApp)
                endpoint = app.endpoints[scope["method"]]
                params = tuple(
                    (part[1:-1], index)
                    for index, part in enumerate(route.path.split("/"))
                    if part.startswith("{")
                )
                return route, endpoint, params
            if match is Match.PARTIAL:
                return None
        return None


class FastRoutes:
    """Middleware: a request whose route is known goes straight to its endpoint, past
    Starlette's exception middleware and router; anything else (no route, a method the path
    does not take: 404 and 405) goes the usual way."""

    def __init__(self, app: ASGIApp, routes: RouteCache) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.routes.resolve(scope)
        if endpoint is not None:
            await endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class Shortcut:
    """In front of the web framework's whole stack: a request with no Origin header (nothing
    for CORS to do) whose route is known goes straight to its endpoint, which answers every
    error itself, past Starlette's error middleware and the CORS layer (about 4 us a request).
    The rest, and requests from browser pages, go the usual way."""

    def __init__(self, app: ASGIApp, routes: RouteCache) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(k == b"origin" for k, _ in scope["headers"]):
            endpoint = self.routes.resolve(scope)
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await self.app(scope, receive, send)


_Target = tuple["SpecRoute", ASGIApp, tuple[tuple[str, int], ...]]
_Found = tuple["SpecRoute", ASGIApp, dict[str, str]]
_UNKNOWN: Any = object()


class SpecRouter(Router):
    """Starlette's router, trying only the routes whose template has as many "/" as the path:
    a parameter never spans one, so the others cannot match (1-5 routes tried, not 27)."""

    def __init__(self, routes: list[SpecRoute], redirect_slashes: bool) -> None:
        super().__init__(routes, redirect_slashes=redirect_slashes)
        self.by_slashes: dict[int, list[BaseRoute]] = {}
        for route in routes:
            self.by_slashes.setdefault(route.path.count("/"), []).append(route)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        scope.setdefault("router", self)
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self.by_slashes.get(route_path(scope).count("/"), ()):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is not None:  # the path is routed, the method is not: 405 with Allow
            scope["route"] = partial[0]
            scope.update(partial[1])
            await partial[0].handle(scope, receive, send)
            return
        await self.default(scope, receive, send)


class SpecRoute(Route):
    """A route that leaves a path to the literal route spelling it (POST-only /threads/search
    is not GET /threads/{thread_id} with the id "search"), so a wrong method gets 405."""

    shadowed_by: list[Route]

    def __init__(self, path: str, endpoint: Any, methods: list[str]) -> None:
        super().__init__(path, endpoint, methods=methods)
        assert self.methods is not None
        if "HEAD" not in methods:  # only the methods the spec documents (Starlette adds HEAD)
            self.methods.discard("HEAD")
        self.shadowed_by = []

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and self.shadowed_by:
            path = route_path(scope)
            if any(other.path_regex.match(path) for other in self.shadowed_by):
                return Match.NONE, {}
        return match, child


_PARAMETER = re.compile(r"\{([^{}/]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def url_shape(path: str) -> str:
    """What a path key routes as: less its fragment (`/files/{id}#add_shared_link`, no part
    of a URL), every parameter read as `{}`: keys differing only there (`/offer/{id}` and
    `/offer/{offer_id}`, which OpenAPI forbids yet documents write) route the same URLs."""
    return _PARAMETER.sub("{}", path.split("#", 1)[0])


def route_template(path: str) -> str:
    """`path` (less its fragment) as Starlette can route it: a parameter whose name is no
    identifier (`{monetary-accountID}`, which Starlette would read as literal text) renamed
    `{p<N>}` by its position."""
    positions = itertools.count()

    def named(match: re.Match[str]) -> str:
        position = next(positions)
        name = match.group(1)
        return match.group(0) if _NAME.fullmatch(name) else f"{{p{position}}}"

    return _PARAMETER.sub(named, path.split("#", 1)[0])


def renamed_parameters(route: str, path: str) -> dict[str, str] | None:
    """The route's parameter names to `path`'s own (same shape), by position; None where
    they are the same."""
    pairs = zip(_PARAMETER.findall(route), _PARAMETER.findall(path.split("#", 1)[0]), strict=True)
    names = dict(pairs)
    return None if all(a == b for a, b in names.items()) else names


def shadows(literal: str, templated: str) -> bool:
    """Whether `literal` spells a path that the parameters of `templated` would also match:
    a literal segment, or one with text beside its parameters (Gitea's `{sha}.{diffType}`),
    where `templated` has a whole-segment parameter."""
    ours, theirs = literal.strip("/").split("/"), templated.strip("/").split("/")
    if literal == templated or len(ours) != len(theirs):
        return False
    pairs = list(zip(ours, theirs, strict=True))
    return all(a == b or bare_parameter(b) for a, b in pairs) and any(
        not bare_parameter(a) and bare_parameter(b) for a, b in pairs
    )


def bare_parameter(part: str) -> bool:
    """Whether a template's segment is one parameter and nothing else (`{id}`)."""
    return part.startswith("{") and part.endswith("}") and part.count("{") == 1


def route_order(path: str) -> list[tuple[int, str]]:
    # Literal segments, and segments with text beside a parameter, sort before whole-segment
    # parameters: /state/checkpoint is tried before /state/{id}, /commits/{sha}.{ext} before
    # /commits/{sha}.
    return [(1 if bare_parameter(part) else 0, part) for part in path.strip("/").split("/")]


def route_path(scope: Scope) -> str:
    """The path routes match: the request's, less the app's `root_path` when it is mounted
    under one (what Starlette's own routing reads)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path
