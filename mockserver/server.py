"""The composition root: one object owning everything a running mock holds.

The spec, the graph models, the store, the worker that runs runs, and the lock that keeps a
request and a run step (or a test's seeding from another thread) from interleaving. The app,
the CLI, the admin API and the pytest plugin all hold the same `Server`; `reset()` is the one
way to empty it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockserver.graph import Graph
from mockserver.metrics import RequestCounts
from mockserver.spec import Spec
from mockserver.store import MemoryStore, Store, utc_now
from mockserver.worker import Worker


@dataclass(eq=False)
class Server:
    """Everything one mock server holds."""

    spec: Spec
    graphs: Mapping[str, Graph]
    store: Store = field(default_factory=MemoryStore)
    # Held while a handler runs or a run takes a step, so that code in other threads (the
    # pytest plugin seeding or inspecting state) never sees a half-applied request.
    lock: threading.RLock = field(default_factory=threading.RLock)
    # When the server started: its assistants were registered then.
    started_at: str = field(default_factory=utc_now)
    # Runs the queued and running runs; made from the store and the lock.
    worker: Worker = field(init=False)
    # The requests answered so far, for GET /metrics.
    requests: RequestCounts = field(default_factory=RequestCounts)

    def __post_init__(self) -> None:
        self.worker = Worker(self.store, self.lock)

    def serving_at(self, url: str) -> None:
        """The URL the server answers at: runs name it in their metadata (`langgraph_api_url`),
        as `langgraph dev` names its own."""
        self.worker.api_url = url

    def reset(self) -> None:
        """Stop every queued and running run where it is (nothing more is written), then
        forget every thread, checkpoint and run, and the requests counted."""
        with self.lock:
            self.worker.stop_all()
            self.store.reset()
            self.requests.clear()

    def close(self) -> None:
        """Stop the runs and release the store (a file, for a persistent one)."""
        with self.lock:
            self.worker.stop_all()
            self.store.close()
