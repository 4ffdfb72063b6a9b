"""The store's items in a SQLite file (`serve --persist`): SqliteItems, the Items protocol of
items.py kept in two tables, answering as MemoryItems does (the search order, the paging, the
filters and the namespace checks are items.py's). Each write is committed before the call
returns (WAL mode), so an acknowledged put or delete outlives the process. Knows nothing about
HTTP.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from mockserver.items import (
    Clock,
    Item,
    Namespace,
    check_labels,
    check_namespace,
    matches,
    page,
    plain_copy,
    select_namespaces,
    utc_now,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS namespaces (ns TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS items (
    ns TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ns, key)
);
"""
_COLUMNS = "i.ns, i.key, i.value, i.created_at, i.updated_at"
_MAX_ROWS = 2**62  # more rows than a store holds


class SqliteItems:
    """Items in a SQLite file (WAL mode): each write is committed before the call returns, so
    an acknowledged put or delete survives the process being killed.

    A namespace is stored as its labels joined with `.`, which no label may hold (so the text
    is unambiguous, and a prefix is a range of it). The order of search results is the
    memory store's: a namespace's row in `namespaces` (kept once made) and an item's rowid
    (an upsert keeps it; a row put again after a delete gets a higher one).
    """

    def __init__(self, path: str | Path, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()  # one connection, used from the server's threads
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode a commit is in the log file before it returns: a killed process loses
        # nothing committed (only an OS crash could lose the last commits).
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def put(self, namespace: Namespace, key: str, value: Mapping[str, Any]) -> Item:
        check_namespace(namespace)
        now = self._clock()
        item = Item(namespace, key, plain_copy(value), now, now)
        ns = ".".join(namespace)
        with self._lock, self._db:
            self._db.execute("INSERT OR IGNORE INTO namespaces (ns) VALUES (?)", (ns,))
            self._db.execute(
                "INSERT INTO items (ns, key, value, created_at, updated_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value,"
                " created_at = excluded.created_at, updated_at = excluded.updated_at",
                (ns, key, orjson.dumps(item.value).decode(), now, now),
            )
        return item

    def get(self, namespace: Namespace, key: str) -> Item | None:
        check_labels(namespace)
        self._name(namespace)
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM items i WHERE i.ns = ? AND i.key = ?",
            (".".join(namespace), key),
        )
        return rows[0] if rows else None

    def delete(self, namespace: Namespace, key: str) -> None:
        check_labels(namespace)
        self._name(namespace)
        with self._lock, self._db:
            self._db.execute(
                "DELETE FROM items WHERE ns = ? AND key = ?", (".".join(namespace), key)
            )

    def _name(self, namespace: Namespace) -> None:
        """Give the namespace its place in the search order, as naming it does in the memory
        store (listed only once it holds items)."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO namespaces (ns) VALUES (?)", (".".join(namespace),)
            )

    def search(
        self,
        prefix: Namespace,
        *,
        filter: Mapping[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[Item]:
        check_labels(prefix)
        sql = f"SELECT {_COLUMNS} FROM items i JOIN namespaces n ON n.ns = i.ns"
        args: list[Any] = []
        if prefix:
            text = ".".join(prefix)
            sql += " WHERE i.ns = ? OR (i.ns >= ? AND i.ns < ?)"  # '/' follows '.'
            args += [text, text + ".", text + "/"]
        sql += " ORDER BY n.rowid, i.rowid"
        if not filter and min(offset, limit) >= 0:
            bounds = (min(limit, _MAX_ROWS), min(offset, _MAX_ROWS))  # SQLite's are 64-bit
            return self._rows(sql + " LIMIT ? OFFSET ?", (*args, *bounds))
        found = [item for item in self._rows(sql, args) if matches(item.value, filter)]
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
        with self._lock:
            held = [
                tuple(ns.split(".")) for (ns,) in self._db.execute("SELECT DISTINCT ns FROM items")
            ]
        return select_namespaces(held, prefix, suffix, max_depth, limit, offset)

    def reset(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM items")
            self._db.execute("DELETE FROM namespaces")

    def _rows(self, sql: str, args: Sequence[Any]) -> list[Item]:
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [
            Item(tuple(ns.split(".")), key, orjson.loads(value), created, updated)
            for ns, key, value, created, updated in rows
        ]
