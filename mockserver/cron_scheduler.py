"""The cron scheduler: fires the due crons on the server's loop, as langgraph-api's
cron_scheduler does.

`CronScheduler` fires the due crons every `interval` seconds (5, as langgraph-api's
cron_scheduler polls) through `Worker.launch`, the path a run request takes: on the cron's
thread, or on a new thread for a stateless cron (deleted after its run unless
`on_run_completed` is `keep`), with the cron's metadata under the payload's. Each firing
moves the cron's `next_run_date` past it (crons.py keeps the records and their schedules).

Knows nothing about HTTP.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from mockserver.assistants import AssistantRegistry
from mockserver.crons import is_due, next_run
from mockserver.errors import BadRequest, MockError
from mockserver.graph import Graph
from mockserver.runs import SCHEDULER_USER
from mockserver.store import Cron, Run, Store
from mockserver.worker import Worker

log = logging.getLogger("mockserver")

POLL_INTERVAL = 5.0  # langgraph-api's CRON_SCHEDULER_SLEEP_TIME


def run_request(cron: Cron) -> tuple[dict[str, Any], str | None]:
    """The run request a firing makes of the cron, as langgraph-api's cron_scheduler builds
    it, and the cron id to add to the run's configurable after a `context` (None: the
    payload's configurable already has it)."""
    body = copy.deepcopy(dict(cron.payload))
    if cron.on_run_completed == "keep":
        body.setdefault("on_completion", "keep")
    body["metadata"] = {**cron.metadata, **(body.get("metadata") or {})}
    configurable = body.setdefault("config", {}).setdefault("configurable", {})
    configurable["langgraph_auth_user"] = dict(SCHEDULER_USER)
    cron_id = None
    if body.get("context"):
        cron_id = configurable.pop("cron_id", None)
        configurable.pop("langgraph_auth_user", None)
    return body, cron_id


class CronScheduler:
    """Fires the store's due crons every `interval` seconds: an asyncio task on the server's
    loop, started by `wake` when there are crons (as a run's task is started when it is
    submitted), ending by itself when there are none. Every tick holds the server's lock."""

    def __init__(
        self,
        store: Store,
        lock: AbstractContextManager[Any],
        worker: Worker,
        assistants: AssistantRegistry,
        graphs: Mapping[str, Graph],
        interval: float = POLL_INTERVAL,
    ) -> None:
        self.store = store
        self.lock = lock
        self.worker = worker
        self.assistants = assistants
        self.graphs = graphs
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    @property
    def polling(self) -> bool:
        """Whether the scheduler's task is running."""
        return self._task is not None

    def wake(self) -> None:
        """Start polling if there are crons and it is not polling yet (caller holds the lock,
        on the server's loop)."""
        if self._task is None and _any(self.store.crons()):
            self._task = asyncio.get_running_loop().create_task(self._poll())

    def stop(self) -> None:
        """Stop polling (caller holds the lock): a reset. Safe from any thread."""
        task, self._task = self._task, None
        if task is None or task.done():
            return
        loop = task.get_loop()
        if _running_loop() is loop:
            task.cancel()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)

    def tick(self, now: datetime | None = None) -> list[Run]:
        """Fire every cron due at `now` (caller holds the lock, on the server's loop) and move
        each one's next run date past `now`: the runs made. A cron whose run cannot be made
        (its assistant is gone, its thread busy with `reject`) is rescheduled all the same, as
        on the real server."""
        now = now or datetime.now(UTC)
        made = []
        for cron in [c for c in self.store.crons() if is_due(c, now)]:
            if (run := self._fire(cron)) is not None:
                made.append(run)
            try:
                following: str | None = next_run(cron.schedule, now, cron.timezone)
            except BadRequest:
                following = None  # no date left: never due again
            if (latest := self.store.cron(cron.cron_id)) is not None:
                self.store.save_cron(replace(latest, next_run_date=following))
        return made

    def _fire(self, cron: Cron) -> Run | None:
        body, cron_id = run_request(cron)
        try:
            active, _ = self.worker.launch(
                self.assistants, self.graphs, cron.thread_id, body, scheduled=True, cron_id=cron_id
            )
        except MockError as exc:
            log.warning("cron %s made no run: %s", cron.cron_id, exc.detail)
            return None
        except Exception:  # a bug in the mock: keep scheduling the others
            log.exception("cron %s failed to make a run", cron.cron_id)
            return None
        return active.run

    async def _poll(self) -> None:
        me = asyncio.current_task()
        while True:
            with self.lock:
                if self._task is not me:
                    return  # stopped
                if not _any(self.store.crons()):
                    self._task = None
                    return
                self.tick()
            await asyncio.sleep(self.interval)


def _any(items: Iterable[Any]) -> bool:
    return next(iter(items), None) is not None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
