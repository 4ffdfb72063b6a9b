"""Channel reducers. Values are shared between checkpoints, so a reducer never mutates its input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyrsistent import PVector, pvector

from mockserver.errors import BadRequest
from mockserver.message_log import MessageLog, add_messages


def _last_value(current: Any, update: Any) -> Any:
    return update


def _append(current: PVector[Any], update: Any) -> PVector[Any]:
    # LangGraph's operator.add on a list channel; a non-list write is the graph's error.
    if not isinstance(update, list):
        raise BadRequest(f"can only concatenate list (not {type(update).__name__!r}) to list")
    return current.extend(update)


REDUCERS: dict[str, Callable[[Any, Any], Any]] = {
    "last_value": _last_value,
    "add_messages": add_messages,
    "append": _append,
}

# Aggregate channels hold an empty list from the first checkpoint on; last-value channels are
# absent until written (transcript #57: `{}` on a fresh thread gives `{"messages": []}`).
INITIAL: dict[str, Any] = {"add_messages": MessageLog.EMPTY, "append": pvector()}


def to_plain(value: Any) -> Any:
    """A stored channel value as plain JSON data."""
    if isinstance(value, MessageLog):
        return value.to_list()
    if isinstance(value, PVector):
        return value.tolist()
    return value
