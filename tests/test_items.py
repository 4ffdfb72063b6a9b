"""The store's items (items.py): both stores, in memory and in SQLite, pass the same tests.
What the real server answers over HTTP is in tests/test_store_api.py."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.errors import BadRequest
from mockserver.items import Item, Items, MemoryItems
from mockserver.sqlite_items import SqliteItems


def ticking_clock() -> Callable[[], str]:
    """A clock that moves one second per reading: every put gets a later time."""
    ticks = itertools.count()

    def now() -> str:
        tick = next(ticks)
        return f"2026-01-01T{tick // 3600:02d}:{tick // 60 % 60:02d}:{tick % 60:02d}+00:00"

    return now


@pytest.fixture(params=["memory", "sqlite"])
def items(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Items]:
    if request.param == "memory":
        yield MemoryItems(ticking_clock())
        return
    store = SqliteItems(tmp_path / "items.db", ticking_clock())
    yield store
    store.close()


def keys(found: list[Item]) -> list[tuple[str, ...]]:
    return [(*item.namespace, item.key) for item in found]


# --- put, get, delete -----------------------------------------------------------------------


def test_put_then_get_answers_the_item_in_the_real_key_order(items: Items) -> None:
    value = {"theme": "dark", "nested": {"z": 1, "a": [1, {"b": None}]}}
    made = items.put(("users", "alice"), "prefs", value)
    got = items.get(("users", "alice"), "prefs")
    assert got == made
    assert got is not None
    assert list(got.to_json()) == ["namespace", "key", "value", "created_at", "updated_at"]
    assert got.to_json()["namespace"] == ["users", "alice"]
    assert got.value == value
    assert list(got.value["nested"]) == ["z", "a"]  # the value's own key order is kept
    assert got.created_at == got.updated_at


def test_an_update_replaces_the_value_and_resets_both_timestamps(items: Items) -> None:
    first = items.put(("n",), "k", {"a": 1, "b": 2})
    second = items.put(("n",), "k", {"c": 3})
    got = items.get(("n",), "k")
    assert got == second
    assert got is not None and got.value == {"c": 3}
    assert got.created_at > first.created_at  # as the real store: a put makes a new item
    assert got.updated_at == got.created_at


def test_the_store_keeps_its_own_copy_of_a_value(items: Items) -> None:
    value: dict[str, Any] = {"list": [1]}
    items.put(("n",), "k", value)
    value["list"].append(2)
    value["new"] = True
    got = items.get(("n",), "k")
    assert got is not None and got.value == {"list": [1]}


def test_items_are_frozen_records(items: Items) -> None:
    item = items.put(("n",), "k", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.key = "other"  # type: ignore[misc]


def test_a_missing_item_is_none_and_reading_it_creates_nothing(items: Items) -> None:
    assert items.get(("nobody",), "k") is None
    items.delete(("nobody",), "k")
    assert items.namespaces() == []


def test_delete_forgets_the_item_and_its_namespace_leaves_the_listing(items: Items) -> None:
    items.put(("a",), "k", {})
    items.put(("b",), "k", {})
    items.delete(("a",), "k")
    items.delete(("a",), "k")  # again: nothing there, no error
    assert items.get(("a",), "k") is None
    assert items.namespaces() == [("b",)]


def test_any_string_is_a_key(items: Items) -> None:
    for i, key in enumerate(["", "a\x00b", "a", "ключ 🔑", "a/b.c"]):
        items.put(("n", "ü"), key, {"v": i})
    for i, key in enumerate(["", "a\x00b", "a", "ключ 🔑", "a/b.c"]):
        got = items.get(("n", "ü"), key)
        assert got is not None and got.value == {"v": i} and got.key == key
    assert items.get(("n", "ü"), "a\x00") is None


def test_reset_forgets_everything(items: Items) -> None:
    items.put(("a", "b"), "k", {})
    items.reset()
    assert items.get(("a", "b"), "k") is None
    assert items.search(()) == []
    assert items.namespaces() == []


# --- namespaces as langgraph's store checks them -------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "detail"),
    [
        ((), "Namespace cannot be empty."),
        (
            ("langgraph", "x"),
            "Root label for namespace cannot be \"langgraph\". Got: ('langgraph', 'x')",
        ),
        (
            ("a", "b.c"),
            "Invalid namespace label 'b.c' found in ('a', 'b.c'). Namespace labels cannot "
            "contain periods ('.').",
        ),
        (
            ("a\x00",),
            "Invalid namespace label 'a\x00' found in ('a\\x00',). Namespace labels cannot "
            "contain NUL bytes ('\\x00').",
        ),
        (("a", ""), "Namespace labels cannot be empty strings. Got  in ('a', '')"),
    ],
)
def test_a_put_refuses_what_langgraph_refuses(
    items: Items, namespace: tuple[str, ...], detail: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        items.put(namespace, "k", {})
    assert refused.value.detail == detail
    assert items.namespaces() == []


def test_reads_check_labels_only(items: Items) -> None:
    assert items.get(("langgraph",), "k") is None  # only a put checks the root label
    items.delete((), "k")  # the empty namespace holds nothing
    for read in (
        lambda: items.get(("a\x00",), "k"),
        lambda: items.delete(("a\x00",), "k"),
        lambda: items.search(("a\x00",)),
        lambda: items.namespaces(prefix=("a\x00",)),
        lambda: items.namespaces(suffix=("a\x00",)),
    ):
        with pytest.raises(BadRequest, match="cannot contain NUL bytes"):
            read()


# --- search -----------------------------------------------------------------------------------


def test_search_orders_by_namespace_then_key_as_first_put(items: Items) -> None:
    items.put(("o", "z"), "k2", {})
    items.put(("o", "y"), "k1", {})
    items.put(("o", "z"), "k1", {})
    items.put(("o", "z"), "k2", {"updated": True})  # keeps its place
    assert keys(items.search(("o",))) == [("o", "z", "k2"), ("o", "z", "k1"), ("o", "y", "k1")]
    items.delete(("o", "z"), "k2")
    items.put(("o", "z"), "k2", {})  # put again after a delete: last of its namespace
    assert keys(items.search(("o",))) == [("o", "z", "k1"), ("o", "z", "k2"), ("o", "y", "k1")]


def test_a_namespace_keeps_its_place_when_emptied_and_filled_again(items: Items) -> None:
    items.put(("first",), "k", {})
    items.put(("second",), "k", {})
    items.delete(("first",), "k")
    items.put(("first",), "again", {})
    assert keys(items.search(())) == [("first", "again"), ("second", "k")]


@pytest.mark.parametrize("name", ["get", "delete"])
def test_a_namespace_a_read_or_delete_named_first_comes_first(items: Items, name: str) -> None:
    # The real store's defaultdict makes the namespace when a get or delete names it: it comes
    # first in the search order once it holds items (it is listed only then, #70).
    getattr(items, name)(("later",), "k")
    assert items.namespaces() == []
    items.put(("earlier",), "k", {})
    items.put(("later",), "k", {})
    assert keys(items.search(())) == [("later", "k"), ("earlier", "k")]


def test_a_prefix_matches_whole_labels(items: Items) -> None:
    for namespace in [("a",), ("a", "b"), ("a", "b", "c"), ("ab",), ("a-",), ("a/",), ("b", "a")]:
        items.put(namespace, "k", {})
    assert keys(items.search(("a",))) == [("a", "k"), ("a", "b", "k"), ("a", "b", "c", "k")]
    assert keys(items.search(("a", "b"))) == [("a", "b", "k"), ("a", "b", "c", "k")]
    assert keys(items.search(("a", "b", "c", "d"))) == []
    assert len(items.search((), limit=100)) == 7


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 10, [0, 1, 2, 3, 4]),
        (1, 2, [1, 2]),
        (4, 10, [4]),
        (9, 10, []),
        (0, 0, []),
        (0, -1, [0, 1, 2, 3]),  # Python's slice, as the real store pages
        (-2, 10, [3, 4]),
        (-1, -1, []),
        (-3, 2, [2, 3]),
        (0, 10**30, [0, 1, 2, 3, 4]),  # JSON integers past 64 bits
        (10**30, 10**30, []),
        (-(10**30), 10**31, [0, 1, 2, 3, 4]),
    ],
)
def test_search_pages_as_a_python_slice(
    items: Items, offset: int, limit: int, expected: list[int]
) -> None:
    for i in range(5):
        items.put(("n",), str(i), {"i": i})
    found = items.search(("n",), limit=limit, offset=offset)
    assert [item.value["i"] for item in found] == expected
    # the same with a filter that keeps everything (the SQLite store then pages in Python)
    found = items.search(("n",), filter={"i": {"$gte": 0}}, limit=limit, offset=offset)
    assert [item.value["i"] for item in found] == expected


VALUES: list[dict[str, Any]] = [
    {"n": 1, "s": "x", "obj": {"a": 1, "b": 2}, "list": [1, {"z": 2}]},
    {"n": 2.5, "s": "y", "obj": {"a": 1}, "list": [1]},
    {"n": "3", "s": "x", "flag": True},
    {"n": True},
    {"s": None},
    {"n": "abc", "obj": [1]},
]


@pytest.mark.parametrize(
    ("filter", "matched"),
    [
        (None, [0, 1, 2, 3, 4, 5]),
        ({}, [0, 1, 2, 3, 4, 5]),
        ({"s": "x"}, [0, 2]),
        ({"s": None}, [3, 4, 5]),  # absent and null are both None
        ({"n": 1}, [0, 3]),  # True == 1, as in Python
        ({"obj": {"a": 1}}, [0, 1]),  # objects: key by key, extra keys allowed
        ({"obj": {"a": 1, "b": 2}}, [0]),
        ({"list": [1, {"z": 2}]}, [0]),  # lists: same length, item by item
        ({"list": [1]}, [1]),
        ({"list": [{"z": 2}, 1]}, []),
        ({"n": {"$eq": 2.5}}, [1]),
        ({"n": {"$ne": 1}}, [1, 2, 4, 5]),
        ({"n": {"$gt": 1}}, [1, 2]),  # "3" reads as a number
        ({"n": {"$gte": 1}}, [0, 1, 2, 3]),  # so does true
        ({"n": {"$lt": 2.5}}, [0, 3]),
        ({"n": {"$lte": "2.5"}}, [0, 1, 3]),  # and a numeric bound given as a string
        ({"n": {"$gt": 0, "$lt": 3}}, [0, 1, 3]),
        ({"s": "x", "n": {"$gt": 2}}, [2]),
        ({"obj": {"a": {"$gt": 0}}}, [0, 1]),  # operators inside nested objects
        ({"s": {"$gt": 0}}, []),  # no number there: no match (the real store fails)
    ],
)
def test_filters_match_as_the_real_store_compares(
    items: Items, filter: dict[str, Any] | None, matched: list[int]
) -> None:
    for i, value in enumerate(VALUES):
        items.put(("n",), str(i), value)
    assert [int(item.key) for item in items.search(("n",), filter=filter)] == matched


@pytest.mark.parametrize(
    ("filter", "detail"),
    [
        ({"n": {"$in": [1]}}, "Unsupported operator: $in"),
        ({"n": {"$eq": 1, "other": 2}}, "Unsupported operator: other"),
        ({"n": {"$gt": "x"}}, "could not convert string to float: 'x'"),
        (
            {"n": {"$lt": None}},
            "float() argument must be a string or a real number, not 'NoneType'",
        ),
        ({"n": {"$lte": [1]}}, "float() argument must be a string or a real number, not 'list'"),
    ],
)
def test_a_filter_the_store_cannot_apply_is_a_bad_request_once_an_item_reaches_it(
    items: Items, filter: dict[str, Any], detail: str
) -> None:
    assert items.search(("n",), filter=filter) == []  # no item to test: no error
    items.put(("n",), "k", {"n": 1})
    with pytest.raises(BadRequest) as refused:
        items.search(("n",), filter=filter)
    assert refused.value.detail == detail
    # an item that fails an earlier condition never reaches the bad operator
    assert items.search(("n",), filter={"absent": 1, **filter}) == []


# --- namespaces -------------------------------------------------------------------------------

NAMESPACES = [("o", "z"), ("o", "y"), ("o", "z", "deep", "er"), ("p", "z"), ("a",), ("a", "b")]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, [("a",), ("a", "b"), ("o", "y"), ("o", "z"), ("o", "z", "deep", "er"), ("p", "z")]),
        ({"prefix": ("o",)}, [("o", "y"), ("o", "z"), ("o", "z", "deep", "er")]),
        ({"suffix": ("z",)}, [("o", "z"), ("p", "z")]),
        ({"prefix": ("*", "z")}, [("o", "z"), ("o", "z", "deep", "er"), ("p", "z")]),
        ({"prefix": ("o",), "suffix": ("*", "er")}, [("o", "z", "deep", "er")]),
        ({"prefix": ("o", "z", "deep", "er", "x")}, []),
        ({"max_depth": 1}, [("a",), ("o",), ("p",)]),
        ({"max_depth": 2, "prefix": ("o",)}, [("o", "y"), ("o", "z")]),
        ({"max_depth": 0}, [()]),
        ({"max_depth": -1}, [(), ("a",), ("o",), ("o", "z", "deep"), ("p",)]),
        ({"limit": 2, "offset": 1}, [("a", "b"), ("o", "y")]),
        ({"limit": 0}, []),
        ({"offset": -2}, [("o", "z", "deep", "er"), ("p", "z")]),
        ({"limit": -5}, [("a",)]),
    ],
)
def test_namespaces_are_listed_sorted_and_paged(
    items: Items, options: dict[str, Any], expected: list[tuple[str, ...]]
) -> None:
    for namespace in NAMESPACES:
        items.put(namespace, "k", {})
    assert items.namespaces(**options) == expected


def test_namespaces_sort_by_label_not_by_joined_text(items: Items) -> None:
    items.put(("a-", "x"), "k", {})  # "a-.x" < "a.b" as text, but ("a", ...) < ("a-", ...)
    items.put(("a", "b"), "k", {})
    assert items.namespaces() == [("a", "b"), ("a-", "x")]


# --- SQLite: what survives the process -----------------------------------------------------


def test_sqlite_items_outlive_the_store_object(tmp_path: Path) -> None:
    path = tmp_path / "items.db"
    first = SqliteItems(path)
    first.put(("a",), "k1", {"v": 1})
    first.put(("b",), "k", {})
    first.put(("a",), "k2", {"v": 2})
    first.close()
    second = SqliteItems(path)
    assert keys(second.search(())) == [("a", "k1"), ("a", "k2"), ("b", "k")]
    assert second.namespaces() == [("a",), ("b",)]
    second.close()


_WRITER = textwrap.dedent(
    """
    import sys
    from mockserver.sqlite_items import SqliteItems

    items = SqliteItems(sys.argv[1])
    for i in range(20):
        items.put(("n",), str(i), {"i": i})
    items.delete(("n",), "0")
    print("acknowledged", flush=True)
    sys.stdin.read()  # hold the database open until killed
    """
)


def test_an_acknowledged_sqlite_write_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "items.db"
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ) as writer:
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "acknowledged"
        finally:
            writer.kill()  # SIGKILL: no clean-up, the write-ahead log never checkpointed
            writer.wait(timeout=30)
    assert writer.returncode == -9
    assert (tmp_path / "items.db-wal").stat().st_size > 0  # the writes are in the log only
    reopened = SqliteItems(path)
    found = reopened.search(("n",), limit=100)
    assert [item.value["i"] for item in found] == list(range(1, 20))
    reopened.close()
