"""A run's stream of events, and what wait and join make of it.

RunStream keeps a run's events so that late readers (join, a Last-Event-ID reconnect) can
read them; RunResult and thread_result are the answer of wait and join, as langgraph-api
gives it. Plain data and asyncio events: the worker (worker.py) drives the runs.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from mockserver.events import plain_values
from mockserver.store import History, Thread

_INTERRUPT = "__interrupt__"


class RunStream:
    """The events of one run, kept so that late subscribers (join, reconnect) can read them."""

    def __init__(self, resumable: bool) -> None:
        self.resumable = resumable
        self.events: list[dict[str, Any]] = []
        self.closed = False
        self._changed = asyncio.Event()
        self._last_id = (0, 0)
        self.started: float | None = None  # time.monotonic() when the run started
        self.end_seen = False  # a reader has followed it to its end
        self.followers = 0  # readers following it now
        self.delivered = False  # a client has been sent one of its events

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
