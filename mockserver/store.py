"""What a server keeps: threads, their checkpoints, runs, crons — records that never change once
saved.

`Store` is the interface every module writes through; `MemoryStore` keeps everything in
dicts (the default), `mockserver.sqlite.SqliteStore` also commits each write to a file. A
change to a record is a new record (`dataclasses.replace`) handed to the store; a thread's
checkpoints are only ever added (or a run's taken back), never edited: what a later step
learns about a checkpoint's tasks (their results, interrupts, errors) is saved beside it as
its `TaskWrites`, as LangGraph's checkpointer saves a checkpoint's pending writes.
Knows nothing about HTTP or graphs.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from mockserver.errors import MockError, NotFound
from mockserver.items import Items, MemoryItems


def utc_now() -> str:
    """The current time as the real server writes it: ISO-8601, microseconds, `+00:00`."""
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One saved state of a thread. Channel values are shared with other checkpoints."""

    checkpoint_id: str
    parent_id: str | None
    step: int
    values: Mapping[str, Any]
    next: tuple[str, ...]
    metadata: Mapping[str, Any]
    created_at: str
    # the node a run executed last; None until a run has run (as_node inference, see state.py)
    last_ran: str | None = None
    # what an `as_node: __input__` update queued for `__start__`; a run applies it
    pending_input: Mapping[str, Any] | None = None
    # the graph whose run or update wrote it (None: a thread bound to no graph); its metadata
    # may name another (an enqueued run's names the thread's graph when it was made)
    written_by: str | None = None


@dataclass(frozen=True, slots=True)
class TaskWrites:
    """What became of a checkpoint's tasks, by node: the writes a later step made as that
    node (the task's result), the interrupts it raised, the error it failed with (as Python
    writes it: ValueError('...')); and what a run's command `update` wrote into the
    checkpoint's channels (LangGraph's null-task writes), which every read of it shows."""

    results: Mapping[str, Any] = field(default_factory=dict)
    interrupts: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    update: Mapping[str, Any] | None = None

    def merged(self, other: TaskWrites) -> TaskWrites:
        """These writes with `other`'s on top, node by node (the later command's update)."""
        return TaskWrites(
            {**self.results, **other.results},
            {**self.interrupts, **other.interrupts},
            {**self.errors, **other.errors},
            other.update if other.update is not None else self.update,
        )


NO_WRITES = TaskWrites()


@dataclass(frozen=True, slots=True)
class Thread:
    """A thread's record. Its checkpoints are the store's `History` of it."""

    thread_id: str
    created_at: str
    updated_at: str
    state_updated_at: str
    metadata: Mapping[str, Any]
    config: Mapping[str, Any] = field(default_factory=dict)
    # what the last run left: its error ({error, message}) and the status it set, if any
    error: Any = None
    run_status: str | None = None
    # The record as the real server keeps it while it no longer follows the state, until the
    # state is next written: its status and whichever of values, error and interrupts it
    # holds. A copy's: status idle and nothing else (its state has the copied values all
    # along); once a run's checkpoints are deleted with the run: what it showed before.
    shown: Mapping[str, Any] | None = None

    @property
    def graph_id(self) -> str | None:
        """The graph bound through `metadata.graph_id`, if any."""
        graph_id = self.metadata.get("graph_id")
        return graph_id if isinstance(graph_id, str) else None

    def written(self, at: str) -> Thread:
        """The record once its state was written at `at`: updated then, its status following
        the new head (what the last run left is replaced; a copy's record becomes the real
        thing). What dataclasses.replace makes, without its cost on every write."""
        return Thread(self.thread_id, self.created_at, at, at, self.metadata, self.config)


@dataclass(frozen=True, slots=True)
class Run:
    """A run's record, as GET /threads/{id}/runs/{run_id} shows it."""

    run_id: str
    thread_id: str
    assistant_id: str
    graph_id: str
    metadata: Mapping[str, Any]
    status: str
    kwargs: Mapping[str, Any]
    multitask_strategy: str
    created_at: str
    updated_at: str
    # a stateless run's thread, deleted when the run ends
    temporary: bool = False


@dataclass(frozen=True, slots=True)
class Cron:
    """A cron's record: fields in the order the Cron body shows them. Times are ISO-8601
    strings, `end_time` as the client sent it; `next_run_date` is None once the schedule has
    no date left."""

    cron_id: str
    assistant_id: str
    thread_id: str | None  # None: each run on a new thread
    user_id: str
    end_time: str | None
    schedule: str
    timezone: str | None
    payload: Mapping[str, Any]  # what each run is created with
    next_run_date: str | None
    metadata: Mapping[str, Any]
    on_run_completed: str | None
    enabled: bool
    created_at: str
    updated_at: str


class History:
    """A thread's checkpoints in id (= time) order, and their task writes: read by anyone,
    written only by the store that owns it. The head is the last checkpoint, `before` a
    bisection."""

    __slots__ = ("by_id", "checkpoints", "ids", "writes")

    def __init__(self) -> None:
        self.checkpoints: list[Checkpoint] = []
        self.ids: list[str] = []
        self.by_id: dict[str, Checkpoint] = {}
        self.writes: dict[str, TaskWrites] = {}

    @property
    def head(self) -> Checkpoint | None:
        """The newest checkpoint, which is the thread's current state."""
        return self.checkpoints[-1] if self.checkpoints else None

    def __len__(self) -> int:
        return len(self.checkpoints)

    def get(self, checkpoint_id: str | None) -> Checkpoint | None:
        """The checkpoint with this id, if the thread has it."""
        return self.by_id.get(checkpoint_id) if checkpoint_id else None

    def writes_of(self, checkpoint_id: str) -> TaskWrites:
        """What is known of the checkpoint's tasks."""
        return self.writes.get(checkpoint_id, NO_WRITES)

    def _add(self, checkpoint: Checkpoint) -> None:
        cid = checkpoint.checkpoint_id
        if not self.ids or cid > self.ids[-1]:  # ids are time-ordered: an append in practice
            self.ids.append(cid)
            self.checkpoints.append(checkpoint)
        else:
            index = bisect.bisect_left(self.ids, cid)
            self.ids.insert(index, cid)
            self.checkpoints.insert(index, checkpoint)
        self.by_id[cid] = checkpoint

    def _remove(self, doomed: set[str]) -> None:
        self.checkpoints = [c for c in self.checkpoints if c.checkpoint_id not in doomed]
        self.ids = [c.checkpoint_id for c in self.checkpoints]
        self.by_id = {c.checkpoint_id: c for c in self.checkpoints}
        for cid in doomed:
            self.writes.pop(cid, None)


class StoreFull(MockError):
    """Raised when a new thread would pass the server's --max-threads cap."""

    status_code = 507


class Store(Protocol):
    """Where a server keeps threads, checkpoints, runs and crons. Every write goes through these
    methods; what they return is never changed afterwards."""

    max_threads: int | None
    # the long-term memory of the /store/... routes (items.py), kept beside the threads
    items: Items

    def thread(self, thread_id: str) -> Thread:
        """The thread with this canonical id; NotFound if there is none."""

    def find_thread(self, thread_id: str) -> Thread | None:
        """The thread with this canonical id, or None."""

    def threads(self) -> Iterable[Thread]:
        """Every thread, oldest first."""

    def add_thread(self, thread: Thread) -> None:
        """Save a new thread; StoreFull when the cap is reached."""

    def save_thread(self, thread: Thread) -> None:
        """Replace a thread's record (its history stays); nothing if it was deleted."""

    def delete_thread(self, thread_id: str) -> None:
        """Forget a thread, its history, its runs and its crons; NotFound if there is none."""

    def history(self, thread_id: str) -> History:
        """The thread's checkpoints (empty for an unknown thread)."""

    def add_checkpoint(self, thread_id: str, checkpoint: Checkpoint) -> None:
        """Save a new checkpoint of the thread."""

    def add_writes(self, thread_id: str, checkpoint_id: str, writes: TaskWrites) -> None:
        """Save more of what became of a checkpoint's tasks (merged node by node)."""

    def remove_checkpoints(self, thread_id: str, doomed: set[str]) -> None:
        """Forget these checkpoints (a rolled-back run's) and their writes."""

    def run(self, run_id: str) -> Run | None:
        """The run with this id, or None."""

    def runs_of(self, thread_id: str) -> list[Run]:
        """The thread's runs, newest first."""

    def save_run(self, run: Run) -> None:
        """Save a new run or a run's new record."""

    def delete_run(self, run_id: str) -> None:
        """Forget a run (no error if there is none)."""

    def cron(self, cron_id: str) -> Cron | None:
        """The cron with this canonical id, or None."""

    def crons(self) -> Iterable[Cron]:
        """Every cron, oldest first."""

    def save_cron(self, cron: Cron) -> None:
        """Save a new cron or a cron's new record."""

    def delete_cron(self, cron_id: str) -> None:
        """Forget a cron (no error if there is none)."""

    def reset(self) -> None:
        """Forget everything (the items too)."""

    def load_assistants(self) -> dict[str, Any] | None:
        """The assistants saved last (assistants.py), or None."""

    def save_assistants(self, snapshot: dict[str, Any]) -> None:
        """Keep the assistants (every row and version) as they are now."""

    def flush(self) -> None:
        """Make what was written so far durable (the server calls it before it answers)."""

    def close(self) -> None:
        """Release what the store holds open (files); it is not used afterwards."""


class MemoryStore:
    """The in-memory store: dicts, gone when the process ends."""

    def __init__(self) -> None:
        self._threads: dict[str, Thread] = {}
        self._histories: dict[str, History] = {}
        self._runs: dict[str, Run] = {}
        self._crons: dict[str, Cron] = {}
        self.max_threads: int | None = None
        self.items: Items = MemoryItems()

    # ---- threads ------------------------------------------------------------------------

    def thread(self, thread_id: str) -> Thread:
        try:
            return self._threads[thread_id]
        except KeyError:
            raise NotFound(f"Thread with ID {thread_id} not found") from None

    def find_thread(self, thread_id: str) -> Thread | None:
        return self._threads.get(thread_id)

    def threads(self) -> Iterable[Thread]:
        return self._threads.values()

    def add_thread(self, thread: Thread) -> None:
        cap = self.max_threads
        if cap is not None and len(self._threads) >= cap and thread.thread_id not in self._threads:
            raise StoreFull(
                f"The mock holds {cap} threads, its --max-threads cap: delete some, "
                "or reset it (POST /__mockserver/reset)"
            )
        self._threads[thread.thread_id] = thread
        self._histories.setdefault(thread.thread_id, History())

    def save_thread(self, thread: Thread) -> None:
        if thread.thread_id in self._threads:
            self._threads[thread.thread_id] = thread

    def delete_thread(self, thread_id: str) -> None:
        if self._threads.pop(thread_id, None) is None:
            raise NotFound(f"Thread with ID {thread_id} not found")
        self._histories.pop(thread_id, None)
        for run_id in [r.run_id for r in self._runs.values() if r.thread_id == thread_id]:
            del self._runs[run_id]
        for cron_id in [c.cron_id for c in self._crons.values() if c.thread_id == thread_id]:
            del self._crons[cron_id]

    # ---- checkpoints --------------------------------------------------------------------

    def history(self, thread_id: str) -> History:
        found = self._histories.get(thread_id)
        return found if found is not None else History()

    # A run goes on when its thread is deleted (as on the real server); what it writes then
    # goes nowhere.

    def add_checkpoint(self, thread_id: str, checkpoint: Checkpoint) -> None:
        if (history := self._histories.get(thread_id)) is not None:
            history._add(checkpoint)

    def add_writes(self, thread_id: str, checkpoint_id: str, writes: TaskWrites) -> None:
        if (history := self._histories.get(thread_id)) is not None:
            history.writes[checkpoint_id] = history.writes_of(checkpoint_id).merged(writes)

    def remove_checkpoints(self, thread_id: str, doomed: set[str]) -> None:
        if doomed and (history := self._histories.get(thread_id)) is not None:
            history._remove(doomed)

    # ---- runs ---------------------------------------------------------------------------

    def run(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    def runs_of(self, thread_id: str) -> list[Run]:
        return [r for r in reversed(self._runs.values()) if r.thread_id == thread_id]

    def save_run(self, run: Run) -> None:
        self._runs[run.run_id] = run

    def delete_run(self, run_id: str) -> None:
        self._runs.pop(run_id, None)

    # ---- crons --------------------------------------------------------------------------

    def cron(self, cron_id: str) -> Cron | None:
        return self._crons.get(cron_id)

    def crons(self) -> Iterable[Cron]:
        return self._crons.values()

    def save_cron(self, cron: Cron) -> None:
        self._crons[cron.cron_id] = cron

    def delete_cron(self, cron_id: str) -> None:
        self._crons.pop(cron_id, None)

    def reset(self) -> None:
        self._threads.clear()
        self._histories.clear()
        self._runs.clear()
        self.items.reset()
        self._crons.clear()

    def load_assistants(self) -> dict[str, Any] | None:
        return None  # the registry holds them itself, in memory

    def save_assistants(self, snapshot: dict[str, Any]) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass
