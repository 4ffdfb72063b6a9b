"""The worker: runs each thread's runs one after the other, and streams what they emit.

A run executes as a generator (engine.py); an asyncio task drives it, sleeping where the
script pauses, and takes the server's lock for every step. Wait and join read the run's
stream to its end (`final_answer`), as langgraph-api does. A run starts at once, where the
real in-memory queue leaves it pending for 0.5-1 s; while it would still be pending there
(`PENDING_WINDOW`, see `_young`), a join reads its stream from the start, as a join of the
pending real run sees every event, and a cancel undoes it, as the real run never ran.
Everything here runs on the server's event loop thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

from mockserver.assistants import AssistantRegistry
from mockserver.engine import execute
from mockserver.errors import Conflict, NotFound
from mockserver.execution import Execution
from mockserver.graph import Graph
from mockserver.runs import (
    API_URL,
    BUSY,
    NOT_FOUND,
    check_request,
    create_run,
    end_run,
    render_run,
    start_run,
    unstart_run,
)
from mockserver.store import Checkpoint, Run, Store
from mockserver.streams import RunResult, RunStream, ThreadChannels, next_event_id, thread_result

log = logging.getLogger("mockserver")
_KEPT_STREAMS = 256  # finished streams kept for Last-Event-ID reconnects and young joins
# The real queue polls every 0.5 s and takes only runs created before the poll began, so a
# new run stays pending at least this long (langgraph_runtime_inmem ops.Runs.next).
PENDING_WINDOW = 0.5
# langgraph-api's reason when a client with on_disconnect=cancel (cancel_on_disconnect) leaves
DISCONNECTED = "client disconnected from the run stream (on_disconnect=cancel)"


@dataclass(eq=False)
class Active:
    """A run that is queued or running, with its stream and, once started, its execution
    (kept, without the execution, for a while after it ended: see Worker.finished)."""

    run: Run  # its latest record
    graph: Graph
    stream: RunStream
    execution: Execution | None = None
    steps: Generator[float, None, None] | None = None
    task: asyncio.Task[None] | None = None
    cancelled: bool = False
    head_before: Checkpoint | None = None  # the thread's head when the run was submitted


class Worker:
    """All queued and running runs of one server."""

    def __init__(self, store: Store, lock: AbstractContextManager[Any]) -> None:
        self.store = store
        self.lock = lock
        self.active: dict[str, Active] = {}
        # thread id -> the runs that hold the thread: the running one first, then the queued
        self.queues: dict[str, list[str]] = {}
        self.channels = ThreadChannels()  # what thread streams follow
        self.finished: dict[str, Active] = {}  # ended runs, the newest last
        self.pending_window = PENDING_WINDOW  # how long a new run's stream replays for joins
        self.api_url = API_URL  # the server's own URL, for run metadata (Context.serving_at)

    def launch(
        self,
        assistants: AssistantRegistry,
        graphs: Mapping[str, Graph],
        thread_id: str | None,
        body: Mapping[str, Any],
        **options: Any,
    ) -> tuple[Active, dict[str, Any]]:
        """Check and create a run, queue it and apply its multitask strategy: how every run is
        made (a run request, a cron firing); with the run's body as it was created (pending).
        `thread_id` None makes a stateless run; `options` go to `runs.create_run`."""
        store = self.store
        # in the real server's order: the assistant named right, the request sound, then the
        # assistant found
        assistant_id = assistants.resolve_id(body["assistant_id"])
        check_request(body, stateless=thread_id is None)
        assistant = assistants.get(assistant_id, NOT_FOUND)
        strategy = body.get("multitask_strategy") or "enqueue"
        existing = store.find_thread(thread_id) if thread_id else None
        in_flight = self.queue(thread_id) if thread_id else ()
        busy = existing is not None and self.holds_young_run(existing.thread_id)
        if strategy == "reject" and existing is not None and (in_flight or busy):
            raise Conflict(BUSY)
        run, _ = create_run(
            store,
            assistant,
            thread_id,
            body,
            stateless=thread_id is None,
            queued=bool(in_flight),
            busy=busy,
            **options,
        )
        pending = render_run(run)  # the record as created: the worker makes new ones
        active = self.submit(run, graphs[run.graph_id])
        if strategy in ("interrupt", "rollback"):
            reason = f"superseded by run {run.run_id} (multitask_strategy={strategy})"
            for other in in_flight:
                if other in self.active:
                    self.cancel(other, strategy, reason)
        return active, pending

    def submit(self, run: Run, graph: Graph) -> Active:
        """Queue a new run on its thread; it starts at once if the thread is free."""
        thread_id, channels = run.thread_id, self.channels

        def echo(name: str, data: Any, event_id: str) -> None:
            channels.publish(thread_id, name, data, event_id)

        active = Active(
            run,
            graph,
            RunStream(bool(run.kwargs.get("resumable")), echo),
            head_before=self.store.history(run.thread_id).head,
        )
        self.active[run.run_id] = active
        queue = self.queues.setdefault(run.thread_id, [])
        queue.append(run.run_id)
        if queue[0] == run.run_id:
            self._start(active)
        return active

    def queue(self, thread_id: str) -> tuple[str, ...]:
        """The runs that hold the thread: the running one first, then the queued ones."""
        return tuple(self.queues.get(thread_id, ()))

    def joined(self, run_id: str, last_event_id: str | None = None) -> tuple[RunStream, int] | None:
        """The run's stream and where a join starts reading it: after `last_event_id` on a
        resumable stream; from the start while the run is young (the real run would still be
        pending, so its join sees everything); else with what comes next. None when the run
        has ended and there is nothing of it to read (the thread answers)."""
        record = self.active.get(run_id) or self.finished.get(run_id)
        if record is None:
            return None
        stream = record.stream
        if last_event_id and stream.resumable:
            return stream, stream.after(last_event_id)
        if self._young(record):
            return stream, 0
        return (stream, len(stream.events)) if run_id in self.active else None

    def replay(self, thread_id: str, last_event_id: str) -> list[dict[str, Any]]:
        """What a thread stream joined with `Last-Event-ID` replays: the events after it of the
        thread's resumable runs (and their ends), in id order, as the real server compares
        ids (as strings; `-` replays everything)."""
        found: list[dict[str, Any]] = []
        for record in (*self.finished.values(), *self.active.values()):
            stream = record.stream
            if record.run.thread_id != thread_id or not stream.resumable:
                continue
            found += [e for e in stream.events if e["id"] > last_event_id]
            if stream.done_id is not None and stream.done_id > last_event_id:
                done = {"status": "run_done", "run_id": record.run.run_id}
                found.append({"event": "metadata", "data": done, "id": stream.done_id})
        return sorted(found, key=lambda e: str(e["id"]))

    def holds_young_run(self, thread_id: str) -> bool:
        """Whether a run of the thread that has already ended here would still be pending on
        the real server (see `_young`): the thread is busy for a new run's multitask strategy."""
        return any(
            record.run.thread_id == thread_id and self._young(record)
            for record in reversed(self.finished.values())
        )

    def _young(self, record: Active) -> bool:
        # Still pending on the real server: queued; or started less than the window ago, no
        # client has been sent any of its events nor read it to its end (the real server
        # sends nothing before it starts a run), and, once ended, neither cancelled nor
        # followed by a write to its thread (a later run, an update), which the real server
        # would have queued or refused meanwhile.
        started = record.stream.started
        if started is None:
            return True
        stream = record.stream
        if (
            stream.end_seen
            or stream.delivered
            or (time.monotonic() - started >= self.pending_window)
        ):
            return False
        if record.run.run_id in self.active:
            return True
        head, run = self.store.history(record.run.thread_id).head, record.run
        return not record.cancelled and (
            head is record.head_before
            or (head is not None and head.metadata.get("run_id") == run.run_id)
        )

    async def final_answer(
        self,
        stream: RunStream,
        start: int,
        thread_id: str | None,
        departure: Callable[[], Awaitable[None]] | None = None,
        cancel_run: str | None = None,
    ) -> Any:
        """What wait and join answer: the run's stream read from `start` to its end, else the
        thread (langgraph-api's _run_result_body with _thread_values_fallback); a stateless
        wait (no `thread_id`) falls back to `{}`. With `departure` and `cancel_run`, a client
        that goes away first cancels that run (and gets nothing)."""
        result = RunResult()
        reading = asyncio.ensure_future(self._absorb(stream, start, result))
        if departure is not None and cancel_run is not None:
            leaving = asyncio.ensure_future(departure())
            await asyncio.wait((reading, leaving), return_when=asyncio.FIRST_COMPLETED)
            leaving.cancel()
            if not reading.done():
                reading.cancel()
                with self.lock:
                    if cancel_run in self.active:
                        self.cancel(cancel_run, "interrupt", DISCONNECTED)
                return None
        await reading
        if (body := result.body()) is not None:
            return body
        if thread_id is None:
            return {}
        with self.lock:
            thread = self.store.find_thread(thread_id)
            if thread is None:
                return {}
            return thread_result(thread, self.store.history(thread_id))

    @staticmethod
    async def _absorb(stream: RunStream, start: int, result: RunResult) -> None:
        async for event in stream.follow(start, None):
            result.absorb(event["event"], event["data"])

    def cancel(self, run_id: str, action: str, reason: str, *, watched: bool = False) -> None:
        """Stop a queued or running run (caller holds the lock); `rollback` also deletes the
        run and the checkpoints it wrote, but keeps a run that never ran if someone awaits it
        (`watched`, or a reader of its stream), as the real server keeps it then."""
        active = self.active.get(run_id)
        if active is None:
            raise NotFound("No runs found to cancel.")
        store, thread_id = self.store, active.run.thread_id
        active.cancelled = True
        # A run the real server would still hold pending never ran there: undo what it did.
        ran = active.steps is not None and not self._young(active)
        if active.steps is not None:
            active.steps.close()
        error = {"error": "UserInterrupt", "message": reason} if ran else None
        active.run = end_run(store, active.run, "interrupted", error, "interrupted", ran=ran)
        if action == "rollback" or not ran:
            history = store.history(thread_id)
            doomed = {
                c.checkpoint_id for c in history.checkpoints if c.metadata.get("run_id") == run_id
            }
            store.remove_checkpoints(thread_id, doomed)
            if (thread := store.find_thread(thread_id)) is not None:
                store.save_thread(replace(thread, error=None, run_status=None))
        if not ran:
            active.run = unstart_run(store, active.run)
        if action == "rollback" and (ran or not (watched or active.stream.followers)):
            store.delete_run(run_id)
        self._retire(active)

    def stop_all(self) -> None:
        """Stop every queued and running run where it is, writing nothing more, and end their
        streams (caller holds the lock): a reset. Safe from any thread."""
        stopped = list(self.active.values())
        self.active.clear()
        self.finished.clear()
        self.queues.clear()
        self.channels.close()
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

    def _start(self, active: Active) -> None:
        active.task = asyncio.get_running_loop().create_task(self._drive(active))

    def _begin(self, active: Active) -> None:
        active.run = start_run(self.store, active.run, self.api_url)
        active.stream.started = time.monotonic()
        active.execution = Execution(self.store, active.graph, active.run, active.stream.publish)
        active.steps = execute(active.execution)

    async def _drive(self, active: Active) -> None:
        # `after_seconds`: the run stays pending until then, as in the real queue.
        if after := active.run.kwargs["config"]["configurable"].get("__after_seconds__"):
            await asyncio.sleep(float(after))
        with self.lock:
            if self.active.get(active.run.run_id) is not active:
                return  # cancelled while it waited
            self._begin(active)
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
            active.run = end_run(self.store, active.run, "error", execution.error, "error")
        else:
            active.run = end_run(self.store, active.run, "success", graph=active.graph)
        self._retire(active)

    def _retire(self, active: Active) -> None:
        run = active.run
        if active.stream.done_id is None:
            active.stream.done_id = next_event_id()
            self.channels.publish(
                run.thread_id,
                "metadata",
                {"status": "run_done", "run_id": run.run_id},
                active.stream.done_id,
            )
        queue = self.queues.get(run.thread_id, [])
        if run.run_id in queue:
            queue.remove(run.run_id)
        if not queue:
            self.queues.pop(run.thread_id, None)
        active.stream.close()
        self.active.pop(run.run_id, None)
        active.steps = active.execution = None  # what a join may still read: the stream
        self.finished[run.run_id] = active
        while len(self.finished) > _KEPT_STREAMS:
            del self.finished[next(iter(self.finished))]
        if active.task is not None and active.task is not _current_task():
            active.task.cancel()
        if run.temporary and not queue and self.store.find_thread(run.thread_id) is not None:
            self.store.delete_thread(run.thread_id)
        following = self.active.get(queue[0]) if queue else None
        if following is not None and following.task is None:  # not when a queued run left
            self._start(following)


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
