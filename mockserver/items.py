"""Long-term memory: the store's items, as langgraph's InMemoryStore keeps them behind
`langgraph dev` (the /store/... routes; handlers/store.py). Knows nothing about HTTP.

An item is a JSON object filed under a namespace (a tuple of labels) and a key. `Items` is
what the server needs of a store of them; `MemoryItems` keeps them in dicts (`SqliteItems`,
in sqlite_items.py, in a SQLite file that outlives the process, on the rules kept here). Both
answer alike, as the real store does:

- A put replaces the item whole: its value and both timestamps (`created_at` too).
- Search lists items by namespace, in the order each namespace got its first item, and
  within one in the order its keys were first put (an update keeps the key's place; a key
  put again after a delete goes last). `filter` matches on the value (`_compare`), then
  `[offset:offset + limit]` picks the page, with Python's slice rules (negative bounds count
  from the end, as the real store's do).
- Namespaces are listed sorted, deduplicated after `max_depth` cuts them, then paged the
  same way. Unlike the real store, a namespace whose items are all deleted is not listed,
  and reading or deleting in an unknown namespace creates nothing (docs/deviations.md #70).
- A namespace is checked as langgraph's store checks it (`check_namespace`,
  `check_labels`): BadRequest in its words.

Records are frozen: a put makes a new Item. TTLs and search indexes have no effect on the
real in-memory store (no `store` section in langgraph.json), so they are not kept here.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import orjson

from mockserver.errors import BadRequest

Namespace = tuple[str, ...]
Clock = Callable[[], str]
_T = TypeVar("_T")


def utc_now() -> str:
    """The current time as the real store writes it: ISO-8601, microseconds, `+00:00`."""
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class Item:
    """One stored item. `value` is the store's own copy: never mutate it."""

    namespace: Namespace
    key: str
    value: Mapping[str, Any]
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        """The item as GET /store/items answers it, in the real server's key order."""
        return {
            "namespace": list(self.namespace),
            "key": self.key,
            "value": self.value,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class Items(Protocol):
    """A store of items: what the /store/... routes (and a reset) need."""

    def put(self, namespace: Namespace, key: str, value: Mapping[str, Any]) -> Item:
        """Store `value` under namespace and key, replacing any item there; the new item."""
        ...

    def get(self, namespace: Namespace, key: str) -> Item | None:
        """The item, or None."""
        ...

    def delete(self, namespace: Namespace, key: str) -> None:
        """Forget the item; nothing happens if there is none."""
        ...

    def search(
        self,
        prefix: Namespace,
        *,
        filter: Mapping[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[Item]:
        """The page of items under `prefix` whose value matches `filter`."""
        ...

    def namespaces(
        self,
        *,
        prefix: Namespace | None = None,
        suffix: Namespace | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Namespace]:
        """The page of namespaces holding items that match `prefix` and `suffix` (`*` matches
        any label), cut to `max_depth` labels."""
        ...

    def reset(self) -> None:
        """Forget every item."""
        ...

    def close(self) -> None:
        """Release what it holds open (a file); it is not used afterwards."""
        ...


# --- the rules both stores share -----------------------------------------------------------


def check_namespace(namespace: Namespace) -> None:
    """A namespace an item may be put under, as langgraph's store requires; BadRequest."""
    if not namespace:
        raise BadRequest("Namespace cannot be empty.")
    check_labels(namespace)
    if namespace[0] == "langgraph":
        raise BadRequest(f'Root label for namespace cannot be "langgraph". Got: {namespace}')


def check_labels(namespace: Namespace) -> None:
    """Labels a store can file under, in langgraph's words (`_validate_namespace_labels`)."""
    for label in namespace:
        if not isinstance(label, str):
            raise BadRequest(
                f"Invalid namespace label '{label}' found in {namespace}. Namespace labels"
                f" must be strings, but got {type(label).__name__}."
            )
        if "." in label:
            raise BadRequest(
                f"Invalid namespace label '{label}' found in {namespace}. Namespace labels "
                "cannot contain periods ('.')."
            )
        if "\x00" in label:
            raise BadRequest(
                f"Invalid namespace label '{label}' found in {namespace}. Namespace labels "
                "cannot contain NUL bytes ('\\x00')."
            )
        if not label:
            raise BadRequest(
                f"Namespace labels cannot be empty strings. Got {label} in {namespace}"
            )


def matches(value: Mapping[str, Any], filter: Mapping[str, Any] | None) -> bool:
    """Whether an item's value matches a search filter, as InMemoryStore compares: each key
    of the filter names a key of the value; a plain filter value must equal it (objects
    key by key, lists item by item), an object of `$` operators must hold for it. Lazy as
    the real store is: a bad operator is refused only when an item reaches it."""
    if not filter:
        return True
    return all(_compare(value.get(key), wanted) for key, wanted in filter.items())


def page(items: Sequence[_T], offset: int, limit: int) -> list[_T]:
    """`items[offset:offset + limit]`, as the real store slices (negative bounds included)."""
    return list(items[offset : offset + limit])


def select_namespaces(
    namespaces: Iterable[Namespace],
    prefix: Namespace | None,
    suffix: Namespace | None,
    max_depth: int | None,
    limit: int,
    offset: int,
) -> list[Namespace]:
    """The listed page of `namespaces`, as InMemoryStore lists them."""
    if prefix:
        check_labels(prefix)
    if suffix:
        check_labels(suffix)
    chosen = [
        ns
        for ns in namespaces
        if (not prefix or _fits(ns, prefix)) and (not suffix or _fits(ns[::-1], suffix[::-1]))
    ]
    if max_depth is not None:
        chosen = list({ns[:max_depth] for ns in chosen})
    return page(sorted(chosen), offset, limit)


def _fits(namespace: Namespace, pattern: Namespace) -> bool:
    return len(namespace) >= len(pattern) and all(
        want in ("*", label) for label, want in zip(namespace, pattern, strict=False)
    )


_ORDERINGS: dict[str, Callable[[float, float], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


def _compare(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        if any(k.startswith("$") for k in wanted):
            return all(_apply(actual, op, operand) for op, operand in wanted.items())
        if not isinstance(actual, dict):
            return False
        return all(_compare(actual.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(wanted)
            and all(_compare(a, w) for a, w in zip(actual, wanted, strict=True))
        )
    return bool(actual == wanted)


def _apply(actual: Any, op: str, operand: Any) -> bool:
    if op == "$eq":
        return bool(actual == operand)
    if op == "$ne":
        return bool(actual != operand)
    ordering = _ORDERINGS.get(op)
    if ordering is None:
        raise BadRequest(f"Unsupported operator: {op}")
    try:
        bound = float(operand)
    except (TypeError, ValueError, OverflowError) as exc:
        # The real store's 400 (a TypeError there is a 500: docs/deviations.md #71).
        raise BadRequest(str(exc)) from None
    try:
        number = float(actual)
    except (TypeError, ValueError, OverflowError):
        return False  # a value that is no number (or none) does not match (#71)
    return ordering(number, bound)


def plain_copy(value: Mapping[str, Any]) -> dict[str, Any]:
    """Fresh plain JSON data: nothing the caller holds is shared with the store."""
    copied: dict[str, Any] = orjson.loads(orjson.dumps(value))
    return copied


# --- in memory ---------------------------------------------------------------------------


class MemoryItems:
    """Items in dicts: namespace -> key -> Item, both in insertion order. A namespace takes its
    place in the search order once anything named it (a put, but also a get or a delete, as
    in the real store's defaultdict) and keeps it when its items are gone; it is listed only
    while it holds items (docs/deviations.md #70)."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._data: dict[Namespace, dict[str, Item]] = {}

    def put(self, namespace: Namespace, key: str, value: Mapping[str, Any]) -> Item:
        check_namespace(namespace)
        now = self._clock()
        item = Item(namespace, key, plain_copy(value), now, now)
        self._data.setdefault(namespace, {})[key] = item
        return item

    def get(self, namespace: Namespace, key: str) -> Item | None:
        check_labels(namespace)
        return self._data.setdefault(namespace, {}).get(key)

    def delete(self, namespace: Namespace, key: str) -> None:
        check_labels(namespace)
        self._data.setdefault(namespace, {}).pop(key, None)

    def search(
        self,
        prefix: Namespace,
        *,
        filter: Mapping[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[Item]:
        check_labels(prefix)
        n = len(prefix)
        found = [
            item
            for namespace, items in self._data.items()
            if namespace[:n] == prefix
            for item in items.values()
            if matches(item.value, filter)
        ]
        return page(found, offset, limit)

    def namespaces(
        self,
        *,
        prefix: Namespace | None = None,
        suffix: Namespace | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Namespace]:
        held = [namespace for namespace, items in self._data.items() if items]
        return select_namespaces(held, prefix, suffix, max_depth, limit, offset)

    def reset(self) -> None:
        self._data.clear()

    def close(self) -> None:
        pass
