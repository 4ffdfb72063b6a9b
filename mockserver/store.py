"""In-memory state: threads, their checkpoints and runs. Knows nothing about HTTP or graphs."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mockserver.errors import MockError, NotFound


def utc_now() -> str:
    """The current time as the real server writes it: ISO-8601, microseconds, `+00:00`."""
    return datetime.now(UTC).isoformat()


@dataclass(slots=True)
class Checkpoint:
    """One saved state of a thread. Channel values are shared with other checkpoints."""

    checkpoint_id: str
    parent_id: str | None
    step: int
    values: dict[str, Any]
    next: tuple[str, ...]
    metadata: dict[str, Any]
    created_at: str
    # node -> the raw writes a later update made as that node from this checkpoint (task result)
    results: dict[str, Any] = field(default_factory=dict)
    # node -> interrupts raised by that node's pending task
    interrupts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # the node a run executed last; None until a run has run (as_node inference, see state.py)
    last_ran: str | None = None
    # node -> the error its task failed with in a run, as Python writes it: ValueError('...')
    errors: dict[str, str] = field(default_factory=dict)
    # what an `as_node: __input__` update queued for `__start__`; a run applies it
    pending_input: dict[str, Any] | None = None


@dataclass(slots=True)
class Thread:
    """A thread: its record and its checkpoints, kept in checkpoint-id (= time) order."""

    thread_id: str
    created_at: str
    updated_at: str
    state_updated_at: str
    metadata: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    checkpoint_ids: list[str] = field(default_factory=list)
    by_id: dict[str, Checkpoint] = field(default_factory=dict)
    # the runs that hold the thread (busy): the running one first, then the enqueued ones
    queue: list[str] = field(default_factory=list)
    # what the last run left: its error ({error, message}) and the status it set, if any
    error: Any = None
    run_status: str | None = None
    # A copy's record, as the real server keeps it until the copy is next written: no values,
    # no interrupts or error, status idle (its state has the copied values all along).
    copied_record: bool = False

    @property
    def head(self) -> Checkpoint | None:
        """The newest checkpoint, which is the thread's current state."""
        return self.checkpoints[-1] if self.checkpoints else None

    @property
    def graph_id(self) -> str | None:
        """The graph bound through `metadata.graph_id`, if any."""
        graph_id = self.metadata.get("graph_id")
        return graph_id if isinstance(graph_id, str) else None

    def remove_checkpoints(self, doomed: set[str]) -> None:
        """Forget these checkpoints (a rolled-back run's)."""
        kept = [c for c in self.checkpoints if c.checkpoint_id not in doomed]
        self.checkpoints = kept
        self.checkpoint_ids = [c.checkpoint_id for c in kept]
        self.by_id = {c.checkpoint_id: c for c in kept}

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a checkpoint; ids are time-ordered, so this is an append in practice."""
        self.copied_record = False  # a write brings the thread record up to its state
        cid = checkpoint.checkpoint_id
        if not self.checkpoint_ids or cid > self.checkpoint_ids[-1]:
            self.checkpoint_ids.append(cid)
            self.checkpoints.append(checkpoint)
        else:
            index = bisect.bisect_left(self.checkpoint_ids, cid)
            self.checkpoint_ids.insert(index, cid)
            self.checkpoints.insert(index, checkpoint)
        self.by_id[cid] = checkpoint


@dataclass(slots=True)
class Run:
    """A run's record, as GET /threads/{id}/runs/{run_id} shows it."""

    run_id: str
    thread_id: str
    assistant_id: str
    graph_id: str
    metadata: dict[str, Any]
    status: str
    kwargs: dict[str, Any]
    multitask_strategy: str
    created_at: str
    updated_at: str
    # a stateless run's thread, deleted when the run ends
    temporary: bool = False


class StoreFull(MockError):
    """Raised when a new thread would pass the server's --max-threads cap."""

    status_code = 507


class Store:
    """All threads and runs of one mock server; at most `max_threads` threads (None: no cap)."""

    def __init__(self) -> None:
        self.threads: dict[str, Thread] = {}
        self.runs: dict[str, Run] = {}
        self.max_threads: int | None = None

    def get(self, thread_id: str) -> Thread:
        """The thread with this canonical id; NotFound if there is none."""
        try:
            return self.threads[thread_id]
        except KeyError:
            raise NotFound(f"Thread with ID {thread_id} not found") from None

    def add(self, thread: Thread) -> None:
        """Store a new thread; StoreFull when the cap is reached."""
        cap = self.max_threads
        if cap is not None and len(self.threads) >= cap and thread.thread_id not in self.threads:
            raise StoreFull(
                f"The mock holds {cap} threads, its --max-threads cap: delete some, "
                "or reset it (POST /__mockserver/reset)"
            )
        self.threads[thread.thread_id] = thread

    def delete(self, thread_id: str) -> None:
        """Forget a thread, its history and its runs; NotFound if there is none."""
        if self.threads.pop(thread_id, None) is None:
            raise NotFound(f"Thread with ID {thread_id} not found")
        for run_id in [r.run_id for r in self.runs.values() if r.thread_id == thread_id]:
            del self.runs[run_id]

    def runs_of(self, thread_id: str) -> list[Run]:
        """The thread's runs, newest first."""
        return [r for r in reversed(self.runs.values()) if r.thread_id == thread_id]

    def reset(self) -> None:
        """Forget everything."""
        self.threads.clear()
        self.runs.clear()
