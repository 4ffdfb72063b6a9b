"""A store that survives restarts: everything in memory, every write also in a SQLite file.

`mockserver serve --persist FILE` keeps threads, checkpoints, runs and crons across restarts, the
way `langgraph dev` keeps its state in `.langgraph_api/`. Reads are answered from memory (the
same structures as `MemoryStore`, so the same answers at the same speed); each write is also
written to the file, and the writes made under one hold of the server's lock (a request, a
run's step) are committed together when it is let go (`flush`), before the answer is sent. So
an acknowledged write survives `kill -9`. The file is SQLite in WAL mode (stdlib `sqlite3`);
opening it loads everything back.

A message list is saved as what a checkpoint added to its parent's list when that is all it
did (the common case: an update or a step appends), so a write costs what it adds, not the
length of the conversation.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import orjson
from pyrsistent import PVector, pvector

from mockserver.message_log import MessageLog, appended
from mockserver.sqlite_items import SqliteItems
from mockserver.store import Checkpoint, Cron, History, MemoryStore, Run, TaskWrites, Thread

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (thread_id TEXT PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
    thread_id TEXT NOT NULL, checkpoint_id TEXT NOT NULL, record BLOB NOT NULL,
    base_id TEXT, PRIMARY KEY (thread_id, checkpoint_id));
CREATE TABLE IF NOT EXISTS writes (
    thread_id TEXT NOT NULL, checkpoint_id TEXT NOT NULL, record BLOB NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_id));
CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, thread_id TEXT NOT NULL,
    record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS assistants (id INTEGER PRIMARY KEY CHECK (id = 1), record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS crons (cron_id TEXT PRIMARY KEY, thread_id TEXT,
    record BLOB NOT NULL);
"""
_TABLES = ("threads", "checkpoints", "writes", "runs", "crons")
# The key columns `_upsert` writes for a table, and the ones its rows are unique by.
_KEYS = {
    "threads": ("thread_id", "thread_id"),
    "writes": ("thread_id, checkpoint_id", "thread_id, checkpoint_id"),
    "runs": ("run_id, thread_id", "run_id"),
    "crons": ("cron_id, thread_id", "cron_id"),
}
# How far back along a message log's `base` (what it was appended to) its parent's is looked for.
_BASES_LOOKED_AT = 64


class SqliteStore(MemoryStore):
    """The in-memory store, written through to a SQLite file at `path` (made if missing)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A commit reaches the OS before it returns: safe from a killed process (the OS
        # writes the file on), not from a power cut.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._open = False  # a transaction holds writes not yet committed
        self._guard = threading.Lock()
        self._load()
        # The items (/store/...) in the same file, each write committed as it is made.
        self.items = SqliteItems(self.path)

    # ---- writes: memory first, then the file ---------------------------------------------

    def add_thread(self, thread: Thread) -> None:
        super().add_thread(thread)
        self._upsert("threads", (thread.thread_id,), _thread_record(thread))

    def save_thread(self, thread: Thread) -> None:
        if self.find_thread(thread.thread_id) is None:
            return
        super().save_thread(thread)
        self._upsert("threads", (thread.thread_id,), _thread_record(thread))

    def delete_thread(self, thread_id: str) -> None:
        super().delete_thread(thread_id)
        for table in _TABLES:
            self._run(f"DELETE FROM {table} WHERE thread_id = ?", (thread_id,))

    def add_checkpoint(self, thread_id: str, checkpoint: Checkpoint) -> None:
        if self.find_thread(thread_id) is None:
            return
        history = self.history(thread_id)
        super().add_checkpoint(thread_id, checkpoint)
        record, base_id = _checkpoint_record(checkpoint, history)
        self._run(
            "INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_id, record, base_id) "
            "VALUES (?, ?, ?, ?)",
            (thread_id, checkpoint.checkpoint_id, record, base_id),
        )

    def add_writes(self, thread_id: str, checkpoint_id: str, writes: TaskWrites) -> None:
        if self.find_thread(thread_id) is None:
            return
        super().add_writes(thread_id, checkpoint_id, writes)
        merged = self.history(thread_id).writes_of(checkpoint_id)
        self._upsert("writes", (thread_id, checkpoint_id), _dumps(_shallow(merged)))

    def remove_checkpoints(self, thread_id: str, doomed: set[str]) -> None:
        if not doomed or self.find_thread(thread_id) is None:
            return
        super().remove_checkpoints(thread_id, doomed)
        marks = ", ".join("?" * len(doomed))
        for table in ("checkpoints", "writes"):
            self._run(
                f"DELETE FROM {table} WHERE thread_id = ? AND checkpoint_id IN ({marks})",
                (thread_id, *doomed),
            )
        # A kept checkpoint saved as additions to a removed one is saved whole instead.
        dependants = self._db.execute(
            f"SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND base_id IN ({marks})",
            (thread_id, *doomed),
        ).fetchall()
        history = self.history(thread_id)
        for (checkpoint_id,) in dependants:
            record, _ = _checkpoint_record(history.by_id[checkpoint_id], History())
            self._run(
                "UPDATE checkpoints SET record = ?, base_id = NULL "
                "WHERE thread_id = ? AND checkpoint_id = ?",
                (record, thread_id, checkpoint_id),
            )

    def save_run(self, run: Run) -> None:
        super().save_run(run)
        self._upsert("runs", (run.run_id, run.thread_id), _dumps(_shallow(run)))

    def delete_run(self, run_id: str) -> None:
        super().delete_run(run_id)
        self._run("DELETE FROM runs WHERE run_id = ?", (run_id,))

    def save_cron(self, cron: Cron) -> None:
        super().save_cron(cron)
        self._upsert("crons", (cron.cron_id, cron.thread_id), _dumps(_shallow(cron)))

    def delete_cron(self, cron_id: str) -> None:
        super().delete_cron(cron_id)
        self._run("DELETE FROM crons WHERE cron_id = ?", (cron_id,))

    def reset(self) -> None:
        self.flush()  # the items' own connection writes next: nothing may hold the file
        super().reset()
        for table in _TABLES:
            self._run(f"DELETE FROM {table}", ())
        self.flush()

    def load_assistants(self) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM assistants WHERE id = 1").fetchone()
        return None if row is None else dict(orjson.loads(row[0]))

    def save_assistants(self, snapshot: dict[str, Any]) -> None:
        self._run(
            "INSERT OR REPLACE INTO assistants (id, record) VALUES (1, ?)", (_dumps(snapshot),)
        )

    def flush(self) -> None:
        with self._guard:
            if self._open:
                self._db.execute("COMMIT")
                self._open = False

    def close(self) -> None:
        self.flush()
        self._db.close()
        self.items.close()

    def _upsert(self, table: str, key: tuple[str | None, ...], record: bytes) -> None:
        keys, conflict = _KEYS[table]
        sql = (
            f"INSERT INTO {table} ({keys}, record) VALUES ({', '.join('?' * len(key))}, ?) "
            f"ON CONFLICT ({conflict}) DO UPDATE SET record = excluded.record"
        )
        self._run(sql, (*key, record))

    def _run(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._guard:
            if not self._open:
                self._db.execute("BEGIN")
                self._open = True
            self._db.execute(sql, args)

    # ---- reading the file back -----------------------------------------------------------

    def _load(self) -> None:
        db = self._db
        for thread_id, record in db.execute("SELECT thread_id, record FROM threads ORDER BY rowid"):
            MemoryStore.add_thread(self, Thread(thread_id=thread_id, **orjson.loads(record)))
        rows = db.execute(
            "SELECT thread_id, record FROM checkpoints ORDER BY thread_id, checkpoint_id"
        )
        for thread_id, record in rows:
            history = self.history(thread_id)
            MemoryStore.add_checkpoint(self, thread_id, _checkpoint_of(record, history))
        for thread_id, checkpoint_id, record in db.execute(
            "SELECT thread_id, checkpoint_id, record FROM writes"
        ):
            MemoryStore.add_writes(
                self, thread_id, checkpoint_id, TaskWrites(**orjson.loads(record))
            )
        for (record,) in db.execute("SELECT record FROM runs ORDER BY rowid"):
            MemoryStore.save_run(self, Run(**orjson.loads(record)))
        for (record,) in db.execute("SELECT record FROM crons ORDER BY rowid"):
            MemoryStore.save_cron(self, Cron(**orjson.loads(record)))


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, PVector):
        return value.tolist()
    if isinstance(value, MessageLog):
        return value.to_list()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _shallow(record: Any) -> dict[str, Any]:
    """A record's fields by name (its values as they are: dataclasses.asdict would copy them
    all, and take a message log apart)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _thread_record(thread: Thread) -> bytes:
    record = _shallow(thread)
    del record["thread_id"]
    return _dumps(record)


def _checkpoint_record(checkpoint: Checkpoint, history: History) -> tuple[bytes, str | None]:
    """The checkpoint as JSON, its message lists as additions to its parent's where they are;
    and the id of that parent when the record needs it to be read back."""
    parent = history.get(checkpoint.parent_id)
    values: dict[str, Any] = {}
    base_id = None
    for channel, value in checkpoint.values.items():
        if isinstance(value, MessageLog):
            before = parent.values.get(channel) if parent is not None else None
            added = _added(value, before) if isinstance(before, MessageLog) else None
            if added is None:
                values[channel] = ["log", value.to_list()]
            else:
                values[channel] = ["added", added]
                base_id = parent.checkpoint_id if parent is not None else None
        elif isinstance(value, PVector):
            values[channel] = ["list", value.tolist()]
        else:
            values[channel] = ["value", value]
    record = _shallow(checkpoint)
    record["values"] = values
    return _dumps(record), base_id


def _added(log: MessageLog, before: MessageLog) -> list[Any] | None:
    """What `log` appended to `before`, if it was made from it by appending only."""
    ancestor: MessageLog | None = log
    for _ in range(_BASES_LOOKED_AT):
        if ancestor is None:
            return None
        if ancestor is before:
            return list(log.messages[len(before) :])
        ancestor = ancestor.base
    return None


def _checkpoint_of(record: bytes, history: History) -> Checkpoint:
    data = orjson.loads(record)
    parent = history.get(data["parent_id"])
    values: dict[str, Any] = {}
    for channel, (kind, value) in data["values"].items():
        if kind == "added":
            assert parent is not None, "a checkpoint saved as additions lost its parent"
            before = parent.values[channel]
            values[channel] = appended(before, value) if value else before
        elif kind == "log":
            values[channel] = MessageLog.of(value)
        elif kind == "list":
            values[channel] = pvector(value)
        else:
            values[channel] = value
    data["values"] = values
    data["next"] = tuple(data["next"])
    return Checkpoint(**data)
