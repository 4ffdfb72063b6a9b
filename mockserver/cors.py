"""CORS for browser pages: Starlette's middleware, asked only when a request carries an Origin,
and the private-network header `langgraph dev` sends, which lets a hosted page call a server on
the developer's machine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Browser frontends on this machine (any port) may call the mock by default, and so may the
# hosted UIs made for a local server: agent-chat-ui and LangSmith Studio (the origins
# langgraph_runtime_inmem/routes.py trusts). `langgraph dev` itself allows every origin.
LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"
HOSTED_ORIGINS = (
    "https://agentchat.vercel.app",
    "https://smith.langchain.com",
    "https://eu.smith.langchain.com",
    "https://dev.smith.langchain.com",
    "https://staging.smith.langchain.com",
)
# What the JS SDK reads from responses: the run URL of a stream, search pagination.
EXPOSED_HEADERS = ["content-location", "location", "x-pagination-total", "x-pagination-next"]
_PNA_REQUEST = b"access-control-request-private-network"


def origin_check(middleware: Sequence[Middleware]) -> Callable[[str], bool]:
    """Whether the mock's CORS settings allow a browser origin (none without CORS)."""
    policies = []
    for item in middleware:
        factory, args, kwargs = item  # a Middleware unpacks to (class, args, kwargs)
        if factory is CORSWhenAsked:
            policies.append(CORSMiddleware(_no_app, *args, **kwargs))
    return lambda origin: any(policy.is_allowed_origin(origin) for policy in policies)


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("only the CORS policy is used")


class CORSWhenAsked:
    """Starlette's CORS middleware, for requests that carry an Origin header only: the others
    (SDKs, curl, tests) skip its per-request cost, about 15 us.

    Preflights allow private-network access, as `langgraph dev` means to: a hosted page may
    call the mock on localhost. Its PrivateNetworkMiddleware adds the header to every OPTIONS
    answer; the request header is kept from Starlette, whose newer versions refuse it (400).
    """

    def __init__(self, app: ASGIApp, *args: Any, **options: Any) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, *args, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(k == b"origin" for k, _ in scope["headers"]):
            await self.app(scope, receive, send)
        elif scope["method"] == "OPTIONS":
            headers = [(k, v) for k, v in scope["headers"] if k != _PNA_REQUEST]
            await self.cors({**scope, "headers": headers}, receive, _with_pna(send))
        else:
            await self.cors(scope, receive, send)


def _with_pna(send: Send) -> Send:
    async def send_with_pna(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {
                **message,
                "headers": [
                    *message.get("headers", ()),
                    (b"access-control-allow-private-network", b"true"),
                ],
            }
        await send(message)

    return send_with_pna
