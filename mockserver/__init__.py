"""mockserver: a spec-driven, stateful mock of the LangGraph Agent Server thread-state API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from starlette.applications import Starlette


def create_app(*args: Any, **kwargs: Any) -> Starlette:
    """Build the ASGI app; see `mockserver.app.create_app`."""
    from mockserver.app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["__version__", "create_app"]
