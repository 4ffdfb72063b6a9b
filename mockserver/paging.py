"""Paging, sorting and `select` for every search and list: one helper, as the real server's
searches behave (threads, assistants, runs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

_T = TypeVar("_T")


def bounds(query: Mapping[str, Any], default_limit: int = 10) -> tuple[int, int]:
    """`offset` and `limit` as ints (JSON Schema counts 5.0 as an integer)."""
    return int(query.get("offset", 0)), int(query.get("limit", default_limit))


def page(items: Sequence[_T], query: Mapping[str, Any], default_limit: int = 10) -> list[_T]:
    """The items the query's `offset` and `limit` ask for."""
    offset, limit = bounds(query, default_limit)
    return list(items[offset : offset + limit])


def sort(items: list[_T], key: Callable[[_T], Any], query: Mapping[str, Any]) -> None:
    """Sort in place by `key`, newest first unless `sort_order` is `asc`."""
    items.sort(key=key, reverse=query.get("sort_order", "desc") == "desc")


def select(
    rows: Iterable[dict[str, Any]], fields: Sequence[str] | None, *, row_order: bool = False
) -> list[dict[str, Any]]:
    """Rows cut down to the `select`ed fields (all of them without a select): in the order
    `select` names them, or with `row_order` in the row's own (as thread search keeps them)."""
    if not fields:
        return list(rows)
    if row_order:
        wanted = frozenset(fields)
        return [{k: v for k, v in row.items() if k in wanted} for row in rows]
    return [{k: row[k] for k in fields if k in row} for row in rows]
