"""Handlers: one function per operation, named after its operationId; framework-free.

A handler takes a `Call` (the validated request and the `Server`) and returns a
`Reply`. `HANDLERS` maps operationIds to handlers; `app.py` routes the spec's operations to them.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from mockserver.handlers import (
    a2a,
    assistants,
    crons,
    mcp,
    runs,
    state,
    store,
    system,
    threads,
    v3,
)
from mockserver.handlers.base import Call, Reply

Handler = Callable[[Call], Reply]


def _collect(*modules: ModuleType) -> dict[str, Handler]:
    return {
        name: fn
        for module in modules
        for name, fn in vars(module).items()
        if callable(fn)
        and getattr(fn, "__module__", None) == module.__name__
        and not name.startswith("_")
        and name.islower()
    }


HANDLERS: dict[str, Handler] = _collect(
    threads, state, system, assistants, runs, store, crons, mcp, a2a, v3
)

__all__ = ["HANDLERS", "Call", "Handler", "Reply"]
