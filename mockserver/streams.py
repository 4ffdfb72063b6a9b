"""A run's stream of events, and what wait and join make of it.

RunStream keeps a run's events so that late readers (join, a Last-Event-ID reconnect) can
read them; RunResult and thread_result are the answer of wait and join, as langgraph-api
gives it. Plain data and asyncio events: the worker (worker.py) drives the runs.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from mockserver.events import plain_values
from mockserver.store import History, Thread

_INTERRUPT = "__interrupt__"


# The last stream id given: `<ms>-<seq>`, strictly increasing across every stream of the
# server, as the real server's stream manager numbers every message it carries.
_last_id = (0, 0)


def next_event_id() -> str:
    """A new stream id, `<ms>-<seq>` (what Redis, and langgraph-api after it, writes)."""
    global _last_id
    now = int(time.time() * 1000)
    ms, seq = _last_id
    _last_id = (now, 0) if now > ms else (ms, seq + 1)
    return f"{_last_id[0]}-{_last_id[1]}"


# Told of every event a run publishes, with its stream id (the thread's channel, see below).
Echo = Callable[[str, Any, str], None]


class RunStream:
    """The events of one run, kept so that late subscribers (join, reconnect) can read them."""

    def __init__(self, resumable: bool, echo: Echo | None = None) -> None:
        self.resumable = resumable
        self.events: list[dict[str, Any]] = []
        self.closed = False
        self._changed = asyncio.Event()
        self._echo = echo
        self.done_id: str | None = None  # the stream id of its end (the thread's `run_done`)
        self.started: float | None = None  # time.monotonic() when the run started
        self.end_seen = False  # a reader has followed it to its end
        self.followers = 0  # readers following it now
        self.delivered = False  # a client has been sent one of its events

    def publish(self, name: str, data: Any) -> None:
        """Add an event; it shows its id (`<ms>-<seq>`) when the run's stream is resumable
        (the thread's stream shows every event's)."""
        event_id = next_event_id()
        event: dict[str, Any] = {"event": name, "data": data}
        if self.resumable:
            event["id"] = event_id
        self.events.append(event)
        self._wake()
        if self._echo is not None:
            self._echo(name, data, event_id)

    def close(self) -> None:
        """No more events: subscribers end once they have read everything."""
        self.closed = True
        self._wake()

    def after(self, last_event_id: str) -> int:
        """The index of the first event after `last_event_id` (-1 or 0: from the start)."""
        wanted = _event_key(last_event_id)
        return next(
            (i for i, e in enumerate(self.events) if _event_key(e.get("id", "")) > wanted),
            len(self.events),
        )

    async def follow(self, start: int, modes: frozenset[str] | None) -> AsyncIterator[Any]:
        """The events from index `start` on, then live ones, until the run ends."""
        index = start
        self.followers += 1
        try:
            while True:
                changed = self._changed
                while index < len(self.events):
                    event = self.events[index]
                    index += 1
                    if modes is None or _wanted(event["event"], modes):
                        yield event
                if self.closed:
                    self.end_seen = True
                    return
                await changed.wait()
        finally:
            self.followers -= 1

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


THREAD_MODES = ("lifecycle", "run_modes", "state_update")


class ThreadChannels:
    """What GET /threads/{id}/stream follows: every event of every run on a thread (each with
    its stream id), a `metadata {"status": "run_done"}` when a run ends, and the thread's own
    `state_update` events. Only threads someone follows have a channel; it stays open until
    the follower leaves (or the server is reset)."""

    def __init__(self) -> None:
        self._followers: dict[str, set[asyncio.Queue[dict[str, Any] | None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None  # the followers'

    def watched(self, thread_id: str) -> bool:
        """Whether anyone follows the thread (so that nothing is built for nobody)."""
        return thread_id in self._followers

    def publish(self, thread_id: str, name: str, data: Any, event_id: str | None = None) -> None:
        """Send an event to the thread's followers."""
        followers = self._followers.get(thread_id)
        if followers:
            event = {"event": name, "data": data, "id": event_id or next_event_id()}
            for queue in followers:
                queue.put_nowait(event)

    async def follow(
        self,
        thread_id: str,
        modes: frozenset[str],
        replay: Iterable[dict[str, Any]] = (),
    ) -> AsyncIterator[dict[str, Any]]:
        """The replayed events, then the thread's live ones, those `modes` want, until the
        client leaves or the channel is closed."""
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._followers.setdefault(thread_id, set()).add(queue)
        try:
            for event in replay:
                if thread_wants(modes, event["event"], event["data"]):
                    yield event
            while (live := await queue.get()) is not None:
                if thread_wants(modes, live["event"], live["data"]):
                    yield live
        finally:
            followers = self._followers.get(thread_id)
            if followers is not None:
                followers.discard(queue)
                if not followers:
                    del self._followers[thread_id]

    def close(self) -> None:
        """End every follower's stream (a reset). Safe from any thread."""
        followers = [queue for queues in self._followers.values() for queue in queues]
        self._followers.clear()
        if not followers or self._loop is None:
            return

        def end() -> None:  # asyncio queues: on the loop's own thread
            for queue in followers:
                queue.put_nowait(None)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            end()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(end)


def thread_wants(modes: frozenset[str], name: str, data: Any) -> bool:
    """Whether a thread stream following `modes` sends this event (langgraph_runtime_inmem's
    should_filter_event): run_modes every run event, state_update the state updates,
    lifecycle only a run's first `metadata` and its `run_done`."""
    if "run_modes" in modes and name != "state_update":
        return True
    if "state_update" in modes and name == "state_update":
        return True
    if "lifecycle" in modes and name == "metadata" and isinstance(data, dict):
        return data.get("status") == "run_done" or ("attempt" in data and "run_id" in data)
    return False


class RunResult:
    """The answer of wait and join from the events they read (langgraph-api's _RunResult):
    an error; else the interrupted chunks (merged when more than one); else the last values."""

    def __init__(self) -> None:
        self.latest: Any = None
        self.interrupted: list[dict[str, Any]] = []
        self.errored = False

    def absorb(self, name: str, data: Any) -> None:
        """Take one event of the run's stream into account."""
        if name == "error":
            self.latest, self.errored = {"__error__": data}, True
        elif name in ("values", "updates"):
            if (
                isinstance(data, dict)
                and isinstance(data.get(_INTERRUPT), list)
                and (data[_INTERRUPT])
            ):
                self.interrupted.append(data)
                self.latest = data
            elif name == "values":
                self.latest = data

    def body(self) -> Any:
        """The answer, or None when the events said nothing (the thread answers then)."""
        if self.interrupted and not self.errored:
            if len(self.interrupted) > 1:
                return {_INTERRUPT: [i for chunk in self.interrupted for i in chunk[_INTERRUPT]]}
            return self.interrupted[-1]
        return self.latest


def thread_result(thread: Thread, history: History) -> Any:
    """The answer of wait and join read from the thread, as the real server falls back to."""
    if thread.run_status == "error":
        return {"__error__": thread.error}
    head = history.head
    if head is None:
        return {}
    raised = history.writes_of(head.checkpoint_id).interrupts
    found = [i for items in raised.values() for i in items]
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


def _wanted(name: str, modes: frozenset[str]) -> bool:
    # langgraph_runtime_inmem's _run_stream_mode_matches: metadata and error events are
    # filtered like the others; either messages mode takes every messages event.
    if name in modes:
        return True
    if ("messages" in modes or "messages-tuple" in modes) and name.startswith("messages"):
        return True
    base, bar, _ = name.partition("|")
    return bool(bar) and base in modes


def _event_key(event_id: str) -> tuple[int, int]:
    ms, _, seq = event_id.partition("-")
    try:
        return (int(ms), int(seq or 0)) if ms else (-1, -1)
    except ValueError:
        return (-1, -1)
