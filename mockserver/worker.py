"""The worker: runs each thread's runs one after the other, and streams what they emit.

A run executes as a generator (engine.py); an asyncio task drives it, sleeping where the
script pauses, and takes the server's lock for every step. `finish_now` drives a run (and the
ones queued before it on its thread) to its end at once, which is how wait and join answer.
Everything here runs on the server's event loop thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Generator, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.engine import Execution, execute
from mockserver.errors import NotFound
from mockserver.events import plain_values
from mockserver.graph import Graph
from mockserver.runs import end_run, start_run
from mockserver.store import Run, Store, Thread

log = logging.getLogger("mockserver")
_KEPT_STREAMS = 256  # finished resumable streams kept for Last-Event-ID reconnects
_MODE_OF = {"messages": "messages-tuple", "messages/metadata": "messages",
            "messages/partial": "messages", "messages/complete": "messages"}


class RunStream:
    """The events of one run, kept so that late subscribers (join, reconnect) can read them."""

    def __init__(self, resumable: bool) -> None:
        self.resumable = resumable
        self.events: list[dict[str, Any]] = []
        self.closed = False
        self._changed = asyncio.Event()
        self._last_id = (0, 0)

    def publish(self, name: str, data: Any) -> None:
        """Add an event (with an id `<ms>-<seq>` when the run's stream is resumable)."""
        event: dict[str, Any] = {"event": name, "data": data}
        if self.resumable:
            now = int(time.time() * 1000)
            ms, seq = self._last_id
            self._last_id = (now, 0) if now > ms else (ms, seq + 1)
            event["id"] = "-".join(map(str, self._last_id))
        self.events.append(event)
        self._wake()

    def close(self) -> None:
        """No more events: subscribers end once they have read everything."""
        self.closed = True
        self._wake()

    def after(self, last_event_id: str) -> int:
        """The index of the first event after `last_event_id` (-1 or 0: from the start)."""
        wanted = _event_key(last_event_id)
        return next((i for i, e in enumerate(self.events) if _event_key(e.get("id", "")) >
                     wanted), len(self.events))

    async def follow(self, start: int, modes: frozenset[str] | None) -> AsyncIterator[Any]:
        """The events from index `start` on, then live ones, until the run ends."""
        index = start
        while True:
            changed = self._changed
            while index < len(self.events):
                event = self.events[index]
                index += 1
                if modes is None or _wanted(event["event"], modes):
                    yield event
            if self.closed:
                return
            await changed.wait()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


@dataclass(eq=False)
class Active:
    """A run that is queued or running, with its stream and, once started, its execution."""

    run: Run
    thread: Thread
    graph: Graph
    stream: RunStream
    execution: Execution | None = None
    steps: Generator[float, None, None] | None = None
    task: asyncio.Task[None] | None = None


class Worker:
    """All queued and running runs of one server."""

    def __init__(self, store: Store, lock: threading.RLock) -> None:
        self.store = store
        self.lock = lock
        self.active: dict[str, Active] = {}
        self.finished: dict[str, RunStream] = {}

    def submit(self, run: Run, thread: Thread, graph: Graph) -> Active:
        """Queue a new run on its thread; it starts at once if the thread is free."""
        active = Active(run, thread, graph, RunStream(bool(run.kwargs.get("resumable"))))
        self.active[run.run_id] = active
        thread.queue.append(run.run_id)
        if thread.queue[0] == run.run_id:
            self._start(active)
        return active

    def stream(self, run_id: str) -> RunStream | None:
        """The run's stream while it is queued or running, or kept after it ended."""
        active = self.active.get(run_id)
        return active.stream if active is not None else self.finished.get(run_id)

    def finish_now(self, run_id: str) -> None:
        """Drive the run to its end now, with the runs queued before it (caller holds the
        lock)."""
        while (active := self.active.get(run_id)) is not None:
            queue = active.thread.queue
            first = self.active.get(queue[0]) if queue else None
            if first is None:
                return
            if first.steps is None:
                self._start(first)
            while self._step(first) is not None:
                pass

    def cancel(self, run_id: str, action: str, reason: str) -> None:
        """Stop a queued or running run (caller holds the lock); `rollback` also deletes the
        run and the checkpoints it wrote."""
        active = self.active.get(run_id)
        if active is None:
            raise NotFound("No runs found to cancel.")
        run, thread = active.run, active.thread
        started = active.steps is not None
        if active.steps is not None:
            active.steps.close()
        error = {"error": "UserInterrupt", "message": reason} if started else None
        end_run(run, thread, "interrupted", error, "interrupted")
        if action == "rollback":
            thread.remove_checkpoints({c.checkpoint_id for c in thread.checkpoints
                                       if c.metadata.get("run_id") == run_id})
            thread.error = thread.run_status = None
            self.store.runs.pop(run_id, None)
        self._retire(active)

    def stop_all(self) -> None:
        """Stop every queued and running run where it is, writing nothing more, and end their
        streams (caller holds the lock): a reset. Safe from any thread."""
        stopped = list(self.active.values())
        self.active.clear()
        self.finished.clear()
        for active in stopped:
            if active.steps is not None:
                active.steps.close()

        def finish() -> None:  # asyncio objects: on the loop's own thread
            for active in stopped:
                active.stream.close()
                if active.task is not None:
                    active.task.cancel()
        loop = next((a.task.get_loop() for a in stopped if a.task is not None), None)
        if loop is None or loop is _running_loop():
            finish()
        else:
            loop.call_soon_threadsafe(finish)

    def result(self, active: Active) -> Any:
        """What wait and join answer with once the run has ended."""
        execution = active.execution
        if execution is not None and execution.error is not None:
            return {"__error__": execution.error}
        if execution is not None and execution.last_values is not None:
            return execution.last_values
        return thread_result(active.thread)

    def _start(self, active: Active) -> None:
        start_run(active.run, active.thread)
        active.execution = Execution(active.thread, active.graph, active.run,
                                     active.stream.publish)
        active.steps = execute(active.execution)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no server loop (the core used directly): finish_now drives it
            return
        active.task = loop.create_task(self._drive(active))

    async def _drive(self, active: Active) -> None:
        while True:
            with self.lock:
                pause = self._step(active)
            if pause is None:
                return
            await asyncio.sleep(pause)

    def _step(self, active: Active) -> float | None:
        if self.active.get(active.run.run_id) is not active or active.steps is None:
            return None  # ended already (finished at once, or cancelled)
        try:
            return next(active.steps)
        except StopIteration:
            self._end(active)
        except Exception as exc:  # a bug in the mock: fail the run rather than hang it
            log.exception("run %s failed", active.run.run_id)
            assert active.execution is not None
            active.execution.error = {"error": type(exc).__name__, "message": str(exc)}
            active.stream.publish("error", active.execution.error)
            self._end(active)
        return None

    def _end(self, active: Active) -> None:
        execution = active.execution
        assert execution is not None
        if execution.error is not None:
            end_run(active.run, active.thread, "error", execution.error, "error")
        else:
            end_run(active.run, active.thread, "success")
        self._retire(active)

    def _retire(self, active: Active) -> None:
        run, thread = active.run, active.thread
        active.stream.close()
        self.active.pop(run.run_id, None)
        if active.stream.resumable:
            self.finished[run.run_id] = active.stream
            while len(self.finished) > _KEPT_STREAMS:
                del self.finished[next(iter(self.finished))]
        if active.task is not None and active.task is not _current_task():
            active.task.cancel()
        if run.temporary and not thread.queue:
            self.store.threads.pop(thread.thread_id, None)
        if thread.queue and (following := self.active.get(thread.queue[0])) is not None:
            self._start(following)


def thread_result(thread: Thread) -> Any:
    """The answer of wait and join read from the thread, as the real server falls back to."""
    if thread.run_status == "error":
        return {"__error__": thread.error}
    head = thread.head
    if head is None:
        return {}
    found = [i for items in head.interrupts.values() for i in items]
    if found:
        return {"__interrupt__": found}
    return plain_values(head.values) or {}


def subscribe_modes(stream_mode: str | None) -> frozenset[str] | None:
    """The modes a join-stream request asks for: one mode, or a JSON list as the JS SDK sends
    it (None: everything the run streams)."""
    if not stream_mode:
        return None
    if stream_mode.startswith("["):
        try:
            parsed = json.loads(stream_mode)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return frozenset(str(mode) for mode in parsed)
    return frozenset([stream_mode])


def _wanted(name: str, modes: Mapping[str, Any] | frozenset[str]) -> bool:
    if name in ("metadata", "error"):
        return True
    base = name.split("|", 1)[0]
    return _MODE_OF.get(base, base) in modes


def _event_key(event_id: str) -> tuple[int, int]:
    ms, _, seq = event_id.partition("-")
    try:
        return (int(ms), int(seq or 0)) if ms else (-1, -1)
    except ValueError:
        return (-1, -1)


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
