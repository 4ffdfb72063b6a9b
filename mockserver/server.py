"""The composition root: one object owning everything a running mock holds.

The spec, the graph models, the store, the worker that runs runs, the scheduler that fires
crons, and the lock that keeps a request and a run step (or a test's seeding from another
thread) from interleaving. The app,
the CLI, the admin API and the pytest plugin all hold the same `Server`; `reset()` is the one
way to empty it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from mockserver.assistants import AssistantRegistry
from mockserver.cron_scheduler import POLL_INTERVAL, CronScheduler
from mockserver.graph import Graph
from mockserver.metrics import RequestCounts
from mockserver.spec import Spec
from mockserver.store import MemoryStore, Store, utc_now
from mockserver.worker import Worker


class CommitLock:
    """The server's lock: re-entrant, and when its outermost holder lets go, the store makes
    what was written under it durable (`Store.flush`). Every write happens under it (a
    request's handler, a run's step, a test seeding from another thread), so an answer is
    never sent before what it reports is saved."""

    def __init__(self, store: Store) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._store = store

    def __enter__(self) -> CommitLock:
        self._lock.acquire()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                self._store.flush()
        finally:
            self._lock.release()


@dataclass(eq=False)
class Server:
    """Everything one mock server holds."""

    spec: Spec
    graphs: Mapping[str, Graph]
    store: Store = field(default_factory=MemoryStore)
    # Held while a handler runs or a run takes a step, so that code in other threads (the
    # pytest plugin seeding or inspecting state) never sees a half-applied request.
    lock: CommitLock = field(init=False)
    # When the server started: its assistants were registered then.
    started_at: str = field(default_factory=utc_now)
    # Runs the queued and running runs; made from the store and the lock.
    worker: Worker = field(init=False)
    # The assistants: each graph's system one (registered at `started_at`) and the ones made.
    assistants: AssistantRegistry = field(init=False)
    # How often the scheduler looks for due crons, in seconds.
    cron_interval: float = POLL_INTERVAL
    # Fires due crons as runs through the worker.
    scheduler: CronScheduler = field(init=False)
    # What else the server holds (another document's records): each emptied by reset().
    also_reset: list[Callable[[], None]] = field(default_factory=list)
    # The requests answered so far, for GET /metrics.
    requests: RequestCounts = field(default_factory=RequestCounts)

    def __post_init__(self) -> None:
        self.lock = CommitLock(self.store)
        self.worker = Worker(self.store, self.lock)
        self.assistants = AssistantRegistry(list(self.graphs), self.started_at, self.store)
        self.scheduler = CronScheduler(
            self.store, self.lock, self.worker, self.assistants, self.graphs, self.cron_interval
        )

    def serving_at(self, url: str) -> None:
        """The URL the server answers at: runs name it in their metadata (`langgraph_api_url`),
        as `langgraph dev` names its own."""
        self.worker.api_url = url

    def reset(self) -> None:
        """Stop every queued and running run where it is (nothing more is written) and the
        cron scheduler, then forget every thread, checkpoint, run, cron and item, the
        assistants clients made and the requests counted."""
        with self.lock:
            self.scheduler.stop()
            self.worker.stop_all()
            self.store.reset()
            self.assistants.reset()
            for forget in self.also_reset:
                forget()
            self.requests.clear()

    def close(self) -> None:
        """Release the store (a file, for a persistent one) once serving has ended."""
        with self.lock:
            self.store.close()
